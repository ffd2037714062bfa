//! Container log files and their rotation.
//!
//! # Format
//!
//! conmon 2.1 writes stdout and stderr in the Kubernetes CRI log format
//! (`k8s-file`), one entry per line:
//!
//! ```text
//! 2026-12-04T15:56:58.123456789+00:00 stdout F hello world
//! 2026-12-04T15:56:58.123460000+00:00 stderr P first part of a long line
//! 2026-12-04T15:56:58.123460000+00:00 stderr F rest of the long line
//! ```
//!
//! - the time in RFC 3339 with nanoseconds and the host's UTC offset as
//!   `+HH:MM` (never `Z`);
//! - the stream, `stdout` or `stderr`;
//! - `F` for the full (last) part of a line, `P` for a partial one. conmon
//!   reads the pipes in chunks of up to 8 KiB. A longer line, or output
//!   without a newline yet, becomes `P` entries followed by one `F` entry,
//!   which a reader joins;
//! - the text, without its newline. Every entry ends with `\n`.
//!
//! The current file is `x.log`; rotated files are `x.log.1` (newest) to
//! `x.log.N` (oldest). Reading `x.log.N` … `x.log.1`, then `x.log`, gives the
//! entries in order. A line split into `P` and `F` entries may span a
//! rotation, with its `P` entries at the end of one file and its `F` entry
//! at the start of the next.
//!
//! # Rotation
//!
//! conmon's own `--log-size-max` does not rotate: when the file would exceed
//! the size it replaces it with an empty one, and the earlier lines are gone.
//! So conmon gets no size limit, and [`rotate_logs_if_needed`] rotates
//! instead: it renames `x.log` to `x.log.1` while conmon keeps its file
//! descriptor, then [`ContainerRuntime::rotate_logs`] sends conmon the reopen
//! message through its control fifo. Lines written between the rename and the
//! reopen land at the end of `x.log.1`, so no line is lost. Only files beyond
//! `max_files` are deleted, by design.
//!
//! NOTE: while no process calls the rotation (the control plane is
//! stopped), `x.log` grows without limit.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::layout::validate_id;
use super::{ContainerRuntime, RuntimeError, spec, state};

/// conmon's control message that makes it reopen the log file (`REOPEN_LOGS_EVENT` 2).
const REOPEN_LOGS_MESSAGE: &[u8] = b"2 0 0\n";
/// Time conmon gets to create the new log file after the reopen message.
const REOPEN_WAIT: Duration = Duration::from_secs(1);

/// Failure to rotate a log file.
#[derive(Debug, thiserror::Error)]
#[error(
    "rotation of log file {path} failed: {source}: check the permissions and free space of its directory"
)]
pub struct LogRotateError {
    /// The file that could not be renamed or inspected.
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

/// Renames `log_path` to `log_path.1` once it reaches `max_bytes`,
/// moving `.1` to `.2` and so on, and deleting what would become
/// `.<max_files + 1>`. At least one rotated file is kept, whatever
/// `max_files` is. A `max_bytes` of 0 disables rotation. Returns whether
/// the file was rotated.
///
/// The process writing the file keeps writing to the renamed file until it
/// reopens `log_path`. For a running container call
/// [`ContainerRuntime::rotate_logs`], which also sends conmon the reopen message.
pub fn rotate_logs_if_needed(
    log_path: &Path,
    max_bytes: u64,
    max_files: u32,
) -> Result<bool, LogRotateError> {
    let size = match std::fs::metadata(log_path) {
        Ok(metadata) => metadata.len(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(LogRotateError {
                path: log_path.to_owned(),
                source,
            });
        }
    };
    if max_bytes == 0 || size < max_bytes {
        return Ok(false);
    }

    let max_files = max_files.max(1);
    for number in (1..max_files).rev() {
        rename_if_present(
            &rotated_path(log_path, number),
            &rotated_path(log_path, number + 1),
        )?;
    }
    rename_if_present(log_path, &rotated_path(log_path, 1))?;
    Ok(true)
}

/// Returns `x.log.<number>` for `x.log`.
pub(crate) fn rotated_path(log_path: &Path, number: u32) -> PathBuf {
    let mut name = log_path.as_os_str().to_owned();
    name.push(format!(".{number}"));
    PathBuf::from(name)
}

fn rename_if_present(from: &Path, to: &Path) -> Result<(), LogRotateError> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(LogRotateError {
            path: from.to_owned(),
            source,
        }),
    }
}

