//! The published JSON Schema accepts the corpus and rejects unknown fields, as the parser does.

mod common;

use std::path::PathBuf;

use common::{crate_dir, examples_dir, file_name, read, yaml_files};
use jsonschema::Validator;
use serde_json::{Value, json};
use strongroom_model::json_schema;

/// An edit that breaks one field of a valid document.
type Change = fn(&mut Value);

fn validator() -> Validator {
    jsonschema::draft202012::new(&json_schema()).expect("the schema is valid draft 2020-12")
}

/// Reads the documents of a YAML file as JSON values with an independent YAML
/// parser, as an editor or CI tool would, leaving out empty documents.
fn documents(text: &str) -> Vec<Value> {
    let documents: Vec<Value> = serde_saphyr::from_multiple(text).expect("YAML parses");
    documents
        .into_iter()
        .filter(|document| !document.is_null())
        .collect()
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files = yaml_files(&crate_dir().join("tests/corpus"));
    files.extend(yaml_files(&examples_dir()));
    files
}

/// Returns a valid application document as JSON, for one field to be changed.
fn web_application() -> Value {
    let text = read(&examples_dir().join("web.yaml"));
    documents(&text).remove(0)
}

#[test]
fn schema_has_branch_per_kind() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );

    let kinds: Vec<&Value> = schema["oneOf"]
        .as_array()
        .expect("oneOf is an array")
        .iter()
        .map(|branch| &branch["properties"]["kind"]["const"])
        .collect();
    assert_eq!(kinds, [&json!("Tenant"), &json!("Application")]);
}

#[test]
fn schema_accepts_every_corpus_document() {
    let validator = validator();
    for file in corpus_files() {
        for (index, document) in documents(&read(&file)).iter().enumerate() {
            let errors: Vec<String> = validator
                .iter_errors(document)
                .map(|error| error.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{} document {index}: {errors:?}",
                file_name(&file)
            );
        }
    }
}

#[test]
fn schema_rejects_unknown_fields() {
    let validator = validator();
    let cases: [(&str, Change); 4] = [
        ("top level", |document| {
            document["state"] = json!({"phase": "Running"})
        }),
        ("metadata", |document| {
            document["metadata"]["namespace"] = json!("retail")
        }),
        ("spec", |document| document["spec"]["replicas"] = json!(3)),
        ("health check", |document| {
            document["spec"]["healthChecks"]["readiness"]["http"]["scheme"] = json!("HTTPS")
        }),
    ];
    assert!(
        validator.is_valid(&web_application()),
        "the unchanged document is valid"
    );
    for (place, change) in cases {
        let mut document = web_application();
        change(&mut document);
        assert!(
            !validator.is_valid(&document),
            "unknown field in {place} accepted"
        );
    }
}

#[test]
fn schema_rejects_wrong_header_and_values() {
    let validator = validator();
    let cases: [(&str, Change); 5] = [
        ("apiVersion", |document| {
            document["apiVersion"] = json!("strongroom/v2")
        }),
        ("kind", |document| document["kind"] = json!("Pool")),
        ("securityLevel", |document| {
            document["spec"]["securityLevel"] = json!(6)
        }),
        ("name", |document| {
            document["metadata"]["name"] = json!("Web")
        }),
        ("instances", |document| {
            document["spec"]["instances"] = json!(3)
        }),
    ];
    for (field, change) in cases {
        let mut document = web_application();
        change(&mut document);
        assert!(!validator.is_valid(&document), "invalid {field} accepted");
    }
}

#[test]
fn schema_rejects_invalid_unknown_field_manifests() {
    let validator = validator();
    for name in [
        "unknown-field-top-level",
        "unknown-field-spec",
        "unknown-field-health-check",
    ] {
        let text = read(
            &crate_dir()
                .join("tests/invalid")
                .join(name)
                .with_extension("yaml"),
        );
        let all_valid = documents(&text)
            .iter()
            .all(|document| validator.is_valid(document));
        assert!(!all_valid, "{name} accepted by the schema");
    }
}

#[test]
fn schema_accepts_read_back_documents() {
    let validator = validator();
    for file in yaml_files(&crate_dir().join("tests/read-back")) {
        for (index, document) in documents(&read(&file)).iter().enumerate() {
            let errors: Vec<String> = validator
                .iter_errors(document)
                .map(|error| error.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{} document {index}: {errors:?}",
                file_name(&file)
            );
        }
    }
}

#[test]
fn schema_marks_server_set_fields_read_only() {
    let schema = json_schema();
    let metadata = &schema["$defs"]["ObjectMeta"]["properties"];
    for field in [
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
    ] {
        assert_eq!(metadata[field]["readOnly"], true, "metadata.{field}");
    }
    for branch in schema["oneOf"].as_array().expect("oneOf is an array") {
        let kind = &branch["properties"]["kind"]["const"];
        assert_eq!(
            branch["properties"]["status"]["readOnly"], true,
            "status of {kind}"
        );
    }
}

#[test]
fn schema_rejects_wrong_server_set_types() {
    let validator = validator();
    let cases: [(&str, Change); 4] = [
        ("resourceVersion", |document| {
            document["metadata"]["resourceVersion"] = json!(["12"])
        }),
        ("resourceVersion", |document| {
            document["metadata"]["resourceVersion"] = json!(1.5)
        }),
        ("uid", |document| {
            document["metadata"]["uid"] = json!({"value": "abc"})
        }),
        ("status", |document| document["status"] = json!("Running")),
    ];
    for (field, change) in cases {
        let mut document = web_application();
        document["metadata"]["resourceVersion"] = json!("12");
        document["status"] = json!({"phase": "Running"});
        assert!(validator.is_valid(&document), "read-back form rejected");

        change(&mut document);
        assert!(!validator.is_valid(&document), "invalid {field} accepted");
    }
}
