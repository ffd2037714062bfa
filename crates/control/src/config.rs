use std::net::Ipv4Addr;
use std::time::Duration;

use ipnet::Ipv4Net;

/// Settings of the control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformConfig {
    subnet_pool: Ipv4Net,
    tenant_prefix_len: u8,
    /// Maximum time between two reconcile passes when nothing wakes the loop; default 1 s.
    pub resync_interval: Duration,
    /// Maximum wait for one engine call before the reconciler counts it as failed; default 60 s.
    pub engine_timeout: Duration,
    /// Applications synced at the same time within one pass; default 8.
    pub max_concurrent_syncs: usize,
}

/// Default pool of tenant subnets: 10.89.0.0/16.
const DEFAULT_SUBNET_POOL: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(10, 89, 0, 0), 16);

/// Default prefix length of an allocated tenant subnet: 254 addresses.
const DEFAULT_TENANT_PREFIX_LEN: u8 = 24;

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            subnet_pool: DEFAULT_SUBNET_POOL,
            tenant_prefix_len: DEFAULT_TENANT_PREFIX_LEN,
            resync_interval: Duration::from_secs(1),
            engine_timeout: Duration::from_secs(60),
            max_concurrent_syncs: 8,
        }
    }
}

/// Rejection of a control-plane setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid subnet pool {pool:?} with tenant prefix /{prefix_len}: {problem}")]
pub struct ConfigError {
    /// The pool as given.
    pub pool: String,
    /// The tenant prefix length as given.
    pub prefix_len: u8,
    /// The problem and the allowed values.
    pub problem: String,
}

impl PlatformConfig {
    /// Sets the pool that tenants without an explicit subnet get a subnet from,
    /// and the prefix length of each allocated subnet (16 to 28, and no
    /// shorter than the pool's).
    pub fn with_subnet_pool(mut self, pool: &str, prefix_len: u8) -> Result<Self, ConfigError> {
        let error = |problem: String| ConfigError {
            pool: pool.to_owned(),
            prefix_len,
            problem,
        };
        let net = crate::network::parse_subnet(pool).map_err(error)?;

        if !(16..=28).contains(&prefix_len) {
            return Err(error(
                "the tenant prefix length must be 16 to 28".to_owned(),
            ));
        }
        if prefix_len < net.prefix_len() {
            return Err(error(format!(
                "the tenant prefix must not be shorter than the pool's /{}",
                net.prefix_len()
            )));
        }
        self.subnet_pool = net;
        self.tenant_prefix_len = prefix_len;
        Ok(self)
    }

    /// Returns the pool that tenant subnets are allocated from.
    pub fn subnet_pool(&self) -> Ipv4Net {
        self.subnet_pool
    }

    /// Returns the prefix length of an allocated tenant subnet.
    pub fn tenant_prefix_len(&self) -> u8 {
        self.tenant_prefix_len
    }
}
