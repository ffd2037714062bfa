//! Content-addressed blob store under `ROOT/blobs/sha256/<hex>`.
//!
//! A blob gets its final name only after its digest and size were verified
//! and it was flushed to disk, so a present blob is a verified blob.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt;

use crate::digest::Digest;
use crate::error::{PullErrorKind, is_disk_full, storage_kind};

const TEMPORARY_PREFIX: &str = ".tmp-";

/// Failure to store or verify a blob.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BlobError {
    #[error(
        "{subject} does not match its digest: expected {expected}, got {actual}; \
         the registry sent corrupt or altered content, and nothing was stored"
    )]
    DigestMismatch {
        subject: String,
        expected: Digest,
        actual: Digest,
    },
    #[error(
        "{subject} does not match its size: expected {expected} bytes for {digest}, received {actual}; \
         the registry sent corrupt or altered content, and nothing was stored"
    )]
    SizeMismatch {
        subject: String,
        digest: Digest,
        expected: u64,
        actual: u64,
    },
    #[error("{subject} {digest} is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        subject: String,
        digest: Digest,
        size: u64,
        limit: u64,
    },
    #[error("no space left in {}: free space there or move the image store ({source})", dir.display())]
    DiskFull { dir: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
}

impl BlobError {
    pub(crate) fn kind(&self) -> PullErrorKind {
        match self {
            BlobError::DigestMismatch { .. } | BlobError::SizeMismatch { .. } => {
                PullErrorKind::DigestMismatch
            }
            BlobError::TooLarge { .. } => PullErrorKind::InvalidImage,
            BlobError::DiskFull { .. } => PullErrorKind::DiskFull,
            BlobError::Write { source, .. } | BlobError::Read { source, .. } => {
                storage_kind(source)
            }
        }
    }

    /// Wraps a write error on `path`, naming the directory when the disk is full.
    pub(crate) fn write(path: &Path, source: io::Error) -> BlobError {
        if is_disk_full(&source) {
            let dir = path.parent().unwrap_or(path).to_owned();
            return BlobError::DiskFull { dir, source };
        }
        BlobError::Write {
            path: path.to_owned(),
            source,
        }
    }
}

/// Returns the directory of the blobs.
pub(crate) fn blob_dir(root: &Path) -> PathBuf {
    root.join("blobs").join("sha256")
}

/// Returns the path of the blob with `digest`.
pub(crate) fn blob_path(root: &Path, digest: &Digest) -> PathBuf {
    blob_dir(root).join(digest.hex())
}

/// Returns true when the blob is stored with the expected size.
pub(crate) async fn has_blob(root: &Path, digest: &Digest, size: u64) -> bool {
    match tokio::fs::metadata(blob_path(root, digest)).await {
        Ok(metadata) => metadata.is_file() && metadata.len() == size,
        Err(_) => false,
    }
}

/// Reads a stored blob of at most `limit` bytes.
pub(crate) async fn read_blob(
    root: &Path,
    digest: &Digest,
    limit: u64,
) -> Result<Vec<u8>, BlobError> {
    let path = blob_path(root, digest);
    let read_error = |source| BlobError::Read {
        path: path.clone(),
        source,
    };
    let size = tokio::fs::metadata(&path).await.map_err(read_error)?.len();
    if size > limit {
        return Err(BlobError::TooLarge {
            subject: "blob".to_owned(),
            digest: digest.clone(),
            size,
            limit,
        });
    }
    tokio::fs::read(&path).await.map_err(read_error)
}

/// Stores `bytes` under `digest` after checking that they match it.
pub(crate) async fn store_bytes(
    root: &Path,
    subject: &str,
    digest: &Digest,
    bytes: &[u8],
) -> Result<PathBuf, BlobError> {
    let actual = Digest::of(bytes);
    if &actual != digest {
        return Err(BlobError::DigestMismatch {
            subject: subject.to_owned(),
            expected: digest.clone(),
            actual,
        });
    }

    let final_path = blob_path(root, digest);
    if has_blob(root, digest, bytes.len() as u64).await {
        return Ok(final_path);
    }
    let mut writer = BlobWriter::create(root, subject, digest, bytes.len() as u64).await?;
    writer.write(bytes).await?;
    writer.commit().await
}

