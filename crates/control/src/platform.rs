use std::fmt;
use std::sync::Arc;

use strongroom_api::{ApiEvent, ApiObject};
use strongroom_engine::{Engine, LogBatch, LogQuery};
use strongroom_model::Kind;
use strongroom_store::{EventQuery, Store};
use tokio::sync::Notify;

use crate::convert::{api_event, api_object, app_key, object_key};
use crate::reconcile::ReconcilerState;
use crate::{EventFilter, Identity, PlatformConfig, ServiceError};

/// The control plane's request handling, shared by the API server's handlers.
/// Clones share one store, engine and reconciler.
#[derive(Clone)]
pub struct Platform {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) config: PlatformConfig,
    /// Wakes the reconcile loop; a wake while a pass runs starts another pass after it.
    pub(crate) wake: Notify,
    pub(crate) reconciler: ReconcilerState,
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Platform")
            .field("store", &self.inner.store.path())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// Builds the control plane on an opened store and an engine. Nothing runs
    /// until the server starts [`Platform::run_reconciler`] and
    /// [`Platform::run_event_recorder`].
    pub fn new(store: Store, engine: Arc<dyn Engine>, config: PlatformConfig) -> Platform {
        let inner = Inner {
            store,
            engine,
            config,
            wake: Notify::new(),
            reconciler: ReconcilerState::default(),
        };
        Platform {
            inner: Arc::new(inner),
        }
    }

    /// Returns the store the control plane keeps its state in.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Starts a reconcile pass as soon as the running one, if any, finishes.
    pub fn wake_reconciler(&self) {
        self.inner.wake.notify_one();
    }

    /// Returns one object.
    pub async fn get(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        let _ = who;
        let key = object_key(kind, tenant, name)?;
        let record = self.inner.store.get(&key).await?;
        let record = record.ok_or_else(|| not_found(kind, tenant, name))?;
        Ok(api_object(&record))
    }

    /// Lists objects of one kind, of one tenant or of all.
    pub async fn list(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, ServiceError> {
        let _ = who;
        if !kind.is_tenant_scoped() && tenant.is_some() {
            let plural = kind.plural();
            return Err(ServiceError::invalid(format!(
                "listing {plural} by tenant is not possible because {plural} are cluster-scoped; omit the tenant"
            )));
        }
        let records = self.inner.store.list(kind, tenant).await?;
        Ok(records.iter().map(api_object).collect())
    }

    /// Lists recorded events, oldest first.
    pub async fn events(
        &self,
        who: &Identity,
        filter: &EventFilter,
    ) -> Result<Vec<ApiEvent>, ServiceError> {
        let _ = who;
        let query = EventQuery {
            kind: filter.kind,
            tenant: filter.tenant.clone(),
            name: filter.name.clone(),
            after_id: filter.after_id,
            limit: filter
                .limit
                .unwrap_or(EventFilter::MAX_LIMIT)
                .min(EventFilter::MAX_LIMIT),
        };
        let events = self.inner.store.list_events(&query).await?;
        Ok(events.into_iter().map(api_event).collect())
    }

    /// Reads an application's logs from the engine.
    pub async fn logs(
        &self,
        who: &Identity,
        tenant: &str,
        app: &str,
        query: &LogQuery,
    ) -> Result<LogBatch, ServiceError> {
        let _ = who;
        let key = object_key(Kind::Application, Some(tenant), app)?;
        if self.inner.store.get(&key).await?.is_none() {
            return Err(not_found(Kind::Application, Some(tenant), app));
        }
        self.inner
            .engine
            .read_logs(&app_key(&key), query)
            .await
            .map_err(|error| match error.not_found {
                true => ServiceError::Invalid {
                    message: error.to_string(),
                    details: Vec::new(),
                },
                false => ServiceError::unavailable(error),
            })
    }
}

pub(crate) fn not_found(kind: Kind, tenant: Option<&str>, name: &str) -> ServiceError {
    ServiceError::NotFound {
        kind,
        tenant: tenant.map(str::to_owned),
        name: name.to_owned(),
    }
}
