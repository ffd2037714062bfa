//! Reading manifest files and directories named on the command line.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use strongroom_api::ApplyFile;
use strongroom_server::BODY_LIMIT_BYTES;

/// File extensions read from a directory.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The path that names standard input, as in `-f -`.
const STDIN_PATH: &str = "-";

/// Name of standard input in messages and apply results.
const STDIN_NAME: &str = "<stdin>";

/// Reads every file named, and the manifest files directly inside every directory named.
///
/// Files of a directory are read in name order, so the order of objects is
/// the same on every run. Subdirectories are not entered. The path `-` reads
/// standard input. All files together may hold at most [`BODY_LIMIT_BYTES`],
/// the limit of one apply request, and reading stops there, so an endless
/// input cannot exhaust memory.
pub fn read_manifest_files(paths: &[PathBuf]) -> anyhow::Result<Vec<ApplyFile>> {
    let mut budget = ReadBudget {
        remaining: BODY_LIMIT_BYTES,
    };
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == STDIN_PATH {
            files.push(read_capped(
                std::io::stdin().lock(),
                STDIN_NAME,
                &mut budget,
            )?);
            continue;
        }

        let metadata = std::fs::metadata(path)
            .with_context(|| format!("cannot read manifest path {}", path.display()))?;
        if metadata.is_dir() {
            files.extend(read_directory(path, &mut budget)?);
        } else {
            check_regular_file(path, &metadata)?;
            files.push(read_file(path, &mut budget)?);
        }
    }
    Ok(files)
}

/// Returns how the CLI names the paths in messages, for example `examples/, extra.yaml`.
pub fn describe_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// Bytes that the files not yet read may still hold.
struct ReadBudget {
    remaining: usize,
}

fn read_directory(dir: &Path, budget: &mut ReadBudget) -> anyhow::Result<Vec<ApplyFile>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read manifest directory {}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry =
            entry.with_context(|| format!("cannot read manifest directory {}", dir.display()))?;
        let path = entry.path();
        if has_manifest_extension(&path) && is_manifest_file(&path)? {
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
    paths.iter().map(|path| read_file(path, budget)).collect()
}

/// Returns whether a directory entry with a manifest extension is a file to
/// read, `false` for a subdirectory. A dangling symbolic link or a special
/// file is an error, because skipping it would leave its objects out silently.
fn is_manifest_file(path: &Path) -> anyhow::Result<bool> {
    let metadata = std::fs::metadata(path).with_context(|| {
        format!(
            "cannot read manifest file {}: a dangling symbolic link or an unreadable file; \
             fix or remove it",
            path.display()
        )
    })?;
    if metadata.is_dir() {
        return Ok(false);
    }
    check_regular_file(path, &metadata)?;
    Ok(true)
}

/// Rejects FIFOs, sockets and devices, which may never end (`/dev/zero`) or
/// block the CLI (a FIFO without a writer).
fn check_regular_file(path: &Path, metadata: &std::fs::Metadata) -> anyhow::Result<()> {
    if !metadata.is_file() {
        bail!(
            "manifest file {} is not a regular file but a FIFO, socket or device: \
             name a regular file or a directory, or pass - to read standard input",
            path.display()
        );
    }
    Ok(())
}

fn read_file(path: &Path, budget: &mut ReadBudget) -> anyhow::Result<ApplyFile> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read manifest file {}", path.display()))?;
    read_capped(file, &path.display().to_string(), budget)
}

/// Reads one input to its end or to the limit of one apply request, whichever comes first.
fn read_capped(input: impl Read, name: &str, budget: &mut ReadBudget) -> anyhow::Result<ApplyFile> {
    // One byte past the budget shows that the input is too large, without
    // reading more of it.
    let mut bytes = Vec::new();
    let cap = budget.remaining as u64 + 1;
    input
        .take(cap)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read manifest file {name}"))?;
    check_size(name, bytes.len(), budget)?;

    budget.remaining -= bytes.len();
    let content = String::from_utf8(bytes)
        .with_context(|| format!("manifest file {name} is not UTF-8 text"))?;
    Ok(ApplyFile {
        name: name.to_owned(),
        content,
    })
}

fn check_size(name: &str, size: usize, budget: &ReadBudget) -> anyhow::Result<()> {
    if size <= budget.remaining {
        return Ok(());
    }
    let limit_mib = BODY_LIMIT_BYTES / (1024 * 1024);
    if budget.remaining == BODY_LIMIT_BYTES {
        bail!(
            "{name} is larger than {limit_mib} MiB, the limit of one apply request; \
             split it into several files or applies"
        );
    }
    bail!(
        "the manifest files up to {name} are larger than {limit_mib} MiB together, the limit \
         of one apply request; split them into several applies"
    );
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests;
