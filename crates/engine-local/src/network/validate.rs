//! Checks of the names and subnets this layer passes to iproute2, nftables and CNI.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use strongroom_engine::TenantNetwork;

/// Maximum length of a Linux network interface name (`IFNAMSIZ` minus the terminating zero).
const MAX_INTERFACE_NAME: usize = 15;

/// Maximum prefix length that still leaves room for the gateway and one container.
const MAX_PREFIX: u8 = 30;

/// A tenant network whose names and subnet are valid.
#[derive(Debug, Clone)]
pub(super) struct ValidNetwork {
    /// The network as the control plane sent it.
    pub(super) network: TenantNetwork,
    /// The subnet, in canonical form.
    pub(super) subnet: Ipv4Net,
    /// The first address of the subnet, set on the bridge and used as the containers' gateway.
    pub(super) gateway: Ipv4Addr,
}

impl ValidNetwork {
    /// Checks the tenant name, bridge name and subnet of `network`.
    pub(super) fn parse(network: &TenantNetwork) -> Result<ValidNetwork, String> {
        check_network_name(&network.tenant)?;
        check_bridge_name(&network.bridge)?;
        let subnet = parse_subnet(&network.subnet)?;

        // The gateway is the subnet's first host address; host-local never hands it out.
        let gateway = Ipv4Addr::from(u32::from(subnet.network()) + 1);
        Ok(ValidNetwork {
            network: network.clone(),
            subnet,
            gateway,
        })
    }

    /// Returns the gateway with the subnet's prefix as set on the bridge, for example
    /// `10.89.4.1/24`.
    pub(super) fn gateway_cidr(&self) -> String {
        format!("{}/{}", self.gateway, self.subnet.prefix_len())
    }
}

/// Checks a CNI network name, which also names the IPAM directory.
fn check_network_name(name: &str) -> Result<(), String> {
    // CNI requires names to start with a letter or digit and contain only
    // letters, digits, `_`, `.` and `-`.
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if !starts_well || !name.chars().all(is_name_char) {
        return Err(format!(
            "invalid network name {name:?}: use letters, digits, '_', '.' and '-', \
             starting with a letter or digit"
        ));
    }
    Ok(())
}

fn check_bridge_name(name: &str) -> Result<(), String> {
    let valid_chars = name.chars().all(is_name_char) && !name.starts_with('.');
    if name.is_empty() || name.len() > MAX_INTERFACE_NAME || !valid_chars {
        return Err(format!(
            "invalid bridge name {name:?}: use 1 to {MAX_INTERFACE_NAME} letters, digits, \
             '_', '.' and '-', not starting with '.'"
        ));
    }
    Ok(())
}

fn parse_subnet(text: &str) -> Result<Ipv4Net, String> {
    let subnet: Ipv4Net = text.parse().map_err(|_| {
        format!("invalid subnet {text:?}: expected IPv4 CIDR notation such as 10.89.4.0/24")
    })?;
    if subnet.trunc() != subnet {
        return Err(format!(
            "invalid subnet {text:?}: host bits are set; use the network address {}",
            subnet.trunc()
        ));
    }
    if subnet.prefix_len() > MAX_PREFIX {
        return Err(format!(
            "invalid subnet {text:?}: the prefix must be /{MAX_PREFIX} or shorter to hold a \
             gateway and a container"
        ));
    }
    Ok(subnet)
}

/// Checks a container id, which CNI receives as `CNI_CONTAINERID`.
pub(super) fn check_container_id(id: &str) -> Result<(), String> {
    if id.is_empty() || !id.chars().all(is_name_char) {
        return Err(format!(
            "invalid container id {id:?}: use letters, digits, '_', '.' and '-'"
        ));
    }
    Ok(())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}
