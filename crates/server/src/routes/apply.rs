//! `POST /api/v1/apply`: validate every file, then apply every object in one
//! transaction, or with `dryRun` run every check of that apply and store nothing.

use axum::Json;
use axum::extract::State;
use strongroom_api::{ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult};
use strongroom_control::{ApplyAction, ApplyItem, Identity, ServiceError};
use strongroom_model::Kind;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::manifest::{ParsedObject, object_reference, parse_files};
use crate::state::AppState;

/// `POST /api/v1/apply` with `{"files": [{"name", "content"}], "dryRun": false}`.
///
/// With `dryRun` the control plane runs every check and computes every action
/// of the apply, then stores nothing.
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

    let read_versions: Vec<ReadVersion> = objects.iter().filter_map(ReadVersion::of).collect();
    let items = objects
        .into_iter()
        .map(|parsed| ApplyItem {
            object: parsed.object,
            expected_resource_version: parsed.resource_version,
        })
        .collect();
    // A dry run goes through the control plane's own apply, which stores
    // nothing, so its result and errors are those of a real apply now.
    let applied = match request.dry_run {
        true => {
            check_not_stale(&state, &who, &read_versions).await?;
            state.control().apply_dry_run(&who, items).await
        }
        false => state.control().apply(&who, items).await,
    };
    let results = match applied {
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
        dry_run: request.dry_run,
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
    let stale = stale_versions(state, who, read_versions).await;
    if stale.is_empty() {
        return ServiceError::Conflict { message }.into();
    }
    let message = format!("{message}; {}", stale.join("; "));
    ServiceError::Conflict { message }.into()
}

/// Describes each object of the request whose stored version is no longer
/// the one its manifest was read at.
async fn stale_versions(
    state: &AppState,
    who: &Identity,
    read_versions: &[ReadVersion],
) -> Vec<String> {
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
                    "reading the stored version to compare it with the manifest failed"
                );
                continue;
            }
        };
        stale.extend(read.stale(current.as_deref()));
    }
    stale
}

/// Rejects a dry run with 409 Conflict when a manifest's
/// `metadata.resourceVersion` is stale, naming every stale object and how to
/// apply it again. The control plane checks the versions again in its
/// transaction.
async fn check_not_stale(
    state: &AppState,
    who: &Identity,
    read_versions: &[ReadVersion],
) -> Result<(), ApiError> {
    let stale = stale_versions(state, who, read_versions).await;
    if stale.is_empty() {
        return Ok(());
    }
    let message = format!("nothing would be applied: {}", stale.join("; "));
    Err(ServiceError::Conflict { message }.into())
}

fn outcome(action: ApplyAction) -> ApplyOutcome {
    match action {
        ApplyAction::Created => ApplyOutcome::Created,
        ApplyAction::Configured => ApplyOutcome::Configured,
        ApplyAction::Unchanged => ApplyOutcome::Unchanged,
    }
}
