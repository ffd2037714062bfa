//! Errors of the runtime layer and the classification of OCI runtime failures.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The program to run is not in the image.
    #[error(
        "command {command:?} not found in image {image}: fix spec.command or the image's entrypoint"
    )]
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
    /// The image's user or group is not in the image's `/etc/passwd` or `/etc/group`.
    #[error(
        "user {user:?} of image {image} not found: {reason}: use a numeric uid:gid or add the user to the image"
    )]
    UserNotFound {
        /// The user as the image or the model gave it.
        user: String,
        /// Image reference.
        image: String,
        /// The failed lookup.
        reason: String,
    },
    /// The OCI runtime cannot run containers on this host's cgroup layout.
    #[error(
        "OCI runtime {runtime} rejects this host's cgroup layout ({message}): crun 1.8 does not \
         support the hybrid cgroup v1/v2 layout, so use runc (RuntimeConfig::runtime = /usr/sbin/runc) \
         or a host with cgroup v2 only"
    )]
    UnsupportedCgroupLayout {
        /// The OCI runtime binary.
        runtime: PathBuf,
        /// The runtime's own message.
        message: String,
    },
    /// No container with this id exists.
    #[error("container {id} not found: it was never created or is already removed")]
    NotFound {
        /// Container id.
        id: String,
    },
    /// An operation did not finish in time; what it started was killed.
    #[error("{operation} in container {id} timed out after {timeout:?}")]
    TimedOut {
        /// Operation that timed out, for example `exec`.
        operation: &'static str,
        /// Container id.
        id: String,
        /// The time allowed.
        timeout: Duration,
    },
    /// The runtime layer could not be set up.
    #[error("container runtime setup failed: {message}")]
    Setup {
        /// Description of the failure and the fix.
        message: String,
    },
    /// Any other failure of an operation on a container.
    #[error("{operation} of container {id} failed: {message}")]
    Failed {
        /// What was attempted, for example `creation`.
        operation: &'static str,
        /// Container id.
        id: String,
        /// Description of the failure and of the fix.
        message: String,
    },
}

impl RuntimeError {
    /// Builds the error for a failed file operation on `path`, mapping ENOSPC to [`RuntimeError::NoSpace`].
    pub(crate) fn io(
        operation: &'static str,
        id: &str,
        path: &Path,
        error: std::io::Error,
    ) -> RuntimeError {
        if error.raw_os_error() == Some(libc::ENOSPC) {
            return RuntimeError::NoSpace {
                path: path.to_owned(),
            };
        }
        RuntimeError::Failed {
            operation,
            id: id.to_owned(),
            message: format!("{}: {error}", path.display()),
        }
    }

    /// Builds [`RuntimeError::Failed`].
    pub(crate) fn failed(operation: &'static str, id: &str, message: impl Into<String>) -> Self {
        RuntimeError::Failed {
            operation,
            id: id.to_owned(),
            message: message.into(),
        }
    }
}

/// Details needed to classify a failed `create` of the OCI runtime.
pub(crate) struct CreateFailure<'a> {
    /// Container id.
    pub id: &'a str,
    /// Image reference, for the error message.
    pub image: &'a str,
    /// The OCI runtime binary.
    pub runtime: &'a Path,
    /// Directory holding the container state, reported on ENOSPC.
    pub state_dir: &'a Path,
    /// The runtime's message, already stripped of log decoration.
    pub message: &'a str,
}

/// Maps the OCI runtime's message for a failed create to the matching error.
pub(crate) fn classify_create_failure(failure: CreateFailure<'_>) -> RuntimeError {
    let message = failure.message;
    if let Some(command) = missing_command(message) {
        return RuntimeError::CommandNotFound {
            command,
            image: failure.image.to_owned(),
        };
    }
    if message.contains("no space left on device") {
        return RuntimeError::NoSpace {
            path: failure.state_dir.to_owned(),
        };
    }
    if is_cgroup_layout_rejection(message) {
        return RuntimeError::UnsupportedCgroupLayout {
            runtime: failure.runtime.to_owned(),
            message: message.to_owned(),
        };
    }
    RuntimeError::failed("creation", failure.id, message)
}

