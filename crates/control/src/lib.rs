//! Control plane: object service and the reconcile loop that drives an engine.
//!
//! [`Platform`] is what the API server calls: it validates requests, keeps
//! desired state in the store and hands out objects as wire types. The
//! reconcile loop runs beside it and drives the engine until what runs
//! matches what is stored.

use strongroom_api::{ApiEvent, ApiObject};
use strongroom_engine::{LogBatch, LogQuery};
use strongroom_model::{Kind, Object};

/// Who makes a request. A single local administrator for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Account name, for example `admin`.
    pub user: String,
}

/// One object to apply, with the resource version the caller last read, if any.
#[derive(Debug, Clone)]
pub struct ApplyItem {
    /// The validated object.
    pub object: Object,
    /// When set, the write succeeds only if the stored object still has this version.
    pub expected_resource_version: Option<String>,
}

/// What applying one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyAction {
    /// The object did not exist.
    Created,
    /// The object existed and its spec, labels or annotations changed.
    Configured,
    /// The object existed and nothing changed.
    Unchanged,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events about objects of this kind.
    pub kind: Option<Kind>,
    /// Only events of this tenant.
    pub tenant: Option<String>,
    /// Only events about objects of this name.
    pub name: Option<String>,
    /// Only events with an id above this.
    pub after_id: Option<i64>,
    /// At most this many, newest last.
    pub limit: Option<u32>,
}

/// Why a request to the control plane failed; the server maps each variant to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is invalid (400).
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// One entry per problem.
        details: Vec<String>,
    },
    /// The object does not exist (404).
    #[error("{kind} {name} not found{}", tenant.as_deref().map(|t| format!(" in tenant {t}")).unwrap_or_default())]
    NotFound {
        /// Kind.
        kind: Kind,
        /// Tenant, for tenant-scoped kinds.
        tenant: Option<String>,
        /// Name.
        name: String,
    },
    /// The object changed since the caller read it, or a dependent object blocks the change (409).
    #[error("{message}")]
    Conflict {
        /// What conflicts and what to do.
        message: String,
    },
    /// The store or engine failed (500 or 503).
    #[error("{message}")]
    Unavailable {
        /// What failed and what to do.
        message: String,
    },
}

/// The control plane's request handling, shared by the API server's handlers.
#[derive(Debug, Clone)]
pub struct Platform {}

impl Platform {
    /// Applies all items in one transaction: either every item is stored or none is.
    pub async fn apply(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        let _ = (who, items);
        Err(ServiceError::Unavailable { message: "not implemented yet".into() })
    }

    /// Returns one object.
    pub async fn get(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        let _ = (who, kind, tenant);
        Err(ServiceError::NotFound { kind, tenant: None, name: name.to_owned() })
    }

    /// Lists objects of one kind, of one tenant or of all.
    pub async fn list(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, ServiceError> {
        let _ = (who, kind, tenant);
        Ok(Vec::new())
    }

    /// Requests deletion; the reconcile loop removes what runs, then the object.
    pub async fn delete(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        let _ = (who, tenant);
        Err(ServiceError::NotFound { kind, tenant: None, name: name.to_owned() })
    }

    /// Lists recorded events, oldest first.
    pub async fn events(&self, who: &Identity, filter: &EventFilter) -> Result<Vec<ApiEvent>, ServiceError> {
        let _ = (who, filter);
        Ok(Vec::new())
    }

    /// Reads an application's logs.
    pub async fn logs(
        &self,
        who: &Identity,
        tenant: &str,
        app: &str,
        query: &LogQuery,
    ) -> Result<LogBatch, ServiceError> {
        let _ = (who, tenant, app, query);
        Ok(LogBatch::default())
    }
}
