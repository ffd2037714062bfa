use std::path::PathBuf;

use strongroom_server::BODY_LIMIT_BYTES;

use super::{ReadBudget, describe_paths, read_capped, read_manifest_files};

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

#[test]
fn file_larger_than_request_limit_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, "#".repeat(BODY_LIMIT_BYTES + 1)).unwrap();

    let error = read_manifest_files(std::slice::from_ref(&path)).unwrap_err();

    let expected = format!(
        "{} is larger than 4 MiB, the limit of one apply request; split it into several files \
         or applies",
        path.display()
    );
    assert_eq!(error.to_string(), expected);
}

#[test]
fn file_at_request_limit_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.yaml");
    std::fs::write(&path, "#".repeat(BODY_LIMIT_BYTES)).unwrap();

    let files = read_manifest_files(&[path]).unwrap();

    assert_eq!(files[0].content.len(), BODY_LIMIT_BYTES);
}

#[test]
fn files_larger_than_request_limit_together_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.yaml");
    let second = dir.path().join("b.yaml");
    std::fs::write(&first, "#".repeat(BODY_LIMIT_BYTES / 2 + 1)).unwrap();
    std::fs::write(&second, "#".repeat(BODY_LIMIT_BYTES / 2)).unwrap();

    let error = read_manifest_files(&[dir.path().to_owned()]).unwrap_err();

    let message = error.to_string();
    assert!(message.contains(&second.display().to_string()), "{message}");
    assert!(message.contains("larger than 4 MiB together"), "{message}");
}

#[test]
fn device_given_directly_is_an_error() {
    let path = PathBuf::from("/dev/zero");

    let error = read_manifest_files(&[path]).unwrap_err();

    assert!(
        error
            .to_string()
            .contains("/dev/zero is not a regular file"),
        "{error}"
    );
}

#[test]
fn fifo_in_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "a").unwrap();
    let fifo = dir.path().join("pipe.yaml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();

    let error = read_manifest_files(&[dir.path().to_owned()]).unwrap_err();

    let message = error.to_string();
    assert!(message.contains(&fifo.display().to_string()), "{message}");
    assert!(message.contains("not a regular file"), "{message}");
}

#[test]
fn fifo_with_other_extension_in_directory_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "a").unwrap();
    nix::unistd::mkfifo(&dir.path().join("pipe"), nix::sys::stat::Mode::S_IRWXU).unwrap();

    let files = read_manifest_files(&[dir.path().to_owned()]).unwrap();

    assert_eq!(files.len(), 1);
}

#[test]
fn dangling_symlink_in_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "a").unwrap();
    let link = dir.path().join("gone.yml");
    std::os::unix::fs::symlink(dir.path().join("missing.yaml"), &link).unwrap();

    let error = read_manifest_files(&[dir.path().to_owned()]).unwrap_err();

    let message = error.to_string();
    assert!(message.contains(&link.display().to_string()), "{message}");
    assert!(message.contains("dangling symbolic link"), "{message}");
}

#[test]
fn input_larger_than_request_limit_stops_at_the_limit() {
    let mut budget = ReadBudget {
        remaining: BODY_LIMIT_BYTES,
    };

    let error = read_capped(std::io::repeat(b'#'), "<stdin>", &mut budget).unwrap_err();

    assert!(
        error
            .to_string()
            .starts_with("<stdin> is larger than 4 MiB"),
        "{error}"
    );
}
