//! What the handlers need from the control plane, as a trait so that router
//! tests can run against a stub without a store or an engine.

use async_trait::async_trait;
use strongroom_api::{ApiEvent, ApiObject};
use strongroom_control::{ApplyAction, ApplyItem, EventFilter, Identity, Platform, ServiceError};
use strongroom_engine::{LogBatch, LogQuery};
use strongroom_model::Kind;

/// Request handling of the control plane; [`Platform`] is the real one.
#[async_trait]
pub trait ControlPlane: Send + Sync + 'static {
    /// Applies all items in one transaction.
    async fn apply(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError>;

    /// Runs every check of [`ControlPlane::apply`] and returns its result,
    /// storing nothing.
    async fn apply_dry_run(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError>;

    /// Returns one object.
    async fn get(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError>;

    /// Lists objects of one kind, of one tenant or of all.
    async fn list(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, ServiceError>;

    /// Requests deletion of one object.
    async fn delete(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError>;

    /// Lists recorded events, oldest first.
    async fn events(
        &self,
        who: &Identity,
        filter: &EventFilter,
    ) -> Result<Vec<ApiEvent>, ServiceError>;

    /// Reads an application's logs.
    async fn logs(
        &self,
        who: &Identity,
        tenant: &str,
        app: &str,
        query: &LogQuery,
    ) -> Result<LogBatch, ServiceError>;
}

#[async_trait]
impl ControlPlane for Platform {
    async fn apply(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        Platform::apply(self, who, items).await
    }

    async fn apply_dry_run(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        Platform::apply_dry_run(self, who, items).await
    }

    async fn get(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        Platform::get(self, who, kind, tenant, name).await
    }

    async fn list(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, ServiceError> {
        Platform::list(self, who, kind, tenant).await
    }

    async fn delete(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        Platform::delete(self, who, kind, tenant, name).await
    }

    async fn events(
        &self,
        who: &Identity,
        filter: &EventFilter,
    ) -> Result<Vec<ApiEvent>, ServiceError> {
        Platform::events(self, who, filter).await
    }

    async fn logs(
        &self,
        who: &Identity,
        tenant: &str,
        app: &str,
        query: &LogQuery,
    ) -> Result<LogBatch, ServiceError> {
        Platform::logs(self, who, tenant, app, query).await
    }
}
