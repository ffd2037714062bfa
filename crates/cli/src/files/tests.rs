use std::path::PathBuf;

use super::{describe_paths, read_manifest_files};

#[test]
fn directory_files_are_read_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.yaml"), "b").unwrap();
    std::fs::write(dir.path().join("a.yml"), "a").unwrap();
    std::fs::write(dir.path().join("c.JSON"), "c").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "skipped").unwrap();
    std::fs::create_dir(dir.path().join("nested.yaml")).unwrap();

    let files = read_manifest_files(&[dir.path().to_owned()]).unwrap();

    let contents: Vec<&str> = files.iter().map(|f| f.content.as_str()).collect();
    assert_eq!(contents, ["a", "b", "c"]);
    assert_eq!(
        files[0].name,
        dir.path().join("a.yml").display().to_string()
    );
}

#[test]
fn files_keep_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("z.yaml");
    let first = dir.path().join("a.yaml");
    std::fs::write(&second, "z").unwrap();
    std::fs::write(&first, "a").unwrap();

    let files = read_manifest_files(&[second.clone(), first.clone()]).unwrap();

    assert_eq!(files[0].name, second.display().to_string());
    assert_eq!(files[1].name, first.display().to_string());
}

#[test]
fn missing_file_error_names_the_path() {
    let path = PathBuf::from("/nonexistent/strongroom/web.yaml");

    let error = read_manifest_files(std::slice::from_ref(&path)).unwrap_err();

    assert!(
        format!("{error:#}").contains("/nonexistent/strongroom/web.yaml"),
        "{error:#}"
    );
}

#[test]
fn empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "no manifests").unwrap();

    let error = read_manifest_files(&[dir.path().to_owned()]).unwrap_err();

    assert!(error.to_string().contains("contains no *.yaml"), "{error}");
}

#[test]
fn non_utf8_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binary.yaml");
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();

    let error = read_manifest_files(&[path]).unwrap_err();

    assert!(error.to_string().contains("not UTF-8"), "{error}");
}

#[test]
fn paths_are_described_in_order() {
    let paths = [PathBuf::from("examples/"), PathBuf::from("extra.yaml")];

    assert_eq!(describe_paths(&paths), "examples/, extra.yaml");
}
