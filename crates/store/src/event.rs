//! Events: what happened to an object, for operators. Each append prunes the
//! table so that it stays bounded per object and in total.

use sqlx::Row;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use strongroom_model::Kind;
use time::OffsetDateTime;

use crate::ObjectKey;
use crate::error::StoreFault;
use crate::key::{parse_kind, parse_tenant};
use crate::timestamp::{from_micros, now_micros};

/// Whether an event needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventSeverity {
    /// Routine progress.
    Normal,
    /// Something failed or is not as desired.
    Warning,
}

impl EventSeverity {
    /// Returns the stored and displayed name: `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSeverity::Normal => "Normal",
            EventSeverity::Warning => "Warning",
        }
    }

    fn parse(text: &str) -> Option<EventSeverity> {
        match text {
            "Normal" => Some(EventSeverity::Normal),
            "Warning" => Some(EventSeverity::Warning),
            _ => None,
        }
    }
}

/// An event to record; the store adds the id and the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The object the event is about. The object need not exist.
    pub key: ObjectKey,
    /// Instance name, when the event is about one instance.
    pub instance: Option<String>,
    /// Whether the event needs attention.
    pub severity: EventSeverity,
    /// One CamelCase word, for example `Created` or `SyncFailed`.
    pub reason: String,
    /// A sentence for the operator.
    pub message: String,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Sequence number; later events have larger ids.
    pub id: i64,
    /// When the event was recorded.
    pub time: OffsetDateTime,
    /// The object the event is about.
    pub key: ObjectKey,
    /// Instance name, when the event is about one instance.
    pub instance: Option<String>,
    /// Whether the event needs attention.
    pub severity: EventSeverity,
    /// One CamelCase word.
    pub reason: String,
    /// A sentence for the operator.
    pub message: String,
}

/// Filters and limit for listing events. Every filter that is set must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events about objects of this kind.
    pub kind: Option<Kind>,
    /// Only events about objects of this tenant.
    pub tenant: Option<String>,
    /// Only events about objects of this name.
    pub name: Option<String>,
    /// Only events with an id above this.
    pub after_id: Option<i64>,
    /// At most this many: the newest ones, returned oldest first.
    pub limit: u32,
}

/// Inserts an event, then prunes the oldest events of the same object beyond
/// `per_object` and the oldest of all beyond `total`.
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    event: &NewEvent,
    per_object: u32,
    total: u32,
) -> Result<EventRecord, StoreFault> {
    let row = sqlx::query(
        "INSERT INTO events (time, kind, tenant, name, instance, severity, reason, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, time, kind, tenant, name, instance, severity, reason, message",
    )
    .bind(now_micros())
    .bind(event.key.kind_column())
    .bind(event.key.tenant_column())
    .bind(&event.key.name)
    .bind(&event.instance)
    .bind(event.severity.as_str())
    .bind(&event.reason)
    .bind(&event.message)
    .fetch_one(&mut *conn)
    .await?;
    let record = decode(&row)?;

    prune_object(conn, &event.key, per_object).await?;
    prune_total(conn, total).await?;
    Ok(record)
}

async fn prune_object(
    conn: &mut SqliteConnection,
    key: &ObjectKey,
    keep: u32,
) -> Result<(), StoreFault> {
    // The subquery finds the newest id beyond the `keep` newest. It is NULL
    // while the object has at most `keep` events, so then nothing is deleted.
    sqlx::query(
        "DELETE FROM events WHERE kind = $1 AND tenant = $2 AND name = $3 AND id <= (\
         SELECT id FROM events WHERE kind = $1 AND tenant = $2 AND name = $3 \
         ORDER BY id DESC LIMIT 1 OFFSET $4)",
    )
    .bind(key.kind_column())
    .bind(key.tenant_column())
    .bind(&key.name)
    .bind(i64::from(keep))
    .execute(conn)
    .await?;
    Ok(())
}

async fn prune_total(conn: &mut SqliteConnection, keep: u32) -> Result<(), StoreFault> {
    // Ids only grow, so the ids at or below the newest id minus `keep` are the
    // oldest events. Per-object pruning leaves gaps, so fewer may remain.
    sqlx::query("DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - $1")
        .bind(i64::from(keep))
        .execute(conn)
        .await?;
    Ok(())
}

/// Lists the newest `query.limit` matching events, oldest first.
pub(crate) async fn select(
    conn: &mut SqliteConnection,
    query: &EventQuery,
) -> Result<Vec<EventRecord>, StoreFault> {
    let rows = sqlx::query(
        "SELECT id, time, kind, tenant, name, instance, severity, reason, message FROM events \
         WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR tenant = $2) \
         AND ($3 IS NULL OR name = $3) AND id > $4 ORDER BY id DESC LIMIT $5",
    )
    .bind(query.kind.map(Kind::as_str))
    .bind(&query.tenant)
    .bind(&query.name)
    .bind(query.after_id.unwrap_or(0))
    .bind(i64::from(query.limit))
    .fetch_all(conn)
    .await?;

    let mut events = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    events.reverse();
    Ok(events)
}

fn decode(row: &SqliteRow) -> Result<EventRecord, StoreFault> {
    let id: i64 = row.try_get("id")?;
    let corrupt = |problem: String| StoreFault::Corrupt {
        row: format!("event {id}"),
        problem,
    };
    let kind: String = row.try_get("kind")?;
    let severity: String = row.try_get("severity")?;
    let tenant: String = row.try_get("tenant")?;

    let kind = parse_kind(&kind).ok_or_else(|| corrupt(format!("unknown kind {kind:?}")))?;
    let severity = EventSeverity::parse(&severity)
        .ok_or_else(|| corrupt(format!("unknown severity {severity:?}")))?;
    Ok(EventRecord {
        id,
        time: from_micros(row.try_get("time")?, &format!("event {id}"))?,
        key: ObjectKey {
            kind,
            tenant: parse_tenant(tenant),
            name: row.try_get("name")?,
        },
        instance: row.try_get("instance")?,
        severity,
        reason: row.try_get("reason")?,
        message: row.try_get("message")?,
    })
}
