//! Running a command inside a running container (`runc exec`).

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::error::{missing_command, runtime_message};
use super::layout::validate_id;
use super::process::{kill_session, read_pid_file};
use super::{ContainerRuntime, RuntimeError, spec, state};

/// Bytes of the command's stderr kept for error messages; the rest is read and dropped.
const MAX_STDERR_BYTES: usize = 16 * 1024;

/// Makes the PID file name of each exec unique within this process.
static EXEC_COUNTER: AtomicU64 = AtomicU64::new(0);

pub(crate) async fn exec(
    runtime: &ContainerRuntime,
    id: &str,
    command: &[String],
    timeout: Duration,
) -> Result<i32, RuntimeError> {
    let bundle = runtime.layout.bundle(id);
    if validate_id(id).is_err() || !bundle.dir.is_dir() {
        return Err(RuntimeError::NotFound { id: id.to_owned() });
    }
    if command.is_empty() {
        return Err(RuntimeError::failed("exec", id, "the command is empty"));
    }

    let number = EXEC_COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid_file = bundle
        .dir
        .join(format!("exec-{}-{number}.pid", std::process::id()));
    let result = run(runtime, id, command, timeout, &pid_file).await;
    if let Err(error) = std::fs::remove_file(&pid_file)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(container = id, path = %pid_file.display(), %error, "cannot remove exec PID file");
    }
    result
}

async fn run(
    runtime: &ContainerRuntime,
    id: &str,
    command: &[String],
    timeout: Duration,
    pid_file: &Path,
) -> Result<i32, RuntimeError> {
    let mut runc = runtime.oci.command();
    // runc 1.1 takes everything after the id as the command, "--" included.
    runc.arg("exec")
        .arg("--pid-file")
        .arg(pid_file)
        .arg(id)
        .args(command);
    runc.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = runc.spawn().map_err(|error| {
        RuntimeError::failed("exec", id, format!("cannot run the OCI runtime: {error}"))
    })?;
    // Killing the runtime alone (kill_on_drop) would leave the command
    // running in the container, also when the caller drops this future.
    let mut guard = KillOnDrop {
        pid_file,
        armed: true,
    };
    let stderr = child
        .stderr
        .take()
        .map(|stderr| tokio::spawn(read_bounded(stderr)));

    let Ok(status) = tokio::time::timeout(timeout, child.wait()).await else {
        drop(guard);
        let _ = child.kill().await;
        tracing::warn!(
            container = id,
            ?command,
            ?timeout,
            "exec timed out, killed it"
        );
        return Err(RuntimeError::TimedOut {
            operation: "exec",
            id: id.to_owned(),
            timeout,
        });
    };
    guard.armed = false;
    let status = status.map_err(|error| RuntimeError::failed("exec", id, error.to_string()))?;

    let stderr = match stderr {
        Some(task) => task.await.unwrap_or_default(),
        None => String::new(),
    };
    exit_code(runtime, id, status, &stderr, pid_file)
}

/// Kills the exec'd command and every process it started unless disarmed.
struct KillOnDrop<'a> {
    pid_file: &'a Path,
    armed: bool,
}

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed
            && let Some(pid) = read_pid_file(self.pid_file)
        {
            kill_session(pid);
        }
    }
}

/// Returns the command's exit code, or the error when the runtime could not start it.
fn exit_code(
    runtime: &ContainerRuntime,
    id: &str,
    status: std::process::ExitStatus,
    stderr: &str,
    pid_file: &Path,
) -> Result<i32, RuntimeError> {
    // The runtime writes the PID file once the command runs; without it the
    // exit status is the runtime's own.
    let started = pid_file.exists();
    let code = status.code().unwrap_or(128 + status_signal(status));
    if started || status.success() {
        return Ok(code);
    }

    let message = runtime_message(stderr);
    if let Some(command) = missing_command(&message) {
        let image = state::read_spec(runtime, id)
            .and_then(|spec| spec::annotation(&spec, spec::IMAGE_ANNOTATION).map(str::to_owned))
            .unwrap_or_default();
        return Err(RuntimeError::CommandNotFound { command, image });
    }
    Err(RuntimeError::failed("exec", id, message))
}

fn status_signal(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.signal().unwrap_or(0)
}

async fn read_bounded(mut reader: impl AsyncRead + Unpin) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(count) = reader.read(&mut buffer).await {
        if count == 0 {
            break;
        }
        let room = MAX_STDERR_BYTES.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..count.min(room)]);
    }
    String::from_utf8_lossy(&kept).into_owned()
}
