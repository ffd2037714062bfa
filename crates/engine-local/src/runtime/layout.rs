//! Paths of the files the runtime layer keeps under `state_dir`.

use std::path::{Path, PathBuf};

use super::RuntimeError;

/// Paths under `state_dir`.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    state_dir: PathBuf,
}

impl Layout {
    pub(crate) fn new(state_dir: &Path) -> Layout {
        Layout {
            state_dir: state_dir.to_owned(),
        }
    }

    pub(crate) fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Parent of every bundle directory.
    pub(crate) fn containers_dir(&self) -> PathBuf {
        self.state_dir.join("containers")
    }

    /// State directory of the OCI runtime (`runc --root`).
    pub(crate) fn runtime_root(&self) -> PathBuf {
        self.state_dir.join("runtime")
    }

    /// Directory where conmon writes one exit file per container.
    pub(crate) fn exit_dir(&self) -> PathBuf {
        self.state_dir.join("exits")
    }

    /// File holding the container's exit code once it exited.
    pub(crate) fn exit_file(&self, id: &str) -> PathBuf {
        self.exit_dir().join(id)
    }

    pub(crate) fn bundle(&self, id: &str) -> Bundle {
        Bundle {
            dir: self.containers_dir().join(id),
        }
    }

    pub(crate) fn create_dirs(&self) -> Result<(), RuntimeError> {
        for dir in [self.containers_dir(), self.runtime_root(), self.exit_dir()] {
            std::fs::create_dir_all(&dir).map_err(|error| RuntimeError::Setup {
                message: format!(
                    "cannot create {}: {error}: check that state_dir is writable",
                    dir.display()
                ),
            })?;
        }
        Ok(())
    }
}

/// Paths inside one container's bundle directory.
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    pub(crate) dir: PathBuf,
}

impl Bundle {
    pub(crate) fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    /// Mount point of the overlayfs root filesystem.
    pub(crate) fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }

    /// Writable overlayfs layer.
    pub(crate) fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }

    /// overlayfs work directory, on the same filesystem as `upper`.
    pub(crate) fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Short symbolic links to the image layers, used when the absolute
    /// layer paths do not fit into the mount options.
    pub(crate) fn layer_links(&self) -> PathBuf {
        self.dir.join("l")
    }

    pub(crate) fn hosts(&self) -> PathBuf {
        self.dir.join("hosts")
    }

    pub(crate) fn hostname(&self) -> PathBuf {
        self.dir.join("hostname")
    }

    pub(crate) fn resolv_conf(&self) -> PathBuf {
        self.dir.join("resolv.conf")
    }

    /// Host PID of the container's first process, written by the OCI runtime.
    pub(crate) fn pid_file(&self) -> PathBuf {
        self.dir.join("pid")
    }

    /// PID of the conmon that monitors the container.
    pub(crate) fn conmon_pid_file(&self) -> PathBuf {
        self.dir.join("conmon.pid")
    }

    /// conmon's control fifo; a `2 0 0` line makes conmon reopen the log file.
    pub(crate) fn control_fifo(&self) -> PathBuf {
        self.dir.join("ctl")
    }
}

/// Rejects ids that could escape `state_dir` or confuse the OCI runtime.
pub(crate) fn validate_id(id: &str) -> Result<(), RuntimeError> {
    let valid_chars = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let starts_well = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if valid_chars && starts_well && id.len() <= 128 {
        return Ok(());
    }
    Err(RuntimeError::failed(
        "validation",
        id,
        "invalid container id: use 1 to 128 letters, digits, '.', '_' and '-', starting with a letter or digit",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_id_accepts_letters_digits_and_marks() {
        assert!(validate_id("web-1.a_b").is_ok());
    }

    #[test]
    fn validate_id_rejects_path_characters() {
        assert!(validate_id("../etc").is_err());
        assert!(validate_id("a/b").is_err());
        assert!(validate_id("").is_err());
        assert!(validate_id(".hidden").is_err());
    }
}
