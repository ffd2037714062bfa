//! Removing a container and everything created for it.

use std::time::Duration;

use nix::sys::signal::Signal;

use super::layout::{Bundle, validate_id};
use super::process::{is_alive, is_conmon_of, read_pid_file, signal};
use super::{ContainerRuntime, RuntimeError, cgroups, rootfs};

/// Time conmon gets to record the exit and quit by itself after the container died.
const CONMON_EXIT_WAIT: Duration = Duration::from_secs(2);
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Removes the container. Each step succeeds when there is nothing left to
/// remove, so removal can be repeated after any failure.
pub(crate) async fn remove(runtime: &ContainerRuntime, id: &str) -> Result<(), RuntimeError> {
    validate_id(id)?;
    let bundle = runtime.layout.bundle(id);

    runtime.oci.delete_force(id).await?;
    stop_conmon(&bundle, id).await;

    rootfs::unmount(&bundle.rootfs(), id)?;
    cgroups::remove_leftovers(id).await?;
    remove_runtime_state(runtime, id)?;
    remove_bundle_dir(&bundle, id)?;

    let exit_file = runtime.layout.exit_file(id);
    remove_file_if_present(&exit_file, id)?;
    tracing::info!(container = id, "container removed");
    Ok(())
}

/// Waits for conmon to quit after the container died, then kills it by the
/// PID in its PID file, and only when that PID still is this container's conmon.
async fn stop_conmon(bundle: &Bundle, id: &str) {
    let Some(pid) = read_pid_file(&bundle.conmon_pid_file()) else {
        return;
    };
    if !is_conmon_of(pid, id) {
        return;
    }

    if wait_gone(pid, CONMON_EXIT_WAIT).await {
        return;
    }
    tracing::warn!(
        container = id,
        pid,
        "conmon still runs after the container was deleted, killing it"
    );
    signal(pid, Signal::SIGKILL);
    if !wait_gone(pid, CONMON_EXIT_WAIT).await {
        tracing::error!(container = id, pid, "conmon survived SIGKILL");
    }
}

async fn wait_gone(pid: i32, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while is_alive(pid) {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    true
}

/// Removes the runtime's state directory when `delete` left it, for example
/// after the runtime crashed during create.
fn remove_runtime_state(runtime: &ContainerRuntime, id: &str) -> Result<(), RuntimeError> {
    let dir = runtime.layout.runtime_root().join(id);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {
            tracing::info!(container = id, path = %dir.display(), "removed state left by the OCI runtime");
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(RuntimeError::io("removal", id, &dir, error)),
    }
}

fn remove_bundle_dir(bundle: &Bundle, id: &str) -> Result<(), RuntimeError> {
    // Deleting through a mounted root filesystem would write whiteouts
    // instead of removing files, and could reach into other mounts.
    let rootfs = bundle.rootfs();
    if rootfs::is_mount_point(&rootfs).unwrap_or(true) {
        let message = format!(
            "{} is still mounted: unmount it, then remove again",
            rootfs.display()
        );
        return Err(RuntimeError::failed("removal", id, message));
    }

    match std::fs::remove_dir_all(&bundle.dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(RuntimeError::io("removal", id, &bundle.dir, error)),
    }
}

fn remove_file_if_present(path: &std::path::Path, id: &str) -> Result<(), RuntimeError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(RuntimeError::io("removal", id, path, error)),
    }
}
