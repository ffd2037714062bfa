//! Mounts made by tests, each unmounted when its guard is dropped.

use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};

/// A mount that is detached when dropped.
pub struct MountGuard {
    target: PathBuf,
}

impl MountGuard {
    /// Mounts a read-only overlayfs of `layers` (lowest first, as in
    /// `Image::layers`) at `target`. Overlayfs needs at least two lower
    /// directories when it has no upper directory.
    pub fn overlay(layers: &[PathBuf], target: &Path) -> MountGuard {
        assert!(
            layers.len() >= 2,
            "a read-only overlay needs two or more layers"
        );
        // overlayfs lists the topmost lower directory first.
        let lower: Vec<String> = layers
            .iter()
            .rev()
            .map(|layer| layer.display().to_string())
            .collect();
        let options = format!("lowerdir={}", lower.join(":"));
        mount(
            Some("overlay"),
            target,
            Some("overlay"),
            MsFlags::MS_RDONLY,
            Some(options.as_str()),
        )
        .unwrap_or_else(|error| panic!("cannot mount overlay at {}: {error}", target.display()));
        MountGuard {
            target: target.to_owned(),
        }
    }

    /// Mounts a tmpfs of `size_bytes` at `target`.
    pub fn tmpfs(target: &Path, size_bytes: u64) -> MountGuard {
        let options = format!("size={size_bytes},mode=0755");
        mount(
            Some("tmpfs"),
            target,
            Some("tmpfs"),
            MsFlags::empty(),
            Some(options.as_str()),
        )
        .unwrap_or_else(|error| panic!("cannot mount tmpfs at {}: {error}", target.display()));
        MountGuard {
            target: target.to_owned(),
        }
    }
}

impl Drop for MountGuard {
    fn drop(&mut self) {
        if let Err(error) = umount2(&self.target, MntFlags::MNT_DETACH) {
            eprintln!("cannot unmount {}: {error}", self.target.display());
        }
    }
}
