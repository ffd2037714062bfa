//! Detaching a container, and removing a tenant's network once it is empty.

use serde_json::Value;
use strongroom_engine::TenantNetwork;
use tracing::{debug, info};

use super::state::{self, AttachmentRecord};
use super::validate::{self, ValidNetwork};
use super::{NetworkError, Networks, bridge, chain, failed, netns};

impl Networks {
    /// Detaches the container and deletes its network namespace. Idempotent.
    pub async fn detach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
    ) -> Result<(), NetworkError> {
        let fail = |message: String| failed("detach", container_id, network, message);
        validate::check_container_id(container_id).map_err(fail)?;
        let _lifecycle = self.locks.lifecycle.read().await;
        let _container = self.locks.container(container_id).await;

        let netns = netns::name_for(container_id);
        let record = self
            .state
            .load_attachment(&netns)
            .map_err(|error| fail(error.to_string()))?;
        match record {
            Some(record) => self
                .tear_down(&record, record.result.as_ref())
                .await
                .map_err(fail)?,
            None => netns::delete(&netns)
                .await
                .map_err(|error| fail(error.to_string()))?,
        }
        info!(
            container_id,
            network = network.tenant,
            netns,
            "detached container"
        );
        Ok(())
    }

    /// Runs the CNI DEL with `cached` as the ADD result, deletes the namespace and removes
    /// the record. The record stays when a step fails, so that the call can be repeated.
    pub(super) async fn tear_down(
        &self,
        record: &AttachmentRecord,
        cached: Option<&Value>,
    ) -> Result<(), String> {
        let invocation = self.invocation(record);
        chain::del(&record.conflist, &record.port_mappings, &invocation, cached)
            .await
            .map_err(|error| error.to_string())?;
        netns::delete(&record.netns)
            .await
            .map_err(|error| error.to_string())?;
        self.state
            .remove_attachment(&record.netns)
            .map_err(|error| error.to_string())
    }

    /// Deletes a tenant's bridge and its address reservations once no container is
    /// attached to it. A bridge this layer did not create stays. Idempotent.
    pub async fn remove_network(&self, network: &TenantNetwork) -> Result<(), NetworkError> {
        let cleanup = |message: String| NetworkError::Cleanup {
            operation: "removal of a tenant network",
            message: format!(
                "network {} (bridge {}): {message}",
                network.tenant, network.bridge
            ),
        };
        ValidNetwork::parse(network).map_err(cleanup)?;
        let _lifecycle = self.locks.lifecycle.read().await;
        let _shared = self.locks.shared.lock().await;

        let records = self
            .state
            .list_attachments()
            .map_err(|error| cleanup(error.to_string()))?;
        let attached = records
            .iter()
            .filter(|record| {
                record.network.tenant == network.tenant || record.network.bridge == network.bridge
            })
            .count();
        if attached > 0 {
            return Err(NetworkError::InUse {
                network: network.tenant.clone(),
                attached,
            });
        }

        self.remove_bridge(network).await.map_err(cleanup)?;

        // host-local keeps a network's reservations in a directory named after the network.
        let reservations = self.state.ipam_dir().join(&network.tenant);
        state::remove_dir_if_present(&reservations).map_err(|error| cleanup(error.to_string()))?;
        info!(
            network = network.tenant,
            bridge = network.bridge,
            "removed tenant network"
        );
        Ok(())
    }

    async fn remove_bridge(&self, network: &TenantNetwork) -> Result<(), String> {
        let mut owned = self.state.load_owned().map_err(|error| error.to_string())?;
        let ours = owned
            .bridges
            .get(&network.bridge)
            .is_some_and(|bridge| bridge.tenant == network.tenant);
        if !ours {
            debug!(
                bridge = network.bridge,
                "bridge not created by this layer for this tenant; kept"
            );
            return Ok(());
        }

        bridge::delete(&network.bridge)
            .await
            .map_err(|error| error.to_string())?;
        owned.bridges.remove(&network.bridge);
        self.state
            .save_owned(&owned)
            .map_err(|error| error.to_string())?;
        let bridges: Vec<String> = owned.bridges.keys().cloned().collect();
        self.table
            .apply(&bridges)
            .await
            .map_err(|error| error.to_string())
    }
}
