//! SQL on the `objects` table. Each function runs on the connection or
//! transaction it is given; the callers decide about transactions.

use serde_json::Value;
use sqlx::SqliteConnection;
use strongroom_model::Kind;

use crate::ObjectKey;
use crate::error::StoreFault;
use crate::record::{ObjectRecord, ObjectWrite, decode_object, object_columns};
use crate::timestamp::now_micros;

pub(crate) async fn fetch(
    conn: &mut SqliteConnection,
    key: &ObjectKey,
) -> Result<Option<ObjectRecord>, StoreFault> {
    let row = sqlx::query(concat!(
        "SELECT ",
        object_columns!(),
        " FROM objects WHERE kind = $1 AND tenant = $2 AND name = $3"
    ))
    .bind(key.kind_column())
    .bind(key.tenant_column())
    .bind(&key.name)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode_object).transpose()
}

/// Lists objects of `kind`, of one tenant or of all, ordered by tenant and name.
pub(crate) async fn fetch_all(
    conn: &mut SqliteConnection,
    kind: Kind,
    tenant: Option<&str>,
) -> Result<Vec<ObjectRecord>, StoreFault> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        object_columns!(),
        " FROM objects WHERE kind = $1 AND ($2 IS NULL OR tenant = $2) ORDER BY tenant, name"
    ))
    .bind(kind.as_str())
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_object).collect()
}

/// Takes the next value of the global write counter.
pub(crate) async fn next_resource_version(conn: &mut SqliteConnection) -> Result<i64, StoreFault> {
    let version: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'resource_version' RETURNING value",
    )
    .fetch_one(conn)
    .await?;
    Ok(version)
}

pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    write: &ObjectWrite,
    user: &str,
) -> Result<ObjectRecord, StoreFault> {
    let version = next_resource_version(conn).await?;
    let now = now_micros();
    let status = write.status.as_ref().unwrap_or(&Value::Null);

    let row = sqlx::query(concat!(
        "INSERT INTO objects (kind, tenant, name, uid, resource_version, generation, spec, ",
        "status, created_at, updated_at, deletion_timestamp, last_applied_by) ",
        "VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $8, NULL, $9) RETURNING ",
        object_columns!()
    ))
    .bind(write.key.kind_column())
    .bind(write.key.tenant_column())
    .bind(&write.key.name)
    .bind(new_uid()?)
    .bind(version)
    .bind(write.spec.to_string())
    .bind(status.to_string())
    .bind(now)
    .bind(user)
    .fetch_one(conn)
    .await?;
    decode_object(&row)
}

/// Writes a new spec and status over `current`, bumping the generation when the spec differs.
pub(crate) async fn update_spec(
    conn: &mut SqliteConnection,
    current: &ObjectRecord,
    write: &ObjectWrite,
    user: &str,
) -> Result<ObjectRecord, StoreFault> {
    let version = next_resource_version(conn).await?;
    let generation = if current.spec == write.spec {
        current.generation
    } else {
        current.generation + 1
    };
    let status = write.status.as_ref().unwrap_or(&current.status);

    let row = sqlx::query(concat!(
        "UPDATE objects SET resource_version = $4, generation = $5, spec = $6, status = $7, ",
        "updated_at = $8, last_applied_by = $9 ",
        "WHERE kind = $1 AND tenant = $2 AND name = $3 RETURNING ",
        object_columns!()
    ))
    .bind(current.key.kind_column())
    .bind(current.key.tenant_column())
    .bind(&current.key.name)
    .bind(version)
    .bind(generation)
    .bind(write.spec.to_string())
    .bind(status.to_string())
    .bind(now_micros())
    .bind(user)
    .fetch_one(conn)
    .await?;
    decode_object(&row)
}

pub(crate) async fn update_status(
    conn: &mut SqliteConnection,
    key: &ObjectKey,
    status: &Value,
) -> Result<ObjectRecord, StoreFault> {
    let version = next_resource_version(conn).await?;
    let row = sqlx::query(concat!(
        "UPDATE objects SET resource_version = $4, status = $5, updated_at = $6 ",
        "WHERE kind = $1 AND tenant = $2 AND name = $3 RETURNING ",
        object_columns!()
    ))
    .bind(key.kind_column())
    .bind(key.tenant_column())
    .bind(&key.name)
    .bind(version)
    .bind(status.to_string())
    .bind(now_micros())
    .fetch_one(conn)
    .await?;
    decode_object(&row)
}

/// Sets the deletion timestamp and, when given, a new status.
pub(crate) async fn set_deleting(
    conn: &mut SqliteConnection,
    current: &ObjectRecord,
    status: Option<&Value>,
) -> Result<ObjectRecord, StoreFault> {
    let version = next_resource_version(conn).await?;
    let now = now_micros();
    let status = status.unwrap_or(&current.status);

    let row = sqlx::query(concat!(
        "UPDATE objects SET resource_version = $4, status = $5, updated_at = $6, ",
        "deletion_timestamp = $6 WHERE kind = $1 AND tenant = $2 AND name = $3 RETURNING ",
        object_columns!()
    ))
    .bind(current.key.kind_column())
    .bind(current.key.tenant_column())
    .bind(&current.key.name)
    .bind(version)
    .bind(status.to_string())
    .bind(now)
    .fetch_one(conn)
    .await?;
    decode_object(&row)
}

/// Deletes the row if it still has `uid`, so that a recreated object with the
/// same name survives. Returns whether a row was deleted.
pub(crate) async fn remove(
    conn: &mut SqliteConnection,
    key: &ObjectKey,
    uid: &str,
) -> Result<bool, StoreFault> {
    let result = sqlx::query(
        "DELETE FROM objects WHERE kind = $1 AND tenant = $2 AND name = $3 AND uid = $4",
    )
    .bind(key.kind_column())
    .bind(key.tenant_column())
    .bind(&key.name)
    .bind(uid)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Returns a random 128-bit id in lowercase hex.
fn new_uid() -> Result<String, StoreFault> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| StoreFault::Random(error.to_string()))?;
    Ok(hex::encode(bytes))
}
