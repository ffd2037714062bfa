//! Container networking with the CNI plugins: one bridge per tenant.
//!
//! Each container gets a network namespace of its own, created with `ip netns add` so that
//! it outlives any process ([`netns`]). The plugins of containernetworking-plugins (CNI
//! specification 1.0.0) attach it to its tenant's bridge: `bridge` with `host-local`
//! addresses from the tenant's subnet, then `portmap` for host ports ([`conflist`],
//! [`chain`], [`cni`]). Container addresses are routable, with no NAT. This layer creates
//! the bridges itself ([`bridge`]) and keeps tenants apart with an nftables table of its
//! own, one per state directory ([`isolation`]). Everything it creates is recorded in
//! `state_dir` ([`state`]), so attachments survive a control-plane restart and purge
//! removes only what is ours.
//!
//! Every call runs the tools in the network namespace of the calling thread. That is the
//! host's namespace in production, while the tests run the layer inside one of their own.

mod attach;
mod bridge;
mod chain;
mod cni;
mod command;
mod conflist;
mod detach;
mod hostport;
mod inspect;
mod isolation;
mod nat;
mod netns;
mod purge;
mod state;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use strongroom_engine::TenantNetwork;
use tokio::sync::{Mutex, OwnedMutexGuard, RwLock};

use state::StateDir;

/// Plugins every attachment needs; `portmap` is checked too because a container with host
/// ports may come at any time.
const REQUIRED_PLUGINS: [&str; 3] = ["bridge", "host-local", "portmap"];

/// Settings of the network layer.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// Directory of the CNI plugin binaries, for example `/usr/lib/cni`.
    pub cni_bin_dir: PathBuf,
    /// Directory for attachment records, IP allocations and the record of created bridges.
    pub state_dir: PathBuf,
}

/// A port on the host forwarded to a container port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPort {
    /// Port on the host.
    pub host_port: u16,
    /// Port inside the container.
    pub container_port: u16,
    /// `tcp` or `udp`.
    pub protocol: &'static str,
}

/// A container's place on its tenant network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Network namespace of the container.
    pub netns_path: PathBuf,
    /// The container's address.
    pub ip: IpAddr,
    /// The bridge's address, the container's default gateway.
    pub gateway: IpAddr,
}

/// A container that this layer has attached, or started to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedContainer {
    /// Container id.
    pub container_id: String,
    /// The network it is attached to.
    pub network: TenantNetwork,
    /// The attachment; `None` while the attach runs or after it was interrupted.
    pub attachment: Option<Attachment>,
}

/// Why a network operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A host port is held by another process or container.
    #[error(
        "host port {port}/{protocol} is already in use: free it or choose another spec.ports[].hostPort"
    )]
    PortInUse {
        /// The port.
        port: u16,
        /// `tcp` or `udp`.
        protocol: &'static str,
    },
    /// Any other failure.
    #[error("{operation} for container {id} on network {network} failed: {message}")]
    Failed {
        /// What was attempted, for example `attach`.
        operation: &'static str,
        /// Container id.
        id: String,
        /// Tenant network name.
        network: String,
        /// Description of the failure and of the fix.
        message: String,
    },
    /// A network cannot be removed while containers are attached to it.
    #[error("network {network} still has {attached} attached containers: detach them first")]
    InUse {
        /// Tenant network name.
        network: String,
        /// Number of attached containers.
        attached: usize,
    },
    /// The layer cannot start: a plugin is missing or the state directory is unusable.
    #[error("container networking setup failed: {message}")]
    Setup {
        /// Description of the failure and the remedy.
        message: String,
    },
    /// The records in `state_dir` cannot be read.
    #[error("reading the container network records failed: {message}")]
    State {
        /// The failure, with the path.
        message: String,
    },
    /// Removing a network or purging left something behind.
    #[error("{operation} failed: {message}; run it again after fixing the cause")]
    Cleanup {
        /// The attempted operation, for example `purge of container networks`.
        operation: &'static str,
        /// Every part that failed.
        message: String,
    },
}

/// Attaches containers to tenant networks.
#[derive(Debug, Clone)]
pub struct Networks {
    config: NetworkConfig,
    state: StateDir,
    /// The isolation table of this installation.
    table: isolation::Table,
    locks: Arc<Locks>,
}

/// Locks, always taken in the order of the fields.
#[derive(Debug, Default)]
struct Locks {
    /// Held shared by calls that change attachments, and exclusively by purge.
    lifecycle: RwLock<()>,
    /// One lock per container id, so that calls for one container run one after another.
    containers: std::sync::Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Serializes changes to what containers share: owned bridges, the nftables table and
    /// the host ports in use.
    shared: Mutex<()>,
}

impl Locks {
    async fn container(&self, id: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .containers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);

            // Drop the locks that no call uses or waits for, so the map stays small.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            locks.entry(id.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

impl Networks {
    /// Checks the plugin directory and prepares `state_dir`.
    pub fn new(config: NetworkConfig) -> Result<Networks, NetworkError> {
        for plugin in REQUIRED_PLUGINS {
            cni::check_plugin(&config.cni_bin_dir, plugin)
                .map_err(|message| NetworkError::Setup { message })?;
        }
        std::fs::create_dir_all(&config.state_dir).map_err(|error| NetworkError::Setup {
            message: format!(
                "creating state directory {} failed: {error}",
                config.state_dir.display()
            ),
        })?;

        // The canonical path names the isolation table, so that two paths to one state
        // directory share one table and two state directories never do.
        let canonical =
            std::fs::canonicalize(&config.state_dir).map_err(|error| NetworkError::Setup {
                message: format!(
                    "resolving state directory {} failed: {error}",
                    config.state_dir.display()
                ),
            })?;
        let table = isolation::Table::for_state_dir(&canonical);

        let state = StateDir::new(config.state_dir.clone());
        Ok(Networks {
            config,
            state,
            table,
            locks: Arc::default(),
        })
    }

    /// Returns the name of this installation's nftables table in the `inet` family, for
    /// example `strongroom_1a2b3c4d`.
    pub fn isolation_table(&self) -> &str {
        self.table.name()
    }
}

/// Returns the path of the network namespace that [`Networks::attach`] creates for a container.
pub fn netns_path(container_id: &str) -> PathBuf {
    netns::path_of(&netns::name_for(container_id))
}

/// Returns a [`NetworkError::Failed`] for an operation on one container.
fn failed(
    operation: &'static str,
    container_id: &str,
    network: &TenantNetwork,
    message: impl Display,
) -> NetworkError {
    NetworkError::Failed {
        operation,
        id: container_id.to_owned(),
        network: network.tenant.clone(),
        message: message.to_string(),
    }
}
