//! One document: header, types, then semantic rules.

use saphyr::{MarkedYaml, Marker, Scalar, YamlData};
use serde::de::DeserializeOwned;

use super::de::{IgnoredKeys, TypeError, from_document};
use super::server_set::{SERVER_SET_METADATA, STATUS, read_server_set};
use super::tree::{Locations, describe};
use crate::validate::validate;
use crate::{API_VERSION, Application, FieldPath, Kind, Object, Tenant};

/// A problem in one document, before it is tied to a file.
pub(crate) struct Finding {
    pub(crate) path: FieldPath,
    pub(crate) marker: Marker,
    pub(crate) message: String,
}

/// Keys that the types do not declare: `kind` selects the type before the
/// typed pass, and the server-set fields are checked by [`read_server_set`].
const IGNORED_KEYS: IgnoredKeys =
    IgnoredKeys(&[("", &["kind", STATUS]), ("metadata", &SERVER_SET_METADATA)]);

/// One document read into an object that passes every rule.
pub(crate) struct ReadDocument {
    pub(crate) object: Object,
    /// Place of the object's `metadata.name`.
    pub(crate) name_marker: Marker,
    /// `metadata.resourceVersion` as text, when given and not empty.
    pub(crate) resource_version: Option<String>,
}

/// Reads one non-empty document into an object that passes every rule.
///
/// A tenant-scoped object without `metadata.tenant` gets `default_tenant`,
/// when given, before the rules run. A document whose header or types are
/// wrong yields its first problem only, because later fields cannot be read
/// reliably, plus any problem of the server-set fields. A well-typed document
/// yields every problem.
pub(crate) fn read_document(
    tree: &MarkedYaml<'_>,
    default_tenant: Option<&str>,
) -> Result<ReadDocument, Vec<Finding>> {
    let locations = Locations::of_document(tree);
    let kind = check_header(tree, &locations)?;
    let (resource_version, mut findings) = read_server_set(tree, &locations);

    let typed = match kind {
        Kind::Tenant => read_typed::<Tenant>(tree).map(Object::Tenant),
        Kind::Application => read_typed::<Application>(tree).map(Object::Application),
    };
    let mut object = match typed {
        Ok(object) => object,
        Err(error) => {
            findings.push(type_finding(error, &locations));
            return Err(findings);
        }
    };
    if let Some(tenant) = default_tenant {
        fill_tenant(&mut object, tenant);
    }

    findings.extend(validate(&object).into_iter().map(|violation| Finding {
        marker: locations.find(&violation.path),
        path: violation.path,
        message: violation.message,
    }));
    if !findings.is_empty() {
        return Err(findings);
    }
    Ok(ReadDocument {
        object,
        name_marker: locations.find(&FieldPath::root().key("metadata").key("name")),
        resource_version,
    })
}

fn fill_tenant(object: &mut Object, tenant: &str) {
    let scoped = object.kind().is_tenant_scoped();
    let metadata = object.metadata_mut();
    if scoped && metadata.tenant.is_none() {
        metadata.tenant = Some(tenant.to_owned());
    }
}

fn read_typed<T: DeserializeOwned>(tree: &MarkedYaml<'_>) -> Result<T, TypeError> {
    from_document(tree, IGNORED_KEYS)
}

fn type_finding(error: TypeError, locations: &Locations) -> Finding {
    let path = error.path.unwrap_or_default();
    let marker = error.marker.unwrap_or_else(|| locations.find(&path));
    Finding {
        path,
        marker,
        message: error.message,
    }
}

/// Checks that the document is a mapping with `apiVersion: strongroom/v1` and a
/// known `kind`, and returns the kind.
fn check_header(tree: &MarkedYaml<'_>, locations: &Locations) -> Result<Kind, Vec<Finding>> {
    let root = FieldPath::root();
    if !matches!(tree.data, YamlData::Mapping(_)) {
        let message = format!(
            "expected a mapping with apiVersion, kind, metadata and spec, found {}",
            describe(tree)
        );
        return Err(vec![Finding {
            path: root,
            marker: tree.span.start,
            message,
        }]);
    }

    let mut findings = Vec::new();
    let api_version_path = root.key("apiVersion");
    match tree.data.as_mapping_get("apiVersion") {
        Some(node) if string_value(node) == Some(API_VERSION) => {}
        Some(node) => findings.push(Finding {
            path: api_version_path,
            marker: node.span.start,
            message: format!(
                "unsupported apiVersion {}: expected {API_VERSION}",
                quote(node)
            ),
        }),
        None => findings.push(Finding {
            marker: locations.find(&api_version_path),
            path: api_version_path,
            message: format!("missing required field `apiVersion`: set it to {API_VERSION}"),
        }),
    }

    let kind = read_kind(tree, locations)
        .map_err(|finding| findings.push(finding))
        .ok();
    match kind {
        Some(kind) if findings.is_empty() => Ok(kind),
        _ => Err(findings),
    }
}

fn read_kind(tree: &MarkedYaml<'_>, locations: &Locations) -> Result<Kind, Finding> {
    let path = FieldPath::root().key("kind");
    let known = Kind::ALL.map(Kind::as_str).join(", ");
    let Some(node) = tree.data.as_mapping_get("kind") else {
        return Err(Finding {
            marker: locations.find(&path),
            path,
            message: format!("missing required field `kind`: expected one of {known}"),
        });
    };
    let found = string_value(node)
        .and_then(|name| Kind::ALL.into_iter().find(|kind| kind.as_str() == name));
    found.ok_or_else(|| Finding {
        path,
        marker: node.span.start,
        message: format!("unknown kind {}: expected one of {known}", quote(node)),
    })
}

/// Quotes a string node's text, and describes any other node by its type.
fn quote(node: &MarkedYaml<'_>) -> String {
    match string_value(node) {
        Some(text) => format!("{text:?}"),
        None => describe(node),
    }
}

fn string_value<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(text)) => Some(text),
        _ => None,
    }
}
