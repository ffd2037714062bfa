//! Instance output on stdout and stderr, read from conmon's log files.
//!
//! The runtime layer has conmon write each instance's output to
//! `LOG_DIR/TENANT/APP/INSTANCE.log` in the CRI log format and rotate it.
//! [`read_logs`] merges the instances' lines by time and returns a cursor
//! that a follower passes back to get only newer lines.
//!
//! A line that an instance writes without a line break is returned in
//! pieces of [`read::MAX_LINE_BYTES`] (256 KiB). `tail` reads a window at the
//! end of the files, not the whole files.
//!
//! When an application is removed, [`archive_app_logs`] moves its directory
//! to `LOG_DIR/_removed/TENANT/APP-<UTC time of removal>/`, so that a new
//! application of the same name starts without the old lines.

mod archive;
mod cursor;
mod files;
mod read;
mod record;

use std::io;
use std::path::{Path, PathBuf};

use strongroom_engine::{LogBatch, LogLine, LogQuery};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) use archive::archive_app_logs;
use cursor::Cursor;
pub(crate) use cursor::InvalidCursorError;
use read::read_instance;

/// Failure to read logs.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogReadError {
    /// The query names an instance that never wrote a log line.
    #[error(
        "instance {instance} has no logs; instances with logs: {}",
        if known.is_empty() { "none yet".to_owned() } else { known.join(", ") }
    )]
    UnknownInstance {
        /// The instance asked for.
        instance: String,
        /// Instances that have log files.
        known: Vec<String>,
    },
    /// The `after` cursor is not one this engine returned.
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursorError),
    /// The `since` time is not RFC 3339.
    #[error("invalid since time {value:?}: expected RFC 3339, for example 2024-01-31T09:00:00Z")]
    InvalidSince {
        /// The rejected text.
        value: String,
    },
    /// A log file or directory could not be read.
    #[error("cannot read log files in {dir}: {source}")]
    Io {
        /// The application's log directory.
        dir: PathBuf,
        /// Cause.
        source: io::Error,
    },
}

/// Reads the lines of the instances logging into `dir` that `query` selects.
pub(crate) fn read_logs(dir: &Path, query: &LogQuery) -> Result<LogBatch, LogReadError> {
    let io_error = |source| LogReadError::Io {
        dir: dir.to_owned(),
        source,
    };
    let previous = query.after.as_deref().map(Cursor::decode).transpose()?;
    let since = query.since.as_deref().map(parse_since).transpose()?;
    let known = files::instance_names(dir).map_err(io_error)?;
    let instances = match &query.instance {
        Some(instance) if known.contains(instance) => vec![instance.clone()],
        Some(instance) => {
            return Err(LogReadError::UnknownInstance {
                instance: instance.clone(),
                known,
            });
        }
        None => known,
    };

    let mut lines = Vec::new();
    let mut cursor = Cursor::default();
    for instance in instances {
        let start = previous
            .as_ref()
            .and_then(|cursor| cursor.positions.get(&instance).copied());
        let log = read_instance(dir, &instance, start, query.tail).map_err(io_error)?;
        if let Some(end) = log.end {
            cursor.positions.insert(instance, end);
        }
        lines.extend(
            log.lines
                .into_iter()
                .filter(|line| written_since(line, since)),
        );
    }

    // A stable sort keeps each instance's own order for lines with equal or unreadable times.
    lines.sort_by_cached_key(line_time);
    Ok(LogBatch {
        lines,
        cursor: cursor.encode(),
    })
}

fn parse_since(value: &str) -> Result<OffsetDateTime, LogReadError> {
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| LogReadError::InvalidSince {
        value: value.to_owned(),
    })
}

fn line_time(line: &LogLine) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(&line.time, &Rfc3339).ok()
}

/// Lines with an unreadable time are kept, so that no output is hidden.
fn written_since(line: &LogLine, since: Option<OffsetDateTime>) -> bool {
    match (since, line_time(line)) {
        (Some(since), Some(time)) => time >= since,
        _ => true,
    }
}

#[cfg(test)]
mod tests;
