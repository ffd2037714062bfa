//! Checks that the host ports a container requests are free before portmap forwards them.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};

use super::HostPort;
use super::conflist::PortMapping;

/// Failure of the host port check.
#[derive(Debug, thiserror::Error)]
pub(super) enum HostPortError {
    /// A process on the host, or another container of this layer, uses the port.
    #[error("host port {port}/{protocol} is in use")]
    InUse {
        /// The port.
        port: u16,
        /// `tcp` or `udp`.
        protocol: &'static str,
    },
    /// The request itself is invalid.
    #[error("{0}")]
    Invalid(String),
    /// Binding failed for another reason than the port being in use.
    #[error("binding host port {port}/{protocol} to check that it is free failed: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// `tcp` or `udp`.
        protocol: &'static str,
        /// The bind error.
        source: io::Error,
    },
}

/// Checks that the ports are valid, that no port appears twice, and that none of them is
/// in `taken`, the mappings of containers already attached.
pub(super) fn check_request(
    ports: &[HostPort],
    taken: &[PortMapping],
) -> Result<(), HostPortError> {
    let mut seen = HashSet::new();
    for port in ports {
        if port.host_port == 0 || port.container_port == 0 {
            return Err(HostPortError::Invalid(format!(
                "invalid port mapping {}:{}/{}: ports must be 1 to 65535",
                port.host_port, port.container_port, port.protocol
            )));
        }
        if !matches!(port.protocol, "tcp" | "udp") {
            return Err(HostPortError::Invalid(format!(
                "invalid protocol {:?} for host port {}: use tcp or udp",
                port.protocol, port.host_port
            )));
        }
        if !seen.insert((port.host_port, port.protocol)) {
            return Err(HostPortError::Invalid(format!(
                "host port {}/{} is requested twice",
                port.host_port, port.protocol
            )));
        }

        // portmap forwards with DNAT rules and opens no socket, so binding cannot see
        // another container's port.
        let held = taken.iter().any(|mapping| {
            mapping.host_port == port.host_port && mapping.protocol == port.protocol
        });
        if held {
            return Err(HostPortError::InUse {
                port: port.host_port,
                protocol: port.protocol,
            });
        }
    }
    Ok(())
}

/// Checks that no process on the host uses the ports, by binding each on 0.0.0.0 and
/// releasing it at once. The check runs in the network namespace of the calling thread.
///
/// NOTE: a process can still take a port between this check and portmap's ADD; portmap's
/// DNAT rule then shadows that process's port for connections it redirects.
pub(super) fn check_free(ports: &[HostPort]) -> Result<(), HostPortError> {
    for port in ports {
        let address = (Ipv4Addr::UNSPECIFIED, port.host_port);
        let bound = match port.protocol {
            "udp" => UdpSocket::bind(address).map(drop),
            _ => TcpListener::bind(address).map(drop),
        };
        match bound {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => {
                return Err(HostPortError::InUse {
                    port: port.host_port,
                    protocol: port.protocol,
                });
            }
            Err(source) => {
                return Err(HostPortError::Bind {
                    port: port.host_port,
                    protocol: port.protocol,
                    source,
                });
            }
        }
    }
    Ok(())
}

/// Returns the CNI port mappings of `ports`.
pub(super) fn mappings(ports: &[HostPort]) -> Vec<PortMapping> {
    ports
        .iter()
        .map(|port| PortMapping {
            host_port: port.host_port,
            container_port: port.container_port,
            protocol: port.protocol.to_owned(),
        })
        .collect()
}
