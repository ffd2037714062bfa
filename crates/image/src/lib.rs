//! OCI image pulling, content-addressed blob store and layer unpacking.
//!
//! [`ImageStore::pull`] resolves a reference against any OCI Distribution
//! registry, verifies every digest and size, keeps blobs in a store shared by
//! all applications and unpacks each layer once, so that containers can stack
//! the unpacked layers with overlayfs.
//!
//! # Supported content
//!
//! - Manifests: OCI image manifest, OCI image index, Docker schema 2 manifest
//!   and Docker manifest list. From an index or list the entry for the host
//!   platform (`linux/amd64` on x86-64) is selected.
//! - Layers: tar archives, uncompressed or compressed with gzip or zstd. The
//!   compression is detected from the first bytes of the blob, because some
//!   tools label uncompressed layers with a gzip media type.
//! - Registries: plain HTTP for loopback hosts and for the registries in
//!   [`RegistryOptions::insecure_registries`], HTTPS otherwise; anonymous
//!   access, Bearer token challenges and Basic credentials per registry.
//!
//! # Store layout
//!
//! ```text
//! ROOT/
//!   blobs/sha256/<hex>      manifests, configs and layer blobs, named by digest
//!   layers/<diff-id hex>    unpacked layers, usable as overlayfs lower directories
//!   images/<hex>.json       image records: sha256 of the normalised reference
//!                           mapped to the manifest digest, config and layers
//! ```
//!
//! Every file and directory gets its final name only once it is complete and
//! verified. Blobs are written to `.tmp-*` files in `blobs/sha256/` and renamed
//! after their digest and size match and they are flushed to disk. Layers are
//! unpacked into `.tmp-*` directories in `layers/` and renamed after their
//! diff-id matches, and records are written the same way. So an entry without
//! the `.tmp-` prefix is complete. [`ImageStore::open`] removes temporary
//! entries left by processes that no longer run.
//!
//! Blobs and layers are shared by all images. Pulls of the same content in one
//! process take a lock per digest, so each blob is downloaded and each layer
//! unpacked once. Separate processes sharing a store cannot corrupt it, thanks
//! to the rename, but may download the same blob twice.
//!
//! Unpacked layers keep the overlayfs conventions: a whiteout (`.wh.NAME` in
//! the archive) becomes a character device 0:0 named `NAME`, and an opaque
//! directory marker (`.wh..wh..opq`) becomes the `trusted.overlay.opaque=y`
//! extended attribute on its directory.

mod blobs;
mod digest;
mod error;
mod lock;
mod manifest;
mod options;
mod pull;
mod record;
mod reference;
mod registry;
mod unpack;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use digest::{Digest, DigestError};
pub use error::{OpenError, PullError, PullErrorKind};
pub use options::{Credentials, RegistryOptions, StoreOptions, UnpackLimits};
pub use reference::{Reference, ReferenceError};

/// Content-addressed store of blobs and unpacked layers under one directory.
#[derive(Debug, Clone)]
pub struct ImageStore {
    root: PathBuf,
    inner: Arc<StoreInner>,
}

#[derive(Debug)]
struct StoreInner {
    options: StoreOptions,
    http: reqwest::Client,
}

/// A pulled image, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The reference as requested.
    pub reference: String,
    /// Digest of the image manifest (for a multi-platform image, of the linux/amd64 manifest).
    pub manifest_digest: String,
    /// Runtime defaults from the image configuration.
    pub config: ImageConfig,
    /// Unpacked layer directories, lowest layer first.
    pub layers: Vec<PathBuf>,
}

/// Runtime defaults an image carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageConfig {
    /// `user`, `uid`, `user:group` or `uid:gid`; empty means root.
    pub user: String,
    /// `NAME=value` entries.
    pub env: Vec<String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Default arguments.
    pub cmd: Vec<String>,
    /// Working directory; empty means `/`.
    pub working_dir: String,
}

impl ImageStore {
    /// Opens (creating when needed) the store under `root` with default options.
    pub fn open(root: impl Into<PathBuf>) -> Result<ImageStore, OpenError> {
        ImageStore::open_with(root, StoreOptions::default())
    }

    /// Opens (creating when needed) the store under `root` with `options`.
    ///
    /// Removes temporary files and directories that processes which no longer
    /// run left behind.
    pub fn open_with(
        root: impl Into<PathBuf>,
        options: StoreOptions,
    ) -> Result<ImageStore, OpenError> {
        let root = root.into();
        for dir in [
            blobs::blob_dir(&root),
            unpack::layers_dir(&root),
            record::records_dir(&root),
        ] {
            std::fs::create_dir_all(&dir).map_err(|source| OpenError {
                path: dir.clone(),
                source,
            })?;
        }

        blobs::remove_stale_temporaries(&blobs::blob_dir(&root));
        blobs::remove_stale_temporaries(&unpack::layers_dir(&root));
        blobs::remove_stale_temporaries(&record::records_dir(&root));

        let http =
            registry::build_http_client(&options.registries).map_err(|source| OpenError {
                path: root.clone(),
                source: std::io::Error::other(format!("cannot build the HTTP client: {source}")),
            })?;
        tracing::debug!(root = %root.display(), "image store opened");
        Ok(ImageStore {
            root,
            inner: Arc::new(StoreInner { options, http }),
        })
    }

    /// Returns the store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns the options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// Pulls `reference` and returns it unpacked.
    ///
    /// A digest reference that is present locally is returned without network
    /// access. A tag is always resolved against the registry, so that new
    /// pushes are seen. Only when the registry is unreachable does the pull
    /// return the image last pulled under that tag, and log a warning.
    pub async fn pull(&self, reference: &str) -> Result<Image, PullError> {
        pull::pull(self, reference).await
    }

    /// Returns the image recorded locally for `reference`, when it was pulled
    /// before and all its layers are still unpacked. Never uses the network.
    pub async fn resolve_local(&self, reference: &str) -> Option<Image> {
        let parsed = Reference::parse(reference).ok()?;
        record::load_image(&self.root, &parsed, reference).await
    }
}
