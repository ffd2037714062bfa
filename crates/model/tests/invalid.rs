//! Bad manifests: each must be rejected with exactly the committed error text.

mod common;

use common::{BLESS_VARIABLE, blessing, crate_dir, file_name, read, yaml_files};
use strongroom_model::parse_manifests;

#[test]
fn invalid_manifests_give_committed_errors() {
    for yaml in yaml_files(&crate_dir().join("tests/invalid")) {
        let name = file_name(&yaml);
        let error = match parse_manifests(&name, &read(&yaml)) {
            Ok(objects) => panic!("{name} was accepted: {objects:?}"),
            Err(error) => error,
        };
        let actual = format!("{error}\n");

        let expected_path = yaml.with_extension("err");
        if blessing() {
            std::fs::write(&expected_path, &actual).expect("write expected error");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|error| {
            panic!(
                "read {}: {error}; run with {BLESS_VARIABLE}=1 to create it",
                expected_path.display()
            )
        });
        assert_eq!(actual, expected, "{name} gives a different error");
    }
}

#[test]
fn invalid_problems_name_their_document() {
    let yaml = crate_dir().join("tests/invalid/wrong-types.yaml");
    let error =
        parse_manifests("wrong-types.yaml", &read(&yaml)).expect_err("wrong types are rejected");
    let documents: Vec<usize> = error
        .problems
        .iter()
        .map(|problem| problem.document)
        .collect();
    assert_eq!(documents, (0..10).collect::<Vec<_>>());
}
