//! Names, container ids and labels of instances.
//!
//! Instance `N` of application `A` in tenant `T` is named `A-N` and runs as
//! container `sr.T.A.N`. Tenant and application names cannot contain dots, so
//! an id parses back into its parts unambiguously. The labels stored with a
//! container carry everything needed to rebuild the engine's table after a
//! control-plane restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use strongroom_engine::{AppKey, TenantNetwork};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Prefix of every container id the engine creates.
const ID_PREFIX: &str = "sr";

/// Label keys, in reverse-DNS form as OCI annotations use.
mod key {
    pub const TENANT: &str = "io.strongroom.tenant";
    pub const APP: &str = "io.strongroom.app";
    pub const ORDINAL: &str = "io.strongroom.ordinal";
    pub const GENERATION: &str = "io.strongroom.generation";
    pub const TEMPLATE: &str = "io.strongroom.template";
    pub const RESTARTS: &str = "io.strongroom.restarts";
    pub const CONSECUTIVE_FAILURES: &str = "io.strongroom.consecutive-failures";
    pub const STARTED_AT: &str = "io.strongroom.started-at";
    pub const IMAGE_DIGEST: &str = "io.strongroom.image-digest";
    pub const BRIDGE: &str = "io.strongroom.network.bridge";
    pub const SUBNET: &str = "io.strongroom.network.subnet";
}

/// Returns the name of instance `ordinal` of `app`, for example `web-0`.
pub fn instance_name(app: &str, ordinal: u32) -> String {
    format!("{app}-{ordinal}")
}

/// Returns the container id of instance `ordinal`, for example `sr.retail.web.0`.
pub fn container_id(key: &AppKey, ordinal: u32) -> String {
    format!("{ID_PREFIX}.{}.{}.{ordinal}", key.tenant, key.app)
}

/// Parses a container id made by [`container_id`] into the application and the ordinal.
///
/// Returns `None` for any other id, including ordinals with leading zeros,
/// so that every accepted id maps back to exactly one instance.
pub fn parse_container_id(id: &str) -> Option<(AppKey, u32)> {
    let mut parts = id.split('.');
    let (prefix, tenant, app, ordinal) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || prefix != ID_PREFIX || tenant.is_empty() || app.is_empty() {
        return None;
    }

    let number: u32 = ordinal.parse().ok()?;
    if number.to_string() != ordinal {
        return None;
    }
    let key = AppKey {
        tenant: tenant.to_owned(),
        app: app.to_owned(),
    };
    Some((key, number))
}

/// Returns the directory holding the log files of one application's instances.
pub fn app_log_dir(log_dir: &Path, key: &AppKey) -> PathBuf {
    log_dir.join(&key.tenant).join(&key.app)
}

/// Returns the log file of one instance: `LOG_DIR/TENANT/APP/INSTANCE.log`.
pub fn log_path(log_dir: &Path, key: &AppKey, instance: &str) -> PathBuf {
    app_log_dir(log_dir, key).join(format!("{instance}.log"))
}

/// Labels the engine stores with each container and reads back when it adopts containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceLabels {
    /// Tenant and application.
    pub key: AppKey,
    /// Instance ordinal.
    pub ordinal: u32,
    /// Generation of the spec the container was created from.
    pub generation: i64,
    /// Hash of the spec fields that shape the container; a different hash means replace it.
    pub template: String,
    /// Restarts of the instance before this container was created.
    pub restarts: u32,
    /// Consecutive failures counted by the restart backoff before this container was created.
    pub consecutive_failures: u32,
    /// When the container was created and started.
    pub started_at: Option<OffsetDateTime>,
    /// Manifest digest of the image the container runs.
    pub image_digest: String,
    /// The tenant network the container is attached to.
    pub network: TenantNetwork,
}

