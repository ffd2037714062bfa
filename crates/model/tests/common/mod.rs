//! Files shared by the corpus, invalid-manifest and schema tests.

#![allow(
    dead_code,
    reason = "each test crate uses a different part of this module"
)]

use std::path::{Path, PathBuf};

/// Set to `1` to rewrite the expected `*.json` and `*.err` files from the
/// current parser instead of comparing. Review the diff before committing it:
/// for the frozen v1 corpus, any change to an existing file is a breaking change.
pub const BLESS_VARIABLE: &str = "STRONGROOM_BLESS";

pub fn blessing() -> bool {
    std::env::var(BLESS_VARIABLE).is_ok_and(|value| value == "1")
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the directory of the quick start's manifests, at the workspace root.
pub fn examples_dir() -> PathBuf {
    crate_dir().join("../../examples")
}

/// Returns the `*.yaml` files directly in `dir`, sorted by name.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("list {}: {error}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("read directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .yaml files in {}", dir.display());
    files
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}
