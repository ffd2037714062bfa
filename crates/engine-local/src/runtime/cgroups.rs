//! The container's cgroup directories, for cleanup after the OCI runtime.
//!
//! The spec asks for `cgroupsPath` `/strongroom/<id>`. runc's cgroupfs
//! driver turns that into `<hierarchy>/strongroom/<id>` in every mounted
//! cgroup v1 hierarchy (on a hybrid host also under the cgroup v2 mount),
//! or `/sys/fs/cgroup/strongroom/<id>` on a cgroup v2 host.

use std::path::PathBuf;
use std::time::Duration;

use super::RuntimeError;

/// Parent of every container's cgroup, relative to a hierarchy's root.
pub(crate) const CGROUP_PARENT: &str = "strongroom";

/// Returns the container's cgroup directories that exist now.
pub(crate) fn existing_dirs(id: &str) -> Vec<PathBuf> {
    hierarchy_roots()
        .into_iter()
        .map(|root| root.join(CGROUP_PARENT).join(id))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// Removes the container's cgroup directories that the OCI runtime left.
///
/// A cgroup is removable once its last process has exited; this can lag a
/// moment behind the kill, so removal is retried for about a second.
pub(crate) async fn remove_leftovers(id: &str) -> Result<(), RuntimeError> {
    for dir in existing_dirs(id) {
        let mut attempts = 0;
        loop {
            match std::fs::remove_dir(&dir) {
                Ok(()) => break,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => break,
                Err(error) if attempts < 20 => {
                    attempts += 1;
                    tracing::debug!(container = id, path = %dir.display(), %error, "cgroup not yet removable, retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => {
                    let message = format!(
                        "cannot remove cgroup {}: {error}: a process may still run in it",
                        dir.display()
                    );
                    return Err(RuntimeError::failed("removal", id, message));
                }
            }
        }
        tracing::info!(container = id, path = %dir.display(), "removed cgroup left by the OCI runtime");
    }
    Ok(())
}

/// Mount points of every cgroup v1 and v2 hierarchy in this mount namespace.
fn hierarchy_roots() -> Vec<PathBuf> {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    mountinfo.lines().filter_map(cgroup_mount_point).collect()
}

/// Returns the mount point of a mountinfo line whose filesystem type is `cgroup` or `cgroup2`.
fn cgroup_mount_point(line: &str) -> Option<PathBuf> {
    let (before, after) = line.split_once(" - ")?;
    let fstype = after.split(' ').next()?;
    if fstype != "cgroup" && fstype != "cgroup2" {
        return None;
    }
    before.split(' ').nth(4).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_mount_point_reads_v1_and_v2_lines() {
        let v1 =
            "35 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory";
        let v2 = "36 25 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
        let other = "22 1 0:21 / /proc rw - proc proc rw";
        assert_eq!(
            cgroup_mount_point(v1),
            Some(PathBuf::from("/sys/fs/cgroup/memory"))
        );
        assert_eq!(
            cgroup_mount_point(v2),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        assert_eq!(cgroup_mount_point(other), None);
    }
}
