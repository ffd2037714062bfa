//! An engine double for server tests: every synced application runs its
//! desired instances, all healthy, without touching the host.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use strongroom_engine::{
    AppKey, Deployment, Engine, EngineError, LogBatch, LogLine, LogQuery, RemoveError, SyncError,
    TenantNetwork,
};
use strongroom_model::{ApplicationPhase, ApplicationStatus, InstanceState, InstanceStatus};

/// Applications by key, as last synced.
#[derive(Debug, Default)]
pub struct HealthyEngine {
    apps: Mutex<BTreeMap<AppKey, Deployment>>,
}

impl HealthyEngine {
    /// Returns the keys of the applications the engine runs.
    pub fn running(&self) -> Vec<AppKey> {
        self.apps.lock().unwrap().keys().cloned().collect()
    }
}

fn status(deployment: &Deployment) -> ApplicationStatus {
    let desired = deployment.spec.instances.desired;
    let instances = (0..desired)
        .map(|ordinal| InstanceStatus {
            name: format!("{}-{ordinal}", deployment.key.app),
            container_id: format!(
                "sr.{}.{}.{ordinal}",
                deployment.key.tenant, deployment.key.app
            ),
            ip: Some(format!("10.99.0.{}", ordinal + 2)),
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
        image_digest: None,
        instances,
    }
}

#[async_trait]
impl Engine for HealthyEngine {
    async fn sync(&self, deployment: &Deployment) -> Result<ApplicationStatus, SyncError> {
        self.apps
            .lock()
            .unwrap()
            .insert(deployment.key.clone(), deployment.clone());
        Ok(status(deployment))
    }

    async fn remove(&self, key: &AppKey) -> Result<(), RemoveError> {
        self.apps.lock().unwrap().remove(key);
        Ok(())
    }

    async fn list_apps(&self) -> Result<Vec<AppKey>, EngineError> {
        Ok(self.running())
    }

    async fn remove_network(&self, _network: &TenantNetwork) -> Result<(), EngineError> {
        Ok(())
    }

    async fn purge(&self) -> Result<(), EngineError> {
        self.apps.lock().unwrap().clear();
        Ok(())
    }

    async fn read_logs(&self, key: &AppKey, query: &LogQuery) -> Result<LogBatch, EngineError> {
        let apps = self.apps.lock().unwrap();
        let Some(deployment) = apps.get(key) else {
            return Ok(LogBatch::default());
        };
        let lines = status(deployment)
            .instances
            .into_iter()
            .filter(|i| query.instance.as_ref().is_none_or(|name| *name == i.name))
            .map(|i| LogLine {
                instance: i.name.clone(),
                time: "2026-01-31T09:00:00.000000001Z".to_owned(),
                stream: "stdout".to_owned(),
                text: format!("{} started", i.name),
            })
            .collect();
        Ok(LogBatch {
            lines,
            cursor: "end".to_owned(),
        })
    }
}
