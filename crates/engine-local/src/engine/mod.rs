//! [`LocalEngine`]: the table of applications and the [`Engine`] operations.

mod purge;
mod remove;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use strongroom_engine::{
    AppKey, Deployment, Engine, EngineError, LogBatch, LogQuery, RemoveError, SyncError,
    TenantNetwork,
};
use strongroom_model::{ApplicationPhase, ApplicationStatus};

use crate::app::AppState;
use crate::config::{EngineStartError, LocalEngineConfig};
use crate::host::Host;
use crate::logs;
use crate::naming;
use crate::network::{NetworkConfig, Networks};
use crate::runtime::{ContainerInfo, ContainerRuntime, RuntimeConfig};

/// Runs application instances as containers on this host; see the crate documentation.
///
/// Dropping the engine ends supervision and leaves every container running,
/// as a control-plane exit does; a new engine over the same data directory
/// adopts them.
pub struct LocalEngine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    host: Arc<Host>,
    dirs: StateDirs,
    apps: Mutex<HashMap<AppKey, AppEntry>>,
}

/// Directories the engine deletes on purge.
#[derive(Debug, Clone)]
pub(crate) struct StateDirs {
    pub(crate) runtime: std::path::PathBuf,
    pub(crate) network: std::path::PathBuf,
    pub(crate) logs: std::path::PathBuf,
}

enum AppEntry {
    /// Containers found at start, of an application no `sync` has named yet.
    Adoptable(BTreeMap<u32, ContainerInfo>),
    /// An application with supervisors.
    Active(AppState),
    /// `remove` is stopping the application's instances.
    Removing,
}

impl LocalEngine {
    /// Sets up the runtime and network layers under `config.data_dir` and
    /// finds the containers that already run, to adopt them on the first
    /// `sync` of their application.
    pub async fn new(config: LocalEngineConfig) -> Result<LocalEngine, EngineStartError> {
        let dirs = StateDirs {
            runtime: config.runtime_dir(),
            network: config.network_dir(),
            logs: config.log_dir.clone(),
        };
        for dir in [&dirs.runtime, &dirs.network, &dirs.logs] {
            std::fs::create_dir_all(dir).map_err(|source| EngineStartError::CreateDir {
                path: dir.clone(),
                source,
            })?;
        }

        let runtime = ContainerRuntime::new(RuntimeConfig {
            state_dir: dirs.runtime.clone(),
            runtime: config.runtime.clone(),
            conmon: config.conmon.clone(),
            log_max_bytes: config.log_max_bytes,
            log_max_files: config.log_max_files,
        })?;
        let networks = Networks::new(NetworkConfig {
            cni_bin_dir: config.cni_bin_dir.clone(),
            state_dir: dirs.network.clone(),
        })?;
        let host = Host::new(
            Arc::new(runtime),
            Arc::new(networks),
            config.images,
            config.events,
            config.log_dir,
        )?;
        LocalEngine::start(host, dirs).await
    }

    /// Returns an engine over `host`, with the containers it lists ready for adoption.
    pub(crate) async fn start(
        host: Host,
        dirs: StateDirs,
    ) -> Result<LocalEngine, EngineStartError> {
        let containers =
            host.containers
                .list()
                .await
                .map_err(|source| EngineStartError::ListContainers {
                    path: dirs.runtime.clone(),
                    source,
                })?;
        detach_orphans(&host, &containers).await;
        let count = containers.len();
        let mut found: BTreeMap<AppKey, BTreeMap<u32, ContainerInfo>> = BTreeMap::new();
        for info in containers {
            let Some((key, ordinal)) = naming::parse_container_id(&info.id) else {
                tracing::warn!(container_id = %info.id, "ignoring a container whose id the engine did not make");
                continue;
            };
            found.entry(key).or_default().insert(ordinal, info);
        }

        tracing::info!(
            applications = found.len(),
            containers = count,
            "local engine started"
        );
        let apps = found
            .into_iter()
            .map(|(key, containers)| (key, AppEntry::Adoptable(containers)))
            .collect();
        let inner = EngineInner {
            host: Arc::new(host),
            dirs,
            apps: Mutex::new(apps),
        };
        Ok(LocalEngine {
            inner: Arc::new(inner),
        })
    }

    /// Like [`Engine::purge`], and deletes the image store too.
    pub async fn purge_with_images(&self) -> Result<(), EngineError> {
        purge::purge(&self.inner, true).await
    }
}

