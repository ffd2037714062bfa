//! Safe resolution of archive entry paths inside the layer directory.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{Layer, UnpackError};

/// Returns the entry path relative to the layer root, rejecting absolute
/// paths and `..` components. `.` components are dropped, so `./` is the root.
/// A bare `/` is the root too, because umoci 0.4 writes the root directory
/// entry under that name.
pub(crate) fn normalize(layer: &Layer<'_>, path: &Path) -> Result<PathBuf, UnpackError> {
    let mut normalized = PathBuf::new();
    if path
        .components()
        .all(|component| matches!(component, Component::RootDir | Component::CurDir))
    {
        return Ok(normalized);
    }
    for component in path.components() {
        match component {
            Component::Normal(name) => normalized.push(name),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(layer.unsafe_path(path, "absolute paths are not allowed"));
            }
            Component::ParentDir => {
                return Err(layer.unsafe_path(path, "'..' components are not allowed"));
            }
        }
    }
    Ok(normalized)
}

/// Returns the full path of `relative` after making sure that every parent
/// component is a real directory, creating missing ones. A parent that is a
/// symlink is rejected, so no write can follow a link out of the layer.
pub(crate) fn prepare_parents(layer: &Layer<'_>, relative: &Path) -> Result<PathBuf, UnpackError> {
    let parent = relative.parent().unwrap_or(Path::new(""));
    walk_directories(layer, relative, parent, true)?;
    Ok(layer.root.join(relative))
}

/// Returns the full path of the directory `relative`, creating it and its
/// parents like [`prepare_parents`] does.
pub(crate) fn prepare_directory(
    layer: &Layer<'_>,
    relative: &Path,
) -> Result<PathBuf, UnpackError> {
    walk_directories(layer, relative, relative, true)?;
    Ok(layer.root.join(relative))
}

/// Returns the full path of an existing entry `relative`, after checking that
/// no parent component is a symlink. Creates nothing.
pub(crate) fn existing(layer: &Layer<'_>, relative: &Path) -> Result<PathBuf, UnpackError> {
    let parent = relative.parent().unwrap_or(Path::new(""));
    walk_directories(layer, relative, parent, false)?;
    Ok(layer.root.join(relative))
}

/// Checks that each component of `directories` is a real directory, creating
/// missing ones when `create` is set. Errors name `entry`.
fn walk_directories(
    layer: &Layer<'_>,
    entry: &Path,
    directories: &Path,
    create: bool,
) -> Result<(), UnpackError> {
    let mut current = layer.root.to_path_buf();
    for component in directories.components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(layer.unsafe_path(
                    entry,
                    format!("parent {} is a symlink", display(layer, &current)),
                ));
            }
            Ok(_) => {
                let reason = format!("parent {} is not a directory", display(layer, &current));
                return Err(layer.unsafe_path(entry, reason));
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound && create => {
                fs::create_dir(&current).map_err(|source| layer.io(&current, source))?;
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let reason = format!("{} does not exist in this layer", display(layer, &current));
                return Err(layer.unsafe_path(entry, reason));
            }
            Err(error) => return Err(layer.io(&current, error)),
        }
    }
    Ok(())
}

fn display(layer: &Layer<'_>, path: &Path) -> String {
    path.strip_prefix(layer.root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