/// Extracts the program from the "not found" messages of runc and crun.
///
/// runc 1.1: `exec: "/bin/nope": stat /bin/nope: no such file or directory`
/// or `exec: "nope": executable file not found in $PATH`.
/// crun 1.8: ``executable file `nope` not found in $PATH: No such file or directory``.
pub(crate) fn missing_command(message: &str) -> Option<String> {
    if let Some(rest) = message.split("exec: \"").nth(1) {
        let (command, tail) = rest.split_once('"')?;
        let not_found =
            tail.contains("no such file or directory") || tail.contains("not found in $PATH");
        return not_found.then(|| command.to_owned());
    }
    let rest = message.split("executable file `").nth(1)?;
    let (command, tail) = rest.split_once('`')?;
    tail.starts_with(" not found").then(|| command.to_owned())
}

fn is_cgroup_layout_rejection(message: &str) -> bool {
    // crun 1.8.1 prints this on a hybrid cgroup v1/v2 host.
    message.contains("hybrid mode not supported")
        || (message.contains("cgroup") && message.contains("not supported"))
}

/// Extracts the human-readable message from the OCI runtime's stderr.
///
/// runc writes logrus lines (`time="…" level=error msg="…"`); crun writes
/// plain text. Lines are joined with `; `.
pub(crate) fn runtime_message(stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| logrus_message(line).unwrap_or_else(|| line.to_owned()))
        .collect();
    lines.join("; ")
}

fn logrus_message(line: &str) -> Option<String> {
    let start = line.find("msg=\"")? + "msg=\"".len();
    let mut message = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => message.push(chars.next()?),
            '"' => return Some(message),
            _ => message.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_command_runc_absolute_path() {
        let message = "runc create failed: unable to start container process: \
                       exec: \"/bin/nope\": stat /bin/nope: no such file or directory";
        assert_eq!(missing_command(message).as_deref(), Some("/bin/nope"));
    }

    #[test]
    fn missing_command_runc_path_lookup() {
        let message = "exec: \"nope\": executable file not found in $PATH";
        assert_eq!(missing_command(message).as_deref(), Some("nope"));
    }

    #[test]
    fn missing_command_crun() {
        let message = "executable file `nope` not found in $PATH: No such file or directory";
        assert_eq!(missing_command(message).as_deref(), Some("nope"));
    }

    #[test]
    fn missing_command_permission_denied_is_not_missing() {
        let message = "exec: \"/etc/passwd\": permission denied";
        assert_eq!(missing_command(message), None);
    }

    #[test]
    fn runtime_message_unquotes_logrus_line() {
        let stderr = "time=\"2026-12-04T15:56:58Z\" level=error msg=\"runc create failed: \
                      exec: \\\"/bin/nope\\\": stat /bin/nope\"\n";
        assert_eq!(
            runtime_message(stderr),
            "runc create failed: exec: \"/bin/nope\": stat /bin/nope"
        );
    }

    #[test]
    fn runtime_message_keeps_plain_lines() {
        let stderr = "cgroups in hybrid mode not supported, drop all controllers from cgroupv2\n";
        assert_eq!(
            runtime_message(stderr),
            "cgroups in hybrid mode not supported, drop all controllers from cgroupv2"
        );
    }

    #[test]
    fn classify_crun_hybrid_layout() {
        let failure = CreateFailure {
            id: "c1",
            image: "busybox",
            runtime: Path::new("/usr/bin/crun"),
            state_dir: Path::new("/var/lib/strongroom"),
            message: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2",
        };
        let error = classify_create_failure(failure);
        assert!(
            matches!(error, RuntimeError::UnsupportedCgroupLayout { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("use runc"), "{error}");
    }

    #[test]
    fn classify_no_space() {
        let failure = CreateFailure {
            id: "c1",
            image: "busybox",
            runtime: Path::new("/usr/sbin/runc"),
            state_dir: Path::new("/var/lib/strongroom"),
            message: "write /var/lib/strongroom/runtime/c1/state.json: no space left on device",
        };
        assert!(matches!(
            classify_create_failure(failure),
            RuntimeError::NoSpace { .. }
        ));
    }

    #[test]
    fn io_error_enospc_is_no_space() {
        let error = std::io::Error::from_raw_os_error(libc::ENOSPC);
        let error = RuntimeError::io("creation", "c1", Path::new("/x"), error);
        assert!(matches!(error, RuntimeError::NoSpace { .. }));
    }
}
