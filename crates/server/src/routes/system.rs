//! Health, version and the JSON Schema of the model.

use axum::Json;
use strongroom_api::{Health, VersionInfo};

use crate::auth::Caller;
use crate::error::ApiError;

/// `GET /api/v1/healthz` needs no token, so that probes and `strongroom up` can call it.
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// `GET /api/v1/version`.
pub async fn version(_caller: Caller) -> Json<VersionInfo> {
    Json(VersionInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: strongroom_model::API_VERSION.to_owned(),
    })
}

/// `GET /api/v1/schema`: the JSON Schema of manifests, for editors and CI.
pub async fn schema(_caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    let schema = serde_json::to_value(strongroom_model::json_schema()).map_err(|e| {
        ApiError::Service(strongroom_control::ServiceError::Unavailable {
            message: format!("serializing the JSON Schema failed: {e}"),
        })
    })?;
    Ok(Json(schema))
}