impl EngineInner {
    fn lock_apps(&self) -> MutexGuard<'_, HashMap<AppKey, AppEntry>> {
        // Entries are replaced whole, so a table left by a panicking holder is consistent.
        self.apps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sync_now(&self, deployment: &Deployment) -> ApplicationStatus {
        let mut apps = self.lock_apps();
        let entry = apps
            .entry(deployment.key.clone())
            .or_insert_with(|| AppEntry::Adoptable(BTreeMap::new()));
        if let AppEntry::Adoptable(adopted) = entry {
            let adopted = std::mem::take(adopted);
            *entry = AppEntry::Active(AppState::new(&self.host, deployment, adopted));
        }

        match entry {
            AppEntry::Active(app) => {
                app.apply(&self.host, deployment);
                app.status()
            }
            AppEntry::Adoptable(_) | AppEntry::Removing => ApplicationStatus {
                observed_generation: deployment.generation,
                phase: ApplicationPhase::Deleting,
                desired_instances: deployment.spec.instances.desired,
                reason: Some("The application is being removed.".to_owned()),
                ..ApplicationStatus::default()
            },
        }
    }
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        let apps = std::mem::take(&mut *self.lock_apps());
        for entry in apps.into_values() {
            if let AppEntry::Active(app) = entry {
                app.detach();
            }
        }
    }
}

#[async_trait]
impl Engine for LocalEngine {
    async fn sync(&self, deployment: &Deployment) -> Result<ApplicationStatus, SyncError> {
        check_key(&deployment.key).map_err(|message| SyncError {
            key: deployment.key.clone(),
            message,
        })?;
        Ok(self.inner.sync_now(deployment))
    }

    async fn remove(&self, key: &AppKey) -> Result<(), RemoveError> {
        remove::remove(&self.inner, key).await
    }

    async fn list_apps(&self) -> Result<Vec<AppKey>, EngineError> {
        let mut keys: Vec<AppKey> = self.inner.lock_apps().keys().cloned().collect();
        keys.sort();
        Ok(keys)
    }

    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), EngineError> {
        let users: Vec<String> = {
            let apps = self.inner.lock_apps();
            apps.keys()
                .filter(|key| key.tenant == network.tenant)
                .map(ToString::to_string)
                .collect()
        };
        if !users.is_empty() {
            let message = format!(
                "network {} is still used by applications {}: remove them first",
                network.tenant,
                users.join(", ")
            );
            return Err(EngineError {
                operation: "removing a tenant network",
                message,
                not_found: false,
            });
        }

        let result = self.inner.host.networks.remove_network(network).await;
        result.map_err(|error| EngineError {
            operation: "removing a tenant network",
            message: error.to_string(),
            not_found: false,
        })
    }

    async fn purge(&self) -> Result<(), EngineError> {
        purge::purge(&self.inner, false).await
    }

    async fn read_logs(&self, key: &AppKey, query: &LogQuery) -> Result<LogBatch, EngineError> {
        let dir = naming::app_log_dir(&self.inner.host.log_dir, key);
        let query = query.clone();
        let read = tokio::task::spawn_blocking(move || logs::read_logs(&dir, &query)).await;

        let error = |message: String, not_found: bool| EngineError {
            operation: "reading logs",
            message: format!("application {key}: {message}"),
            not_found,
        };
        read.map_err(|join| error(format!("the log reader failed: {join}"), false))?
            .map_err(|read| {
                let not_found = matches!(read, logs::LogReadError::UnknownInstance { .. });
                error(read.to_string(), not_found)
            })
    }
}

/// Detaches the network attachments of the engine's container ids that
/// have no container: attaches that a stopped control plane made without
/// creating the container, or whose container it removed before detaching.
async fn detach_orphans(host: &Host, containers: &[ContainerInfo]) {
    let attached = match host.networks.attached().await {
        Ok(attached) => attached,
        Err(error) => {
            tracing::warn!(error = %error, "listing network attachments failed; orphaned attachments stay");
            return;
        }
    };
    let orphans = attached.iter().filter(|attachment| {
        let ours = naming::parse_container_id(&attachment.container_id).is_some();
        ours && !containers
            .iter()
            .any(|info| info.id == attachment.container_id)
    });
    for orphan in orphans {
        tracing::info!(container_id = %orphan.container_id, "detaching a network attachment without a container");
        if let Err(error) = host
            .networks
            .detach(&orphan.network, &orphan.container_id)
            .await
        {
            tracing::warn!(container_id = %orphan.container_id, error = %error, "detaching an orphaned attachment failed");
        }
    }
}

/// Checks that the names fit into a container id `sr.TENANT.APP.N`.
fn check_key(key: &AppKey) -> Result<(), String> {
    for (what, name) in [("tenant", &key.tenant), ("application", &key.app)] {
        let usable = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !usable {
            return Err(format!(
                "{what} name {name:?} cannot be part of a container id: use letters, digits, '-' and '_'"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
