//! Helpers shared by the control plane's integration tests: an in-memory
//! engine, a platform on a temporary SQLite file, and manifest builders.

#![allow(dead_code, unused_imports)]

mod engine;

use std::sync::Arc;

pub use engine::{Call, FakeEngine};
use serde_json::json;
use strongroom_api::ApiEvent;
use strongroom_control::{ApplyAction, ApplyItem, EventFilter, Identity, Platform, PlatformConfig};
use strongroom_model::{Application, Object, Tenant};
use strongroom_store::Store;
use tempfile::TempDir;

/// A platform on a temporary database and an in-memory engine.
pub struct Harness {
    pub platform: Platform,
    pub engine: Arc<FakeEngine>,
    pub config: PlatformConfig,
    dir: TempDir,
}

impl Harness {
    pub async fn new() -> Harness {
        Harness::with_config(PlatformConfig::default()).await
    }

    pub async fn with_config(config: PlatformConfig) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let engine = Arc::new(FakeEngine::default());
        let store = Store::open(dir.path().join("store.db")).await.unwrap();
        let platform = Platform::new(store, engine.clone(), config.clone());
        Harness {
            platform,
            engine,
            config,
            dir,
        }
    }

    /// Starts a new platform on the same database file and the same engine,
    /// as a control plane killed and started again finds them.
    pub async fn restart(&mut self) {
        self.platform.store().close().await;
        let store = Store::open(self.dir.path().join("store.db")).await.unwrap();
        self.platform = Platform::new(store, self.engine.clone(), self.config.clone());
    }

    /// Applies objects as `admin` and returns what each did.
    pub async fn apply(&self, objects: Vec<Object>) -> Vec<ApplyAction> {
        let items = objects.into_iter().map(ApplyItem::new).collect();
        let results = self.platform.apply(&admin(), items).await.unwrap();
        results.into_iter().map(|(action, _)| action).collect()
    }

    pub async fn events(&self) -> Vec<ApiEvent> {
        self.platform
            .events(&admin(), &EventFilter::default())
            .await
            .unwrap()
    }

    /// Returns the events with this reason.
    pub async fn events_with_reason(&self, reason: &str) -> Vec<ApiEvent> {
        self.events()
            .await
            .into_iter()
            .filter(|event| event.reason == reason)
            .collect()
    }
}

pub fn admin() -> Identity {
    Identity::new("admin")
}

pub fn tenant(name: &str) -> Object {
    tenant_with_subnet(name, None)
}

pub fn tenant_with_subnet(name: &str, subnet: Option<&str>) -> Object {
    let mut manifest = json!({
        "apiVersion": "strongroom/v1",
        "metadata": { "name": name },
        "spec": { "displayName": format!("Tenant {name}") },
    });
    if let Some(subnet) = subnet {
        manifest["spec"]["network"] = json!({ "subnet": subnet });
    }
    Object::Tenant(serde_json::from_value::<Tenant>(manifest).unwrap())
}

pub fn app(tenant: &str, name: &str, desired: u32) -> Object {
    let manifest = json!({
        "apiVersion": "strongroom/v1",
        "metadata": { "name": name, "tenant": tenant, "labels": { "team": "payments" } },
        "spec": {
            "owner": "payments-team",
            "contact": "payments@bank.example",
            "securityLevel": 3,
            "networkZone": "business",
            "image": "127.0.0.1:5000/payments/web:1.0",
            "ports": [{ "name": "http", "port": 8080 }],
            "instances": { "desired": desired },
        },
    });
    Object::Application(serde_json::from_value::<Application>(manifest).unwrap())
}

/// Returns the application inside `object`, for edits in tests.
pub fn application_mut(object: &mut Object) -> &mut Application {
    match object {
        Object::Application(application) => application,
        Object::Tenant(_) => panic!("expected an application"),
    }
}
