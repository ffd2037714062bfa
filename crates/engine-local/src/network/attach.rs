//! Attaching a container: namespace, bridge, CNI ADD, and rollback when any step fails.

use std::net::IpAddr;

use ipnet::Ipv4Net;
use serde::Deserialize;
use serde_json::Value;
use strongroom_engine::TenantNetwork;
use tracing::{info, warn};

use super::cni::Invocation;
use super::hostport::{self, HostPortError};
use super::state::{AttachmentRecord, Owned, OwnedBridge};
use super::validate::{self, ValidNetwork};
use super::{
    Attachment, HostPort, NetworkError, Networks, bridge, chain, conflist, failed, nat, netns,
};

fn attach_failed(
    network: &TenantNetwork,
    container_id: &str,
    message: impl std::fmt::Display,
) -> NetworkError {
    failed("attach", container_id, network, message)
}

impl Networks {
    /// Creates the container's network namespace and attaches it to `network`. Idempotent:
    /// attaching an attached container returns its existing attachment.
    ///
    /// Fails with [`NetworkError::PortInUse`] when a host port is held by a process on the
    /// host or by another container. A failed attach leaves no namespace, address or
    /// record behind.
    pub async fn attach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
        host_ports: &[HostPort],
    ) -> Result<Attachment, NetworkError> {
        let valid = ValidNetwork::parse(network)
            .map_err(|message| attach_failed(network, container_id, message))?;
        validate::check_container_id(container_id)
            .map_err(|message| attach_failed(network, container_id, message))?;
        let _lifecycle = self.locks.lifecycle.read().await;
        let _container = self.locks.container(container_id).await;

        let netns = netns::name_for(container_id);
        if let Some(attachment) = self.reuse(&valid, container_id, &netns, host_ports).await? {
            return Ok(attachment);
        }
        let record = self
            .reserve(&valid, container_id, netns, host_ports)
            .await?;
        self.connect(record).await
    }

    /// Returns the existing attachment when it matches the request. Removes an incomplete
    /// one, which an interrupted attach or a host restart leaves behind.
    async fn reuse(
        &self,
        valid: &ValidNetwork,
        container_id: &str,
        netns: &str,
        host_ports: &[HostPort],
    ) -> Result<Option<Attachment>, NetworkError> {
        let network = &valid.network;
        let fail = |message: String| attach_failed(network, container_id, message);
        let Some(record) = self
            .state
            .load_attachment(netns)
            .map_err(|error| fail(error.to_string()))?
        else {
            return Ok(None);
        };
        if record.container_id != container_id {
            return Err(fail(format!(
                "network namespace {netns} belongs to container {}: detach that container first",
                record.container_id
            )));
        }

        let result = record.result.as_ref().filter(|_| netns::exists(netns));
        if let Some(result) = result {
            let same_ports = record.port_mappings == hostport::mappings(host_ports);
            if record.network != *network || !same_ports {
                return Err(fail(format!(
                    "the container is attached to network {} (bridge {}, subnet {}) with other \
                     settings: detach it first",
                    record.network.tenant, record.network.bridge, record.network.subnet
                )));
            }
            let attachment = attachment_of(netns, result).ok_or_else(|| {
                fail("the stored CNI result has no IPv4 address: detach the container".into())
            })?;
            self.reconcile_isolation().await.map_err(fail)?;
            return Ok(Some(attachment));
        }

        // /run/netns is a tmpfs, so a host restart leaves records whose namespace is gone.
        info!(
            container_id,
            netns, "removing an incomplete attachment before attaching again"
        );
        self.tear_down(&record, record.result.as_ref())
            .await
            .map_err(fail)?;
        Ok(None)
    }

    /// Checks host ports, claims the bridge and writes the attachment record, then brings
    /// the isolation table and the bridge up to date.
    async fn reserve(
        &self,
        valid: &ValidNetwork,
        container_id: &str,
        netns: String,
        host_ports: &[HostPort],
    ) -> Result<AttachmentRecord, NetworkError> {
        let network = &valid.network;
        let fail = |message: String| attach_failed(network, container_id, message);
        let _shared = self.locks.shared.lock().await;

        self.check_host_ports(host_ports)
            .map_err(|error| match error {
                HostPortError::InUse { port, protocol } => {
                    NetworkError::PortInUse { port, protocol }
                }
                other => fail(other.to_string()),
            })?;
        let mut owned = self
            .state
            .load_owned()
            .map_err(|error| fail(error.to_string()))?;
        claim_bridge(&mut owned, valid).map_err(fail)?;
        if !host_ports.is_empty() && owned.nat.is_none() {
            let record = nat::probe()
                .await
                .map_err(|error| fail(error.to_string()))?;
            owned.nat = Some(record);
        }
        self.state
            .save_owned(&owned)
            .map_err(|error| fail(error.to_string()))?;

        // The record comes before the namespace, so that purge finds whatever a crash leaves.
        let record = AttachmentRecord {
            container_id: container_id.to_owned(),
            netns,
            network: network.clone(),
            port_mappings: hostport::mappings(host_ports),
            conflist: conflist::render(valid, &self.state.ipam_dir(), !host_ports.is_empty()),
            result: None,
        };
        self.state
            .save_attachment(&record)
            .map_err(|error| fail(error.to_string()))?;

        // The table covers the bridge before the first container is on it.
        let bridges: Vec<String> = owned.bridges.keys().cloned().collect();
        let prepared = async {
            self.table.apply(&bridges).await?;
            bridge::ensure(valid).await
        };
        if let Err(error) = prepared.await {
            self.forget(&record);
            return Err(fail(error.to_string()));
        }
        Ok(record)
    }

    /// Rebuilds the isolation table from the record of owned bridges, repairing a table
    /// that someone flushed or deleted.
    async fn reconcile_isolation(&self) -> Result<(), String> {
        let _shared = self.locks.shared.lock().await;
        let owned = self.state.load_owned().map_err(|error| error.to_string())?;
        let bridges: Vec<String> = owned.bridges.keys().cloned().collect();
        self.table
            .apply(&bridges)
            .await
            .map_err(|error| error.to_string())
    }

    fn check_host_ports(&self, host_ports: &[HostPort]) -> Result<(), HostPortError> {
        if host_ports.is_empty() {
            return Ok(());
        }
        let records = self.state.list_attachments().map_err(|error| {
            HostPortError::Invalid(format!("reading attachment records failed: {error}"))
        })?;
        let taken: Vec<_> = records
            .into_iter()
            .flat_map(|record| record.port_mappings)
            .collect();
        hostport::check_request(host_ports, &taken)?;
        hostport::check_free(host_ports)
    }

    /// Creates the namespace and runs the CNI ADD; rolls back when either fails.
    async fn connect(&self, mut record: AttachmentRecord) -> Result<Attachment, NetworkError> {
        let (network, container_id) = (record.network.clone(), record.container_id.clone());
        let fail = |message: String| attach_failed(&network, &container_id, message);
        if let Err(error) = netns::create(&record.netns).await {
            let error = fail(error.to_string());
            self.roll_back(&record, None).await;
            return Err(error);
        }

        let added = chain::add(
            &record.conflist,
            &record.port_mappings,
            &self.invocation(&record),
        )
        .await;
        let result = match added {
            Ok(result) => result,
            Err(failure) => {
                let error = fail(failure.error.to_string());
                self.roll_back(&record, failure.partial.as_ref()).await;
                return Err(error);
            }
        };

        let Some(attachment) = attachment_of(&record.netns, &result) else {
            let error = fail("the CNI result has no IPv4 address and gateway".into());
            self.roll_back(&record, Some(&result)).await;
            return Err(error);
        };
        record.result = Some(result);
        if let Err(error) = self.state.save_attachment(&record) {
            let error = fail(error.to_string());
            self.roll_back(&record, record.result.as_ref()).await;
            return Err(error);
        }
        info!(
            container_id = record.container_id,
            network = record.network.tenant,
            ip = %attachment.ip,
            netns = record.netns,
            "attached container"
        );
        Ok(attachment)
    }

    /// Undoes a failed attach. The record stays when the DEL fails, so that purge or the
    /// next attach of the container can remove what is left.
    async fn roll_back(&self, record: &AttachmentRecord, partial: Option<&Value>) {
        if let Err(error) = self.tear_down(record, partial).await {
            warn!(
                container_id = record.container_id,
                %error,
                "rollback of a failed attach left state behind; purge or the next attach removes it"
            );
        }
    }

    fn forget(&self, record: &AttachmentRecord) {
        if let Err(error) = self.state.remove_attachment(&record.netns) {
            warn!(
                container_id = record.container_id,
                %error,
                "removing an attachment record failed"
            );
        }
    }

    /// Returns the runtime parameters of CNI calls for `record`.
    pub(super) fn invocation<'a>(&'a self, record: &'a AttachmentRecord) -> Invocation<'a> {
        let present = netns::exists(&record.netns);
        Invocation {
            bin_dir: &self.config.cni_bin_dir,
            container_id: &record.container_id,
            netns: present.then(|| netns::path_of(&record.netns)),
        }
    }
}

