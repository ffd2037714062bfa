//! Helpers shared by the store's integration tests.

#![allow(dead_code)]

use serde_json::{Value, json};
use strongroom_model::Kind;
use strongroom_store::{ObjectKey, ObjectWrite, Store};
use tempfile::TempDir;

/// A store in a fresh temporary directory, removed when dropped.
pub struct TempStore {
    pub store: Store,
    pub dir: TempDir,
}

impl TempStore {
    pub async fn new() -> TempStore {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store.db")).await.unwrap();
        TempStore { store, dir }
    }

    /// Closes the store and opens the same file again, as a restarted server would.
    pub async fn reopen(&mut self) {
        self.store.close().await;
        self.store = Store::open(self.dir.path().join("store.db")).await.unwrap();
    }
}

pub fn tenant_key(name: &str) -> ObjectKey {
    ObjectKey::cluster(Kind::Tenant, name)
}

pub fn app_key(tenant: &str, name: &str) -> ObjectKey {
    ObjectKey::in_tenant(Kind::Application, tenant, name)
}

/// Builds a write of `key` whose spec is a small JSON object containing `content`.
pub fn write(key: &ObjectKey, content: &str) -> ObjectWrite {
    ObjectWrite {
        key: key.clone(),
        spec: spec(key, content),
        status: None,
        expected_resource_version: None,
    }
}

pub fn spec(key: &ObjectKey, content: &str) -> Value {
    json!({
        "kind": key.kind.as_str(),
        "metadata": { "name": key.name, "tenant": key.tenant },
        "spec": { "content": content },
    })
}
