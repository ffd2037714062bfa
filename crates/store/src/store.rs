use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use strongroom_model::Kind;

use crate::ObjectKey;
use crate::error::{
    AppendEventError, ApplyBatchError, DeleteError, GetError, ListError, ListEventsError,
    MarkDeletingError, OpenError, StoreFault, TransactionError, UpdateStatusError,
};
use crate::event::{self, EventQuery, EventRecord, NewEvent};
use crate::object;
use crate::record::{ObjectRecord, ObjectWrite, WriteAction};
use crate::transaction::WriteTx;

/// Settings of a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a write waits for another writer's lock before it fails; default 5 s.
    pub busy_timeout: Duration,
    /// Connections kept open; readers use them concurrently in WAL mode. Default 4.
    pub max_connections: u32,
    /// Newest events kept per object; older ones are deleted. Default 1000.
    pub max_events_per_object: u32,
    /// Newest events kept in total; older ones are deleted. Default 100 000.
    pub max_events: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            max_connections: 4,
            max_events_per_object: 1000,
            max_events: 100_000,
        }
    }
}

/// The control plane's database: objects, their status and events.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    options: StoreOptions,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database file at `path` with default options.
    pub async fn open(path: impl AsRef<Path>) -> Result<Store, OpenError> {
        Store::open_with(path, StoreOptions::default()).await
    }

    /// Opens (or creates) the database file at `path` and brings its schema up to date.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: StoreOptions,
    ) -> Result<Store, OpenError> {
        let path = path.as_ref().to_path_buf();
        // WAL lets readers run beside the one writer; synchronous=FULL syncs
        // the WAL on every commit, so a commit that returned survives power loss.
        let connect = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(|cause| OpenError::Connect {
                path: path.clone(),
                cause,
            })?;

        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|cause| OpenError::Migrate {
                path: path.clone(),
                cause,
            })?;
        tracing::info!(path = %path.display(), "store opened");
        Ok(Store {
            pool,
            options,
            path,
        })
    }

    /// Returns the database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
        tracing::info!(path = %self.path.display(), "store closed");
    }

    /// Begins a write transaction. It takes SQLite's write lock at once, so
    /// what it reads stays true until it commits.
    pub async fn begin(&self) -> Result<WriteTx, TransactionError> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|error| TransactionError {
                operation: "begin",
                fault: error.into(),
            })?;
        Ok(WriteTx::new(tx, self.options))
    }

    /// Writes every object on behalf of `user` in one transaction: either all
    /// are stored or, on the first error, none is.
    pub async fn apply_batch(
        &self,
        writes: Vec<ObjectWrite>,
        user: &str,
    ) -> Result<Vec<(WriteAction, ObjectRecord)>, ApplyBatchError> {
        let mut tx = self.begin().await?;
        let mut results = Vec::with_capacity(writes.len());
        for write in &writes {
            results.push(tx.put(write, user).await?);
        }
        tx.commit().await?;
        Ok(results)
    }

    /// Reads one object.
    pub async fn get(&self, key: &ObjectKey) -> Result<Option<ObjectRecord>, GetError> {
        let fault = |fault: StoreFault| GetError {
            key: key.clone(),
            fault,
        };
        let mut conn = self.pool.acquire().await.map_err(|e| fault(e.into()))?;
        object::fetch(&mut conn, key).await.map_err(fault)
    }

    /// Lists objects of `kind`, of one tenant or of all, ordered by tenant and name.
    pub async fn list(
        &self,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ObjectRecord>, ListError> {
        let fault = |fault: StoreFault| ListError {
            kind,
            tenant: tenant.map(str::to_owned),
            fault,
        };
        let mut conn = self.pool.acquire().await.map_err(|e| fault(e.into()))?;
        object::fetch_all(&mut conn, kind, tenant)
            .await
            .map_err(fault)
    }

    /// Replaces the status of one object; see [`WriteTx::update_status`].
    pub async fn update_status(
        &self,
        key: &ObjectKey,
        status: &Value,
        expected_resource_version: Option<i64>,
    ) -> Result<ObjectRecord, UpdateStatusError> {
        let fault = |error: TransactionError| UpdateStatusError::Fault {
            key: key.clone(),
            fault: error.fault,
        };
        let mut tx = self.begin().await.map_err(fault)?;
        let record = tx
            .update_status(key, status, expected_resource_version)
            .await?;
        tx.commit().await.map_err(fault)?;
        Ok(record)
    }

    /// Records that deletion was requested; see [`WriteTx::mark_deleting`].
    pub async fn mark_deleting(
        &self,
        key: &ObjectKey,
        status: Option<&Value>,
    ) -> Result<ObjectRecord, MarkDeletingError> {
        let fault = |error: TransactionError| MarkDeletingError::Fault {
            key: key.clone(),
            fault: error.fault,
        };
        let mut tx = self.begin().await.map_err(fault)?;
        let record = tx.mark_deleting(key, status).await?;
        tx.commit().await.map_err(fault)?;
        Ok(record)
    }

    /// Deletes the object if it still has `uid`. Returns whether it was deleted.
    pub async fn delete(&self, key: &ObjectKey, uid: &str) -> Result<bool, DeleteError> {
        let fault = |error: TransactionError| DeleteError {
            key: key.clone(),
            fault: error.fault,
        };
        let mut tx = self.begin().await.map_err(fault)?;
        let deleted = tx.delete(key, uid).await?;
        tx.commit().await.map_err(fault)?;
        Ok(deleted)
    }

    /// Records an event and prunes old events.
    pub async fn append_event(&self, event: &NewEvent) -> Result<EventRecord, AppendEventError> {
        let fault = |error: TransactionError| AppendEventError {
            key: event.key.clone(),
            reason: event.reason.clone(),
            fault: error.fault,
        };
        let mut tx = self.begin().await.map_err(fault)?;
        let record = tx.append_event(event).await?;
        tx.commit().await.map_err(fault)?;
        Ok(record)
    }

    /// Lists the newest `query.limit` matching events, oldest first.
    pub async fn list_events(
        &self,
        query: &EventQuery,
    ) -> Result<Vec<EventRecord>, ListEventsError> {
        let fault = |fault: StoreFault| ListEventsError { fault };
        let mut conn = self.pool.acquire().await.map_err(|e| fault(e.into()))?;
        event::select(&mut conn, query).await.map_err(fault)
    }
}

#[cfg(test)]
mod tests;
