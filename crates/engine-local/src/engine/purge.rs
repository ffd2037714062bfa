//! Removing everything the engine created.

use std::sync::Arc;

use strongroom_engine::EngineError;
use tokio::task::JoinSet;

use super::EngineInner;
use super::remove::{DEFAULT_GRACE, remove, sweep};
use crate::host::remove_dir_if_present;

const OPERATION: &str = "purging the local engine";

/// Removes every application, then any container and attachment left, then
/// the empty parent cgroups, the network layer's bridges and rules, and last
/// the state directories.
/// With `images` set it deletes the image store too.
///
/// The engine is unusable afterwards: its runtime and network layers have
/// no state directories left.
pub(super) async fn purge(engine: &Arc<EngineInner>, images: bool) -> Result<(), EngineError> {
    tracing::info!(images, "purging the local engine");
    let error = |message: String| EngineError {
        operation: OPERATION,
        message,
        not_found: false,
    };

    // Supervisors go first, so that none starts a container during the sweep.
    let keys: Vec<_> = engine.lock_apps().keys().cloned().collect();
    let mut removals = JoinSet::new();
    for key in keys {
        let engine = engine.clone();
        removals.spawn(async move { remove(&engine, &key).await });
    }
    let mut messages = Vec::new();
    while let Some(joined) = removals.join_next().await {
        match joined {
            Ok(Err(failure)) => messages.push(failure.to_string()),
            Err(join) => messages.push(format!("an application removal failed: {join}")),
            Ok(Ok(())) => {}
        }
    }

    if let Err(failure) = sweep(&engine.host, |_| true, DEFAULT_GRACE).await {
        messages.push(failure.message);
    }

    // After the sweep no container of this installation has a cgroup left, so an empty
    // parent is one that no installation uses.
    messages.extend(engine.host.containers.remove_cgroup_parents().await);
    if let Err(failure) = engine.host.networks.purge().await {
        messages.push(failure.to_string());
    }
    if !messages.is_empty() {
        // State directories stay, so that a second purge finds what is left.
        return Err(error(messages.join("; ")));
    }

    remove_state(engine, images).await.map_err(error)?;
    tracing::info!("local engine purged");
    Ok(())
}

async fn remove_state(engine: &EngineInner, images: bool) -> Result<(), String> {
    let dirs = &engine.dirs;
    for dir in [&dirs.runtime, &dirs.network, &dirs.logs] {
        remove_dir_if_present(dir.clone())
            .await
            .map_err(|error| format!("cannot delete {}: {error}", dir.display()))?;
    }
    if images {
        engine
            .host
            .images
            .remove_all()
            .await
            .map_err(|error| format!("cannot delete the image store: {error}"))?;
    }
    Ok(())
}
