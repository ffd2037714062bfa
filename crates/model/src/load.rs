//! Loading manifests from a file or a directory.

use std::io;
use std::path::{Path, PathBuf};

use crate::manifest::{ParseOptions, ParsedObject, Problem, find_duplicates, parse_file};
use crate::{Kind, ManifestError, Object};

/// Failure to load manifests from a path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("failed to read manifest file {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A directory could not be listed.
    #[error("failed to list manifest directory {}: {source}", path.display())]
    ListDirectory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A directory contains no manifest files.
    #[error(
        "no manifest files in directory {}: add files ending in .yaml or .yml",
        path.display()
    )]
    NoManifestFiles {
        /// The directory.
        path: PathBuf,
    },
    /// One or more files are invalid; the error lists the problems of all files.
    #[error("{0}")]
    Invalid(#[from] ManifestError),
}

/// Loads and validates the manifests at `path`: one file, or every `*.yaml`
/// and `*.yml` file directly inside a directory, in name order.
///
/// Nothing is returned unless every file is valid, and the error then lists
/// the problems of all files. Objects defined twice, in one file or across
/// files, are problems too.
///
/// Tenants come first in the result, so applying it in order creates each
/// tenant before its applications. Otherwise the order is that of the files
/// and documents.
pub fn load_path(path: &Path) -> Result<Vec<Object>, LoadError> {
    let files = manifest_files(path)?;
    let mut objects: Vec<ParsedObject> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();

    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|source| LoadError::ReadFile {
            path: file.clone(),
            source,
        })?;
        let parsed = parse_file(&file.display().to_string(), &text, &ParseOptions::default());
        objects.extend(parsed.objects);
        problems.extend(parsed.problems);
    }
    problems.extend(find_duplicates(&objects));

    if !problems.is_empty() {
        sort_by_file_and_line(&mut problems, &files);
        return Err(ManifestError { problems }.into());
    }
    let mut objects: Vec<Object> = objects.into_iter().map(|parsed| parsed.object).collect();
    objects.sort_by_key(|object| Kind::ALL.iter().position(|kind| *kind == object.kind()));
    Ok(objects)
}

/// Returns `path` itself when it is a file, else its manifest files sorted by name.
fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let list_error = |source| LoadError::ListDirectory {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(|source| LoadError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }

    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(list_error)? {
        let entry_path = entry.map_err(list_error)?.path();
        if is_manifest_file(&entry_path) {
            files.push(entry_path);
        }
    }
    if files.is_empty() {
        return Err(LoadError::NoManifestFiles {
            path: path.to_owned(),
        });
    }
    files.sort();
    Ok(files)
}

/// Returns whether a directory entry is a `*.yaml` or `*.yml` file, leaving
/// out hidden files such as editors' lock and backup files.
fn is_manifest_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_none_or(|name| name.starts_with('.'));
    let extension = path.extension().and_then(|extension| extension.to_str());
    !hidden && matches!(extension, Some("yaml" | "yml")) && path.is_file()
}

fn sort_by_file_and_line(problems: &mut [Problem], files: &[PathBuf]) {
    let file_position = |problem: &Problem| {
        files
            .iter()
            .position(|file| file.display().to_string() == problem.source)
    };
    problems.sort_by_key(|problem| (file_position(problem), problem.line, problem.column));
}
