//! Writing of single archive entries: files, directories, links, whiteouts
//! and their metadata.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use filetime::FileTime;
use nix::sys::stat::{Mode, SFlag, makedev, mknod};
use tar::EntryType;

use super::path::{existing, normalize, prepare_directory, prepare_parents};
use super::{Layer, UnpackError};
use crate::options::UnpackLimits;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
/// Extended attributes of overlayfs itself; only whiteout handling may set
/// them, because a layer setting e.g. `trusted.overlay.redirect` could make
/// overlayfs present files from elsewhere.
const OVERLAY_XATTR_PREFIX: &str = "trusted.overlay.";
const PAX_XATTR_PREFIX: &str = "SCHILY.xattr.";

/// Metadata of an entry, read from its header before its content.
struct Metadata {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: FileTime,
    xattrs: Vec<(String, Vec<u8>)>,
}

/// Writes entries into a layer directory, deferring directory mtimes until
/// all entries are written, because writing into a directory changes its mtime.
pub(crate) struct EntryWriter<'a> {
    layer: &'a Layer<'a>,
    directory_times: Vec<(PathBuf, FileTime)>,
}

impl<'a> EntryWriter<'a> {
    pub(crate) fn new(layer: &'a Layer<'a>) -> Self {
        EntryWriter {
            layer,
            directory_times: Vec::new(),
        }
    }

    /// Writes one entry.
    pub(crate) fn write<R: Read>(
        &mut self,
        mut entry: tar::Entry<'_, R>,
        limits: &UnpackLimits,
    ) -> Result<(), UnpackError> {
        let layer = self.layer;
        let raw_path = entry
            .path()
            .map_err(|error| layer.read_error(error, limits))?
            .into_owned();
        let relative = normalize(layer, &raw_path)?;
        let kind = entry.header().entry_type();
        let metadata = read_metadata(layer, &mut entry, limits)?;

        if let Some(name) = relative.file_name().and_then(|name| name.to_str())
            && name.starts_with(WHITEOUT_PREFIX)
        {
            return write_whiteout(layer, &relative, name);
        }

        match kind {
            EntryType::Directory => self.write_directory(&relative, &metadata),
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                write_file(layer, &relative, &mut entry, &metadata, limits)
            }
            EntryType::Symlink => write_symlink(layer, &relative, &entry, &metadata, limits),
            EntryType::Link => write_hard_link(layer, &relative, &entry, limits),
            EntryType::Fifo => write_fifo(layer, &relative, &metadata),
            EntryType::Char | EntryType::Block => {
                tracing::debug!(layer = %layer.digest, path = %relative.display(), "device node skipped");
                Ok(())
            }
            other => {
                tracing::debug!(layer = %layer.digest, path = %relative.display(), kind = ?other, "archive entry type skipped");
                Ok(())
            }
        }
    }

    /// Applies the deferred directory mtimes, deepest directories first.
    pub(crate) fn finish(mut self) -> Result<(), UnpackError> {
        self.directory_times.sort_by(|a, b| b.0.cmp(&a.0));
        for (path, mtime) in &self.directory_times {
            filetime::set_symlink_file_times(path, mtime.to_owned(), mtime.to_owned())
                .map_err(|source| self.layer.io(path, source))?;
        }
        Ok(())
    }

    fn write_directory(&mut self, relative: &Path, metadata: &Metadata) -> Result<(), UnpackError> {
        let layer = self.layer;
        let path = prepare_parents(layer, relative)?;
        if !relative.as_os_str().is_empty() {
            remove_existing(layer, &path, true)?;
            match fs::create_dir(&path) {
                Ok(()) => {}
                // A directory created earlier as a parent or by a duplicate entry is kept.
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(layer.io(&path, error)),
            }
        }

        apply_owner_and_mode(layer, &path, metadata)?;
        apply_xattrs(layer, &path, metadata)?;
        self.directory_times.push((path, metadata.mtime));
        Ok(())
    }
}

