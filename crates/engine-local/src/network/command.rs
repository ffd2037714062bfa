//! Runs the host tools and plugins of this layer (`ip`, `nft`, CNI plugins) with a time limit.

use std::ffi::OsString;
use std::process::{ExitStatus, Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Maximum run time of one tool or plugin; a CNI ADD takes well under a second.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Directories searched after the caller's `PATH`, because `ip`, `nft` and the
/// `iptables` that portmap runs live in sbin directories that a service's
/// `PATH` often lacks.
const SBIN_DIRS: &str = "/usr/local/sbin:/usr/sbin:/sbin";

/// Failure to run a tool, or a tool that exited with an error.
#[derive(Debug, thiserror::Error)]
pub(super) enum ToolError {
    /// The program could not be started.
    #[error("could not run {command}: {source}: check that it is installed")]
    Spawn {
        /// The command line.
        command: String,
        /// The spawn error.
        source: std::io::Error,
    },
    /// The program ran longer than [`TIMEOUT`] and was killed.
    #[error("{command} timed out after {} s and was killed", TIMEOUT.as_secs())]
    TimedOut {
        /// The command line.
        command: String,
    },
    /// The program exited with an error.
    #[error("{command} failed ({status}): {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// Exit status.
        status: ExitStatus,
        /// The program's stderr, trimmed.
        stderr: String,
    },
}

impl ToolError {
    /// Returns what the failed program wrote to stderr, or an empty string.
    pub(super) fn stderr(&self) -> &str {
        match self {
            ToolError::Failed { stderr, .. } => stderr,
            _ => "",
        }
    }
}

/// Returns a command for `program` whose `PATH` also contains the sbin directories.
pub(super) fn command(program: impl Into<OsString>) -> Command {
    let mut command = Command::new(program.into());
    command.env("PATH", search_path());
    command
}

fn search_path() -> OsString {
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    if !path.is_empty() {
        path.push(":");
    }
    path.push(SBIN_DIRS);
    path
}

/// Runs `program` with `args` and returns its stdout; a non-zero exit is an error.
pub(super) async fn run(program: &str, args: &[&str]) -> Result<String, ToolError> {
    let mut command = command(program);
    command.args(args);
    run_command(command, None).await
}

/// Runs `program` with `args`, writes `input` to its stdin and returns its stdout.
pub(super) async fn run_with_input(
    program: &str,
    args: &[&str],
    input: &[u8],
) -> Result<String, ToolError> {
    let mut command = command(program);
    command.args(args);
    run_command(command, Some(input)).await
}

async fn run_command(command: Command, input: Option<&[u8]>) -> Result<String, ToolError> {
    let description = describe(&command);
    let output = execute(command, input).await?;
    if !output.status.success() {
        return Err(ToolError::Failed {
            command: description,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command` to its end, feeding `input` to stdin, and returns its output whatever its
/// exit status. The process is killed when it runs longer than [`TIMEOUT`].
pub(super) async fn execute(
    mut command: Command,
    input: Option<&[u8]>,
) -> Result<Output, ToolError> {
    let description = describe(&command);
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|source| ToolError::Spawn {
        command: description.clone(),
        source,
    })?;

    // Write stdin while the output is read, so that neither side can block the other.
    let stdin = child.stdin.take();
    let feed = async move {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            // A program that exits without reading all of its input is judged by its exit status.
            let _ = stdin.write_all(input).await;
        }
    };
    let finish = async { tokio::join!(feed, child.wait_with_output()).1 };
    match tokio::time::timeout(TIMEOUT, finish).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(source)) => Err(ToolError::Spawn {
            command: description,
            source,
        }),
        Err(_) => Err(ToolError::TimedOut {
            command: description,
        }),
    }
}

/// Returns the command line for messages, for example `ip netns add sr-0123`.
pub(super) fn describe(command: &Command) -> String {
    let command = command.as_std();
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    words.join(" ")
}
