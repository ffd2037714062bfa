//! `/api/v1/tenants` and `/api/v1/tenants/{name}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use strongroom_api::{ApiList, ApiObject};
use strongroom_model::Kind;

use super::object::{Target, put_object};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::TextBody;
use crate::state::AppState;

/// `GET /api/v1/tenants`.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<ApiList<ApiObject>>, ApiError> {
    let items = state.control().list(&who, Kind::Tenant, None).await?;
    Ok(Json(ApiList { items }))
}

/// `GET /api/v1/tenants/{name}`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(name): Path<String>,
) -> Result<Json<ApiObject>, ApiError> {
    Ok(Json(
        state.control().get(&who, Kind::Tenant, None, &name).await?,
    ))
}

/// `PUT /api/v1/tenants/{name}`: creates or replaces the tenant.
pub async fn put(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(name): Path<String>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<ApiObject>), ApiError> {
    let target = Target {
        kind: Kind::Tenant,
        tenant: None,
        name,
    };
    put_object(&state, &who, target, &body).await
}

/// `DELETE /api/v1/tenants/{name}`.
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(name): Path<String>,
) -> Result<Json<ApiObject>, ApiError> {
    Ok(Json(
        state
            .control()
            .delete(&who, Kind::Tenant, None, &name)
            .await?,
    ))
}
