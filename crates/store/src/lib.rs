//! Durable store of desired state, status and events (SQLite).
//!
//! One SQLite database file contains every object of the control plane, its
//! status and the events recorded about it. The database runs in WAL journal
//! mode with `synchronous=FULL`, so a commit that returned survives a crash or
//! power loss, and a transaction that did not commit leaves no trace.
//!
//! - [`Store`] opens the database, runs the embedded migrations and offers
//!   single-statement reads and writes.
//! - [`WriteTx`] is one write transaction. Callers that must check other
//!   objects before they write (the control plane checks tenants and subnets)
//!   read and write through it, and nothing is stored until
//!   [`WriteTx::commit`]. Write transactions take SQLite's write lock when they
//!   begin, so two of them never interleave.
//! - Every write of any object takes the next value of one global counter as
//!   its resource version, so resource versions are unique and strictly
//!   increasing across all objects.
//!
//! The SQL uses `$1`-style parameters and `RETURNING`, which SQLite and
//! PostgreSQL both accept, so that a PostgreSQL backend can reuse it. Only
//! opening the database and beginning a write transaction are SQLite-specific.

mod error;
mod event;
mod key;
mod object;
mod record;
mod store;
mod timestamp;
mod transaction;

pub use error::{
    AppendEventError, ApplyBatchError, DeleteError, GetError, ListError, ListEventsError,
    MarkDeletingError, OpenError, PutError, StoreFault, TransactionError, UpdateStatusError,
};
pub use event::{EventQuery, EventRecord, EventSeverity, NewEvent};
pub use key::ObjectKey;
pub use record::{ObjectRecord, ObjectWrite, WriteAction};
pub use store::{Store, StoreOptions};
pub use transaction::WriteTx;
