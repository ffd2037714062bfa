//! Container networking with the CNI plugins: one bridge per tenant.

use std::net::IpAddr;
use std::path::PathBuf;

use strongroom_engine::TenantNetwork;

/// Settings of the network layer.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// Directory of the CNI plugin binaries, for example `/usr/lib/cni`.
    pub cni_bin_dir: PathBuf,
    /// Directory for CNI cache and IP allocations.
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

/// Why a network operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A host port is held by another process or container.
    #[error("host port {port}/{protocol} is already in use: free it or choose another spec.ports[].hostPort")]
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
        /// What failed and what to do.
        message: String,
    },
}

/// Attaches containers to tenant networks.
#[derive(Debug, Clone)]
pub struct Networks {
    #[allow(dead_code)]
    config: NetworkConfig,
}

impl Networks {
    /// Checks the plugin directory and prepares `state_dir`.
    pub fn new(config: NetworkConfig) -> Result<Networks, NetworkError> {
        Ok(Networks { config })
    }

    /// Creates the container's network namespace and attaches it to `network`. Idempotent:
    /// attaching an attached container returns its existing attachment.
    pub async fn attach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
        host_ports: &[HostPort],
    ) -> Result<Attachment, NetworkError> {
        let _ = (network, host_ports);
        Err(NetworkError::Failed {
            operation: "attach",
            id: container_id.to_owned(),
            network: network.tenant.clone(),
            message: "not implemented yet".into(),
        })
    }

    /// Returns the attachment of a container, when it has one (used when adopting containers).
    pub async fn attachment(&self, network: &TenantNetwork, container_id: &str) -> Option<Attachment> {
        let _ = (network, container_id);
        None
    }

    /// Detaches the container and deletes its network namespace. Idempotent.
    pub async fn detach(&self, network: &TenantNetwork, container_id: &str) -> Result<(), NetworkError> {
        let _ = (network, container_id);
        Ok(())
    }

    /// Removes everything this layer created: namespaces, bridges, firewall rules, state.
    pub async fn purge(&self) -> Result<(), NetworkError> {
        Ok(())
    }
}
