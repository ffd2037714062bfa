//! One error type per store operation. Each message names the operation and
//! the object, and ends with what the caller can do.

use std::path::PathBuf;

use strongroom_model::Kind;

use crate::ObjectKey;

/// A failure below a store operation: in SQLite or in a stored row.
#[derive(Debug, thiserror::Error)]
pub enum StoreFault {
    /// SQLite returned an error.
    #[error(
        "database error: {0}; check that the data directory is writable and the disk is not full"
    )]
    Database(#[from] sqlx::Error),
    /// A stored row cannot be read back.
    #[error("stored row {row} is unreadable: {problem}; restore the data directory from a backup")]
    Corrupt {
        /// The row, for example `Application retail/web`.
        row: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The operating system's random number generator failed.
    #[error(
        "reading random bytes for a new uid failed: {0}; check that the kernel's getrandom is available"
    )]
    Random(String),
}

/// Failure of [`Store::open`](crate::Store::open).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or configure the file.
    #[error(
        "opening store database {path} failed: {cause}; check that its directory exists and is writable"
    )]
    Connect {
        /// Database file.
        path: PathBuf,
        /// SQLite's error.
        cause: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error(
        "migrating store database {path} failed: {cause}; the file may come from a newer release or be damaged"
    )]
    Migrate {
        /// Database file.
        path: PathBuf,
        /// The migration error.
        cause: sqlx::migrate::MigrateError,
    },
}

/// Failure to begin or commit a write transaction.
#[derive(Debug, thiserror::Error)]
#[error("{operation} of a store transaction failed: {fault}")]
pub struct TransactionError {
    /// `begin` or `commit`.
    pub operation: &'static str,
    /// What failed below.
    pub fault: StoreFault,
}

/// Failure of [`Store::get`](crate::Store::get).
#[derive(Debug, thiserror::Error)]
#[error("reading {key} from the store failed: {fault}")]
pub struct GetError {
    /// The object read.
    pub key: ObjectKey,
    /// What failed below.
    pub fault: StoreFault,
}

/// Failure of [`Store::list`](crate::Store::list).
#[derive(Debug, thiserror::Error)]
#[error(
    "listing {kind} objects{} from the store failed: {fault}",
    in_tenant(tenant)
)]
pub struct ListError {
    /// Kind listed.
    pub kind: Kind,
    /// Tenant listed, when one was given.
    pub tenant: Option<String>,
    /// What failed below.
    pub fault: StoreFault,
}

fn in_tenant(tenant: &Option<String>) -> String {
    tenant
        .as_deref()
        .map(|tenant| format!(" of tenant {tenant}"))
        .unwrap_or_default()
}

/// Failure of [`WriteTx::put`](crate::WriteTx::put).
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The object changed since the caller read it.
    #[error(
        "{key} changed since it was read: expected resource version {expected}, current {current}; read it again and reapply the change"
    )]
    Conflict {
        /// The object written.
        key: ObjectKey,
        /// Resource version the caller expected.
        expected: i64,
        /// Resource version stored.
        current: i64,
    },
    /// The caller expected a version of an object that does not exist.
    #[error(
        "{key} does not exist, but resource version {expected} was expected; omit the resource version to create it"
    )]
    Missing {
        /// The object written.
        key: ObjectKey,
        /// Resource version the caller expected.
        expected: i64,
    },
    /// The object is being deleted and cannot change any more.
    #[error("{key} is being deleted; wait until it is gone, then apply it again")]
    Deleting {
        /// The object written.
        key: ObjectKey,
    },
    /// The database failed.
    #[error("writing {key} to the store failed: {fault}")]
    Fault {
        /// The object written.
        key: ObjectKey,
        /// What failed below.
        fault: StoreFault,
    },
}

/// Failure of [`Store::apply_batch`](crate::Store::apply_batch). Nothing of the batch is stored.
#[derive(Debug, thiserror::Error)]
pub enum ApplyBatchError {
    /// One object could not be written.
    #[error(transparent)]
    Put(#[from] PutError),
    /// The transaction could not begin or commit.
    #[error(transparent)]
    Transaction(#[from] TransactionError),
}

/// Failure of [`Store::update_status`](crate::Store::update_status).
#[derive(Debug, thiserror::Error)]
pub enum UpdateStatusError {
    /// The object does not exist (any more).
    #[error("updating the status of {key} failed: it does not exist")]
    NotFound {
        /// The object.
        key: ObjectKey,
    },
    /// The object changed since the caller read it.
    #[error(
        "updating the status of {key} failed: expected resource version {expected}, current {current}; read it again"
    )]
    Conflict {
        /// The object.
        key: ObjectKey,
        /// Resource version the caller expected.
        expected: i64,
        /// Resource version stored.
        current: i64,
    },
    /// The database failed.
    #[error("updating the status of {key} failed: {fault}")]
    Fault {
        /// The object.
        key: ObjectKey,
        /// What failed below.
        fault: StoreFault,
    },
}

/// Failure of [`Store::mark_deleting`](crate::Store::mark_deleting).
#[derive(Debug, thiserror::Error)]
pub enum MarkDeletingError {
    /// The object does not exist.
    #[error("marking {key} for deletion failed: it does not exist")]
    NotFound {
        /// The object.
        key: ObjectKey,
    },
    /// The database failed.
    #[error("marking {key} for deletion failed: {fault}")]
    Fault {
        /// The object.
        key: ObjectKey,
        /// What failed below.
        fault: StoreFault,
    },
}

/// Failure of [`Store::delete`](crate::Store::delete).
#[derive(Debug, thiserror::Error)]
#[error("deleting {key} from the store failed: {fault}")]
pub struct DeleteError {
    /// The object.
    pub key: ObjectKey,
    /// What failed below.
    pub fault: StoreFault,
}

/// Failure of [`Store::append_event`](crate::Store::append_event).
#[derive(Debug, thiserror::Error)]
#[error("recording event {reason} about {key} failed: {fault}")]
pub struct AppendEventError {
    /// The object the event is about.
    pub key: ObjectKey,
    /// The event's reason.
    pub reason: String,
    /// What failed below.
    pub fault: StoreFault,
}

/// Failure of [`Store::list_events`](crate::Store::list_events).
#[derive(Debug, thiserror::Error)]
#[error("listing events from the store failed: {fault}")]
pub struct ListEventsError {
    /// What failed below.
    pub fault: StoreFault,
}
