//! Removing applications that run on the engine but are not in the store,
//! for example after a crash between deleting a row and removing what ran.

use std::collections::BTreeSet;

use strongroom_engine::AppKey;
use strongroom_store::{EventSeverity, NewEvent};
use tracing::Instrument;

use super::{PassSummary, Snapshot};
use crate::Platform;
use crate::convert::{app_key, store_key};

const LIST_APPS: &str = "engine application list";

impl Platform {
    pub(super) async fn remove_orphans(&self, snapshot: &Snapshot, summary: &mut PassSummary) {
        let reports = &self.inner.reconciler.reports;
        // The snapshot was read before this call, and only this pass syncs,
        // so every application the engine lists was synced from a row read
        // here or is an orphan.
        let listed = match self.call_engine(self.inner.engine.list_apps()).await {
            Ok(listed) => listed,
            Err(message) => {
                if reports.is_new(LIST_APPS, &message) {
                    tracing::warn!(error = %message, "listing the engine's applications failed; retrying every pass");
                }
                summary.failed += 1;
                return;
            }
        };
        if reports.resolve(LIST_APPS) {
            tracing::info!("listing the engine's applications works again");
        }

        let known: BTreeSet<AppKey> = snapshot
            .apps
            .iter()
            .map(|record| app_key(&record.key))
            .collect();
        for key in listed.into_iter().filter(|key| !known.contains(key)) {
            let span = tracing::info_span!("remove_orphan", tenant = %key.tenant, app = %key.app);
            if self.remove_orphan(&key).instrument(span).await {
                summary.removed_orphans += 1;
            } else {
                summary.failed += 1;
            }
        }
    }

    /// Removes one orphan and records what happened. Returns whether it was removed.
    async fn remove_orphan(&self, key: &AppKey) -> bool {
        let subject = format!("orphan {key}");
        let reports = &self.inner.reconciler.reports;
        let (severity, reason, message, removed) = match self
            .call_engine(self.inner.engine.remove(key))
            .await
        {
            Ok(()) => {
                reports.resolve(&subject);
                tracing::info!("removed an application that the store does not contain");
                let message = format!(
                    "application {key} ran on the engine but is not in the store; removed it"
                );
                (EventSeverity::Normal, "OrphanRemoved", message, true)
            }
            Err(message) if reports.is_new(&subject, &message) => {
                tracing::warn!(error = %message, "removing an orphaned application failed; retrying every pass");
                (EventSeverity::Warning, "RemoveFailed", message, false)
            }
            Err(_) => return false,
        };

        let event = NewEvent {
            key: store_key(key),
            instance: None,
            severity,
            reason: reason.to_owned(),
            message,
        };
        if let Err(error) = self.inner.store.append_event(&event).await {
            reports.store_failed(&error);
        }
        removed
    }
}
