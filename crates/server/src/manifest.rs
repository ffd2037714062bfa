//! Manifests in requests: parsing and validation with the model crate, with
//! every problem reported as `FILE:LINE:COLUMN: PATH: MESSAGE`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use strongroom_api::ApplyFile;
use strongroom_model::{Kind, Object};

use crate::error::ApiError;

/// Name given to the body of a PUT request in validation messages.
const REQUEST_BODY_SOURCE: &str = "request body";

/// Metadata fields the server sets; a manifest read back from the API carries them.
const SERVER_SET_METADATA: [&str; 5] = [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
];

/// One object parsed from a file, with the file it came from.
#[derive(Debug, Clone)]
pub struct ParsedObject {
    /// The validated object.
    pub object: Object,
    /// Name of the file that defines it.
    pub file: String,
}

/// Target of a PUT request: the kind, tenant and name in its path.
#[derive(Debug, Clone)]
pub struct Target {
    /// Kind named by the path.
    pub kind: Kind,
    /// Tenant named by the path, for tenant-scoped kinds.
    pub tenant: Option<String>,
    /// Object name named by the path.
    pub name: String,
}

/// The object of a PUT request and the resource version it was read at.
#[derive(Debug, Clone)]
pub struct PutManifest {
    /// The validated object.
    pub object: Object,
    /// `metadata.resourceVersion` of the body, when present.
    pub resource_version: Option<String>,
}

/// Parses and validates every file, and returns every object or every problem.
///
/// All files are read before anything is returned, so one response lists the
/// problems of all files.
pub fn parse_files(files: &[ApplyFile]) -> Result<Vec<ParsedObject>, ApiError> {
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "apply request has no files; send at least one manifest",
        ));
    }

    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match strongroom_model::parse_manifests(&file.name, &file.content) {
            Ok(parsed) => objects.extend(parsed.into_iter().map(|object| ParsedObject {
                object,
                file: file.name.clone(),
            })),
            Err(error) => problems.extend(problem_lines(&error)),
        }
    }
    problems.extend(duplicate_problems(&objects));

    if !problems.is_empty() {
        return Err(invalid_manifests(problems));
    }
    if objects.is_empty() {
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        return Err(ApiError::bad_request(format!(
            "the files {} contain no objects; each YAML document must be one object",
            names.join(", ")
        )));
    }
    Ok(objects)
}

/// Parses the body of a PUT request and checks it against the path.
///
/// The body may be an object read back from the API: the server-set metadata
/// and the status are dropped, and `metadata.resourceVersion` is kept as the
/// version the write must match. A tenant-scoped object may leave out
/// `metadata.tenant`, which the path gives.
pub fn parse_put_body(target: &Target, body: &str) -> Result<PutManifest, ApiError> {
    let prepared = prepare_put_body(target, body);
    let text = prepared.text.as_deref().unwrap_or(body);

    let mut objects = strongroom_model::parse_manifests(REQUEST_BODY_SOURCE, text)
        .map_err(|error| invalid_manifests(problem_lines(&error)))?;
    if objects.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "request body must contain exactly one object, found {}",
            objects.len()
        )));
    }
    let object = objects.remove(0);
    check_target(target, &object)?;
    Ok(PutManifest {
        object,
        resource_version: prepared.resource_version,
    })
}

/// A PUT body with the server-set fields removed.
struct PreparedBody {
    /// The rewritten text, when anything had to be removed or added.
    text: Option<String>,
    resource_version: Option<String>,
}

fn prepare_put_body(target: &Target, body: &str) -> PreparedBody {
    // A body that does not read as one YAML mapping goes to the model's
    // parser unchanged, so that its errors point into the text as sent.
    let Ok(Value::Object(mut document)) = serde_saphyr::from_str::<Value>(body) else {
        return PreparedBody {
            text: None,
            resource_version: None,
        };
    };
    let mut changed = document.remove("status").is_some();
    let mut resource_version = None;

    if let Some(Value::Object(metadata)) = document.get_mut("metadata") {
        resource_version = metadata.get("resourceVersion").and_then(version_text);
        changed |= remove_server_set(metadata);
        if let (true, Some(tenant), None) = (
            target.kind.is_tenant_scoped(),
            &target.tenant,
            metadata.get("tenant"),
        ) {
            metadata.insert("tenant".to_owned(), Value::String(tenant.clone()));
            changed = true;
        }
    }

    // NOTE: a rewritten body is validated as JSON text, so line and column
    // numbers of its problems refer to that text, not to the body as sent.
    let text = changed.then(|| serde_json::to_string_pretty(&document).unwrap_or_default());
    PreparedBody {
        text,
        resource_version,
    }
}

fn remove_server_set(metadata: &mut Map<String, Value>) -> bool {
    let mut removed = false;
    for field in SERVER_SET_METADATA {
        removed |= metadata.remove(field).is_some();
    }
    removed
}

fn version_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn check_target(target: &Target, object: &Object) -> Result<(), ApiError> {
    let metadata = object.metadata();
    if object.kind() != target.kind {
        return Err(ApiError::bad_request(format!(
            "request body is a {}, but the path names a {}",
            object.kind(),
            target.kind
        )));
    }
    if metadata.name != target.name {
        return Err(ApiError::bad_request(format!(
            "metadata.name is {:?}, but the path names {:?}; they must be equal",
            metadata.name, target.name
        )));
    }
    if target.kind.is_tenant_scoped() && metadata.tenant != target.tenant {
        return Err(ApiError::bad_request(format!(
            "metadata.tenant is {:?}, but the path names tenant {:?}; they must be equal",
            metadata.tenant.as_deref().unwrap_or_default(),
            target.tenant.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

/// Finds objects defined twice across the files of one request.
fn duplicate_problems(objects: &[ParsedObject]) -> Vec<String> {
    let mut first_file = BTreeMap::new();
    let mut problems = Vec::new();
    for parsed in objects {
        let metadata = parsed.object.metadata();
        let key = (
            parsed.object.kind(),
            metadata.tenant.clone(),
            metadata.name.clone(),
        );
        match first_file.get(&key) {
            None => {
                first_file.insert(key, parsed.file.clone());
            }
            Some(first) => problems.push(format!(
                "{}: {} is also defined in {first}; keep one definition",
                parsed.file,
                object_reference(&parsed.object)
            )),
        }
    }
    problems
}

/// Returns `tenant/NAME` or `application/TENANT/NAME`, as the CLI prints objects.
pub fn object_reference(object: &Object) -> String {
    let metadata = object.metadata();
    let kind = object.kind().as_str().to_ascii_lowercase();
    match &metadata.tenant {
        Some(tenant) if object.kind().is_tenant_scoped() => {
            format!("{kind}/{tenant}/{}", metadata.name)
        }
        _ => format!("{kind}/{}", metadata.name),
    }
}

fn invalid_manifests(problems: Vec<String>) -> ApiError {
    let message = match problems.len() {
        1 => "1 problem in the manifests; nothing was applied".to_owned(),
        n => format!("{n} problems in the manifests; nothing was applied"),
    };
    ApiError::BadRequest {
        message,
        details: problems,
    }
}

/// Formats one line per problem, `FILE:LINE:COLUMN: PATH: MESSAGE`.
fn problem_lines(error: &strongroom_model::ManifestError) -> Vec<String> {
    error.problems.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests;
