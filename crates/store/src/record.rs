use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::ObjectKey;
use crate::error::StoreFault;
use crate::key::{parse_kind, parse_tenant};
use crate::timestamp::from_micros;

/// One stored object with its server-set fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRecord {
    /// Kind, tenant and name.
    pub key: ObjectKey,
    /// Random 128-bit id in hex, given at creation and never reused.
    pub uid: String,
    /// Value of the global write counter taken by the last write of this object.
    pub resource_version: i64,
    /// Starts at 1 and grows by 1 whenever the spec changes.
    pub generation: i64,
    /// The normalised manifest object as JSON, including its labels and annotations.
    pub spec: Value,
    /// Observed state written by the platform; `null` until the first status write.
    pub status: Value,
    /// When the object was created.
    pub created_at: OffsetDateTime,
    /// When the object was last written.
    pub updated_at: OffsetDateTime,
    /// When deletion was requested; `None` while the object is live.
    pub deletion_timestamp: Option<OffsetDateTime>,
    /// User who last created or changed the spec.
    pub last_applied_by: String,
}

impl ObjectRecord {
    /// Returns whether deletion of the object was requested.
    pub fn is_deleting(&self) -> bool {
        self.deletion_timestamp.is_some()
    }
}

/// Desired content of one object, as [`WriteTx::put`](crate::WriteTx::put) writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectWrite {
    /// Kind, tenant and name.
    pub key: ObjectKey,
    /// The normalised manifest object as JSON.
    pub spec: Value,
    /// New status; `None` keeps the stored status (`null` for a new object).
    pub status: Option<Value>,
    /// When set, the write succeeds only if the stored object has this resource version.
    pub expected_resource_version: Option<i64>,
}

/// Outcome of writing one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAction {
    /// The object did not exist and was inserted.
    Created,
    /// The object existed and its spec or status changed.
    Configured,
    /// The object existed with the same spec and status; nothing was written.
    Unchanged,
}

/// Columns of `objects` in the order [`decode_object`] reads them.
macro_rules! object_columns {
    () => {
        "kind, tenant, name, uid, resource_version, generation, spec, status, \
         created_at, updated_at, deletion_timestamp, last_applied_by"
    };
}
pub(crate) use object_columns;

/// Decodes one row of `objects` selected with [`object_columns`].
pub(crate) fn decode_object(row: &SqliteRow) -> Result<ObjectRecord, StoreFault> {
    let kind: String = row.try_get("kind")?;
    let tenant: String = row.try_get("tenant")?;
    let name: String = row.try_get("name")?;
    let label = format!("{kind} {tenant}/{name}");
    let corrupt = |problem: String| StoreFault::Corrupt {
        row: label.clone(),
        problem,
    };

    let kind = parse_kind(&kind).ok_or_else(|| corrupt(format!("unknown kind {kind:?}")))?;
    let key = ObjectKey {
        kind,
        tenant: parse_tenant(tenant),
        name,
    };
    let spec: String = row.try_get("spec")?;
    let status: String = row.try_get("status")?;
    let deletion: Option<i64> = row.try_get("deletion_timestamp")?;

    Ok(ObjectRecord {
        key,
        uid: row.try_get("uid")?,
        resource_version: row.try_get("resource_version")?,
        generation: row.try_get("generation")?,
        spec: serde_json::from_str(&spec).map_err(|e| corrupt(format!("spec is not JSON: {e}")))?,
        status: serde_json::from_str(&status)
            .map_err(|e| corrupt(format!("status is not JSON: {e}")))?,
        created_at: from_micros(row.try_get("created_at")?, &label)?,
        updated_at: from_micros(row.try_get("updated_at")?, &label)?,
        deletion_timestamp: deletion
            .map(|micros| from_micros(micros, &label))
            .transpose()?,
        last_applied_by: row.try_get("last_applied_by")?,
    })
}
