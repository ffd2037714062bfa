//! `GET /api/v1/events`.

use axum::Json;
use axum::extract::State;
use strongroom_api::{ApiEvent, ApiList, EventParams};
use strongroom_control::EventFilter;
use strongroom_model::Kind;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;

/// `GET /api/v1/events?kind=&tenant=&name=&after=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    QueryParams(params): QueryParams<EventParams>,
) -> Result<Json<ApiList<ApiEvent>>, ApiError> {
    let filter = event_filter(params)?;
    let items = state.control().events(&who, &filter).await?;
    Ok(Json(ApiList { items }))
}

fn event_filter(params: EventParams) -> Result<EventFilter, ApiError> {
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(word) => Some(Kind::from_cli(word).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid kind {word:?} in query parameter kind: expected tenant or application"
            ))
        })?),
    };
    if let Some(limit) = params.limit
        && limit > EventFilter::MAX_LIMIT
    {
        let max = EventFilter::MAX_LIMIT;
        return Err(ApiError::bad_request(format!(
            "query parameter limit is {limit}, above the maximum {max}; \
             page with the parameter after"
        )));
    }
    Ok(EventFilter {
        kind,
        tenant: params.tenant.filter(|t| !t.is_empty()),
        name: params.name.filter(|n| !n.is_empty()),
        after_id: params.after,
        limit: params.limit,
    })
}
