//! `POST /api/v1/apply`: validate every file, then apply every object in one transaction.

use axum::Json;
use axum::extract::State;
use strongroom_api::{
    ApiMetadata, ApiObject, ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult,
};
use strongroom_control::{ApplyAction, ApplyItem, Identity, ServiceError};
use strongroom_model::{Kind, Object};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::manifest::{ParsedObject, object_reference, parse_files};
use crate::state::AppState;

/// `POST /api/v1/apply` with `{"files": [{"name", "content"}], "dryRun": false}`.
///
/// An object whose manifest carries `metadata.resourceVersion` (one read back
/// from the API) is written only if the stored object still has that version,
/// and the request fails with 409 Conflict otherwise.
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

    let read_versions: Vec<ReadVersion> = objects.iter().filter_map(ReadVersion::of).collect();
    let items = objects
        .into_iter()
        .map(|parsed| ApplyItem {
            object: parsed.object,
            expected_resource_version: parsed.resource_version,
        })
        .collect();
    let results = match state.control().apply(&who, items).await {
        Ok(results) => results,
        Err(error) => return Err(explain_conflict(&state, &who, &read_versions, error).await),
    };
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

/// An object of the request with the resource version its manifest was read at.
struct ReadVersion {
    kind: Kind,
    tenant: Option<String>,
    name: String,
    /// `application/TENANT/NAME` or `tenant/NAME`.
    reference: String,
    file: String,
    resource_version: String,
}

impl ReadVersion {
    fn of(parsed: &ParsedObject) -> Option<ReadVersion> {
        let metadata = parsed.object.metadata();
        Some(ReadVersion {
            kind: parsed.object.kind(),
            tenant: metadata.tenant.clone(),
            name: metadata.name.clone(),
            reference: object_reference(&parsed.object),
            file: parsed.file.clone(),
            resource_version: parsed.resource_version.clone()?,
        })
    }

    /// Describes how the object changed since it was read and what to do, or
    /// returns `None` when `current` (`None`: deleted) is the version read.
    fn stale(&self, current: Option<&str>) -> Option<String> {
        let read = format!(
            "{} has {} at resource version {}",
            self.file, self.reference, self.resource_version
        );
        match current {
            Some(current) if current == self.resource_version => None,
            Some(current) => Some(format!(
                "{read}, but it is now at {current}: get it again with `{}`, make the edit \
                 in that copy and apply it, or remove metadata.resourceVersion to overwrite \
                 the newer version",
                self.get_command()
            )),
            None => Some(format!(
                "{read}, but it no longer exists: remove metadata.resourceVersion to create it again"
            )),
        }
    }

    fn get_command(&self) -> String {
        let kind = self.kind.as_str().to_ascii_lowercase();
        match &self.tenant {
            Some(tenant) if self.kind.is_tenant_scoped() => {
                format!(
                    "strongroom get {kind} {} --tenant {tenant} -o yaml",
                    self.name
                )
            }
            _ => format!("strongroom get {kind} {} -o yaml", self.name),
        }
    }
}

/// Adds to a conflict which objects of the request were read at an older
/// version, and how to apply them again. Other errors pass unchanged.
///
/// The control plane reports conflicts for other reasons too, so the stored
/// versions are read again to tell which objects changed.
async fn explain_conflict(
    state: &AppState,
    who: &Identity,
    read_versions: &[ReadVersion],
    error: ServiceError,
) -> ApiError {
    let ServiceError::Conflict { message } = error else {
        return error.into();
    };
    let mut stale = Vec::new();
    for read in read_versions {
        let stored = state
            .control()
            .get(who, read.kind, read.tenant.as_deref(), &read.name)
            .await;
        let current = match stored {
            Ok(stored) => Some(stored.metadata.resource_version),
            Err(ServiceError::NotFound { .. }) => None,
            Err(lookup) => {
                tracing::warn!(
                    object = read.reference,
                    error = %lookup,
                    "reading the stored version to explain a conflict failed"
                );
                continue;
            }
        };
        stale.extend(read.stale(current.as_deref()));
    }

    if stale.is_empty() {
        return ServiceError::Conflict { message }.into();
    }
    let message = format!("{message}; {}", stale.join("; "));
    ServiceError::Conflict { message }.into()
}

/// Reports what applying would do by comparing each object with the stored one.
///
/// A manifest's `metadata.resourceVersion` is compared with the stored
/// version, as the real apply does.
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
    let mut stale = Vec::new();
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
        let stored = match stored {
            Ok(stored) => Some(stored),
            Err(ServiceError::NotFound { .. }) => None,
            Err(error) => return Err(error.into()),
        };

        // The real apply rejects the whole request when one object is stale.
        if let Some(read) = ReadVersion::of(&parsed) {
            let current = stored
                .as_ref()
                .map(|stored| stored.metadata.resource_version.as_str());
            stale.extend(read.stale(current));
        }
        let result = match stored {
            Some(stored) => compare_with_stored(object, stored),
            None => ApplyResult {
                action: ApplyOutcome::Created,
                object: new_api_object(object),
            },
        };
        results.push(result);
    }

    if !stale.is_empty() {
        let message = format!("nothing would be applied: {}", stale.join("; "));
        return Err(ServiceError::Conflict { message }.into());
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
