//! `GET /api/v1/tenants/{tenant}/applications/{name}/logs`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use strongroom_api::{ApiLogBatch, ApiLogLine};
use strongroom_engine::{LogBatch, LogQuery};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::routes::integer_param;
use crate::state::AppState;

/// The query of [`strongroom_api::LogParams`], with `tail` as text so that
/// [`integer_param::parse`] reports a bad one with its name and range.
#[derive(Debug, Deserialize)]
pub struct LogReadQuery {
    instance: Option<String>,
    since: Option<String>,
    tail: Option<String>,
    after: Option<String>,
}

/// `GET .../logs?instance=&since=&tail=&after=`.
pub async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((tenant, name)): Path<(String, String)>,
    QueryParams(params): QueryParams<LogReadQuery>,
) -> Result<Json<ApiLogBatch>, ApiError> {
    let query = log_query(params)?;
    let batch = state.control().logs(&who, &tenant, &name, &query).await?;
    Ok(Json(to_wire(batch)))
}

fn log_query(params: LogReadQuery) -> Result<LogQuery, ApiError> {
    if let Some(since) = &params.since
        && OffsetDateTime::parse(since, &Rfc3339).is_err()
    {
        return Err(ApiError::bad_request(format!(
            "invalid time {since:?} in query parameter since: expected RFC 3339, \
             for example 2026-01-31T09:30:00Z"
        )));
    }
    let tail = integer_param::parse("tail", params.tail.as_deref(), 0, u32::MAX)?;

    Ok(LogQuery {
        instance: params.instance.filter(|i| !i.is_empty()),
        since: params.since,
        tail: tail.map(|lines| lines as usize),
        after: params.after.filter(|a| !a.is_empty()),
    })
}

fn to_wire(batch: LogBatch) -> ApiLogBatch {
    let lines = batch
        .lines
        .into_iter()
        .map(|line| ApiLogLine {
            instance: line.instance,
            time: line.time,
            stream: line.stream,
            text: line.text,
        })
        .collect();
    ApiLogBatch {
        lines,
        cursor: batch.cursor,
    }
}
