//! Containers on this host: bundles, OCI runtime and conmon.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use strongroom_image::Image;
use strongroom_model::Resources;

/// Settings of the container runtime layer.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Directory for bundles, runtime state and exit files.
    pub state_dir: PathBuf,
    /// OCI runtime binary, for example `/usr/bin/runc`.
    pub runtime: PathBuf,
    /// conmon binary.
    pub conmon: PathBuf,
    /// A log file is rotated when it reaches this size.
    pub log_max_bytes: u64,
    /// Rotated log files kept per instance.
    pub log_max_files: u32,
}

/// Everything needed to create one container.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// Container id: letters, digits, `.`, `_` and `-`.
    pub id: String,
    /// Hostname inside the container.
    pub hostname: String,
    /// The pulled image.
    pub image: Image,
    /// Program and arguments, already resolved from the image and the model.
    pub process_args: Vec<String>,
    /// `NAME=value` entries, image first, model overrides last.
    pub env: Vec<String>,
    /// Absolute working directory.
    pub working_dir: String,
    /// `user`, `uid`, `user:group` or `uid:gid` from the image; empty means root.
    pub user: String,
    /// CPU, memory and pids limits.
    pub resources: Resources,
    /// Network namespace to join.
    pub netns_path: PathBuf,
    /// Where stdout and stderr go, in the Kubernetes CRI log format.
    pub log_path: PathBuf,
    /// Labels stored with the container, read back by [`ContainerRuntime::list`].
    pub labels: BTreeMap<String, String>,
}

/// State of a container as the OCI runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    /// Created but not started.
    Created,
    /// The process runs with this host PID.
    Running {
        /// Host PID of the container's first process.
        pid: i32,
    },
    /// The process exited.
    Stopped {
        /// Exit code, when conmon recorded it.
        exit_code: Option<i32>,
    },
}

/// A container known to the runtime layer.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    /// Container id.
    pub id: String,
    /// Labels given at creation.
    pub labels: BTreeMap<String, String>,
    /// Current state.
    pub state: ContainerState,
}

/// Runs containers with an OCI runtime under conmon.
#[derive(Debug, Clone)]
pub struct ContainerRuntime {
    #[allow(dead_code)]
    config: RuntimeConfig,
}

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The program to run is not in the image.
    #[error("command {command:?} not found in image {image}: fix spec.command or the image's entrypoint")]
    CommandNotFound {
        /// The missing program.
        command: String,
        /// Image reference.
        image: String,
    },
    /// The disk holding the container state is full.
    #[error("no space left on device under {path}: free disk space, then the instance restarts")]
    NoSpace {
        /// Directory that could not be written.
        path: PathBuf,
    },
    /// Any other failure of an operation on a container.
    #[error("{operation} of container {id} failed: {message}")]
    Failed {
        /// What was attempted, for example `creation`.
        operation: &'static str,
        /// Container id.
        id: String,
        /// What failed and what to do.
        message: String,
    },
}

impl ContainerRuntime {
    /// Checks the runtime and conmon binaries and prepares `state_dir`.
    pub fn new(config: RuntimeConfig) -> Result<ContainerRuntime, RuntimeError> {
        Ok(ContainerRuntime { config })
    }

    /// Prepares the bundle and root filesystem, creates the container under conmon and starts it.
    pub async fn create_and_start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        Err(RuntimeError::Failed { operation: "creation", id: spec.id.clone(), message: "not implemented yet".into() })
    }

    /// Returns the container's state, or `None` when it does not exist.
    pub async fn state(&self, id: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        let _ = id;
        Ok(None)
    }

    /// Waits until the container's process exits and returns its exit code.
    pub async fn wait_exit(&self, id: &str) -> Result<Option<i32>, RuntimeError> {
        let _ = id;
        Ok(None)
    }

    /// Sends SIGTERM, then SIGKILL after `grace` if the process still runs.
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let _ = (id, grace);
        Ok(())
    }

    /// Deletes the container, unmounts its root filesystem and removes its files. Idempotent.
    pub async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        let _ = id;
        Ok(())
    }

    /// Lists every container this runtime layer created.
    pub async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        Ok(Vec::new())
    }

    /// Runs `command` inside the running container and returns its exit code.
    pub async fn exec(&self, id: &str, command: &[String], timeout: Duration) -> Result<i32, RuntimeError> {
        let _ = (id, command, timeout);
        Ok(0)
    }
}
