//! Unpacking of layer archives into `ROOT/layers/<diff-id hex>`, in the form
//! overlayfs expects of a lower directory.
//!
//! Layers come from untrusted sources, so the unpacker rejects absolute paths
//! and `..` components, never writes through a symlink (each parent component
//! is checked), and caps the uncompressed size and the number of entries.

mod entry;
mod path;

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::blobs::temporary_path;
use crate::digest::{Digest, HashingReader, LimitExceeded};
use crate::error::{PullErrorKind, is_disk_full, storage_kind};
use crate::options::UnpackLimits;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Failure to unpack a layer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnpackError {
    #[error("layer {layer} contains unsafe entry {path:?}: {reason}; the image is rejected")]
    UnsafePath {
        layer: Digest,
        path: String,
        reason: String,
    },
    #[error("layer {layer} unpacks to more than {limit} bytes, the configured maximum layer size")]
    TooLarge { layer: Digest, limit: u64 },
    #[error("layer {layer} has more than {limit} entries, the configured maximum")]
    TooManyEntries { layer: Digest, limit: u64 },
    #[error(
        "layer {layer} does not match the diff-id in the image config: expected {expected}, got {actual}; \
         the image is corrupt or was altered"
    )]
    DiffIdMismatch {
        layer: Digest,
        expected: Digest,
        actual: Digest,
    },
    #[error("layer {layer} is not a valid tar archive: {reason}")]
    Archive { layer: Digest, reason: String },
    #[error("no space left in {} while unpacking layer {layer}: free space there or move the image store", dir.display())]
    DiskFull { layer: Digest, dir: PathBuf },
    #[error("cannot unpack layer {layer} at {}: {source}", path.display())]
    Io {
        layer: Digest,
        path: PathBuf,
        source: io::Error,
    },
}

impl UnpackError {
    pub(crate) fn kind(&self) -> PullErrorKind {
        match self {
            UnpackError::UnsafePath { .. }
            | UnpackError::TooLarge { .. }
            | UnpackError::TooManyEntries { .. }
            | UnpackError::Archive { .. } => PullErrorKind::InvalidImage,
            UnpackError::DiffIdMismatch { .. } => PullErrorKind::DigestMismatch,
            UnpackError::DiskFull { .. } => PullErrorKind::DiskFull,
            UnpackError::Io { source, .. } => storage_kind(source),
        }
    }
}

/// Returns the directory of the unpacked layers.
pub(crate) fn layers_dir(root: &Path) -> PathBuf {
    root.join("layers")
}

/// Returns the directory of the layer with `diff_id`.
pub(crate) fn layer_path(root: &Path, diff_id: &Digest) -> PathBuf {
    layers_dir(root).join(diff_id.hex())
}

/// Context of one layer being unpacked, shared by the entry handlers.
pub(crate) struct Layer<'a> {
    pub(crate) digest: &'a Digest,
    /// Temporary directory the entries are written into.
    pub(crate) root: &'a Path,
    /// Store directory of the layers, named when the disk is full.
    pub(crate) layers_dir: &'a Path,
}

impl Layer<'_> {
    pub(crate) fn unsafe_path(&self, path: &Path, reason: impl Into<String>) -> UnpackError {
        let path = path.to_string_lossy().into_owned();
        UnpackError::UnsafePath {
            layer: self.digest.clone(),
            path,
            reason: reason.into(),
        }
    }

    /// Wraps an I/O error on the layer directory, naming the store when the disk is full.
    pub(crate) fn io(&self, path: &Path, source: io::Error) -> UnpackError {
        if is_disk_full(&source) {
            return UnpackError::DiskFull {
                layer: self.digest.clone(),
                dir: self.layers_dir.to_owned(),
            };
        }
        UnpackError::Io {
            layer: self.digest.clone(),
            path: path.to_owned(),
            source,
        }
    }

    /// Wraps an error reading the archive: a size limit or a decoding error.
    pub(crate) fn read_error(&self, error: io::Error, limits: &UnpackLimits) -> UnpackError {
        if error
            .get_ref()
            .is_some_and(|inner| inner.is::<LimitExceeded>())
        {
            return UnpackError::TooLarge {
                layer: self.digest.clone(),
                limit: limits.max_layer_bytes,
            };
        }
        UnpackError::Archive {
            layer: self.digest.clone(),
            reason: error.to_string(),
        }
    }
}

/// Unpacks the layer blob at `blob` into `layers_dir/<diff-id hex>`, verifying
/// the uncompressed content against `diff_id`. Blocks: run it off the async runtime.
///
/// The entries are written into a temporary sibling directory that is renamed
/// only once the diff-id matched and the content was flushed, so a crash never
/// leaves a half layer under the final name.
pub(crate) fn unpack_layer(
    blob: &Path,
    layers_dir: &Path,
    layer_digest: &Digest,
    diff_id: &Digest,
    limits: &UnpackLimits,
) -> Result<PathBuf, UnpackError> {
    let final_path = layers_dir.join(diff_id.hex());
    let temporary = TemporaryDir::create(temporary_path(layers_dir, diff_id.hex()))
        .map_err(|source| io_error(layer_digest, layers_dir, &final_path, source))?;
    let temporary_root = temporary.path.clone();
    let layer = Layer {
        digest: layer_digest,
        root: &temporary_root,
        layers_dir,
    };

    let actual = unpack_archive(&layer, blob, limits)?;
    if &actual != diff_id {
        return Err(UnpackError::DiffIdMismatch {
            layer: layer_digest.clone(),
            expected: diff_id.clone(),
            actual,
        });
    }

    let directory =
        fs::File::open(&temporary_root).map_err(|source| layer.io(&temporary_root, source))?;
    nix::unistd::syncfs(&directory).map_err(|errno| layer.io(&temporary_root, errno.into()))?;
    temporary
        .commit(&final_path)
        .map_err(|source| layer.io(&final_path, source))?;
    fs::File::open(layers_dir)
        .and_then(|directory| directory.sync_all())
        .map_err(|source| layer.io(layers_dir, source))?;
    Ok(final_path)
}

