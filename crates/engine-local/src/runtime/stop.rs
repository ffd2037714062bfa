//! Stopping a container: SIGTERM, then SIGKILL after the grace period.

use std::time::Duration;

use nix::sys::signal::Signal;

use super::layout::validate_id;
use super::process::{is_alive, read_pid_file};
use super::state::read_exit_code;
use super::{ContainerRuntime, RuntimeError};

/// Time the container gets to die after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(20);

pub(crate) async fn stop(
    runtime: &ContainerRuntime,
    id: &str,
    grace: Duration,
) -> Result<(), RuntimeError> {
    let bundle = runtime.layout.bundle(id);
    if validate_id(id).is_err() || !bundle.dir.is_dir() {
        return Err(RuntimeError::NotFound { id: id.to_owned() });
    }
    let Some(pid) = read_pid_file(&bundle.pid_file()) else {
        return Ok(());
    };

    tracing::info!(
        container = id,
        grace_ms = grace.as_millis() as u64,
        "stopping container"
    );
    // SIGTERM goes to the first process only, which decides how its children stop.
    if !runtime.oci.kill(id, Signal::SIGTERM, false).await? {
        return Ok(());
    }
    if wait_exited(runtime, id, pid, grace).await {
        tracing::info!(container = id, "container stopped after SIGTERM");
        return Ok(());
    }

    tracing::warn!(
        container = id,
        grace_ms = grace.as_millis() as u64,
        "container still runs after the grace period, sending SIGKILL"
    );
    runtime.oci.kill(id, Signal::SIGKILL, true).await?;
    if wait_exited(runtime, id, pid, KILL_WAIT).await {
        tracing::info!(container = id, "container stopped after SIGKILL");
        return Ok(());
    }
    let message = format!(
        "the container still runs {KILL_WAIT:?} after SIGKILL: check for a process in uninterruptible sleep (D state)"
    );
    Err(RuntimeError::failed("stop", id, message))
}

/// Waits until conmon recorded the exit or the first process is gone.
async fn wait_exited(runtime: &ContainerRuntime, id: &str, pid: i32, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if read_exit_code(runtime, id).is_some() || !is_alive(pid) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