fn read_metadata<R: Read>(
    layer: &Layer<'_>,
    entry: &mut tar::Entry<'_, R>,
    limits: &UnpackLimits,
) -> Result<Metadata, UnpackError> {
    let header = entry.header();
    let field = |value: io::Result<u64>| value.map_err(|error| layer.read_error(error, limits));
    let mode = (field(header.mode().map(u64::from))? & 0o7777) as u32;
    let uid = u32::try_from(field(header.uid())?)
        .map_err(|_| archive_error(layer, "uid out of range"))?;
    let gid = u32::try_from(field(header.gid())?)
        .map_err(|_| archive_error(layer, "gid out of range"))?;
    let mtime = FileTime::from_unix_time(field(header.mtime())? as i64, 0);

    let mut xattrs = Vec::new();
    if let Some(extensions) = entry
        .pax_extensions()
        .map_err(|error| layer.read_error(error, limits))?
    {
        for extension in extensions {
            let extension = extension.map_err(|error| layer.read_error(error, limits))?;
            let Ok(key) = extension.key() else { continue };
            if let Some(name) = key.strip_prefix(PAX_XATTR_PREFIX) {
                xattrs.push((name.to_owned(), extension.value_bytes().to_owned()));
            }
        }
    }
    Ok(Metadata {
        mode,
        uid,
        gid,
        mtime,
        xattrs,
    })
}

fn archive_error(layer: &Layer<'_>, reason: &str) -> UnpackError {
    UnpackError::Archive {
        layer: layer.digest.clone(),
        reason: reason.to_owned(),
    }
}

/// Turns `.wh.NAME` into an overlayfs whiteout (character device 0:0 named
/// NAME) and `.wh..wh..opq` into the opaque attribute on its directory.
fn write_whiteout(layer: &Layer<'_>, relative: &Path, name: &str) -> Result<(), UnpackError> {
    let parent = relative.parent().unwrap_or(Path::new(""));
    if name == OPAQUE_MARKER {
        let directory = prepare_directory(layer, parent)?;
        return xattr::set(&directory, OPAQUE_XATTR, b"y")
            .map_err(|source| layer.io(&directory, source));
    }
    if name.starts_with(".wh..wh.") {
        tracing::debug!(layer = %layer.digest, path = %relative.display(), "aufs metadata entry skipped");
        return Ok(());
    }

    let hidden = &name[WHITEOUT_PREFIX.len()..];
    if hidden.is_empty() || hidden == "." || hidden == ".." || hidden.contains('/') {
        return Err(layer.unsafe_path(relative, "invalid whiteout name"));
    }
    let path = prepare_parents(layer, &parent.join(hidden))?;
    remove_existing(layer, &path, false)?;
    mknod(&path, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0))
        .map_err(|errno| layer.io(&path, errno.into()))
}

fn write_file<R: Read>(
    layer: &Layer<'_>,
    relative: &Path,
    entry: &mut R,
    metadata: &Metadata,
    limits: &UnpackLimits,
) -> Result<(), UnpackError> {
    if relative.as_os_str().is_empty() {
        return Err(layer.unsafe_path(relative, "a file entry cannot replace the layer root"));
    }
    let path = prepare_parents(layer, relative)?;
    remove_existing(layer, &path, false)?;

    // create_new fails on any existing path, symlinks included, so the write
    // can never follow a link.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|source| layer.io(&path, source))?;
    let mut buffer = vec![0u8; 64 << 10];
    loop {
        let read = entry
            .read(&mut buffer)
            .map_err(|error| layer.read_error(error, limits))?;
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read])
            .map_err(|source| layer.io(&path, source))?;
    }
    drop(file);

    apply_owner_and_mode(layer, &path, metadata)?;
    apply_xattrs(layer, &path, metadata)?;
    filetime::set_symlink_file_times(&path, metadata.mtime, metadata.mtime)
        .map_err(|source| layer.io(&path, source))
}

fn write_symlink<R: Read>(
    layer: &Layer<'_>,
    relative: &Path,
    entry: &tar::Entry<'_, R>,
    metadata: &Metadata,
    limits: &UnpackLimits,
) -> Result<(), UnpackError> {
    let target = entry
        .link_name()
        .map_err(|error| layer.read_error(error, limits))?
        .ok_or_else(|| archive_error(layer, "symlink entry without a target"))?;
    if relative.as_os_str().is_empty() {
        return Err(layer.unsafe_path(relative, "a symlink cannot replace the layer root"));
    }
    let path = prepare_parents(layer, relative)?;
    remove_existing(layer, &path, false)?;

    // The target is stored as text and never followed while unpacking; inside
    // a container it resolves against the container's root.
    std::os::unix::fs::symlink(&target, &path).map_err(|source| layer.io(&path, source))?;
    std::os::unix::fs::lchown(&path, Some(metadata.uid), Some(metadata.gid))
        .map_err(|source| layer.io(&path, source))?;
    apply_xattrs(layer, &path, metadata)?;
    filetime::set_symlink_file_times(&path, metadata.mtime, metadata.mtime)
        .map_err(|source| layer.io(&path, source))
}

