//! The reconcile loop: level-triggered passes that drive the engine toward
//! the stored desired state.

mod application;
mod orphan;
mod report;
mod tenant;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use strongroom_engine::TenantNetwork;
use strongroom_model::{Kind, TenantStatus};
use strongroom_store::{EventSeverity, NewEvent, ObjectRecord};
use tokio::sync::{Mutex, Semaphore};

use crate::{Platform, ServiceError};
use application::AppOutcome;
pub(crate) use report::ErrorReports;

/// Reconciler state kept between passes. None of it is essential: after a
/// restart the reconciler starts empty and converges all the same.
#[derive(Default)]
pub(crate) struct ReconcilerState {
    /// Held for the whole of a pass, so that passes never overlap.
    pass: Mutex<()>,
    /// Errors already logged and recorded, so that a repeating one is not
    /// reported on every pass.
    pub(crate) reports: ErrorReports,
}

/// Outcome counts of one reconcile pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// Applications whose sync succeeded.
    pub synced: usize,
    /// Applications removed from the engine and deleted from the store.
    pub deleted_applications: usize,
    /// Applications removed from the engine because the store does not know them.
    pub removed_orphans: usize,
    /// Tenants whose network was removed and whose row was deleted.
    pub deleted_tenants: usize,
    /// Engine or store operations that failed; the next pass tries them again.
    pub failed: usize,
}

/// Objects read at the start of a pass.
pub(crate) struct Snapshot {
    pub(crate) apps: Vec<ObjectRecord>,
    pub(crate) tenants: Vec<ObjectRecord>,
    /// Tenant name to network, for tenants whose status has one.
    pub(crate) networks: BTreeMap<String, TenantNetwork>,
}

impl Platform {
    /// Runs reconcile passes until `shutdown` completes: one at once, then one
    /// after every change and at least once per resync interval. A pass that
    /// runs when `shutdown` completes is finished first.
    pub async fn run_reconciler(&self, shutdown: impl Future<Output = ()>) {
        let interval = self.inner.config.resync_interval;
        tracing::info!(resync_interval = ?interval, "reconciler started");
        let mut shutdown = pin!(shutdown);

        loop {
            let summary = self.reconcile_once().await;
            tracing::debug!(?summary, "reconcile pass finished");
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(interval) => {}
            }
        }
        tracing::info!("reconciler stopped");
    }

    /// Runs one reconcile pass: syncs live applications, removes deleting
    /// ones, removes orphans from the engine and removes deleting tenants.
    /// Failures are logged, recorded and counted, never returned: the next
    /// pass tries again.
    pub async fn reconcile_once(&self) -> PassSummary {
        let _pass = self.inner.reconciler.pass.lock().await;
        let mut summary = PassSummary::default();
        let Some(snapshot) = self.read_snapshot().await else {
            summary.failed += 1;
            return summary;
        };

        self.reconcile_applications(&snapshot, &mut summary).await;
        self.remove_orphans(&snapshot, &mut summary).await;
        self.remove_deleting_tenants(&snapshot, &mut summary).await;
        if summary.deleted_applications > 0 {
            // Deleted applications may unblock a deleting tenant.
            self.wake_reconciler();
        }
        summary
    }

    async fn read_snapshot(&self) -> Option<Snapshot> {
        // Applications are read before tenants: a tenant row is deleted only
        // after its applications, so every application read has its tenant.
        let apps = self.inner.store.list(Kind::Application, None).await;
        let tenants = self.inner.store.list(Kind::Tenant, None).await;
        let reports = &self.inner.reconciler.reports;
        let (apps, tenants) = match (apps, tenants) {
            (Ok(apps), Ok(tenants)) => (apps, tenants),
            (Err(error), _) | (_, Err(error)) => {
                reports.store_failed(&error);
                return None;
            }
        };
        reports.store_recovered();

        let networks = tenants.iter().filter_map(tenant_network).collect();
        Some(Snapshot {
            apps,
            tenants,
            networks,
        })
    }

    async fn reconcile_applications(&self, snapshot: &Snapshot, summary: &mut PassSummary) {
        let limit = Semaphore::new(self.inner.config.max_concurrent_syncs.max(1));
        let mut running = FuturesUnordered::new();
        for record in &snapshot.apps {
            let limit = &limit;
            running.push(async move {
                // Nothing closes this semaphore, so acquiring cannot fail.
                let _permit = limit.acquire().await.ok();
                self.reconcile_application(record, &snapshot.networks).await
            });
        }

        while let Some(outcome) = running.next().await {
            match outcome {
                AppOutcome::Synced => summary.synced += 1,
                AppOutcome::Deleted => summary.deleted_applications += 1,
                AppOutcome::Failed => summary.failed += 1,
            }
        }
    }
}

impl Platform {
    /// Deletes an object's row and records a `Deleted` event in one transaction.
    pub(super) async fn delete_row(
        &self,
        record: &ObjectRecord,
        message: String,
    ) -> Result<(), ServiceError> {
        let event = NewEvent {
            key: record.key.clone(),
            instance: None,
            severity: EventSeverity::Normal,
            reason: "Deleted".to_owned(),
            message,
        };
        let mut tx = self.inner.store.begin().await?;
        tx.delete(&record.key, &record.uid).await?;
        tx.append_event(&event).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn tenant_network(record: &ObjectRecord) -> Option<(String, TenantNetwork)> {
    let status: TenantStatus = serde_json::from_value(record.status.clone()).ok()?;
    let tenant = record.key.name.clone();
    let network = TenantNetwork {
        tenant: tenant.clone(),
        bridge: status.bridge?,
        subnet: status.subnet?,
    };
    Some((tenant, network))
}
