//! Fields that the server sets on the objects it returns.
//!
//! A manifest may carry them, so that an object read back from the API
//! (`strongroom get ... -o yaml`) can be edited and applied again, as
//! `kubectl apply` allows. They never reach the desired state: only
//! `metadata.resourceVersion` is returned to the caller, who may send it as
//! the version the write must match.

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::document::Finding;
use super::tree::{Locations, describe};
use crate::FieldPath;

/// Top-level key of the observed state.
pub(crate) const STATUS: &str = "status";

/// Keys of `metadata` that the server sets.
pub(crate) const SERVER_SET_METADATA: [&str; 5] = [
    "uid",
    RESOURCE_VERSION,
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
];

const RESOURCE_VERSION: &str = "resourceVersion";

/// Checks the server-set fields of a document and returns its non-empty
/// `metadata.resourceVersion`, with an integer as its decimal text.
///
/// `resourceVersion` must be a string or an integer, the other metadata
/// fields any scalar, and `status` a mapping or null. Nothing inside `status`
/// is read.
pub(crate) fn read_server_set(
    tree: &MarkedYaml<'_>,
    locations: &Locations,
) -> (Option<String>, Vec<Finding>) {
    let mut findings = Vec::new();
    if let Some(status) = tree.data.as_mapping_get(STATUS) {
        findings.extend(check_status(status, locations));
    }

    let Some(metadata) = tree.data.as_mapping_get("metadata") else {
        return (None, findings);
    };
    let path = FieldPath::root().key("metadata");
    let mut resource_version = None;
    for key in SERVER_SET_METADATA {
        let Some(node) = metadata.data.as_mapping_get(key) else {
            continue;
        };
        let checked = if key == RESOURCE_VERSION {
            read_resource_version(node)
        } else {
            check_scalar(node).map(|()| None)
        };
        match checked {
            Ok(Some(version)) => resource_version = Some(version),
            Ok(None) => {}
            Err(message) => findings.push(finding(path.key(key), locations, message)),
        }
    }
    (resource_version, findings)
}

fn check_status(node: &MarkedYaml<'_>, locations: &Locations) -> Option<Finding> {
    if matches!(
        node.data,
        YamlData::Mapping(_) | YamlData::Value(Scalar::Null)
    ) {
        return None;
    }
    let message = format!(
        "expected a mapping, found {}; the server writes status and apply ignores it, so remove it",
        describe(node)
    );
    Some(finding(FieldPath::root().key(STATUS), locations, message))
}

/// Returns the version as text, `None` for an empty string, which sets no expectation.
fn read_resource_version(node: &MarkedYaml<'_>) -> Result<Option<String>, String> {
    match &node.data {
        YamlData::Value(Scalar::String(text)) if text.is_empty() => Ok(None),
        YamlData::Value(Scalar::String(text)) => Ok(Some(text.to_string())),
        YamlData::Value(Scalar::Integer(number)) => Ok(Some(number.to_string())),
        _ => Err(format!(
            "expected a string or an integer, found {}; copy the resourceVersion the API returned, or remove it",
            describe(node)
        )),
    }
}

fn check_scalar(node: &MarkedYaml<'_>) -> Result<(), String> {
    match node.data {
        YamlData::Value(_) => Ok(()),
        _ => Err(format!(
            "expected a single value, found {}; the server sets this field and apply ignores it, so remove it",
            describe(node)
        )),
    }
}

/// Places a problem where [`Locations::find`] does: at the value, or at the
/// key of a mapping or sequence, whose first item may sit on a later line.
fn finding(path: FieldPath, locations: &Locations, message: String) -> Finding {
    Finding {
        marker: locations.find(&path),
        path,
        message,
    }
}