fn write_hard_link<R: Read>(
    layer: &Layer<'_>,
    relative: &Path,
    entry: &tar::Entry<'_, R>,
    limits: &UnpackLimits,
) -> Result<(), UnpackError> {
    let target = entry
        .link_name()
        .map_err(|error| layer.read_error(error, limits))?
        .ok_or_else(|| archive_error(layer, "hard link entry without a target"))?;
    let target_relative = normalize(layer, &target)?;
    let target_path = existing(layer, &target_relative)?;
    match fs::symlink_metadata(&target_path) {
        Ok(metadata) if metadata.is_dir() => {
            return Err(layer.unsafe_path(relative, "hard link to a directory"));
        }
        Ok(_) => {}
        Err(_) => {
            let reason = format!(
                "hard link target {} is not in this layer",
                target_relative.display()
            );
            return Err(layer.unsafe_path(relative, reason));
        }
    }

    let path = prepare_parents(layer, relative)?;
    if path == target_path {
        return Ok(());
    }
    remove_existing(layer, &path, false)?;
    // link(2) does not follow a symlink target, so a link to a symlink links the symlink itself.
    fs::hard_link(&target_path, &path).map_err(|source| layer.io(&path, source))
}

fn write_fifo(layer: &Layer<'_>, relative: &Path, metadata: &Metadata) -> Result<(), UnpackError> {
    let path = prepare_parents(layer, relative)?;
    remove_existing(layer, &path, false)?;
    nix::unistd::mkfifo(&path, Mode::from_bits_truncate(0o600))
        .map_err(|errno| layer.io(&path, errno.into()))?;
    apply_owner_and_mode(layer, &path, metadata)?;
    filetime::set_symlink_file_times(&path, metadata.mtime, metadata.mtime)
        .map_err(|source| layer.io(&path, source))
}

/// Removes what an earlier entry of this layer left at `path`, keeping an
/// existing directory when the new entry is a directory too.
fn remove_existing(
    layer: &Layer<'_>,
    path: &Path,
    new_is_directory: bool,
) -> Result<(), UnpackError> {
    let removed = match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => Err(error),
        Ok(metadata) if metadata.is_dir() && new_is_directory => return Ok(()),
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    };
    removed.map_err(|source| layer.io(path, source))
}

/// Sets owner, then mode, because changing the owner clears set-user-ID and
/// set-group-ID bits.
fn apply_owner_and_mode(
    layer: &Layer<'_>,
    path: &Path,
    metadata: &Metadata,
) -> Result<(), UnpackError> {
    std::os::unix::fs::lchown(path, Some(metadata.uid), Some(metadata.gid))
        .map_err(|source| layer.io(path, source))?;
    fs::set_permissions(path, fs::Permissions::from_mode(metadata.mode))
        .map_err(|source| layer.io(path, source))
}

/// Sets the extended attributes recorded in the archive. Runs after the owner
/// change, which would clear `security.capability`.
fn apply_xattrs(layer: &Layer<'_>, path: &Path, metadata: &Metadata) -> Result<(), UnpackError> {
    for (name, value) in &metadata.xattrs {
        if name.starts_with(OVERLAY_XATTR_PREFIX) {
            tracing::warn!(layer = %layer.digest, path = %path.display(), xattr = name, "overlayfs attribute in layer ignored");
            continue;
        }
        match xattr::set(path, name, value) {
            Ok(()) => {}
            Err(error) if error.raw_os_error() == Some(nix::libc::EOPNOTSUPP) => {
                tracing::warn!(layer = %layer.digest, path = %path.display(), xattr = name, "extended attribute not supported by the store's file system, skipped");
            }
            Err(error) => return Err(layer.io(path, error)),
        }
    }
    Ok(())
}