fn io_error(layer: &Digest, layers_dir: &Path, path: &Path, source: io::Error) -> UnpackError {
    Layer {
        digest: layer,
        root: path,
        layers_dir,
    }
    .io(path, source)
}

/// Writes every entry of the archive and returns the digest of the
/// uncompressed stream, padding after the end-of-archive marker included.
fn unpack_archive(
    layer: &Layer<'_>,
    blob: &Path,
    limits: &UnpackLimits,
) -> Result<Digest, UnpackError> {
    let file = fs::File::open(blob).map_err(|source| layer.io(blob, source))?;
    let decompressed =
        decompress(BufReader::new(file)).map_err(|error| layer.read_error(error, limits))?;
    let hashed = HashingReader::new(decompressed, limits.max_layer_bytes);
    let mut archive = tar::Archive::new(ZeroTail::new(hashed));

    let mut writer = entry::EntryWriter::new(layer);
    let mut data_end = 0;
    let entries = archive
        .entries()
        .map_err(|error| layer.read_error(error, limits))?;
    for (index, entry) in entries.enumerate() {
        if index as u64 >= limits.max_layer_entries {
            return Err(UnpackError::TooManyEntries {
                layer: layer.digest.clone(),
                limit: limits.max_layer_entries,
            });
        }
        let entry = entry.map_err(|error| layer.read_error(error, limits))?;
        data_end = entry.raw_file_position() + entry.size();
        writer.write(entry, limits)?;
    }
    writer.finish()?;

    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|error| layer.read_error(error, limits))?;
    if rest.padded {
        // The zeros may only stand in for padding and end blocks, never for file data.
        if rest.inner.count() < data_end {
            let reason = format!(
                "the archive ends inside the data of its last entry, at byte {}",
                rest.inner.count()
            );
            return Err(UnpackError::Archive {
                layer: layer.digest.clone(),
                reason,
            });
        }
        tracing::debug!(layer = %layer.digest, "layer archive lacks end-of-archive blocks; accepted");
    }
    tracing::debug!(layer = %layer.digest, bytes = rest.inner.count(), "layer archive unpacked");
    Ok(rest.inner.finish().0)
}

/// Reader that, once its inner reader ends, yields zero bytes for the padding
/// of the last entry and the two end-of-archive blocks.
///
/// NOTE: umoci 0.4.7 (Debian 12) writes `umoci insert` layers that end right
/// after the last file's data, and their diff-ids cover exactly those bytes.
/// Go's archive/tar, used by containerd and Docker, accepts such archives, so
/// this unpacker does too; the diff-id check still covers only real bytes.
struct ZeroTail<R> {
    inner: R,
    zeros_left: usize,
    /// Set once a zero byte was supplied.
    padded: bool,
}

impl<R> ZeroTail<R> {
    fn new(inner: R) -> Self {
        ZeroTail {
            inner,
            zeros_left: 511 + 1024,
            padded: false,
        }
    }
}

impl<R: Read> Read for ZeroTail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if read > 0 || buf.is_empty() {
            return Ok(read);
        }

        let zeros = buf.len().min(self.zeros_left);
        buf[..zeros].fill(0);
        self.zeros_left -= zeros;
        self.padded |= zeros > 0;
        Ok(zeros)
    }
}

/// Chooses the decoder from the first bytes, because the media type of a
/// layer does not always tell its compression.
fn decompress(mut reader: BufReader<fs::File>) -> io::Result<Box<dyn Read + Send>> {
    let start = reader.fill_buf()?;
    if start.starts_with(GZIP_MAGIC) {
        return Ok(Box::new(flate2::bufread::MultiGzDecoder::new(reader)));
    }
    if start.starts_with(ZSTD_MAGIC) {
        return Ok(Box::new(zstd::stream::read::Decoder::with_buffer(reader)?));
    }
    Ok(Box::new(reader))
}

/// Directory removed on drop unless it was renamed into place.
struct TemporaryDir {
    path: PathBuf,
    committed: bool,
}

impl TemporaryDir {
    fn create(path: PathBuf) -> io::Result<TemporaryDir> {
        fs::create_dir(&path)?;
        Ok(TemporaryDir {
            path,
            committed: false,
        })
    }

    /// Renames the directory to `final_path`. When another process finished
    /// the same layer first, its copy is kept and this one removed.
    fn commit(mut self, final_path: &Path) -> io::Result<()> {
        match fs::rename(&self.path, final_path) {
            Ok(()) => {
                self.committed = true;
                Ok(())
            }
            Err(_) if final_path.is_dir() => Ok(()),
            Err(error) => Err(error),
        }
    }
}

impl Drop for TemporaryDir {
    fn drop(&mut self) {
        if !self.committed
            && let Err(error) = fs::remove_dir_all(&self.path)
        {
            tracing::warn!(path = %self.path.display(), %error, "cannot remove temporary layer directory");
        }
    }
}

#[cfg(test)]
mod tests;
