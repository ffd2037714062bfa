//! Calls of the OCI runtime command line (runc or crun).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::Signal;
use serde::Deserialize;
use tokio::process::Command;

use super::RuntimeError;
use super::error::runtime_message;

/// Time allowed for one `state`, `start`, `kill` or `delete` call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The OCI runtime binary and its state directory.
#[derive(Debug, Clone)]
pub(crate) struct OciRuntime {
    binary: PathBuf,
    root: PathBuf,
}

/// The part of `runc state` output the runtime layer reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OciState {
    /// `creating`, `created`, `running`, `paused` or `stopped`.
    pub(crate) status: String,
    /// Host PID of the container's first process; 0 once stopped.
    #[serde(default)]
    pub(crate) pid: i32,
}

struct CallOutput {
    success: bool,
    stdout: String,
    message: String,
}

impl OciRuntime {
    pub(crate) fn new(binary: &Path, root: PathBuf) -> OciRuntime {
        OciRuntime {
            binary: binary.to_owned(),
            root,
        }
    }

    pub(crate) fn binary(&self) -> &Path {
        &self.binary
    }

    /// Returns the global option that points the runtime at its state directory.
    pub(crate) fn root_arg(&self) -> String {
        format!("--root={}", self.root.display())
    }

    /// Builds a command for the runtime with its state directory set.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg(self.root_arg())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Returns the runtime's state of the container, or `None` when it does not know it.
    pub(crate) async fn state(&self, id: &str) -> Result<Option<OciState>, RuntimeError> {
        let output = self.call("state", id, &["state", id]).await?;
        if !output.success {
            if is_unknown_container(&output.message) {
                return Ok(None);
            }
            return Err(RuntimeError::failed("state query", id, output.message));
        }
        serde_json::from_str(&output.stdout)
            .map(Some)
            .map_err(|error| {
                RuntimeError::failed(
                    "state query",
                    id,
                    format!("invalid output of {} state: {error}", self.binary.display()),
                )
            })
    }

    /// Starts the user process of a created container.
    pub(crate) async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        let output = self.call("start", id, &["start", id]).await?;
        if output.success {
            return Ok(());
        }
        Err(RuntimeError::failed("start", id, output.message))
    }

    /// Sends `signal` to the container's first process, or with `all` to every process in it.
    ///
    /// Returns `Ok(false)` when the container no longer runs.
    pub(crate) async fn kill(
        &self,
        id: &str,
        signal: Signal,
        all: bool,
    ) -> Result<bool, RuntimeError> {
        let signal_name = signal.as_str();
        let mut args = vec!["kill"];
        if all {
            args.push("--all");
        }
        args.extend([id, signal_name]);

        let output = self.call("kill", id, &args).await?;
        if output.success {
            return Ok(true);
        }
        match self.state(id).await? {
            Some(state) if state.status != "stopped" => {
                Err(RuntimeError::failed("kill", id, output.message))
            }
            _ => Ok(false),
        }
    }

    /// Kills and deletes the container; succeeds when the runtime does not know it.
    pub(crate) async fn delete_force(&self, id: &str) -> Result<(), RuntimeError> {
        let output = self
            .call("deletion", id, &["delete", "--force", id])
            .await?;
        if output.success || is_unknown_container(&output.message) {
            return Ok(());
        }
        Err(RuntimeError::failed("deletion", id, output.message))
    }

    async fn call(
        &self,
        operation: &'static str,
        id: &str,
        args: &[&str],
    ) -> Result<CallOutput, RuntimeError> {
        let mut command = self.command();
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());

        let output = match tokio::time::timeout(CALL_TIMEOUT, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => {
                let message = format!("cannot run {}: {error}", self.binary.display());
                return Err(RuntimeError::failed(operation, id, message));
            }
            Err(_) => {
                return Err(RuntimeError::TimedOut {
                    operation,
                    id: id.to_owned(),
                    timeout: CALL_TIMEOUT,
                });
            }
        };
        Ok(CallOutput {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            message: runtime_message(&String::from_utf8_lossy(&output.stderr)),
        })
    }
}

/// Returns whether the runtime's message reports that it has no such container.
///
/// runc 1.1: `container "x" does not exist`; crun 1.8: ``error opening file
/// `…/x/status`: No such file or directory``.
fn is_unknown_container(message: &str) -> bool {
    message.contains("does not exist")
        || (message.contains("status`") && message.contains("No such file or directory"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_unknown_container_runc_and_crun() {
        assert!(is_unknown_container("container \"c1\" does not exist"));
        assert!(is_unknown_container(
            "error opening file `/run/crun/c1/status`: No such file or directory"
        ));
        assert!(!is_unknown_container("container not running"));
    }

    #[test]
    fn oci_state_parses_runc_output() {
        let text = r#"{"ociVersion":"1.0.2-dev","id":"c1","pid":4242,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-12-04T15:56:58Z","owner":""}"#;
        let state: OciState = serde_json::from_str(text).unwrap();
        assert_eq!(state.status, "running");
        assert_eq!(state.pid, 4242);
    }
}
