//! Writing one object with PUT, shared by tenants and applications.

use axum::Json;
use axum::http::StatusCode;
use strongroom_api::ApiObject;
use strongroom_control::{ApplyAction, ApplyItem, Identity, ServiceError};

use crate::error::ApiError;
pub use crate::manifest::Target;
use crate::manifest::parse_put_body;
use crate::state::AppState;

/// Validates `body` against `target` and stores it; 201 when created, 200 otherwise.
///
/// The body may be an object read back from the API. Its
/// `metadata.resourceVersion`, when present, must still be the stored one,
/// or the write fails with 409 Conflict. Problems carry the body's own line
/// and column numbers.
pub async fn put_object(
    state: &AppState,
    who: &Identity,
    target: Target,
    body: &str,
) -> Result<(StatusCode, Json<ApiObject>), ApiError> {
    let manifest = parse_put_body(&target, body)?;
    let item = ApplyItem {
        object: manifest.object,
        expected_resource_version: manifest.resource_version,
    };

    let mut results = state.control().apply(who, vec![item]).await?;
    let Some((action, object)) = results.pop() else {
        return Err(ApiError::Service(ServiceError::Unavailable {
            message: format!("the control plane returned no result for {}", target.name),
        }));
    };
    let status = match action {
        ApplyAction::Created => StatusCode::CREATED,
        ApplyAction::Configured | ApplyAction::Unchanged => StatusCode::OK,
    };
    Ok((status, Json(object)))
}
