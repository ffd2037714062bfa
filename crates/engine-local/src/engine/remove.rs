//! Removing an application: its supervisors, containers and network
//! attachments, and moving its logs aside.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strongroom_engine::{AppKey, RemoveError};
use time::OffsetDateTime;
use tokio::task::{JoinHandle, JoinSet};

use super::{AppEntry, EngineInner};
use crate::host::Host;
use crate::logs;
use crate::naming;
use crate::runtime::{ContainerInfo, ContainerState};

/// Grace period for containers whose spec the engine does not know: the model's default.
pub(super) const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// Pause between checks while another `remove` of the same application runs.
const REMOVAL_POLL: Duration = Duration::from_millis(100);

/// Stops the application's supervisors, which stop their containers in
/// parallel, then removes whatever is still left of the application.
/// Returns only when nothing is left, or with what could not be removed.
pub(super) async fn remove(engine: &Arc<EngineInner>, key: &AppKey) -> Result<(), RemoveError> {
    tracing::info!(app = %key, "removing application");
    let (tasks, grace) = begin_removal(engine, key).await;
    for task in tasks {
        if let Err(error) = task.await
            && error.is_panic()
        {
            tracing::error!(app = %key, error = %error, "a supervisor panicked while removing its instance");
        }
    }

    let result = sweep(&engine.host, |id| is_of(id, key), grace).await;
    // Only once no container of the application is left does no conmon
    // write into its log directory any more.
    let result = match result {
        Ok(()) => archive_logs(&engine.host, key).await,
        Err(failure) => Err(failure),
    };
    let mut apps = engine.lock_apps();
    match result {
        Ok(()) => {
            apps.remove(key);
            tracing::info!(app = %key, "application removed");
            Ok(())
        }
        Err(failure) => {
            // Listing the application again lets the control plane retry the removal.
            apps.insert(key.clone(), AppEntry::Adoptable(failure.remaining));
            Err(RemoveError {
                key: key.clone(),
                message: failure.message,
            })
        }
    }
}

/// Marks the application as being removed and sends its supervisors the
/// `Remove` command. Waits first while another removal of it runs.
async fn begin_removal(engine: &EngineInner, key: &AppKey) -> (Vec<JoinHandle<()>>, Duration) {
    loop {
        {
            let mut apps = engine.lock_apps();
            if !matches!(apps.get(key), Some(AppEntry::Removing)) {
                return match apps.insert(key.clone(), AppEntry::Removing) {
                    Some(AppEntry::Active(app)) => {
                        let grace = app.stop_grace_period();
                        (app.shut_down(), grace)
                    }
                    _ => (Vec::new(), DEFAULT_GRACE),
                };
            }
        }
        tokio::time::sleep(REMOVAL_POLL).await;
    }
}

/// Moves the application's log directory under `_removed/`, see [`logs::archive_app_logs`].
async fn archive_logs(host: &Host, key: &AppKey) -> Result<(), SweepFailure> {
    let log_dir = host.log_dir.clone();
    let owned_key = key.clone();
    let removed_at = OffsetDateTime::now_utc();
    let archived = tokio::task::spawn_blocking(move || {
        logs::archive_app_logs(&log_dir, &owned_key, removed_at)
    })
    .await;

    let failure = |message: String| SweepFailure {
        message,
        remaining: BTreeMap::new(),
    };
    match archived {
        Ok(Ok(Some(dir))) => {
            tracing::info!(app = %key, dir = %dir.display(), "logs of the removed application kept");
            Ok(())
        }
        Ok(Ok(None)) => Ok(()),
        Ok(Err(error)) => Err(failure(error.to_string())),
        Err(join) => Err(failure(format!(
            "moving the logs of removed application {key} failed: {join}"
        ))),
    }
}

fn is_of(id: &str, key: &AppKey) -> bool {
    naming::parse_container_id(id).is_some_and(|(owner, _)| &owner == key)
}

/// Containers a sweep could not remove, and why.
pub(super) struct SweepFailure {
    pub(super) message: String,
    /// Containers still there, by ordinal.
    pub(super) remaining: BTreeMap<u32, ContainerInfo>,
}

/// Stops (with `grace`) and removes every container whose id `selects`, in
/// parallel, then detaches every network attachment it selects, including
/// those of attaches that never got a container.
pub(super) async fn sweep(
    host: &Arc<Host>,
    selects: impl Fn(&str) -> bool,
    grace: Duration,
) -> Result<(), SweepFailure> {
    let failure = |message: String| SweepFailure {
        message,
        remaining: BTreeMap::new(),
    };
    let containers = host
        .containers
        .list()
        .await
        .map_err(|error| failure(error.to_string()))?;

    let mut removals = JoinSet::new();
    for info in containers.into_iter().filter(|info| selects(&info.id)) {
        let host = host.clone();
        removals.spawn(async move {
            let result = stop_and_remove(&host, &info, grace).await;
            result.map_err(|message| (info, message))
        });
    }
    let mut messages = Vec::new();
    let mut remaining = BTreeMap::new();
    while let Some(joined) = removals.join_next().await {
        if let Ok(Err((info, message))) = joined {
            tracing::warn!(container_id = %info.id, error = %message, "removing a container failed");
            messages.push(message);
            if let Some((_, ordinal)) = naming::parse_container_id(&info.id) {
                remaining.insert(ordinal, info);
            }
        }
    }

    if let Err(message) = detach_all(host, &selects).await {
        messages.push(message);
    }
    if messages.is_empty() {
        return Ok(());
    }
    Err(SweepFailure {
        message: messages.join("; "),
        remaining,
    })
}

async fn stop_and_remove(host: &Host, info: &ContainerInfo, grace: Duration) -> Result<(), String> {
    if matches!(info.state, ContainerState::Running { .. }) {
        host.containers
            .stop(&info.id, grace)
            .await
            .map_err(|error| error.to_string())?;
    }
    host.containers
        .remove(&info.id)
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!(container_id = %info.id, "container removed");
    Ok(())
}

async fn detach_all(host: &Host, selects: &impl Fn(&str) -> bool) -> Result<(), String> {
    let attached = host
        .networks
        .attached()
        .await
        .map_err(|error| error.to_string())?;
    let mut messages = Vec::new();
    for attachment in attached
        .iter()
        .filter(|attached| selects(&attached.container_id))
    {
        if let Err(error) = host
            .networks
            .detach(&attachment.network, &attachment.container_id)
            .await
        {
            tracing::warn!(container_id = %attachment.container_id, error = %error, "detaching a container failed");
            messages.push(error.to_string());
        }
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(messages.join("; "))
    }
}
