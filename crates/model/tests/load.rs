//! Parsing and loading manifest files: numbers, documents, directories and duplicates.

use std::fs;
use std::path::Path;

use strongroom_model::{Cpu, Kind, LoadError, Memory, Object, PortRef, load_path, parse_manifests};

const TENANT: &str = "apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: retail\n";

/// Returns an application document with `resources` and `extra` spec lines filled in.
fn application(name: &str, resources: &str, extra: &str) -> String {
    format!(
        "apiVersion: strongroom/v1
kind: Application
metadata:
  name: {name}
  tenant: retail
spec:
  owner: retail-web-team
  contact: retail-web-oncall@bank.example
  securityLevel: 3
  networkZone: business
  image: 127.0.0.1:5000/samples/httpd:1.0
  resources: {resources}
  instances:
    desired: 1
{extra}"
    )
}

fn only_application(objects: Vec<Object>) -> strongroom_model::Application {
    match objects.as_slice() {
        [Object::Application(application)] => application.clone(),
        other => panic!("expected one application, got {other:?}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).expect("write manifest");
}

#[test]
fn quantities_as_strings_or_numbers_are_equal() {
    let cases = [
        ("{cpu: 2, memory: 67108864}", 2000, 64 << 20),
        ("{cpu: \"2\", memory: \"64Mi\"}", 2000, 64 << 20),
        ("{cpu: 0.5, memory: 1G}", 500, 1_000_000_000),
        ("{cpu: \"500m\", memory: \"1000000k\"}", 500, 1_000_000_000),
        ("{cpu: .25, memory: 128Mi}", 250, 128 << 20),
    ];
    for (resources, millicores, bytes) in cases {
        let text = application("web", resources, "");
        let objects = parse_manifests("web.yaml", &text).unwrap_or_else(|error| panic!("{error}"));
        let spec = only_application(objects).spec;
        assert_eq!(spec.resources.cpu, Some(Cpu { millicores }), "{resources}");
        assert_eq!(spec.resources.memory, Some(Memory { bytes }), "{resources}");
    }
}

#[test]
fn quantities_rejected_with_allowed_forms() {
    let cases = [
        (
            "{cpu: -1}",
            "spec.resources.cpu: invalid value integer `-1`: expected cores such as 2",
        ),
        ("{cpu: \"1.\"}", "spec.resources.cpu: invalid CPU \"1.\""),
        (
            "{memory: 1.5Gi}",
            "spec.resources.memory: invalid memory \"1.5Gi\"",
        ),
        (
            "{memory: -64}",
            "spec.resources.memory: invalid value integer `-64`",
        ),
    ];
    for (resources, expected) in cases {
        let error =
            parse_manifests("web.yaml", &application("web", resources, "")).expect_err(resources);
        assert!(error.to_string().contains(expected), "{resources}: {error}");
    }
}

#[test]
fn port_reference_number_or_name() {
    let ports = "  ports:\n    - {name: http, port: 8080}\n";
    let check = |port: &str| {
        format!("{ports}  healthChecks:\n    readiness:\n      tcp: {{port: {port}}}\n")
    };

    let by_number = parse_manifests("web.yaml", &application("web", "{}", &check("8080"))).unwrap();
    let readiness = only_application(by_number)
        .spec
        .health_checks
        .readiness
        .expect("readiness");
    assert_eq!(readiness.tcp.expect("tcp").port, PortRef::Number(8080));

    let by_name = parse_manifests("web.yaml", &application("web", "{}", &check("http"))).unwrap();
    let readiness = only_application(by_name)
        .spec
        .health_checks
        .readiness
        .expect("readiness");
    assert_eq!(
        readiness.tcp.expect("tcp").port,
        PortRef::Name("http".to_owned())
    );

    // A quoted number is a name, and no port has that name.
    let error =
        parse_manifests("web.yaml", &application("web", "{}", &check("\"8080\""))).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("port \"8080\" is not in spec.ports"),
        "{error}"
    );
}

#[test]
fn empty_files_and_documents_give_no_objects() {
    for text in ["", "# only a comment\n", "---\n---\n", "---\n...\n", "~\n"] {
        let objects =
            parse_manifests("empty.yaml", text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
        assert!(objects.is_empty(), "{text:?}");
    }
}

#[test]
fn kind_may_follow_other_fields() {
    let text = "metadata:\n  name: retail\napiVersion: strongroom/v1\nkind: Tenant\n";
    let objects = parse_manifests("tenant.yaml", text).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].kind(), Kind::Tenant);
}

