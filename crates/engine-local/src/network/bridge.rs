//! The Linux bridge of a tenant network.
//!
//! This layer creates the bridge before the first CNI ADD, and the bridge plugin then
//! attaches containers to the existing bridge. Creating it here gives the bridge
//! - a fixed MAC address: a bridge without one takes the lowest MAC of its ports, so it
//!   changes as containers come and go, which drops neighbours' ARP entries and makes the
//!   bridge plugin's CHECK fail;
//! - its gateway address before portmap runs, because portmap enables `route_localnet`
//!   only on an interface that already routes to the container.

use sha2::{Digest, Sha256};

use super::command::{self, ToolError};
use super::validate::ValidNetwork;

/// Returns whether an interface with this name exists in the current network namespace.
pub(super) fn exists(name: &str) -> bool {
    // if_nametoindex queries the caller's network namespace, whereas /sys/class/net
    // shows the namespace that mounted /sys.
    nix::net::if_::if_nametoindex(name).is_ok()
}

/// Creates the bridge of `network` when it is missing, and sets its gateway address and
/// state. Calling it again changes nothing.
pub(super) async fn ensure(network: &ValidNetwork) -> Result<(), ToolError> {
    let name = network.network.bridge.as_str();
    if !exists(name) {
        create(name).await?;
    }

    let gateway = network.gateway_cidr();
    command::run("ip", &["address", "replace", &gateway, "dev", name]).await?;
    command::run("ip", &["link", "set", "dev", name, "up"]).await?;
    Ok(())
}

async fn create(name: &str) -> Result<(), ToolError> {
    let mac = stable_mac(name);
    let added = command::run(
        "ip",
        &["link", "add", name, "address", &mac, "type", "bridge"],
    )
    .await;

    // A concurrent attach may have created it first.
    match added {
        Err(error) if !exists(name) => Err(error),
        _ => Ok(()),
    }
}

/// Deletes the bridge; a missing bridge is not an error.
pub(super) async fn delete(name: &str) -> Result<(), ToolError> {
    if !exists(name) {
        return Ok(());
    }
    match command::run("ip", &["link", "delete", "dev", name]).await {
        Err(error) if exists(name) => Err(error),
        _ => Ok(()),
    }
}

/// Returns a locally administered unicast MAC address derived from the bridge name, so
/// that a bridge keeps its address when it is created again.
pub(super) fn stable_mac(name: &str) -> String {
    let digest = Sha256::digest(format!("strongroom bridge {name}").as_bytes());

    // 0x02 in the first octet: locally administered, unicast.
    let octets = [0x02, digest[0], digest[1], digest[2], digest[3], digest[4]];
    octets
        .iter()
        .map(|octet| format!("{octet:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}
