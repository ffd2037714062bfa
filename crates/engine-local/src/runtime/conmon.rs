//! Creating a container under conmon 2.1.
//!
//! conmon forks twice and detaches (new session, subreaper), runs
//! `RUNTIME --root=… create --bundle … --pid-file … ID`, then stays with the
//! container: it copies stdout and stderr into the log file and writes the
//! exit code to `--exit-dir/<id>`. It reports the result of `create` on the
//! sync pipe named by `_OCI_SYNCPIPE`, one JSON line as Podman reads it:
//! `{"data": PID}` on success, `{"data": -1, "message": "…"}` with the
//! runtime's stderr on failure. The container is started afterwards with
//! `RUNTIME start`.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use command_fds::{CommandFdExt, FdMapping};
use nix::fcntl::OFlag;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::unix::pipe;
use tokio::process::Command;

use super::RuntimeError;
use super::layout::Bundle;
use super::oci::OciRuntime;

/// Time allowed from starting conmon to the runtime's `create` result.
const CREATE_TIMEOUT: Duration = Duration::from_secs(60);

/// File descriptor number of the sync pipe in conmon.
const SYNC_PIPE_FD: i32 = 3;

/// Inputs conmon needs to create one container.
pub(crate) struct Launch<'a> {
    pub(crate) conmon: &'a Path,
    pub(crate) oci: &'a OciRuntime,
    pub(crate) id: &'a str,
    pub(crate) bundle: &'a Bundle,
    pub(crate) log_path: &'a Path,
    pub(crate) exit_dir: &'a Path,
}

/// Result of the runtime's `create`, as conmon reports it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Created {
    /// The container exists; its first process waits for `start`.
    Pid(i32),
    /// The runtime failed with this message on stderr.
    Failed(String),
}

#[derive(Debug, Deserialize)]
struct SyncMessage {
    data: i32,
    #[serde(default)]
    message: Option<String>,
}

/// Starts conmon for the container and waits for the runtime's `create` result.
pub(crate) async fn create(launch: &Launch<'_>) -> Result<Created, RuntimeError> {
    let (read_end, write_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|errno| {
        RuntimeError::failed(
            "creation",
            launch.id,
            format!("cannot create the sync pipe: {errno}"),
        )
    })?;

    let mut command = command(launch);
    command
        .fd_mappings(vec![FdMapping {
            parent_fd: write_end,
            child_fd: SYNC_PIPE_FD,
        }])
        .map_err(|error| RuntimeError::failed("creation", launch.id, error.to_string()))?;
    let output = command.output().await.map_err(|error| {
        let message = format!("cannot run conmon {}: {error}", launch.conmon.display());
        RuntimeError::failed("creation", launch.id, message)
    })?;
    // Only conmon may hold the write end now, so that the read below ends
    // when conmon exits without reporting.
    drop(command);

    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // conmon opens the log file before it forks, so a full disk shows here.
        if stderr.contains("No space left on device") {
            let path = launch
                .log_path
                .parent()
                .unwrap_or(launch.log_path)
                .to_owned();
            return Err(RuntimeError::NoSpace { path });
        }
        let message = format!("conmon exited with {}: {}", output.status, stderr.trim());
        return Err(RuntimeError::failed("creation", launch.id, message));
    }
    read_sync_message(read_end, launch).await
}

fn command(launch: &Launch<'_>) -> Command {
    let bundle = launch.bundle;
    let mut command = Command::new(launch.conmon);
    command
        .args(["--api-version", "1"])
        .args(["-c", launch.id, "-u", launch.id, "-n", launch.id])
        .arg("-r")
        .arg(launch.oci.binary())
        .arg(format!("--runtime-arg={}", launch.oci.root_arg()))
        .arg("-b")
        .arg(&bundle.dir)
        .arg("-p")
        .arg(bundle.pid_file())
        .arg("-P")
        .arg(bundle.conmon_pid_file())
        .arg("-l")
        .arg(format!("k8s-file:{}", launch.log_path.display()))
        .arg("--exit-dir")
        .arg(launch.exit_dir)
        .arg("--full-attach")
        // Without a terminal conmon's own warnings would go to /dev/null.
        .arg("--syslog")
        .current_dir(&bundle.dir)
        .env("_OCI_SYNCPIPE", SYNC_PIPE_FD.to_string())
        .env_remove("_OCI_STARTPIPE")
        .env_remove("_OCI_ATTACHPIPE")
        .env_remove("LISTEN_PID")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

async fn read_sync_message(
    read_end: OwnedFd,
    launch: &Launch<'_>,
) -> Result<Created, RuntimeError> {
    let id = launch.id;
    let receiver = pipe::Receiver::from_owned_fd(read_end).map_err(|error| {
        RuntimeError::failed(
            "creation",
            id,
            format!("cannot read the sync pipe: {error}"),
        )
    })?;
    let mut reader = BufReader::new(receiver);
    let mut line = String::new();

    let read = tokio::time::timeout(CREATE_TIMEOUT, reader.read_line(&mut line)).await;
    match read {
        Err(_) => {
            kill_conmon(launch);
            Err(RuntimeError::TimedOut {
                operation: "creation",
                id: id.to_owned(),
                timeout: CREATE_TIMEOUT,
            })
        }
        Ok(Err(error)) => Err(RuntimeError::failed(
            "creation",
            id,
            format!("cannot read the sync pipe: {error}"),
        )),
        Ok(Ok(0)) => Err(RuntimeError::failed(
            "creation",
            id,
            "conmon exited without reporting the result of create: see conmon's messages in the host's syslog",
        )),
        Ok(Ok(_)) => parse_sync_message(&line)
            .map_err(|message| RuntimeError::failed("creation", id, message)),
    }
}

fn parse_sync_message(line: &str) -> Result<Created, String> {
    let message: SyncMessage = serde_json::from_str(line.trim())
        .map_err(|error| format!("invalid message from conmon {line:?}: {error}"))?;
    if message.data > 0 {
        return Ok(Created::Pid(message.data));
    }
    Ok(Created::Failed(message.message.unwrap_or_else(|| {
        "the OCI runtime failed without a message".to_owned()
    })))
}

fn kill_conmon(launch: &Launch<'_>) {
    let pid_file = launch.bundle.conmon_pid_file();
    if let Some(pid) = super::process::read_pid_file(&pid_file)
        && super::process::is_conmon_of(pid, launch.id)
    {
        tracing::warn!(
            container = launch.id,
            pid,
            "conmon did not report create in time, killing it"
        );
        super::process::signal(pid, nix::sys::signal::Signal::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sync_message_success() {
        assert_eq!(
            parse_sync_message("{\"data\": 4242}\n"),
            Ok(Created::Pid(4242))
        );
    }

    #[test]
    fn parse_sync_message_failure_keeps_runtime_message() {
        let line =
            "{\"data\": -1, \"message\": \"time=\\\"x\\\" level=error msg=\\\"boom\\\"\\n\"}\n";
        assert_eq!(
            parse_sync_message(line),
            Ok(Created::Failed(
                "time=\"x\" level=error msg=\"boom\"\n".to_owned()
            ))
        );
    }

    #[test]
    fn parse_sync_message_rejects_garbage() {
        assert!(parse_sync_message("hello").is_err());
    }
}
