//! Manifests in requests: parsing and validation with the model crate, with
//! every problem reported as `FILE:LINE:COLUMN: PATH: MESSAGE`.

use std::collections::BTreeMap;

use strongroom_api::ApplyFile;
use strongroom_model::{Kind, Object, ParseOptions};

use crate::error::ApiError;

/// Name given to the body of a PUT request in validation messages.
const REQUEST_BODY_SOURCE: &str = "request body";

/// One object parsed from a file, with the file it came from.
#[derive(Debug, Clone)]
pub struct ParsedObject {
    /// The validated object.
    pub object: Object,
    /// Name of the file that defines it.
    pub file: String,
    /// `metadata.resourceVersion` of the object in the file, when present: the
    /// version it was read at, which the stored object must still have.
    pub resource_version: Option<String>,
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
        match strongroom_model::parse_manifest_documents(&file.name, &file.content) {
            Ok(parsed) => objects.extend(parsed.into_iter().map(|parsed| ParsedObject {
                object: parsed.object,
                file: file.name.clone(),
                resource_version: parsed.resource_version,
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
        let subject = match names.as_slice() {
            [one] => format!("the file {one} contains"),
            _ => format!("the files {} contain", names.join(", ")),
        };
        return Err(ApiError::bad_request(format!(
            "{subject} no objects; each YAML document must be one object"
        )));
    }
    Ok(objects)
}

/// Parses the body of a PUT request and checks it against the path.
///
/// The body may be an object read back from the API: the model's parser
/// leaves out the server-set metadata and the status, and returns
/// `metadata.resourceVersion` as the version the write must match. A
/// tenant-scoped object may leave out `metadata.tenant`, which the path gives.
pub fn parse_put_body(target: &Target, body: &str) -> Result<PutManifest, ApiError> {
    let options = ParseOptions {
        default_tenant: target.tenant.clone(),
    };
    let mut parsed =
        strongroom_model::parse_manifest_documents_with(REQUEST_BODY_SOURCE, body, &options)
            .map_err(|error| invalid_manifests(problem_lines(&error)))?;
    if parsed.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "request body must contain exactly one object, found {}",
            parsed.len()
        )));
    }

    let parsed = parsed.remove(0);
    check_target(target, &parsed.object)?;
    Ok(PutManifest {
        object: parsed.object,
        resource_version: parsed.resource_version,
    })
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
