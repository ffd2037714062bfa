use serde_json::Value;
use sqlx::{Sqlite, Transaction};
use strongroom_model::Kind;

use crate::ObjectKey;
use crate::error::{
    AppendEventError, DeleteError, GetError, ListError, MarkDeletingError, PutError, StoreFault,
    TransactionError, UpdateStatusError,
};
use crate::event::{self, EventRecord, NewEvent};
use crate::object;
use crate::record::{ObjectRecord, ObjectWrite, WriteAction};
use crate::store::StoreOptions;

/// One write transaction. It holds SQLite's write lock from
/// [`Store::begin`](crate::Store::begin) until it commits or is dropped, and
/// dropping it without [`WriteTx::commit`] discards every write made through it.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    options: StoreOptions,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").finish_non_exhaustive()
    }
}

impl WriteTx {
    pub(crate) fn new(tx: Transaction<'static, Sqlite>, options: StoreOptions) -> WriteTx {
        WriteTx { tx, options }
    }

    /// Reads one object, including writes made earlier in this transaction.
    pub async fn get(&mut self, key: &ObjectKey) -> Result<Option<ObjectRecord>, GetError> {
        object::fetch(&mut self.tx, key)
            .await
            .map_err(|fault| GetError {
                key: key.clone(),
                fault,
            })
    }

    /// Lists objects of `kind`, of one tenant or of all, ordered by tenant and name.
    pub async fn list(
        &mut self,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ObjectRecord>, ListError> {
        object::fetch_all(&mut self.tx, kind, tenant)
            .await
            .map_err(|fault| ListError {
                kind,
                tenant: tenant.map(str::to_owned),
                fault,
            })
    }

    /// Creates or updates one object on behalf of `user`.
    ///
    /// A write whose spec and status equal the stored ones is
    /// [`WriteAction::Unchanged`] and takes no resource version. A changed
    /// spec raises the generation; a changed status alone does not. Objects
    /// being deleted reject every write.
    pub async fn put(
        &mut self,
        write: &ObjectWrite,
        user: &str,
    ) -> Result<(WriteAction, ObjectRecord), PutError> {
        let key = &write.key;
        let fault = |fault: StoreFault| PutError::Fault {
            key: key.clone(),
            fault,
        };
        let current = object::fetch(&mut self.tx, key).await.map_err(fault)?;
        check_expected_version(write, current.as_ref())?;

        let Some(current) = current else {
            let record = object::insert(&mut self.tx, write, user)
                .await
                .map_err(fault)?;
            return Ok((WriteAction::Created, record));
        };
        if current.is_deleting() {
            return Err(PutError::Deleting { key: key.clone() });
        }

        let status_changes = write
            .status
            .as_ref()
            .is_some_and(|status| *status != current.status);
        if current.spec == write.spec && !status_changes {
            return Ok((WriteAction::Unchanged, current));
        }
        let record = object::update_spec(&mut self.tx, &current, write, user)
            .await
            .map_err(fault)?;
        Ok((WriteAction::Configured, record))
    }

    /// Replaces the status of one object. The generation stays; the resource
    /// version advances. With `expected_resource_version`, the write succeeds
    /// only if no other write changed the object since the caller read it.
    pub async fn update_status(
        &mut self,
        key: &ObjectKey,
        status: &Value,
        expected_resource_version: Option<i64>,
    ) -> Result<ObjectRecord, UpdateStatusError> {
        let fault = |fault: StoreFault| UpdateStatusError::Fault {
            key: key.clone(),
            fault,
        };
        let current = object::fetch(&mut self.tx, key).await.map_err(fault)?;
        let Some(current) = current else {
            return Err(UpdateStatusError::NotFound { key: key.clone() });
        };

        if let Some(expected) = expected_resource_version
            && expected != current.resource_version
        {
            return Err(UpdateStatusError::Conflict {
                key: key.clone(),
                expected,
                current: current.resource_version,
            });
        }
        object::update_status(&mut self.tx, key, status)
            .await
            .map_err(fault)
    }

    /// Records that deletion of the object was requested and, when given,
    /// replaces its status. An object already being deleted is returned as
    /// stored, so that requesting deletion twice changes nothing.
    pub async fn mark_deleting(
        &mut self,
        key: &ObjectKey,
        status: Option<&Value>,
    ) -> Result<ObjectRecord, MarkDeletingError> {
        let fault = |fault: StoreFault| MarkDeletingError::Fault {
            key: key.clone(),
            fault,
        };
        let current = object::fetch(&mut self.tx, key).await.map_err(fault)?;
        let Some(current) = current else {
            return Err(MarkDeletingError::NotFound { key: key.clone() });
        };

        if current.is_deleting() {
            return Ok(current);
        }
        object::set_deleting(&mut self.tx, &current, status)
            .await
            .map_err(fault)
    }

    /// Deletes the object if it still has `uid`. Returns whether it was deleted.
    pub async fn delete(&mut self, key: &ObjectKey, uid: &str) -> Result<bool, DeleteError> {
        object::remove(&mut self.tx, key, uid)
            .await
            .map_err(|fault| DeleteError {
                key: key.clone(),
                fault,
            })
    }

    /// Records an event and prunes old events.
    pub async fn append_event(
        &mut self,
        event: &NewEvent,
    ) -> Result<EventRecord, AppendEventError> {
        let per_object = self.options.max_events_per_object;
        let total = self.options.max_events;
        event::insert(&mut self.tx, event, per_object, total)
            .await
            .map_err(|fault| AppendEventError {
                key: event.key.clone(),
                reason: event.reason.clone(),
                fault,
            })
    }

    /// Makes every write of this transaction durable.
    pub async fn commit(self) -> Result<(), TransactionError> {
        self.tx.commit().await.map_err(|error| TransactionError {
            operation: "commit",
            fault: error.into(),
        })
    }
}

fn check_expected_version(
    write: &ObjectWrite,
    current: Option<&ObjectRecord>,
) -> Result<(), PutError> {
    let Some(expected) = write.expected_resource_version else {
        return Ok(());
    };
    match current {
        None => Err(PutError::Missing {
            key: write.key.clone(),
            expected,
        }),
        Some(current) if current.resource_version != expected => Err(PutError::Conflict {
            key: write.key.clone(),
            expected,
            current: current.resource_version,
        }),
        Some(_) => Ok(()),
    }
}
