//! Tenant networks: subnets given in the spec or allocated from a pool, and
//! bridge names derived from tenant names.

use ipnet::Ipv4Net;
use sha2::{Digest, Sha256};

/// Parses an IPv4 subnet in CIDR notation whose host bits are zero.
pub(crate) fn parse_subnet(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text.parse().map_err(|_| {
        format!("subnet {text:?} is not an IPv4 subnet in CIDR notation such as 10.89.4.0/24")
    })?;
    if net.trunc() != net {
        return Err(format!(
            "subnet {text} has host bits set; write {}",
            net.trunc()
        ));
    }
    Ok(net)
}

/// Returns whether two subnets share any address.
pub(crate) fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Returns the first subnet of `prefix_len` in `pool` that overlaps none of `used`.
pub(crate) fn allocate(pool: Ipv4Net, prefix_len: u8, used: &[Ipv4Net]) -> Option<Ipv4Net> {
    let mut candidates = pool.subnets(prefix_len).ok()?;
    candidates.find(|candidate| used.iter().all(|taken| !overlaps(*candidate, *taken)))
}

/// Returns the bridge device name of a tenant: `sr` and the first 8 hex
/// digits of the SHA-256 of its name. Linux allows 15 characters; this uses
/// 10, and stays the same for a name across restarts and hosts.
pub(crate) fn bridge_name(tenant: &str) -> String {
    let digest = Sha256::digest(tenant.as_bytes());
    format!("sr{}", hex::encode(&digest[..4]))
}

#[cfg(test)]
mod tests;
