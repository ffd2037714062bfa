//! Requesting deletion. The reconcile loop removes what runs and then the row.

use serde_json::Value;
use strongroom_api::ApiObject;
use strongroom_model::{ApplicationPhase, ApplicationStatus, Kind};
use strongroom_store::{EventSeverity, NewEvent, ObjectRecord, WriteTx};

use crate::convert::{api_object, object_key};
use crate::platform::not_found;
use crate::{Identity, Platform, ServiceError};

impl Platform {
    /// Requests deletion; the reconcile loop removes what runs, then the object.
    ///
    /// A tenant that still has applications is not deleted (`Conflict`).
    /// Deleting an object that is already being deleted returns it unchanged.
    pub async fn delete(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        let key = object_key(kind, tenant, name)?;
        let mut tx = self.inner.store.begin().await?;
        let record = tx
            .get(&key)
            .await?
            .ok_or_else(|| not_found(kind, tenant, name))?;
        if record.is_deleting() {
            return Ok(api_object(&record));
        }

        if kind == Kind::Tenant {
            check_tenant_empty(&mut tx, name).await?;
        }
        let status = deleting_status(&record);
        let record = tx.mark_deleting(&key, status.as_ref()).await?;
        let event = NewEvent {
            key: key.clone(),
            instance: None,
            severity: EventSeverity::Normal,
            reason: "Deleting".to_owned(),
            message: format!("deletion of {key} requested by {}", who.user),
        };
        tx.append_event(&event).await?;
        tx.commit().await?;

        tracing::info!(user = %who.user, object = %key, "deletion requested");
        self.wake_reconciler();
        Ok(api_object(&record))
    }
}

async fn check_tenant_empty(tx: &mut WriteTx, tenant: &str) -> Result<(), ServiceError> {
    let apps = tx.list(Kind::Application, Some(tenant)).await?;
    if apps.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = apps.iter().map(|record| record.key.name.as_str()).collect();
    Err(ServiceError::conflict(format!(
        "Tenant {tenant} still has applications {}; delete them first, then the tenant",
        names.join(", ")
    )))
}

/// Returns the status an application shows while it is removed; other kinds keep theirs.
fn deleting_status(record: &ObjectRecord) -> Option<Value> {
    if record.key.kind != Kind::Application {
        return None;
    }
    let mut status: ApplicationStatus =
        serde_json::from_value(record.status.clone()).unwrap_or_default();
    status.phase = ApplicationPhase::Deleting;
    status.reason = None;
    serde_json::to_value(status).ok()
}
