//! Objects read back from the API apply again: the server-set fields and the
//! status are accepted, checked for their types and left out of the object.

mod common;

use std::path::PathBuf;

use common::{crate_dir, examples_dir, file_name, read, yaml_files};
use serde_json::{Value, json};
use strongroom_model::{
    Object, ParseOptions, ParsedObject, parse_manifest_documents, parse_manifest_documents_with,
    parse_manifests,
};

const TENANT: &str = "apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: retail\n";

const APPLICATION: &str = "apiVersion: strongroom/v1
kind: Application
metadata:
  name: web
spec:
  owner: retail-web-team
  contact: retail-web-oncall@bank.example
  securityLevel: 3
  networkZone: business
  image: 127.0.0.1:5000/samples/httpd:1.0
  instances:
    desired: 1
";

fn parse_ok(name: &str, text: &str) -> Vec<ParsedObject> {
    parse_manifest_documents(name, text).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Returns the tenant document with `lines` added to its metadata.
fn tenant_with_metadata(lines: &str) -> String {
    format!("{TENANT}{lines}")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files = yaml_files(&crate_dir().join("tests/corpus"));
    files.extend(yaml_files(&examples_dir()));
    files
}

/// Returns `object` as the API returns it: with server-set metadata and a status.
fn as_read_back(object: &Object) -> Value {
    let mut value = serde_json::to_value(object).expect("objects serialize to JSON");
    let metadata = value["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    metadata.insert(
        "uid".to_owned(),
        json!("5f3c1a2b-0d4e-4f6a-8b7c-9d0e1f2a3b4c"),
    );
    metadata.insert("resourceVersion".to_owned(), json!("7"));
    metadata.insert("generation".to_owned(), json!(2));
    metadata.insert(
        "creationTimestamp".to_owned(),
        json!("2026-01-31T09:00:00Z"),
    );
    value["status"] = json!({
        "phase": "Running",
        "instances": [{"name": "web-0", "ip": "10.89.4.2", "healthy": true}]
    });
    value
}

#[test]
fn read_back_fixture_parses_as_corpus_file() {
    let read_back_dir = crate_dir().join("tests/read-back");
    for file in yaml_files(&read_back_dir) {
        let name = file_name(&file);
        let original = crate_dir().join("tests/corpus").join(&name);

        let parsed = parse_ok(&name, &read(&file));

        let objects: Vec<Object> = parsed.iter().map(|p| p.object.clone()).collect();
        let expected = parse_manifests(&name, &read(&original)).expect("corpus file parses");
        assert_eq!(objects, expected, "{name}");
    }
}

#[test]
fn read_back_fixture_returns_resource_versions() {
    let file = crate_dir().join("tests/read-back/online-banking-web.yaml");

    let parsed = parse_ok("online-banking-web.yaml", &read(&file));

    let versions: Vec<Option<&str>> = parsed
        .iter()
        .map(|p| p.resource_version.as_deref())
        .collect();
    assert_eq!(versions, [Some("118"), Some("121"), None]);
}

#[test]
fn exported_corpus_objects_parse_unchanged() {
    for file in corpus_files() {
        let name = file_name(&file);
        for object in parse_manifests(&name, &read(&file)).expect("corpus file parses") {
            let exported = as_read_back(&object);
            let json_text = serde_json::to_string_pretty(&exported).unwrap();
            let yaml_text = serde_saphyr::to_string(&exported).unwrap();

            for (format, text) in [("JSON", json_text), ("YAML", yaml_text)] {
                let parsed = parse_ok(&name, &text);
                assert_eq!(parsed.len(), 1, "{name} as {format}");
                assert_eq!(parsed[0].object, object, "{name} as {format}");
                assert_eq!(
                    parsed[0].resource_version.as_deref(),
                    Some("7"),
                    "{name} as {format}"
                );
            }
        }
    }
}

#[test]
fn resource_version_reads_as_text() {
    let cases = [
        ("  resourceVersion: \"12\"\n", Some("12")),
        ("  resourceVersion: 12\n", Some("12")),
        ("  resourceVersion: abc\n", Some("abc")),
        ("  resourceVersion: \"\"\n", None),
        ("", None),
    ];
    for (line, expected) in cases {
        let parsed = parse_ok("tenant.yaml", &tenant_with_metadata(line));

        assert_eq!(parsed[0].resource_version.as_deref(), expected, "{line:?}");
    }
}

#[test]
fn status_content_is_not_read() {
    let text = format!(
        "{TENANT}status:\n  phase: !custom Ready\n  instances:\n    - &first {{name: web-0}}\n    - *first\n  nested: [[1, 2], {{a: null}}]\n"
    );

    let parsed = parse_ok("tenant.yaml", &text);

    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].object.metadata().name, "retail");
}

#[test]
fn server_set_fields_only_in_their_places() {
    let cases = [
        ("top-level uid", format!("{TENANT}uid: abc\n"), "uid"),
        (
            "status under metadata",
            tenant_with_metadata("  status: {}\n"),
            "metadata.status",
        ),
        (
            "resourceVersion under spec",
            format!("{TENANT}spec:\n  resourceVersion: \"3\"\n"),
            "spec.resourceVersion",
        ),
        (
            "misspelt resourceVersion",
            tenant_with_metadata("  resourceversion: \"3\"\n"),
            "metadata.resourceversion",
        ),
    ];
    for (case, text, path) in cases {
        let error = parse_manifest_documents("tenant.yaml", &text).expect_err(case);

        assert_eq!(error.problems.len(), 1, "{case}: {error}");
        assert_eq!(error.problems[0].path, path, "{case}");
        assert!(
            error.problems[0].message.starts_with("unknown field"),
            "{case}: {error}"
        );
    }
}

#[test]
fn location_is_metadata_name() {
    let text = format!("{TENANT}---\n{}", TENANT.replace("retail", "corporate"));

    let parsed = parse_ok("tenants.yaml", &text);

    let places: Vec<String> = parsed.iter().map(|p| p.location.to_string()).collect();
    assert_eq!(places, ["tenants.yaml:4:9", "tenants.yaml:9:9"]);
    assert_eq!(parsed[1].location.document, 1);
}

#[test]
fn default_tenant_fills_only_missing_tenant() {
    let options = ParseOptions {
        default_tenant: Some("retail".to_owned()),
    };
    let explicit = APPLICATION.replace("  name: web\n", "  name: web\n  tenant: corporate\n");

    let filled = parse_manifest_documents_with("web.yaml", APPLICATION, &options).unwrap();
    let with_explicit = parse_manifest_documents_with("web.yaml", &explicit, &options).unwrap();
    let tenant = parse_manifest_documents_with("tenant.yaml", TENANT, &options).unwrap();

    assert_eq!(
        filled[0].object.metadata().tenant.as_deref(),
        Some("retail")
    );
    assert_eq!(
        with_explicit[0].object.metadata().tenant.as_deref(),
        Some("corporate")
    );
    assert_eq!(tenant[0].object.metadata().tenant, None);
}

#[test]
fn missing_tenant_without_default_is_rejected() {
    let error = parse_manifest_documents("web.yaml", APPLICATION).expect_err("no tenant");

    assert_eq!(error.problems.len(), 1, "{error}");
    assert_eq!(error.problems[0].path, "metadata.tenant");
}
