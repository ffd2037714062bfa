//! Containers on this host: bundles, OCI runtime and conmon.
//!
//! Each container gets a bundle directory `state_dir/containers/<id>/` with
//! the OCI runtime spec (`config.json`), an overlayfs root filesystem and the
//! files conmon needs. conmon runs the OCI runtime (runc by default, crun
//! where the host's cgroup layout allows it), copies the container's output
//! into a CRI log file and writes the exit code to `state_dir/exits/<id>`.
//! conmon and the container are detached from this process, so they keep
//! running while the control plane stops or restarts; [`ContainerRuntime::list`]
//! finds them again from the bundles on disk.
//!
//! Files under `state_dir`:
//!
//! - `containers/<id>/`: bundle (`config.json`, `rootfs/`, `upper/`, `work/`,
//!   `hosts`, `hostname`, `resolv.conf`, `pid`, `conmon.pid`, conmon's `ctl`
//!   fifo and `attach` socket)
//! - `runtime/`: state of the OCI runtime (`runc --root`)
//! - `exits/<id>`: exit code written by conmon when the container exits

mod capabilities;
mod cgroups;
mod conmon;
mod create;
mod error;
mod exec;
mod layout;
mod logs;
mod oci;
mod process;
mod remove;
mod rootfs;
mod seccomp;
mod spec;
mod state;
mod stop;
mod user;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use strongroom_image::Image;
use strongroom_model::Resources;

pub use capabilities::DEFAULT_CAPABILITIES;
pub use error::RuntimeError;
pub use logs::{LogRotateError, rotate_logs_if_needed};

use layout::Layout;
use oci::OciRuntime;

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
    config: RuntimeConfig,
    layout: Layout,
    oci: OciRuntime,
    /// Seccomp profile of every container, converted once.
    seccomp: Arc<oci_spec::runtime::LinuxSeccomp>,
    /// Serializes log rotations; see [`ContainerRuntime::rotate_logs`].
    log_rotation: Arc<tokio::sync::Mutex<()>>,
}

impl ContainerRuntime {
    /// Checks the runtime and conmon binaries and prepares `state_dir`.
    pub fn new(config: RuntimeConfig) -> Result<ContainerRuntime, RuntimeError> {
        // conmon runs in the bundle directory, so every path it gets must be absolute.
        let config = RuntimeConfig {
            state_dir: absolute_path("state_dir", &config.state_dir)?,
            runtime: absolute_path("OCI runtime", &config.runtime)?,
            conmon: absolute_path("conmon", &config.conmon)?,
            ..config
        };
        check_executable("OCI runtime", &config.runtime)?;
        check_executable("conmon", &config.conmon)?;

        let layout = Layout::new(&config.state_dir);
        layout.create_dirs()?;

        let oci = OciRuntime::new(&config.runtime, layout.runtime_root());
        let target = seccomp::Target::this_machine(capabilities::default_capability_names());
        let seccomp = seccomp::load(
            std::path::Path::new(seccomp::CONTAINERS_COMMON_PROFILE),
            &target,
        )?;
        tracing::info!(
            state_dir = %config.state_dir.display(),
            runtime = %config.runtime.display(),
            conmon = %config.conmon.display(),
            "container runtime ready"
        );
        Ok(ContainerRuntime {
            config,
            layout,
            oci,
            seccomp: Arc::new(seccomp),
            log_rotation: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Prepares the bundle and root filesystem, creates the container under conmon and starts it.
    ///
    /// On failure everything created so far (runtime state, conmon, mount,
    /// cgroups, bundle directory) is removed before the error is returned.
    pub async fn create_and_start(
        &self,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, RuntimeError> {
        create::create_and_start(self, spec).await
    }

    /// Returns the container's state, or `None` when it does not exist.
    pub async fn state(&self, id: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        state::container_info(self, id).await
    }

    /// Waits until the container's process exits and returns its exit code.
    ///
    /// Returns within about 50 ms of conmon writing the exit file. A process
    /// killed by a signal has the exit code 128 + the signal number, as conmon
    /// records it. The exit code is `None` when conmon died before the
    /// container and so could not record it; that exit is noticed within
    /// about a second.
    pub async fn wait_exit(&self, id: &str) -> Result<Option<i32>, RuntimeError> {
        state::wait_exit(self, id).await
    }

    /// Sends SIGTERM, then SIGKILL after `grace` if the process still runs.
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        stop::stop(self, id, grace).await
    }

    /// Deletes the container, unmounts its root filesystem and removes its files. Idempotent.
    ///
    /// The log file at [`ContainerSpec::log_path`] is kept: log retention
    /// decides when it goes.
    pub async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        remove::remove(self, id).await
    }

    /// Lists every container this runtime layer created.
    ///
    /// Reads the bundles under `state_dir`, so containers created by an
    /// earlier process are listed too, also when their conmon died.
    pub async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        state::list(self).await
    }

    /// Runs `command` inside the running container and returns its exit code.
    ///
    /// The command runs with the container's user, environment, working
    /// directory, capabilities and seccomp profile. When it runs longer than
    /// `timeout`, it and every process it started are killed and
    /// [`RuntimeError::TimedOut`] is returned. A command that leaves a
    /// background process behind counts as running until that process
    /// exits, because runc 1.1 waits for every holder of the command's output.
    pub async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        exec::exec(self, id, command, timeout).await
    }

