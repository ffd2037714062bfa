//! Removing tenants whose deletion was requested: first their network on the
//! engine, then their row.

use strongroom_store::{EventSeverity, NewEvent, ObjectRecord};
use tracing::Instrument;

use super::{PassSummary, Snapshot};
use crate::Platform;

impl Platform {
    pub(super) async fn remove_deleting_tenants(
        &self,
        snapshot: &Snapshot,
        summary: &mut PassSummary,
    ) {
        for record in snapshot
            .tenants
            .iter()
            .filter(|record| record.is_deleting())
        {
            let name = &record.key.name;
            // Deletion is requested only for a tenant without applications,
            // and none can be added after, but one deleted in this pass is
            // still in the snapshot: the next pass finds it gone.
            if snapshot
                .apps
                .iter()
                .any(|app| app.key.tenant.as_deref() == Some(name.as_str()))
            {
                tracing::debug!(tenant = %name, "tenant waits for its applications to be deleted");
                continue;
            }
            let span = tracing::info_span!("remove_tenant", tenant = %name);
            if self.remove_tenant(snapshot, record).instrument(span).await {
                summary.deleted_tenants += 1;
            } else {
                summary.failed += 1;
            }
        }
    }

    /// Removes the tenant's network, then its row. Returns whether both succeeded.
    async fn remove_tenant(&self, snapshot: &Snapshot, record: &ObjectRecord) -> bool {
        let name = &record.key.name;
        let reports = &self.inner.reconciler.reports;
        let subject = format!("network of tenant {name}");

        // A tenant without a network in its status never had one created.
        if let Some(network) = snapshot.networks.get(name) {
            let removed = self
                .call_engine(self.inner.engine.remove_network(network))
                .await;
            if let Err(message) = removed {
                if reports.is_new(&subject, &message) {
                    tracing::warn!(error = %message, "removing the tenant's network failed; retrying every pass");
                    self.record_event(
                        record,
                        EventSeverity::Warning,
                        "RemoveNetworkFailed",
                        message,
                    )
                    .await;
                }
                return false;
            }
        }
        reports.resolve(&subject);

        match self
            .delete_row(record, format!("{} and its network removed", record.key))
            .await
        {
            Ok(()) => {
                tracing::info!("tenant deleted");
                true
            }
            Err(error) => {
                reports.store_failed(&error);
                false
            }
        }
    }

    async fn record_event(
        &self,
        record: &ObjectRecord,
        severity: EventSeverity,
        reason: &str,
        message: String,
    ) {
        let event = NewEvent {
            key: record.key.clone(),
            instance: None,
            severity,
            reason: reason.to_owned(),
            message,
        };
        if let Err(error) = self.inner.store.append_event(&event).await {
            self.inner.reconciler.reports.store_failed(&error);
        }
    }
}