impl InstanceLabels {
    /// Returns the labels as the runtime layer stores them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let started_at = self.started_at.and_then(|time| time.format(&Rfc3339).ok());
        let entries = [
            (key::TENANT, Some(self.key.tenant.clone())),
            (key::APP, Some(self.key.app.clone())),
            (key::ORDINAL, Some(self.ordinal.to_string())),
            (key::GENERATION, Some(self.generation.to_string())),
            (key::TEMPLATE, Some(self.template.clone())),
            (key::RESTARTS, Some(self.restarts.to_string())),
            (
                key::CONSECUTIVE_FAILURES,
                Some(self.consecutive_failures.to_string()),
            ),
            (key::STARTED_AT, started_at),
            (key::IMAGE_DIGEST, Some(self.image_digest.clone())),
            (key::BRIDGE, Some(self.network.bridge.clone())),
            (key::SUBNET, Some(self.network.subnet.clone())),
        ];
        entries
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect()
    }

    /// Reads labels written by [`InstanceLabels::to_map`].
    ///
    /// Returns `None` when the tenant, application or ordinal is missing.
    /// Other missing or unreadable values get defaults (generation 0, no
    /// template, 0 restarts, 0 failures), so that the container is still adopted and
    /// then replaced by the normal rollout.
    pub fn from_map(labels: &BTreeMap<String, String>) -> Option<InstanceLabels> {
        let text = |name: &str| labels.get(name).cloned().unwrap_or_default();
        let tenant = labels.get(key::TENANT)?.clone();
        let app = labels.get(key::APP)?.clone();
        let ordinal = labels.get(key::ORDINAL)?.parse().ok()?;

        let started_at = labels
            .get(key::STARTED_AT)
            .and_then(|value| OffsetDateTime::parse(value, &Rfc3339).ok());
        let network = TenantNetwork {
            tenant: tenant.clone(),
            bridge: text(key::BRIDGE),
            subnet: text(key::SUBNET),
        };
        Some(InstanceLabels {
            key: AppKey { tenant, app },
            ordinal,
            generation: text(key::GENERATION).parse().unwrap_or(0),
            template: text(key::TEMPLATE),
            restarts: text(key::RESTARTS).parse().unwrap_or(0),
            consecutive_failures: text(key::CONSECUTIVE_FAILURES).parse().unwrap_or(0),
            started_at,
            image_digest: text(key::IMAGE_DIGEST),
            network,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: &str, app: &str) -> AppKey {
        AppKey {
            tenant: tenant.to_owned(),
            app: app.to_owned(),
        }
    }

    #[test]
    fn instance_name_joins_app_and_ordinal() {
        assert_eq!(instance_name("web", 0), "web-0");
        assert_eq!(instance_name("payments-api", 12), "payments-api-12");
    }

    #[test]
    fn container_id_round_trips() {
        let app = key("retail", "payments-api");
        let id = container_id(&app, 7);
        assert_eq!(id, "sr.retail.payments-api.7");
        assert_eq!(parse_container_id(&id), Some((app, 7)));
    }

    #[test]
    fn parse_container_id_rejects_foreign_ids() {
        for id in [
            "",
            "sr",
            "sr.retail.web",
            "sr.retail.web.0.1",
            "xx.retail.web.0",
            "sr..web.0",
            "sr.retail..0",
            "sr.retail.web.",
            "sr.retail.web.-1",
            "sr.retail.web.01",
            "sr.retail.web.+1",
            "sr.retail.web.x",
        ] {
            assert_eq!(parse_container_id(id), None, "id {id:?}");
        }
    }

    #[test]
    fn log_path_nests_tenant_app_instance() {
        let path = log_path(
            Path::new("/var/lib/strongroom/logs"),
            &key("retail", "web"),
            "web-2",
        );
        assert_eq!(
            path,
            Path::new("/var/lib/strongroom/logs/retail/web/web-2.log")
        );
    }

    fn sample_labels() -> InstanceLabels {
        InstanceLabels {
            key: key("retail", "web"),
            ordinal: 3,
            generation: 42,
            template: "0123456789abcdef".to_owned(),
            restarts: 5,
            consecutive_failures: 4,
            started_at: Some(time::macros::datetime!(2026-01-02 03:04:05 UTC)),
            image_digest: "sha256:aa".to_owned(),
            network: TenantNetwork {
                tenant: "retail".to_owned(),
                bridge: "sr-retail".to_owned(),
                subnet: "10.88.0.0/24".to_owned(),
            },
        }
    }

    #[test]
    fn labels_round_trip() {
        let labels = sample_labels();
        assert_eq!(InstanceLabels::from_map(&labels.to_map()), Some(labels));
    }

    #[test]
    fn labels_without_ordinal_are_rejected() {
        let mut map = sample_labels().to_map();
        map.remove(key::ORDINAL);
        assert_eq!(InstanceLabels::from_map(&map), None);
    }

    #[test]
    fn labels_with_missing_counters_get_defaults() {
        let mut map = sample_labels().to_map();
        map.remove(key::RESTARTS);
        map.remove(key::CONSECUTIVE_FAILURES);
        map.remove(key::GENERATION);
        map.remove(key::STARTED_AT);

        let labels = InstanceLabels::from_map(&map).expect("labels parse");
        assert_eq!(labels.restarts, 0);
        assert_eq!(labels.consecutive_failures, 0);
        assert_eq!(labels.generation, 0);
        assert_eq!(labels.started_at, None);
    }
}
