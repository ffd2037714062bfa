//! State of containers: one container, all containers, waiting for an exit.
//!
//! The bundles under `state_dir` are the list of containers, so that a new
//! process finds the containers an earlier one created. The state comes from
//! the OCI runtime, the exit code from the exit file conmon writes.

use std::time::Duration;

use oci_spec::runtime::Spec;

use super::layout::validate_id;
use super::process::{is_alive, is_conmon_of, read_pid_file};
use super::{ContainerInfo, ContainerRuntime, ContainerState, RuntimeError, spec};

/// How often [`wait_exit`] looks for the exit file.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How often [`wait_exit`] checks that conmon still runs, in exit polls.
const CONMON_CHECK_EVERY: u32 = 20;
/// State queries [`list`] runs at the same time.
const LIST_CONCURRENCY: usize = 8;

pub(crate) async fn container_info(
    runtime: &ContainerRuntime,
    id: &str,
) -> Result<Option<ContainerInfo>, RuntimeError> {
    if validate_id(id).is_err() {
        return Ok(None);
    }
    let bundle = runtime.layout.bundle(id);
    if !bundle.dir.is_dir() {
        return Ok(None);
    }

    let labels = read_spec(runtime, id)
        .map(|spec| spec::labels(&spec))
        .unwrap_or_default();
    let state = current_state(runtime, id).await?;
    Ok(Some(ContainerInfo {
        id: id.to_owned(),
        labels,
        state,
    }))
}

pub(crate) async fn list(runtime: &ContainerRuntime) -> Result<Vec<ContainerInfo>, RuntimeError> {
    let dir = runtime.layout.containers_dir();
    let entries =
        std::fs::read_dir(&dir).map_err(|error| RuntimeError::io("listing", "*", &dir, error))?;
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    ids.sort();

    // Each state query runs the OCI runtime once, which took about 8 ms on the
    // 2-core test VM, so a few run at a time.
    let mut containers = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LIST_CONCURRENCY) {
        let mut queries = tokio::task::JoinSet::new();
        for (index, id) in chunk.iter().enumerate() {
            let runtime = runtime.clone();
            let id = id.clone();
            queries.spawn(async move { (index, container_info(&runtime, &id).await) });
        }
        let mut results = queries.join_all().await;
        results.sort_by_key(|(index, _)| *index);

        // A container removed while the list is built is skipped.
        for (_, info) in results {
            containers.extend(info?);
        }
    }
    Ok(containers)
}

/// Reads the container's `config.json`; `None` when creation stopped before writing it.
pub(crate) fn read_spec(runtime: &ContainerRuntime, id: &str) -> Option<Spec> {
    let text = std::fs::read_to_string(runtime.layout.bundle(id).config()).ok()?;
    match serde_json::from_str(&text) {
        Ok(spec) => Some(spec),
        Err(error) => {
            tracing::warn!(container = id, %error, "config.json of container is invalid, labels unknown");
            None
        }
    }
}

async fn current_state(
    runtime: &ContainerRuntime,
    id: &str,
) -> Result<ContainerState, RuntimeError> {
    let state = runtime.oci.state(id).await?;
    let state = match state {
        Some(state) if state.status == "creating" || state.status == "created" => {
            ContainerState::Created
        }
        Some(state) if state.status == "running" || state.status == "paused" => {
            ContainerState::Running { pid: state.pid }
        }
        _ => ContainerState::Stopped {
            exit_code: read_exit_code(runtime, id),
        },
    };
    Ok(state)
}

/// Reads the exit code conmon recorded; `None` before the exit or when conmon died first.
pub(crate) fn read_exit_code(runtime: &ContainerRuntime, id: &str) -> Option<i32> {
    let text = std::fs::read_to_string(runtime.layout.exit_file(id)).ok()?;
    text.trim().parse().ok()
}

pub(crate) async fn wait_exit(
    runtime: &ContainerRuntime,
    id: &str,
) -> Result<Option<i32>, RuntimeError> {
    let bundle = runtime.layout.bundle(id);
    if validate_id(id).is_err() || !bundle.dir.is_dir() {
        return Err(RuntimeError::NotFound { id: id.to_owned() });
    }

    let mut polls: u32 = 0;
    loop {
        if let Some(code) = read_exit_code(runtime, id) {
            return Ok(Some(code));
        }
        polls = polls.wrapping_add(1);
        // Without conmon no process writes the exit file, so the runtime's state decides.
        if polls.is_multiple_of(CONMON_CHECK_EVERY)
            && !conmon_runs(&bundle.conmon_pid_file(), id)
            && let Some(code) = exit_without_conmon(runtime, id).await?
        {
            return Ok(code);
        }
        tokio::time::sleep(EXIT_POLL_INTERVAL).await;
    }
}

fn conmon_runs(pid_file: &std::path::Path, id: &str) -> bool {
    read_pid_file(pid_file).is_some_and(|pid| is_alive(pid) && is_conmon_of(pid, id))
}

/// Returns `Some(exit code)` once the container stopped while its conmon is gone.
async fn exit_without_conmon(
    runtime: &ContainerRuntime,
    id: &str,
) -> Result<Option<Option<i32>>, RuntimeError> {
    if !runtime.layout.bundle(id).dir.is_dir() {
        return Err(RuntimeError::NotFound { id: id.to_owned() });
    }
    match current_state(runtime, id).await? {
        ContainerState::Stopped { exit_code } => Ok(Some(exit_code)),
        _ => Ok(None),
    }
}
