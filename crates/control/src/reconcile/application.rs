//! One application in one pass: sync it, or remove it when deletion was requested.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use strongroom_engine::{AppKey, Deployment, TenantNetwork};
use strongroom_model::{ApplicationStatus, Object};
use strongroom_store::{EventSeverity, NewEvent, ObjectRecord, UpdateStatusError};
use tracing::Instrument;

use crate::Platform;
use crate::convert::app_key;

/// Outcome of one application in a pass.
pub(crate) enum AppOutcome {
    /// The engine accepted the desired state.
    Synced,
    /// The engine removed the application and its row is gone.
    Deleted,
    /// The engine or the store failed; the next pass tries again.
    Failed,
}

impl Platform {
    pub(super) async fn reconcile_application(
        &self,
        record: &ObjectRecord,
        networks: &BTreeMap<String, TenantNetwork>,
    ) -> AppOutcome {
        let key = app_key(&record.key);
        let span = tracing::info_span!(
            "reconcile_app",
            tenant = %key.tenant,
            app = %key.app,
            generation = record.generation,
        );
        let work = async {
            if record.is_deleting() {
                self.remove_application(record, &key).await
            } else {
                self.sync_application(record, key, networks).await
            }
        };
        work.instrument(span).await
    }

    async fn sync_application(
        &self,
        record: &ObjectRecord,
        key: AppKey,
        networks: &BTreeMap<String, TenantNetwork>,
    ) -> AppOutcome {
        let deployment = match build_deployment(record, key, networks) {
            Ok(deployment) => deployment,
            Err(message) => return self.record_failure(record, "SyncFailed", message).await,
        };
        let engine = &self.inner.engine;
        match self.call_engine(engine.sync(&deployment)).await {
            Ok(status) => self.store_status(record, &status).await,
            Err(message) => self.record_failure(record, "SyncFailed", message).await,
        }
    }

    async fn remove_application(&self, record: &ObjectRecord, key: &AppKey) -> AppOutcome {
        if let Err(message) = self.call_engine(self.inner.engine.remove(key)).await {
            return self.record_failure(record, "RemoveFailed", message).await;
        }
        let message = format!("{} removed from the engine and deleted", record.key);
        match self.delete_row(record, message).await {
            Ok(()) => {
                tracing::info!("application deleted");
                AppOutcome::Deleted
            }
            Err(error) => {
                self.inner.reconciler.reports.store_failed(&error);
                AppOutcome::Failed
            }
        }
    }

    /// Stores the engine's status when it differs from the stored one. The
    /// write expects the version read at the start of the pass, so it never
    /// overwrites a newer spec's status or a deletion.
    async fn store_status(&self, record: &ObjectRecord, status: &ApplicationStatus) -> AppOutcome {
        let Ok(value) = serde_json::to_value(status) else {
            tracing::error!("serialising the engine's status failed; not storing it");
            return AppOutcome::Failed;
        };
        if value == record.status {
            return AppOutcome::Synced;
        }

        let store = &self.inner.store;
        match store
            .update_status(&record.key, &value, Some(record.resource_version))
            .await
        {
            Ok(_) => tracing::debug!(phase = %status.phase, "status stored"),
            Err(UpdateStatusError::Conflict { .. } | UpdateStatusError::NotFound { .. }) => {
                tracing::debug!(
                    "application changed during the pass; the next pass stores its status"
                );
            }
            Err(error) => {
                self.inner.reconciler.reports.store_failed(&error);
                return AppOutcome::Failed;
            }
        }
        AppOutcome::Synced
    }

    /// Puts an engine failure into the application's status reason and
    /// records a `Warning` event, once per distinct message: the stored
    /// reason shows whether this message was already reported.
    async fn record_failure(
        &self,
        record: &ObjectRecord,
        reason: &str,
        message: String,
    ) -> AppOutcome {
        let mut status: ApplicationStatus =
            serde_json::from_value(record.status.clone()).unwrap_or_default();
        if status.reason.as_deref() == Some(message.as_str()) {
            tracing::debug!(error = %message, "application still failing");
            return AppOutcome::Failed;
        }
        tracing::warn!(error = %message, "application failed; retrying every pass");

        status.reason = Some(message.clone());
        let event = NewEvent {
            key: record.key.clone(),
            instance: None,
            severity: EventSeverity::Warning,
            reason: reason.to_owned(),
            message,
        };
        if let Err(error) = self.store_failure(record, &status, &event).await {
            match error {
                crate::ServiceError::Conflict { .. } => {
                    tracing::debug!(
                        "application changed during the pass; the next pass records the failure"
                    );
                }
                error => self.inner.reconciler.reports.store_failed(&error),
            }
        }
        AppOutcome::Failed
    }

    async fn store_failure(
        &self,
        record: &ObjectRecord,
        status: &ApplicationStatus,
        event: &NewEvent,
    ) -> Result<(), crate::ServiceError> {
        let value = serde_json::to_value(status).map_err(crate::ServiceError::unavailable)?;
        let mut tx = self.inner.store.begin().await?;
        match tx
            .update_status(&record.key, &value, Some(record.resource_version))
            .await
        {
            Ok(_) => {}
            Err(UpdateStatusError::Conflict { .. } | UpdateStatusError::NotFound { .. }) => {
                return Err(crate::ServiceError::conflict(
                    "application changed during the pass",
                ));
            }
            Err(error) => return Err(error.into()),
        }
        tx.append_event(event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Awaits one engine call with the configured timeout and turns its
    /// failure into a message.
    pub(super) async fn call_engine<T, E: Display>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        let timeout = self.inner.config.engine_timeout;
        match tokio::time::timeout(timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(timed_out(timeout)),
        }
    }
}

fn timed_out(timeout: Duration) -> String {
    format!("the engine call did not return within {timeout:?}; check the engine's log")
}

fn build_deployment(
    record: &ObjectRecord,
    key: AppKey,
    networks: &BTreeMap<String, TenantNetwork>,
) -> Result<Deployment, String> {
    let object: Object = serde_json::from_value(record.spec.clone()).map_err(|error| {
        format!(
            "stored spec of {} is unreadable: {error}; apply it again",
            record.key
        )
    })?;
    let Object::Application(application) = object else {
        return Err(format!(
            "stored spec of {} is not an application; apply it again",
            record.key
        ));
    };
    let network = networks.get(&key.tenant).cloned().ok_or_else(|| {
        format!(
            "tenant {} has no network in its status yet; apply the tenant again",
            key.tenant
        )
    })?;
    Ok(Deployment {
        key,
        generation: record.generation,
        spec: application.spec,
        network,
    })
}