/// Rotates the container's log file and makes conmon reopen it.
pub(crate) async fn rotate_container_logs(
    runtime: &ContainerRuntime,
    id: &str,
) -> Result<bool, RuntimeError> {
    let bundle = runtime.layout.bundle(id);
    if validate_id(id).is_err() || !bundle.dir.is_dir() {
        return Err(RuntimeError::NotFound { id: id.to_owned() });
    }
    let Some(log_path) = log_path(runtime, id) else {
        return Ok(false);
    };

    // One rotation at a time: a second reopen message while conmon already
    // writes the new file would replace that file and lose its lines.
    let _guard = runtime.log_rotation.lock().await;
    let rotated = rotate_logs_if_needed(
        &log_path,
        runtime.config.log_max_bytes,
        runtime.config.log_max_files,
    )
    .map_err(|error| RuntimeError::failed("log rotation", id, error.to_string()))?;

    // Also reopen when an earlier rotation renamed the file but the process
    // stopped before conmon reopened it.
    if rotated || !log_path.exists() {
        if send_reopen(&bundle.control_fifo(), id) {
            wait_for_file(&log_path, REOPEN_WAIT).await;
        }
        tracing::info!(container = id, path = %log_path.display(), "log file rotated");
    }
    Ok(rotated)
}

fn log_path(runtime: &ContainerRuntime, id: &str) -> Option<PathBuf> {
    let spec = state::read_spec(runtime, id)?;
    spec::annotation(&spec, spec::LOG_PATH_ANNOTATION).map(PathBuf::from)
}

/// Writes the reopen message to conmon's control fifo. Returns false when
/// no conmon reads the fifo, because the container already exited.
fn send_reopen(fifo: &Path, id: &str) -> bool {
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo);
    let mut file = match opened {
        Ok(file) => file,
        Err(error) => {
            tracing::debug!(container = id, %error, "conmon control fifo not open, no reopen sent");
            return false;
        }
    };
    match file.write_all(REOPEN_LOGS_MESSAGE) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(container = id, %error, "cannot ask conmon to reopen the log file");
            false
        }
    }
}

async fn wait_for_file(path: &Path, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !path.exists() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_logs_if_needed_keeps_small_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("c.log");
        std::fs::write(&log, "short\n").unwrap();
        assert!(!rotate_logs_if_needed(&log, 1024, 3).unwrap());
        assert!(log.exists());
    }

    #[test]
    fn rotate_logs_if_needed_shifts_and_drops_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("c.log");
        for (number, text) in [(1, "one"), (2, "two")] {
            std::fs::write(rotated_path(&log, number), text).unwrap();
        }
        std::fs::write(&log, "current").unwrap();

        assert!(rotate_logs_if_needed(&log, 3, 2).unwrap());
        assert!(!log.exists());
        assert_eq!(
            std::fs::read_to_string(rotated_path(&log, 1)).unwrap(),
            "current"
        );
        assert_eq!(
            std::fs::read_to_string(rotated_path(&log, 2)).unwrap(),
            "one"
        );
        assert!(!rotated_path(&log, 3).exists());
    }

    #[test]
    fn rotate_logs_if_needed_zero_max_disables() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("c.log");
        std::fs::write(&log, "line\n").unwrap();
        assert!(!rotate_logs_if_needed(&log, 0, 3).unwrap());
    }

    #[test]
    fn rotate_logs_if_needed_ignores_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!rotate_logs_if_needed(&dir.path().join("none.log"), 1, 1).unwrap());
    }
}
