use strongroom_api::ApplyFile;
use strongroom_model::Kind;

use super::{Target, parse_files, parse_put_body};
use crate::error::ApiError;

const TENANT: &str = "apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: retail\n";

fn file(name: &str, content: &str) -> ApplyFile {
    ApplyFile {
        name: name.to_owned(),
        content: content.to_owned(),
    }
}

#[test]
fn objects_keep_file_and_document_order() {
    let second = TENANT.replace("retail", "corporate");
    let files = [
        file("a.yaml", &format!("{TENANT}---\n{second}")),
        file("b.yaml", &TENANT.replace("retail", "treasury")),
    ];

    let parsed = parse_files(&files).unwrap();

    let names: Vec<&str> = parsed
        .iter()
        .map(|p| p.object.metadata().name.as_str())
        .collect();
    assert_eq!(names, ["retail", "corporate", "treasury"]);
    assert_eq!(parsed[2].file, "b.yaml");
}

#[test]
fn problems_of_every_file_are_collected() {
    let files = [
        file("a.yaml", "kind: Tenant\n"),
        file("b.yaml", "apiVersion: strongroom/v1\nkind: Nope\n"),
    ];

    let Err(ApiError::BadRequest { details, message }) = parse_files(&files) else {
        panic!("files were accepted");
    };

    assert!(
        details.iter().any(|d| d.starts_with("a.yaml:")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.starts_with("b.yaml:")),
        "{details:?}"
    );
    assert!(message.contains("nothing was applied"), "{message}");
}

#[test]
fn put_body_line_numbers_are_kept() {
    let target = Target {
        kind: Kind::Tenant,
        tenant: None,
        name: "retail".to_owned(),
    };
    let body = format!("{TENANT}spec:\n  colour: blue\n");

    let Err(ApiError::BadRequest { details, .. }) = parse_put_body(&target, &body) else {
        panic!("body was accepted");
    };

    assert!(details[0].starts_with("request body:6:"), "{details:?}");
}

#[test]
fn put_body_drops_server_set_fields() {
    let target = Target {
        kind: Kind::Tenant,
        tenant: None,
        name: "retail".to_owned(),
    };
    let body = format!(
        "{}  uid: abc\n  resourceVersion: 12\n  generation: 3\n  \
         creationTimestamp: \"2026-01-31T09:00:00Z\"\nstatus:\n  subnet: 10.89.4.0/24\n",
        TENANT
    );

    let manifest = parse_put_body(&target, &body).unwrap();

    assert_eq!(manifest.resource_version.as_deref(), Some("12"));
    assert_eq!(manifest.object.metadata().name, "retail");
}

#[test]
fn put_body_read_back_keeps_line_numbers() {
    let target = Target {
        kind: Kind::Tenant,
        tenant: None,
        name: "retail".to_owned(),
    };
    let body = format!(
        "{TENANT}  uid: abc\n  resourceVersion: \"12\"\nstatus:\n  subnet: 10.89.4.0/24\n\
         spec:\n  colour: blue\n"
    );

    let Err(ApiError::BadRequest { details, .. }) = parse_put_body(&target, &body) else {
        panic!("body was accepted");
    };

    assert_eq!(details.len(), 1, "{details:?}");
    assert!(
        details[0].starts_with("request body:10:3: spec.colour:"),
        "{details:?}"
    );
}

#[test]
fn put_body_takes_tenant_from_path() {
    let target = Target {
        kind: Kind::Application,
        tenant: Some("retail".to_owned()),
        name: "web".to_owned(),
    };
    let body = "apiVersion: strongroom/v1
kind: Application
metadata:
  name: web
  resourceVersion: 7
spec:
  owner: retail-web-team
  contact: oncall@bank.example
  securityLevel: 3
  networkZone: business
  image: 127.0.0.1:5000/samples/httpd:1.0
  instances:
    desired: 1
";

    let manifest = parse_put_body(&target, body).unwrap();

    assert_eq!(manifest.object.metadata().tenant.as_deref(), Some("retail"));
    assert_eq!(manifest.resource_version.as_deref(), Some("7"));
}

#[test]
fn put_body_rejects_bad_resource_version() {
    let target = Target {
        kind: Kind::Tenant,
        tenant: None,
        name: "retail".to_owned(),
    };
    let body = format!("{TENANT}  resourceVersion: [12]\n");

    let Err(ApiError::BadRequest { details, .. }) = parse_put_body(&target, &body) else {
        panic!("body was accepted");
    };

    assert!(
        details[0].starts_with("request body:5:3: metadata.resourceVersion:"),
        "{details:?}"
    );
}

#[test]
fn files_keep_resource_versions() {
    let read_back = format!("{TENANT}  resourceVersion: \"12\"\nstatus:\n  subnet: 10.89.4.0/24\n");
    let files = [
        file("a.yaml", &read_back),
        file("b.yaml", &TENANT.replace("retail", "corporate")),
    ];

    let parsed = parse_files(&files).unwrap();

    assert_eq!(parsed[0].resource_version.as_deref(), Some("12"));
    assert_eq!(parsed[1].resource_version, None);
}

#[test]
fn empty_files_are_named_with_matching_verb() {
    let one = parse_files(&[file("empty.yaml", "# nothing here\n")]).unwrap_err();
    assert!(
        one.to_string()
            .starts_with("the file empty.yaml contains no objects"),
        "{one}"
    );

    let two = parse_files(&[file("a.yaml", ""), file("b.yaml", "---\n")]).unwrap_err();
    assert!(
        two.to_string()
            .starts_with("the files a.yaml, b.yaml contain no objects"),
        "{two}"
    );
}
