//! Rules for `Tenant` objects.

use std::net::Ipv4Addr;

use super::Violations;
use super::metadata::check_metadata;
use crate::{FieldPath, Kind, Tenant, TenantNetwork};

/// Allowed prefixes of a tenant subnet: /16 has room for 65534 instances, and
/// /28 for 13 after the network, gateway and broadcast addresses.
const SUBNET_PREFIX_RANGE: std::ops::RangeInclusive<u8> = 16..=28;

/// Ranges that no tenant subnet may overlap, with what each one is in the IANA
/// IPv4 registries (RFC 6890, and RFC 5771 for multicast).
///
/// Addresses there never reach the bank's network or mean something special
/// to every host: a container address in them would be unreachable or would
/// talk to the host itself (loopback) or to its cloud metadata service
/// (link-local 169.254.169.254). Public ranges are allowed because banks route
/// their own public ranges internally.
const RESERVED_RANGES: [(Ipv4Addr, u8, &str); 5] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\""),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (
        Ipv4Addr::new(240, 0, 0, 0),
        4,
        "reserved for future use, broadcast included",
    ),
];

/// VLAN ids usable by IEEE 802.1Q: 0 and 4095 are reserved.
const VLAN_RANGE: std::ops::RangeInclusive<u16> = 1..=4094;

pub(super) fn check_tenant(tenant: &Tenant, violations: &mut Violations) {
    check_metadata(Kind::Tenant, &tenant.metadata, violations);

    let spec_path = FieldPath::root().key("spec");
    if let Some(network) = &tenant.spec.network {
        check_network(network, &spec_path.key("network"), violations);
    }
}

fn check_network(network: &TenantNetwork, path: &FieldPath, violations: &mut Violations) {
    if let Some(subnet) = &network.subnet {
        violations.check(path.key("subnet"), check_subnet(subnet));
    }
    if let Some(vlan) = network.vlan
        && !VLAN_RANGE.contains(&vlan)
    {
        violations.add(
            path.key("vlan"),
            format!("invalid VLAN id {vlan}: expected 1 to 4094"),
        );
    }
}

/// Checks an IPv4 subnet in CIDR notation whose host bits are zero.
fn check_subnet(subnet: &str) -> Result<(), String> {
    let invalid = || {
        format!(
            "invalid subnet {subnet:?}: expected an IPv4 network in CIDR notation with a prefix \
             from /16 to /28 and the host bits zero, for example 10.89.4.0/24"
        )
    };
    let (address, prefix) = subnet.split_once('/').ok_or_else(invalid)?;
    let address: Ipv4Addr = address.parse().map_err(|_| invalid())?;
    let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
    if !SUBNET_PREFIX_RANGE.contains(&prefix) {
        return Err(invalid());
    }

    let host_mask = u32::MAX >> prefix;
    if u32::from(address) & host_mask != 0 {
        return Err(invalid());
    }
    check_routable(subnet, address)
}

/// Rejects a subnet inside one of [`RESERVED_RANGES`].
///
/// Every range prefix is shorter than the shortest subnet prefix allowed, so
/// a subnet overlaps a range exactly when its network address lies inside it.
fn check_routable(subnet: &str, network: Ipv4Addr) -> Result<(), String> {
    for (start, prefix, reason) in RESERVED_RANGES {
        let range_mask = u32::MAX << (32 - prefix);
        if u32::from(network) & range_mask == u32::from(start) {
            return Err(format!(
                "subnet {subnet:?} is inside {start}/{prefix}, which is {reason}: container \
                 addresses must be routable in the bank's network; choose a private range such \
                 as 10.89.4.0/24 or a range the bank routes"
            ));
        }
    }
    Ok(())
}
