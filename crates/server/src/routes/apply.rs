//! `POST /api/v1/apply`: validate every file, then apply every object in one transaction.

use axum::Json;
use axum::extract::State;
use strongroom_api::{
    ApiMetadata, ApiObject, ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult,
};
use strongroom_control::{ApplyAction, ApplyItem, Identity, ServiceError};
use strongroom_model::Object;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::manifest::{ParsedObject, parse_files};
use crate::state::AppState;

/// `POST /api/v1/apply` with `{"files": [{"name", "content"}], "dryRun": false}`.
pub async fn apply(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(request): JsonBody<ApplyRequest>,
) -> Result<Json<ApplyResponse>, ApiError> {
    let objects = parse_files(&request.files)?;
    let file_names: Vec<&str> = request.files.iter().map(|f| f.name.as_str()).collect();
    tracing::info!(
        user = who.user,
        files = ?file_names,
        objects = objects.len(),
        dry_run = request.dry_run,
        "applying manifests"
    );

    if request.dry_run {
        let results = dry_run(&state, &who, objects).await?;
        return Ok(Json(ApplyResponse {
            dry_run: true,
            results,
        }));
    }

    let items = objects
        .into_iter()
        .map(|parsed| ApplyItem {
            object: parsed.object,
            expected_resource_version: None,
        })
        .collect();
    let results = state.control().apply(&who, items).await?;
    let results = results
        .into_iter()
        .map(|(action, object)| ApplyResult {
            action: outcome(action),
            object,
        })
        .collect();
    Ok(Json(ApplyResponse {
        dry_run: false,
        results,
    }))
}

/// Reports what applying would do by comparing each object with the stored one.
///
/// NOTE: a dry run checks only what the model validates and what is stored
/// now. The checks the control plane makes inside its transaction (a missing
/// tenant, a subnet overlap) run only when applying for real.
async fn dry_run(
    state: &AppState,
    who: &Identity,
    objects: Vec<ParsedObject>,
) -> Result<Vec<ApplyResult>, ApiError> {
    let mut results = Vec::with_capacity(objects.len());
    for parsed in objects {
        let object = &parsed.object;
        let metadata = object.metadata();
        let stored = state
            .control()
            .get(
                who,
                object.kind(),
                metadata.tenant.as_deref(),
                &metadata.name,
            )
            .await;
        let result = match stored {
            Ok(stored) => compare_with_stored(object, stored),
            Err(ServiceError::NotFound { .. }) => ApplyResult {
                action: ApplyOutcome::Created,
                object: new_api_object(object),
            },
            Err(error) => return Err(error.into()),
        };
        results.push(result);
    }
    Ok(results)
}

fn compare_with_stored(object: &Object, stored: ApiObject) -> ApplyResult {
    let metadata = object.metadata();
    let spec = spec_value(object);
    let unchanged = stored.spec == spec
        && stored.metadata.labels == metadata.labels
        && stored.metadata.annotations == metadata.annotations;
    let action = if unchanged {
        ApplyOutcome::Unchanged
    } else {
        ApplyOutcome::Configured
    };

    let mut would_be = stored;
    would_be.spec = spec;
    would_be.metadata.labels = metadata.labels.clone();
    would_be.metadata.annotations = metadata.annotations.clone();
    ApplyResult {
        action,
        object: would_be,
    }
}

/// Builds the object as it would be returned once created, with empty server-set fields.
fn new_api_object(object: &Object) -> ApiObject {
    let metadata = object.metadata();
    ApiObject {
        api_version: strongroom_model::API_VERSION.to_owned(),
        kind: object.kind().as_str().to_owned(),
        metadata: ApiMetadata {
            name: metadata.name.clone(),
            tenant: metadata.tenant.clone(),
            uid: String::new(),
            resource_version: String::new(),
            generation: 0,
            creation_timestamp: String::new(),
            deletion_timestamp: None,
            labels: metadata.labels.clone(),
            annotations: metadata.annotations.clone(),
        },
        spec: spec_value(object),
        status: serde_json::Value::Null,
    }
}

fn spec_value(object: &Object) -> serde_json::Value {
    let spec = match object {
        Object::Tenant(tenant) => serde_json::to_value(&tenant.spec),
        Object::Application(application) => serde_json::to_value(&application.spec),
    };
    spec.unwrap_or(serde_json::Value::Null)
}

fn outcome(action: ApplyAction) -> ApplyOutcome {
    match action {
        ApplyAction::Created => ApplyOutcome::Created,
        ApplyAction::Configured => ApplyOutcome::Configured,
        ApplyAction::Unchanged => ApplyOutcome::Unchanged,
    }
}
