//! The part of a spec that shapes a container.
//!
//! Two specs with the same template hash produce the same container, so a
//! new generation that only changes, say, `instances.desired` or a health
//! check leaves running instances alone, and one that changes the image or
//! the environment replaces them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use strongroom_engine::TenantNetwork;
use strongroom_model::{ApplicationSpec, EnvVar, Port, Resources};

/// Spec fields that are fixed when a container is created, in a stable order.
///
/// The hash is stored in container labels and compared after upgrades of the
/// engine, so a field added here later must be skipped when it is unset, or
/// every running instance would be replaced on upgrade.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Template<'a> {
    image: &'a str,
    command: &'a Option<Vec<String>>,
    args: &'a Option<Vec<String>>,
    env: &'a [EnvVar],
    working_dir: &'a Option<String>,
    ports: &'a [Port],
    resources: &'a Resources,
    bridge: &'a str,
    subnet: &'a str,
}

/// Returns the template hash of `spec` on `network`: 16 hexadecimal digits of SHA-256.
pub(crate) fn template_hash(spec: &ApplicationSpec, network: &TenantNetwork) -> String {
    let template = Template {
        image: &spec.image,
        command: &spec.command,
        args: &spec.args,
        env: &spec.env,
        working_dir: &spec.working_dir,
        ports: &spec.ports,
        resources: &spec.resources,
        bridge: &network.bridge,
        subnet: &network.subnet,
    };
    // serde_json fails only on maps with non-string keys and on failing
    // `Serialize` impls, and these fields have neither.
    let json = serde_json::to_vec(&template).unwrap_or_default();
    let digest = Sha256::digest(&json);
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {

    use super::*;

    fn spec() -> ApplicationSpec {
        crate::testing::sample_spec(3)
    }

    fn network() -> TenantNetwork {
        TenantNetwork {
            tenant: "retail".into(),
            bridge: "sr-retail".into(),
            subnet: "10.88.0.0/24".into(),
        }
    }

    #[test]
    fn template_hash_ignores_scaling_and_checks() {
        let before = template_hash(&spec(), &network());
        let mut scaled = spec();
        scaled.instances.desired = 5;
        scaled.stop_grace_period = strongroom_model::Duration::from_secs(1);
        scaled.restart_backoff.initial = strongroom_model::Duration::from_secs(2);
        assert_eq!(template_hash(&scaled, &network()), before);
    }

    #[test]
    fn template_hash_changes_with_image_and_env() {
        let before = template_hash(&spec(), &network());

        let mut new_image = spec();
        new_image.image = "127.0.0.1:5000/web:2".into();
        assert_ne!(template_hash(&new_image, &network()), before);

        let mut new_env = spec();
        new_env.env.push(EnvVar {
            name: "A".into(),
            value: "1".into(),
        });
        assert_ne!(template_hash(&new_env, &network()), before);
    }

    #[test]
    fn template_hash_changes_with_network() {
        let mut other = network();
        other.subnet = "10.89.0.0/24".into();
        assert_ne!(
            template_hash(&spec(), &other),
            template_hash(&spec(), &network())
        );
    }

    #[test]
    fn template_hash_is_sixteen_hex_digits() {
        let hash = template_hash(&spec(), &network());
        assert_eq!(hash.len(), 16);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "hash {hash}");
    }
}