/// Temporary file that becomes a blob once its content matches the expected
/// digest and size. Dropping it without [`BlobWriter::commit`] removes it.
pub(crate) struct BlobWriter {
    subject: String,
    digest: Digest,
    size: u64,
    temporary: PathBuf,
    final_path: PathBuf,
    file: Option<tokio::fs::File>,
    hasher: Sha256,
    written: u64,
    committed: bool,
}

impl BlobWriter {
    /// Creates the temporary file next to the final blob path.
    pub(crate) async fn create(
        root: &Path,
        subject: &str,
        digest: &Digest,
        size: u64,
    ) -> Result<BlobWriter, BlobError> {
        let final_path = blob_path(root, digest);
        let temporary = temporary_path(&blob_dir(root), digest.hex());
        let file = tokio::fs::File::create(&temporary)
            .await
            .map_err(|source| BlobError::write(&temporary, source))?;
        Ok(BlobWriter {
            subject: subject.to_owned(),
            digest: digest.clone(),
            size,
            temporary,
            final_path,
            file: Some(file),
            hasher: Sha256::new(),
            written: 0,
            committed: false,
        })
    }

    /// Appends `bytes`, failing as soon as more than the expected size arrives.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), BlobError> {
        self.written += bytes.len() as u64;
        if self.written > self.size {
            return Err(self.size_mismatch());
        }
        self.hasher.update(bytes);

        let file = self.file.as_mut().expect("BlobWriter used after commit");
        file.write_all(bytes)
            .await
            .map_err(|source| BlobError::write(&self.temporary, source))
    }

    /// Verifies size and digest, flushes the file and renames it to its final name.
    pub(crate) async fn commit(mut self) -> Result<PathBuf, BlobError> {
        if self.written != self.size {
            return Err(self.size_mismatch());
        }
        let actual = Digest::from_hasher(std::mem::take(&mut self.hasher));
        if actual != self.digest {
            let subject = self.subject.clone();
            return Err(BlobError::DigestMismatch {
                subject,
                expected: self.digest.clone(),
                actual,
            });
        }

        let file = self.file.take().expect("BlobWriter committed twice");
        file.sync_all()
            .await
            .map_err(|source| BlobError::write(&self.temporary, source))?;
        drop(file);
        tokio::fs::rename(&self.temporary, &self.final_path)
            .await
            .map_err(|source| BlobError::write(&self.final_path, source))?;
        self.committed = true;

        sync_directory(self.final_path.parent().expect("blob path has a parent"))
            .await
            .map_err(|source| BlobError::write(&self.final_path, source))?;
        Ok(self.final_path.clone())
    }

    fn size_mismatch(&self) -> BlobError {
        BlobError::SizeMismatch {
            subject: self.subject.clone(),
            digest: self.digest.clone(),
            expected: self.size,
            actual: self.written,
        }
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.committed
            && let Err(error) = std::fs::remove_file(&self.temporary)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.temporary.display(), %error, "cannot remove temporary blob");
        }
    }
}

/// Flushes a directory so that a rename inside it survives a crash.
pub(crate) async fn sync_directory(dir: &Path) -> io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await
        .map_err(io::Error::other)?
}

/// Returns a unique temporary path in `dir`, named `.tmp-<pid>-<counter>-<name>`
/// so that [`remove_stale_temporaries`] can tell whose it is.
pub(crate) fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(
        "{TEMPORARY_PREFIX}{}-{counter}-{name}",
        std::process::id()
    ))
}

/// Removes temporary files and directories in `dir` whose process no longer
/// runs. Failures are logged, because a leftover only costs disk space.
pub(crate) fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = temporary_owner(&name.to_string_lossy()) else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }

        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        match removed {
            Ok(()) => tracing::info!(path = %path.display(), pid, "removed stale temporary entry"),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot remove stale temporary entry")
            }
        }
    }
}

fn temporary_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMPORARY_PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests;
