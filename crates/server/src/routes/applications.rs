//! `/api/v1/applications` and `/api/v1/tenants/{tenant}/applications[/{name}]`.

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

/// `GET /api/v1/applications`: applications of every tenant.
pub async fn list_all(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<ApiList<ApiObject>>, ApiError> {
    let items = state.control().list(&who, Kind::Application, None).await?;
    Ok(Json(ApiList { items }))
}

/// `GET /api/v1/tenants/{tenant}/applications`.
pub async fn list_in_tenant(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<ApiList<ApiObject>>, ApiError> {
    let items = state
        .control()
        .list(&who, Kind::Application, Some(&tenant))
        .await?;
    Ok(Json(ApiList { items }))
}

/// `GET /api/v1/tenants/{tenant}/applications/{name}`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Json<ApiObject>, ApiError> {
    Ok(Json(
        state
            .control()
            .get(&who, Kind::Application, Some(&tenant), &name)
            .await?,
    ))
}

/// `PUT /api/v1/tenants/{tenant}/applications/{name}`: creates or replaces the application.
pub async fn put(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((tenant, name)): Path<(String, String)>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<ApiObject>), ApiError> {
    let target = Target {
        kind: Kind::Application,
        tenant: Some(tenant),
        name,
    };
    put_object(&state, &who, target, &body).await
}

/// `DELETE /api/v1/tenants/{tenant}/applications/{name}`.
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Json<ApiObject>, ApiError> {
    Ok(Json(
        state
            .control()
            .delete(&who, Kind::Application, Some(&tenant), &name)
            .await?,
    ))
}
