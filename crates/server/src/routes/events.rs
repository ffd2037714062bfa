//! `GET /api/v1/events`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use strongroom_api::{ApiEvent, ApiList};
use strongroom_control::EventFilter;
use strongroom_model::Kind;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::routes::integer_param;
use crate::state::AppState;

/// The query of [`strongroom_api::EventParams`], with the integers as text so
/// that [`integer_param::parse`] reports a bad one with its name and range.
#[derive(Debug, Deserialize)]
pub struct EventQuery {
    kind: Option<String>,
    tenant: Option<String>,
    name: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

/// `GET /api/v1/events?kind=&tenant=&name=&after=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryParams(params): QueryParams<EventQuery>,
) -> Result<Json<ApiList<ApiEvent>>, ApiError> {
    let filter = event_filter(params)?;
    let items = state.control().events(&who, &filter).await?;
    Ok(Json(ApiList { items }))
}

fn event_filter(params: EventQuery) -> Result<EventFilter, ApiError> {
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(word) => Some(Kind::from_cli(word).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid kind {word:?} in query parameter kind: expected tenant or application"
            ))
        })?),
    };
    let after_id = integer_param::parse("after", params.after.as_deref(), 0, i64::MAX)?;
    let limit = integer_param::parse("limit", params.limit.as_deref(), 1, EventFilter::MAX_LIMIT)?;
    Ok(EventFilter {
        kind,
        tenant: params.tenant.filter(|t| !t.is_empty()),
        name: params.name.filter(|n| !n.is_empty()),
        after_id,
        limit,
    })
}