#[test]
fn problem_fields_locate_value() {
    let text = format!(
        "{TENANT}---\n{}",
        application("web", "{}", "  stopGracePeriod: 2h\n")
    );
    let error = parse_manifests("apps/web.yaml", &text).expect_err("2h is too long");
    let [problem] = error.problems.as_slice() else {
        panic!("expected one problem: {error}");
    };
    assert_eq!(problem.source, "apps/web.yaml");
    assert_eq!(problem.document, 1);
    assert_eq!(problem.path, "spec.stopGracePeriod");
    assert_eq!((problem.line, problem.column), (20, 20));
    assert_eq!(
        problem.message,
        "stop grace period 2h is too long: expected at most 1h"
    );
}

#[test]
fn load_file_puts_tenants_first() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = format!("{}---\n{TENANT}", application("web", "{}", ""));
    write(dir.path(), "all.yaml", &text);

    let objects = load_path(&dir.path().join("all.yaml")).unwrap_or_else(|error| panic!("{error}"));
    let kinds: Vec<Kind> = objects.iter().map(Object::kind).collect();
    assert_eq!(kinds, [Kind::Tenant, Kind::Application]);
}

#[test]
fn load_directory_reads_yaml_and_yml_only() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "b-web.yml", &application("web", "{}", ""));
    write(dir.path(), "a-api.yaml", &application("api", "{}", ""));
    write(dir.path(), "c-tenant.yaml", TENANT);
    write(dir.path(), "README.md", "not a manifest: {");
    write(dir.path(), ".#a-api.yaml", "an editor's lock file: {");
    fs::create_dir(dir.path().join("nested.yaml")).expect("create directory");

    let objects = load_path(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    let names: Vec<&str> = objects
        .iter()
        .map(|object| object.metadata().name.as_str())
        .collect();
    assert_eq!(names, ["retail", "api", "web"]);
}

#[test]
fn load_directory_collects_problems_of_all_files() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "a.yaml", &application("web", "{cpu: 0m}", ""));
    write(dir.path(), "b.yaml", TENANT);
    write(
        dir.path(),
        "c.yaml",
        "apiVersion: strongroom/v1\nkind: Tenant\nmetadata: {name: Retail}\n",
    );

    let Err(LoadError::Invalid(error)) = load_path(dir.path()) else {
        panic!("expected invalid manifests");
    };
    let sources: Vec<String> = error
        .problems
        .iter()
        .map(|problem| problem.source.clone())
        .collect();
    let expected = [dir.path().join("a.yaml"), dir.path().join("c.yaml")]
        .map(|path| path.display().to_string());
    assert_eq!(sources, expected);
}

#[test]
fn load_directory_rejects_duplicates_across_files() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "a.yaml", TENANT);
    write(
        dir.path(),
        "b.yaml",
        &format!("# The tenant again.\n{TENANT}"),
    );

    let Err(LoadError::Invalid(error)) = load_path(dir.path()) else {
        panic!("expected a duplicate tenant");
    };
    let a = dir.path().join("a.yaml").display().to_string();
    let b = dir.path().join("b.yaml").display().to_string();
    assert_eq!(
        error.to_string(),
        format!(
            "{b}:5:9: metadata.name: duplicate Tenant \"retail\": first defined at {a}:4:9; \
             remove or rename one of them"
        )
    );
}

#[test]
fn load_empty_directory_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), "notes.txt", "nothing to apply");
    let error = load_path(dir.path()).expect_err("no manifest files");
    assert!(
        matches!(error, LoadError::NoManifestFiles { .. }),
        "{error}"
    );
}

#[test]
fn load_missing_path_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("missing.yaml");
    let error = load_path(&missing).expect_err("no such file");
    assert!(matches!(error, LoadError::ReadFile { .. }), "{error}");
    assert!(error.to_string().starts_with(&format!(
        "failed to read manifest file {}",
        missing.display()
    )));
}