    /// Rotates the container's log file when it reached `log_max_bytes`.
    ///
    /// Renames `x.log` to `x.log.1` (older files move up, at most
    /// `log_max_files` are kept) and makes conmon reopen `x.log`. Returns
    /// whether the file was rotated. See [`rotate_logs_if_needed`] for why
    /// no line is lost.
    pub async fn rotate_logs(&self, id: &str) -> Result<bool, RuntimeError> {
        logs::rotate_container_logs(self, id).await
    }
}

fn absolute_path(what: &str, path: &std::path::Path) -> Result<PathBuf, RuntimeError> {
    std::path::absolute(path).map_err(|error| RuntimeError::Setup {
        message: format!(
            "invalid {what} path {:?}: {error}: set a path",
            path.display().to_string()
        ),
    })
}

fn check_executable(what: &str, path: &std::path::Path) -> Result<(), RuntimeError> {
    use std::os::unix::fs::PermissionsExt;

    let metadata = std::fs::metadata(path).map_err(|error| RuntimeError::Setup {
        message: format!(
            "{what} {} is not usable: {error}: install it or set its path",
            path.display()
        ),
    })?;
    if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
        return Err(RuntimeError::Setup {
            message: format!(
                "{what} {} is not an executable file: set the path of the binary",
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_rejects_missing_runtime_binary() {
        let dir = tempfile::tempdir().unwrap();
        let config = RuntimeConfig {
            state_dir: dir.path().join("state"),
            runtime: PathBuf::from("/nonexistent/runc"),
            conmon: PathBuf::from("/nonexistent/conmon"),
            log_max_bytes: 1024,
            log_max_files: 1,
        };
        let error = ContainerRuntime::new(config).unwrap_err();
        assert!(matches!(error, RuntimeError::Setup { .. }), "{error}");
        assert!(error.to_string().contains("/nonexistent/runc"), "{error}");
    }

    #[test]
    fn new_rejects_non_executable_file() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("runc");
        std::fs::write(&fake, "").unwrap();
        let config = RuntimeConfig {
            state_dir: dir.path().join("state"),
            runtime: fake,
            conmon: PathBuf::from("/nonexistent/conmon"),
            log_max_bytes: 1024,
            log_max_files: 1,
        };
        let error = ContainerRuntime::new(config).unwrap_err();
        assert!(
            error.to_string().contains("not an executable file"),
            "{error}"
        );
    }
}
