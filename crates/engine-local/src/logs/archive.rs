//! Keeping the logs of a removed application apart from a new one of the same name.
//!
//! `remove` renames `LOG_DIR/TENANT/APP/` to
//! `LOG_DIR/_removed/TENANT/APP-<UTC time of removal>/`, for example
//! `_removed/retail/web-20261204T172100Z/`. The files are kept for the
//! bank's retention, and the reader of the new application finds none of
//! them. `_removed` cannot be a tenant's directory, because tenant names are
//! DNS labels, which have no `_`.

use std::io;
use std::path::{Path, PathBuf};

use strongroom_engine::AppKey;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::naming;

/// Directory under the log directory that contains the logs of removed applications.
pub(crate) const REMOVED_DIR: &str = "_removed";

/// Failure to move a removed application's logs aside.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot move the logs of removed application {app} from {from} to {to}: {source}: check the permissions and free space of the log directory, then move the directory by hand"
)]
pub(crate) struct ArchiveLogsError {
    /// The removed application.
    pub(crate) app: AppKey,
    /// The application's log directory.
    pub(crate) from: PathBuf,
    /// The directory it was to be renamed to.
    pub(crate) to: PathBuf,
    /// The cause.
    pub(crate) source: io::Error,
}

/// Renames the log directory of `key` to its directory under [`REMOVED_DIR`],
/// named with `removed_at`. Returns the new directory, or `None` when the
/// application has no log directory.
///
/// When that name exists already (two removals of the same name within a
/// second), `-1`, `-2` and so on are appended.
pub(crate) fn archive_app_logs(
    log_dir: &Path,
    key: &AppKey,
    removed_at: OffsetDateTime,
) -> Result<Option<PathBuf>, ArchiveLogsError> {
    let from = naming::app_log_dir(log_dir, key);
    let parent = log_dir.join(REMOVED_DIR).join(&key.tenant);
    let base = format!("{}-{}", key.app, timestamp(removed_at));
    let error = |to: &Path, source| ArchiveLogsError {
        app: key.clone(),
        from: from.clone(),
        to: to.to_owned(),
        source,
    };

    if !from.exists() {
        return Ok(None);
    }
    std::fs::create_dir_all(&parent).map_err(|source| error(&parent, source))?;

    let mut suffix = 0u32;
    loop {
        let to = match suffix {
            0 => parent.join(&base),
            _ => parent.join(format!("{base}-{suffix}")),
        };
        match rename_unless_exists(&from, &to) {
            Ok(true) => return Ok(Some(to)),
            Ok(false) => suffix += 1,
            Err(source) if source.kind() == io::ErrorKind::NotFound && !from.exists() => {
                return Ok(None);
            }
            Err(source) => return Err(error(&to, source)),
        }
    }
}

/// Renames `from` to `to`. Returns `false` without renaming when `to` exists.
///
/// `rename(2)` replaces an empty directory at `to`, so the check comes first.
/// Only `remove` renames into these directories, one removal of an
/// application at a time, so nothing creates `to` between check and rename.
fn rename_unless_exists(from: &Path, to: &Path) -> io::Result<bool> {
    if to.symlink_metadata().is_ok() {
        return Ok(false);
    }
    std::fs::rename(from, to)?;
    Ok(true)
}

/// Formats a time as UTC in the ISO 8601 basic format, for example `20261204T172100Z`.
fn timestamp(time: OffsetDateTime) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    time.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant: &str, app: &str) -> AppKey {
        AppKey {
            tenant: tenant.to_owned(),
            app: app.to_owned(),
        }
    }

    fn removal_time() -> OffsetDateTime {
        time::macros::datetime!(2026-12-04 18:21:00 +01:00)
    }

    #[test]
    fn timestamp_is_utc_basic_format() {
        assert_eq!(timestamp(removal_time()), "20261204T172100Z");
    }

    #[test]
    fn archive_app_logs_moves_files_under_removed() {
        let dir = tempfile::tempdir().unwrap();
        let app_dir = dir.path().join("kt/ds");
        std::fs::create_dir_all(&app_dir).unwrap();
        std::fs::write(app_dir.join("ds-0.log"), "line\n").unwrap();

        let moved = archive_app_logs(dir.path(), &key("kt", "ds"), removal_time()).unwrap();

        let expected = dir.path().join("_removed/kt/ds-20261204T172100Z");
        assert_eq!(moved.as_deref(), Some(expected.as_path()));
        assert!(!app_dir.exists());
        assert_eq!(
            std::fs::read_to_string(expected.join("ds-0.log")).unwrap(),
            "line\n"
        );
    }

    #[test]
    fn archive_app_logs_adds_suffix_when_target_exists() {
        let dir = tempfile::tempdir().unwrap();
        let removed = dir.path().join("_removed/kt");
        std::fs::create_dir_all(removed.join("ds-20261204T172100Z")).unwrap();
        std::fs::create_dir_all(removed.join("ds-20261204T172100Z-1")).unwrap();
        std::fs::create_dir_all(dir.path().join("kt/ds")).unwrap();

        let moved = archive_app_logs(dir.path(), &key("kt", "ds"), removal_time()).unwrap();

        assert_eq!(moved, Some(removed.join("ds-20261204T172100Z-2")));
        assert!(removed.join("ds-20261204T172100Z").is_dir());
        assert!(removed.join("ds-20261204T172100Z-1").is_dir());
    }

    #[test]
    fn archive_app_logs_without_log_dir_does_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let moved = archive_app_logs(dir.path(), &key("kt", "ds"), removal_time()).unwrap();
        assert_eq!(moved, None);
        assert!(!dir.path().join(REMOVED_DIR).exists());
    }

    #[test]
    fn archive_app_logs_keeps_other_apps_of_tenant() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("kt/ds")).unwrap();
        std::fs::create_dir_all(dir.path().join("kt/web")).unwrap();

        archive_app_logs(dir.path(), &key("kt", "ds"), removal_time()).unwrap();

        assert!(dir.path().join("kt/web").is_dir());
    }
}
