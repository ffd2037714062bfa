//! Public errors of the image store, and the internal failures they carry.

use std::path::PathBuf;

use crate::blobs::BlobError;
use crate::manifest::ManifestError;
use crate::reference::ReferenceError;
use crate::registry::RegistryError;
use crate::unpack::UnpackError;

/// Failure to open an image store.
#[derive(Debug, thiserror::Error)]
#[error("cannot open image store {path}: {source}")]
pub struct OpenError {
    /// Store directory.
    pub path: PathBuf,
    /// Cause.
    pub source: std::io::Error,
}

/// Failure to pull an image.
#[derive(Debug, thiserror::Error)]
#[error("pull of image {reference} failed: {message}")]
pub struct PullError {
    /// The reference requested.
    pub reference: String,
    /// Description of the failure and of the fix.
    pub message: String,
    /// Class of failure, for callers that react differently to each.
    pub kind: PullErrorKind,
}

/// Class of a [`PullError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullErrorKind {
    /// The reference is not a valid image reference.
    InvalidReference,
    /// The registry has no such repository, tag or digest.
    NotFound,
    /// The registry did not respond: connection refused, DNS failure or timeout.
    Unreachable,
    /// The registry rejected the credentials, or requires some.
    Unauthorized,
    /// Content did not match its digest or size.
    DigestMismatch,
    /// The image has no variant for this host's OS and architecture.
    WrongPlatform,
    /// The image is malformed, uses an unsupported format or breaks a limit.
    InvalidImage,
    /// The registry returned an unexpected response.
    Registry,
    /// The store directory has no space left.
    DiskFull,
    /// Reading or writing the store failed.
    Storage,
}

/// Internal failure of one pull, converted into a [`PullError`] at the API.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Unpack(#[from] UnpackError),
    #[error("cannot write image record {path}: {source}")]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Failure {
    pub(crate) fn kind(&self) -> PullErrorKind {
        match self {
            Failure::Reference(_) => PullErrorKind::InvalidReference,
            Failure::Registry(error) => error.kind(),
            Failure::Manifest(error) => error.kind(),
            Failure::Blob(error) => error.kind(),
            Failure::Unpack(error) => error.kind(),
            Failure::Record { source, .. } => storage_kind(source),
        }
    }

    pub(crate) fn into_pull_error(self, reference: &str) -> PullError {
        PullError {
            reference: reference.to_owned(),
            kind: self.kind(),
            message: self.to_string(),
        }
    }
}

/// Classifies an I/O error on the store as a full disk or another storage error.
pub(crate) fn storage_kind(error: &std::io::Error) -> PullErrorKind {
    if is_disk_full(error) {
        PullErrorKind::DiskFull
    } else {
        PullErrorKind::Storage
    }
}

/// Returns true for ENOSPC and EDQUOT, which both mean the disk or quota is full.
pub(crate) fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}
