//! Reading manifest files and directories named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use strongroom_api::ApplyFile;

/// File extensions read from a directory.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Reads every file named, and the manifest files directly inside every directory named.
///
/// Files of a directory are read in name order, so the order of objects is
/// the same on every run. Subdirectories are not entered.
pub fn read_manifest_files(paths: &[PathBuf]) -> anyhow::Result<Vec<ApplyFile>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("cannot read manifest path {}", path.display()))?;
        if metadata.is_dir() {
            files.extend(read_directory(path)?);
        } else {
            files.push(read_file(path)?);
        }
    }
    Ok(files)
}

/// Returns how the CLI names the paths in messages, for example `examples/, extra.yaml`.
pub fn describe_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

fn read_directory(dir: &Path) -> anyhow::Result<Vec<ApplyFile>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read manifest directory {}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry =
            entry.with_context(|| format!("cannot read manifest directory {}", dir.display()))?;
        let path = entry.path();
        if path.is_file() && has_manifest_extension(&path) {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        bail!(
            "directory {} contains no *.yaml, *.yml or *.json files",
            dir.display()
        );
    }

    paths.sort();
    paths.iter().map(|path| read_file(path)).collect()
}

fn read_file(path: &Path) -> anyhow::Result<ApplyFile> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read manifest file {}", path.display()))?;
    let content = String::from_utf8(bytes)
        .with_context(|| format!("manifest file {} is not UTF-8 text", path.display()))?;
    Ok(ApplyFile {
        name: path.display().to_string(),
        content,
    })
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests;
