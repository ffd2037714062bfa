//! The CNI network configuration list of a tenant network, and the configuration each
//! plugin of the list receives on stdin.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::cni::CNI_VERSION;
use super::validate::ValidNetwork;

/// A host port forwarded by the portmap plugin, in the form of CNI's `portMappings`
/// runtime configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PortMapping {
    /// Port on the host.
    pub(super) host_port: u16,
    /// Port inside the container.
    pub(super) container_port: u16,
    /// `tcp` or `udp`.
    pub(super) protocol: String,
}

/// Renders the list for `network`: `bridge` with `host-local` addresses, then `portmap`
/// when the container has host ports.
///
/// The `firewall` plugin is left out. It works here (iptables backend with iptables-nft),
/// but it only adds ACCEPT rules for each container's traffic at the top of the host's
/// `ip filter` FORWARD chain, ahead of the host's own rules, and gives no isolation between
/// tenants. Isolation comes from this layer's own nftables table instead.
pub(super) fn render(network: &ValidNetwork, ipam_dir: &Path, with_host_ports: bool) -> Value {
    let mut plugins = vec![bridge_plugin(network, ipam_dir)];
    if with_host_ports {
        plugins.push(portmap_plugin());
    }
    json!({
        "cniVersion": CNI_VERSION,
        "name": network.network.tenant,
        "plugins": plugins,
    })
}

fn bridge_plugin(network: &ValidNetwork, ipam_dir: &Path) -> Value {
    // `isGateway` is false although the bridge is the containers' gateway: with it, the
    // bridge plugin (containernetworking-plugins 1.1.1) also writes 1 to the host-wide
    // net.ipv4.ip_forward, which is the host owner's decision. The bridge gets its gateway
    // address from this layer before the first ADD instead (see `bridge::ensure`).
    // `ipMasq` is false so that container addresses stay routable and visible to the
    // bank's firewalls, with no NAT.
    json!({
        "type": "bridge",
        "bridge": network.network.bridge,
        "isGateway": false,
        "ipMasq": false,
        "hairpinMode": true,
        "ipam": {
            "type": "host-local",
            "ranges": [[{
                "subnet": network.subnet.to_string(),
                "gateway": network.gateway.to_string(),
            }]],
            "routes": [{ "dst": "0.0.0.0/0" }],
            "dataDir": ipam_dir,
        },
    })
}

fn portmap_plugin() -> Value {
    // `snat` lets the host itself reach a host port through 127.0.0.1.
    json!({
        "type": "portmap",
        "capabilities": { "portMappings": true },
        "snat": true,
    })
}

/// Returns the plugin objects of a list, in order.
pub(super) fn plugins(conflist: &Value) -> &[Value] {
    conflist["plugins"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Returns the type of a plugin object, for example `bridge`.
pub(super) fn plugin_type(plugin: &Value) -> &str {
    plugin["type"].as_str().unwrap_or_default()
}

/// Builds the configuration one plugin of `conflist` receives: the plugin object with the
/// list's `name` and `cniVersion`, the previous result, and the runtime configuration of
/// the capabilities the plugin declares.
pub(super) fn plugin_config(
    conflist: &Value,
    plugin: &Value,
    prev_result: Option<&Value>,
    port_mappings: &[PortMapping],
) -> Value {
    let mut config: Map<String, Value> = plugin.as_object().cloned().unwrap_or_default();
    config.insert("cniVersion".into(), conflist["cniVersion"].clone());
    config.insert("name".into(), conflist["name"].clone());
    if let Some(result) = prev_result {
        config.insert("prevResult".into(), result.clone());
    }
    if plugin["capabilities"]["portMappings"] == Value::Bool(true) {
        let mappings = serde_json::to_value(port_mappings).expect("port mappings serialize");
        config.insert("runtimeConfig".into(), json!({ "portMappings": mappings }));
    }
    Value::Object(config)
}
