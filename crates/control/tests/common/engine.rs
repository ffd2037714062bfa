//! An in-memory engine that records every call and reports the instances of
//! every synced application as running and healthy.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use strongroom_engine::{
    AppKey, Deployment, Engine, EngineError, LogBatch, LogLine, LogQuery, RemoveError, SyncError,
    TenantNetwork,
};
use strongroom_model::{ApplicationPhase, ApplicationStatus, InstanceState, InstanceStatus};

/// One call the control plane made.
#[allow(
    clippy::large_enum_variant,
    reason = "test records are few, so their size does not matter"
)]
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Sync(Deployment),
    Remove(AppKey),
    ListApps,
    RemoveNetwork(TenantNetwork),
    ReadLogs(AppKey),
}

#[derive(Debug, Default)]
pub struct FakeEngine {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
pub struct State {
    /// Applications with instances, by key, with the deployment last synced.
    pub apps: BTreeMap<AppKey, Deployment>,
    /// Networks that exist, by tenant.
    pub networks: BTreeSet<String>,
    pub calls: Vec<Call>,
    /// Applications whose sync fails with this message.
    pub sync_failures: BTreeMap<AppKey, String>,
    /// Applications whose removal fails with this message.
    pub remove_failures: BTreeMap<AppKey, String>,
    /// Applications whose sync never returns.
    pub hanging: BTreeSet<AppKey>,
    /// Tenants whose network removal fails with this message.
    pub network_failures: BTreeMap<String, String>,
}

impl FakeEngine {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    pub fn clear_calls(&self) {
        self.state().calls.clear();
    }

    pub fn syncs(&self) -> Vec<Deployment> {
        let calls = self.calls();
        calls
            .into_iter()
            .filter_map(|call| {
                if let Call::Sync(d) = call {
                    Some(d)
                } else {
                    None
                }
            })
            .collect()
    }

    pub fn removes(&self) -> Vec<AppKey> {
        let calls = self.calls();
        calls
            .into_iter()
            .filter_map(|call| {
                if let Call::Remove(key) = call {
                    Some(key)
                } else {
                    None
                }
            })
            .collect()
    }

    /// Makes the engine run an application that the control plane never synced.
    pub fn add_running(&self, deployment: Deployment) {
        self.state().apps.insert(deployment.key.clone(), deployment);
    }
}

/// Builds the status of an application whose instances all run and pass their checks.
pub fn running_status(deployment: &Deployment) -> ApplicationStatus {
    let desired = deployment.spec.instances.desired;
    let instances = (0..desired)
        .map(|ordinal| InstanceStatus {
            name: format!("{}-{ordinal}", deployment.key.app),
            container_id: format!("{}-{}-{ordinal}", deployment.key.tenant, deployment.key.app),
            ip: Some(format!("10.0.0.{}", ordinal + 2)),
            state: InstanceState::Running,
            healthy: true,
            restarts: 0,
            started_at: None,
            last_exit_code: None,
            reason: None,
        })
        .collect();
    ApplicationStatus {
        observed_generation: deployment.generation,
        phase: ApplicationPhase::Running,
        desired_instances: desired,
        healthy_instances: desired,
        reason: None,
        image_digest: Some("sha256:0123".to_owned()),
        instances,
    }
}

#[async_trait]
impl Engine for FakeEngine {
    async fn sync(&self, deployment: &Deployment) -> Result<ApplicationStatus, SyncError> {
        let hangs = {
            let mut state = self.state();
            state.calls.push(Call::Sync(deployment.clone()));
            state.hanging.contains(&deployment.key)
        };
        if hangs {
            std::future::pending::<()>().await;
        }
        let mut state = self.state();
        if let Some(message) = state.sync_failures.get(&deployment.key) {
            return Err(SyncError {
                key: deployment.key.clone(),
                message: message.clone(),
            });
        }
        state.networks.insert(deployment.network.tenant.clone());
        state
            .apps
            .insert(deployment.key.clone(), deployment.clone());
        Ok(running_status(deployment))
    }

    async fn remove(&self, key: &AppKey) -> Result<(), RemoveError> {
        let mut state = self.state();
        state.calls.push(Call::Remove(key.clone()));
        if let Some(message) = state.remove_failures.get(key) {
            return Err(RemoveError {
                key: key.clone(),
                message: message.clone(),
            });
        }
        state.apps.remove(key);
        Ok(())
    }

    async fn list_apps(&self) -> Result<Vec<AppKey>, EngineError> {
        let mut state = self.state();
        state.calls.push(Call::ListApps);
        Ok(state.apps.keys().cloned().collect())
    }

    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), EngineError> {
        let mut state = self.state();
        state.calls.push(Call::RemoveNetwork(network.clone()));
        if let Some(message) = state.network_failures.get(&network.tenant) {
            return Err(EngineError {
                operation: "removing a network",
                message: message.clone(),
                not_found: false,
            });
        }
        state.networks.remove(&network.tenant);
        Ok(())
    }

    async fn purge(&self) -> Result<(), EngineError> {
        let mut state = self.state();
        state.apps.clear();
        state.networks.clear();
        Ok(())
    }

    async fn read_logs(&self, key: &AppKey, query: &LogQuery) -> Result<LogBatch, EngineError> {
        let mut state = self.state();
        state.calls.push(Call::ReadLogs(key.clone()));
        let line = LogLine {
            instance: query
                .instance
                .clone()
                .unwrap_or_else(|| format!("{}-0", key.app)),
            time: "2026-12-04T10:00:00.000000000Z".to_owned(),
            stream: "stdout".to_owned(),
            text: format!("hello from {key}"),
        };
        Ok(LogBatch {
            lines: vec![line],
            cursor: "1".to_owned(),
        })
    }
}