/// Records the bridge of `valid` as ours, unless it belongs to another tenant, overlaps
/// another tenant's subnet, or is an interface this layer did not create.
fn claim_bridge(owned: &mut Owned, valid: &ValidNetwork) -> Result<(), String> {
    let network = &valid.network;
    match owned.bridges.get(&network.bridge) {
        Some(bridge) if bridge.tenant == network.tenant && bridge.subnet == network.subnet => {
            return Ok(());
        }
        Some(bridge) if bridge.tenant == network.tenant => {
            return Err(format!(
                "bridge {} carries subnet {} of tenant {}, not {}: detach the tenant's \
                 containers and remove its network before changing the subnet",
                network.bridge, bridge.subnet, network.tenant, network.subnet
            ));
        }
        Some(bridge) => {
            return Err(format!(
                "bridge {} carries the network of tenant {}: give tenant {} a bridge of its own",
                network.bridge, bridge.tenant, network.tenant
            ));
        }
        None => {}
    }
    if bridge::exists(&network.bridge) {
        return Err(format!(
            "interface {} exists but was not created by Strongroom: give tenant {} another \
             bridge name or remove the interface",
            network.bridge, network.tenant
        ));
    }

    // Two bridges with overlapping subnets would give the host two routes to one address.
    for (name, bridge) in &owned.bridges {
        let overlaps = bridge.subnet.parse::<Ipv4Net>().is_ok_and(|other| {
            other.contains(&valid.subnet.network()) || valid.subnet.contains(&other.network())
        });
        if overlaps {
            return Err(format!(
                "subnet {} overlaps subnet {} of tenant {} on bridge {name}: choose a subnet \
                 that does not overlap",
                valid.subnet, bridge.subnet, bridge.tenant
            ));
        }
    }
    let bridge = OwnedBridge {
        tenant: network.tenant.clone(),
        subnet: valid.subnet.to_string(),
    };
    owned.bridges.insert(network.bridge.clone(), bridge);
    Ok(())
}

/// The part of a CNI result that an [`Attachment`] needs.
#[derive(Debug, Deserialize)]
struct CniResult {
    #[serde(default)]
    ips: Vec<CniIp>,
}

#[derive(Debug, Deserialize)]
struct CniIp {
    address: String,
    gateway: Option<IpAddr>,
}

/// Returns the attachment a CNI result describes: its first IPv4 address with a gateway.
pub(super) fn attachment_of(netns: &str, result: &Value) -> Option<Attachment> {
    let result = CniResult::deserialize(result).ok()?;
    let ip = result.ips.iter().find_map(|ip| {
        let address: Ipv4Net = ip.address.parse().ok()?;
        Some((IpAddr::V4(address.addr()), ip.gateway?))
    })?;
    Some(Attachment {
        netns_path: netns::path_of(netns),
        ip: ip.0,
        gateway: ip.1,
    })
}
