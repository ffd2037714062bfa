//! The frozen v1 corpus: each manifest must parse to its committed objects in every release.

mod common;

use std::path::{Path, PathBuf};

use common::{BLESS_VARIABLE, blessing, crate_dir, examples_dir, file_name, read, yaml_files};
use strongroom_model::{Kind, Object, load_path, parse_manifests};

/// Returns each corpus manifest with the file holding its expected objects as JSON.
fn corpus_cases() -> Vec<(PathBuf, PathBuf)> {
    let corpus_dir = crate_dir().join("tests/corpus");
    let mut cases: Vec<(PathBuf, PathBuf)> = yaml_files(&corpus_dir)
        .into_iter()
        .map(|yaml| (yaml.clone(), yaml.with_extension("json")))
        .collect();
    for yaml in yaml_files(&examples_dir()) {
        let json = corpus_dir
            .join("examples")
            .join(file_name(&yaml))
            .with_extension("json");
        cases.push((yaml, json));
    }
    cases
}

fn normalized_json(objects: &[Object]) -> String {
    let mut json = serde_json::to_string_pretty(objects).expect("objects serialize to JSON");
    json.push('\n');
    json
}

/// Describes the first line where two texts differ, which a full dump would bury.
fn first_difference(actual: &str, expected: &str) -> String {
    let mut actual_lines = actual.lines();
    let mut expected_lines = expected.lines();
    for number in 1.. {
        match (actual_lines.next(), expected_lines.next()) {
            (None, None) => break,
            (actual_line, expected_line) if actual_line != expected_line => {
                return format!("line {number}: expected {expected_line:?}, found {actual_line:?}");
            }
            _ => {}
        }
    }
    "the texts differ only in line endings".to_owned()
}

fn parse_file(yaml: &Path) -> Vec<Object> {
    parse_manifests(&file_name(yaml), &read(yaml)).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn corpus_parses_to_committed_json() {
    for (yaml, json) in corpus_cases() {
        let actual = normalized_json(&parse_file(&yaml));
        if blessing() {
            std::fs::write(&json, &actual).expect("write expected JSON");
            continue;
        }

        let expected = std::fs::read_to_string(&json).unwrap_or_else(|error| {
            panic!(
                "read {}: {error}; run with {BLESS_VARIABLE}=1 to create it",
                json.display()
            )
        });
        assert!(
            actual == expected,
            "{} no longer parses to {}: v1 manifests must keep their meaning; {}",
            yaml.display(),
            json.display(),
            first_difference(&actual, &expected)
        );
    }
}

#[test]
fn corpus_json_reads_back_as_same_objects() {
    for (yaml, json) in corpus_cases() {
        let from_json: Vec<Object> =
            serde_json::from_str(&read(&json)).expect("expected JSON reads as objects");
        assert_eq!(from_json, parse_file(&yaml), "{}", json.display());
    }
}

#[test]
fn corpus_uses_every_kind() {
    let objects: Vec<Object> = corpus_cases()
        .iter()
        .flat_map(|(yaml, _)| parse_file(yaml))
        .collect();
    for kind in Kind::ALL {
        assert!(
            objects.iter().any(|object| object.kind() == kind),
            "no {kind} in the corpus"
        );
    }
}

#[test]
fn corpus_directory_loads_tenants_first() {
    let objects =
        load_path(&crate_dir().join("tests/corpus")).unwrap_or_else(|error| panic!("{error}"));
    let names: Vec<(Kind, &str)> = objects
        .iter()
        .map(|object| (object.kind(), object.metadata().name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (Kind::Tenant, "treasury"),
            (Kind::Tenant, "digital-channels"),
            (Kind::Tenant, "payments"),
            (Kind::Application, "core-banking-adapter"),
            (Kind::Application, "eod-settlement"),
            (Kind::Application, "online-banking-web"),
            (Kind::Application, "session-api"),
            (Kind::Application, "payments-gateway"),
        ]
    );
}

#[test]
fn examples_directory_is_the_quick_start() {
    let objects = load_path(&examples_dir()).unwrap_or_else(|error| panic!("{error}"));
    let [Object::Tenant(tenant), Object::Application(web)] = objects.as_slice() else {
        panic!("expected one tenant, then one application: {objects:?}");
    };
    assert_eq!(tenant.metadata.name, "retail");
    assert_eq!(web.metadata.name, "web");
    assert_eq!(web.metadata.tenant.as_deref(), Some("retail"));
    assert_eq!(web.spec.image, "127.0.0.1:5000/samples/httpd:1.0");
    assert_eq!(web.spec.command, None);
    assert_eq!(web.spec.instances.desired, 3);
}
