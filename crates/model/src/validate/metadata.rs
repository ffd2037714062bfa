//! Rules for `metadata`: names, tenant, labels and annotations.

use std::collections::BTreeMap;

use super::Violations;
use super::names::{check_label_value, check_name, check_qualified_key};
use crate::{FieldPath, Kind, ObjectMeta};

/// Checks the metadata of an object of `kind`.
pub(super) fn check_metadata(kind: Kind, metadata: &ObjectMeta, violations: &mut Violations) {
    let path = FieldPath::root().key("metadata");
    let name_description = format!("{} name", kind.as_str().to_ascii_lowercase());
    violations.check(
        path.key("name"),
        check_name(&name_description, &metadata.name),
    );

    check_tenant_field(kind, metadata, &path, violations);
    check_labels(&metadata.labels, &path.key("labels"), violations);
    check_annotations(&metadata.annotations, &path.key("annotations"), violations);
}

fn check_tenant_field(
    kind: Kind,
    metadata: &ObjectMeta,
    path: &FieldPath,
    violations: &mut Violations,
) {
    let tenant_path = path.key("tenant");
    match (&metadata.tenant, kind.is_tenant_scoped()) {
        (Some(tenant), true) => violations.check(tenant_path, check_name("tenant name", tenant)),
        (None, true) => violations.add(
            tenant_path,
            format!("missing tenant: every {kind} belongs to a tenant, so name it here"),
        ),
        (Some(_), false) => violations.add(
            tenant_path,
            format!("a {kind} belongs to no tenant: remove metadata.tenant"),
        ),
        (None, false) => {}
    }
}

fn check_labels(labels: &BTreeMap<String, String>, path: &FieldPath, violations: &mut Violations) {
    for (key, value) in labels {
        let key_result = check_qualified_key("label", key);
        let key_valid = key_result.is_ok();
        violations.check(path.key(key), key_result);
        if key_valid {
            violations.check(path.key(key), check_label_value(value));
        }
    }
}

fn check_annotations(
    annotations: &BTreeMap<String, String>,
    path: &FieldPath,
    violations: &mut Violations,
) {
    for key in annotations.keys() {
        violations.check(path.key(key), check_qualified_key("annotation", key));
    }
}
