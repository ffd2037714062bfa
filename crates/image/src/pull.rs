//! The pull of one image: manifest, config, layers, record.

use std::path::PathBuf;
use std::time::Instant;

use oci_spec::image::ImageManifest;

use crate::blobs::{self, BlobError, BlobWriter, has_blob, read_blob, store_bytes};
use crate::digest::Digest;
use crate::error::{Failure, PullErrorKind};
use crate::lock::lock_path;
use crate::manifest::{self, BlobDescriptor, Manifest, ManifestError, Platform};
use crate::record::{self, ImageRecord};
use crate::reference::Reference;
use crate::registry::{RegistryClient, RegistryError};
use crate::unpack::{layer_path, layers_dir, unpack_layer};
use crate::{Image, ImageStore, PullError};

/// Upper bound for an image config blob. Configs are JSON documents, usually
/// a few kilobytes even with a long build history.
const MAX_CONFIG_BYTES: u64 = 16 << 20;
/// Layers downloaded and unpacked at the same time within one pull.
const LAYER_CONCURRENCY: usize = 3;

pub(crate) async fn pull(store: &ImageStore, requested: &str) -> Result<Image, PullError> {
    let started = Instant::now();
    tracing::info!(reference = requested, "image pull started");
    let result = pull_reference(store, requested).await;
    match &result {
        Ok(image) => tracing::info!(
            reference = requested,
            manifest_digest = %image.manifest_digest,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "image pull finished"
        ),
        Err(error) => tracing::debug!(reference = requested, %error, "image pull failed"),
    }
    result
}

async fn pull_reference(store: &ImageStore, requested: &str) -> Result<Image, PullError> {
    let reference = Reference::parse(requested)
        .map_err(|error| Failure::from(error).into_pull_error(requested))?;
    if reference.digest.is_some()
        && let Some(image) = record::load_image(store.root(), &reference, requested).await
    {
        tracing::debug!(reference = requested, "image present locally");
        return Ok(image);
    }

    let failure = match pull_remote(store, &reference, requested).await {
        Ok(image) => return Ok(image),
        Err(failure) => failure,
    };
    if failure.kind() == PullErrorKind::Unreachable
        && let Some(image) = record::load_image(store.root(), &reference, requested).await
    {
        tracing::warn!(
            reference = requested,
            manifest_digest = %image.manifest_digest,
            error = %failure,
            "registry unreachable, using the image pulled before under this tag"
        );
        return Ok(image);
    }
    Err(failure.into_pull_error(requested))
}

/// One pull against the registry.
struct RemotePull<'a> {
    store: &'a ImageStore,
    client: RegistryClient<'a>,
    image: String,
}

async fn pull_remote(
    store: &ImageStore,
    reference: &Reference,
    requested: &str,
) -> Result<Image, Failure> {
    let client = RegistryClient::new(
        &store.inner.http,
        &store.inner.options.registries,
        reference,
    );
    let pull = RemotePull {
        store,
        client,
        image: reference.to_string(),
    };
    let platform = Platform::host();

    let (top_digest, top) = pull
        .fetch_manifest(
            &reference.manifest_reference(),
            reference.digest.as_ref(),
            None,
        )
        .await?;
    let (manifest_digest, manifest) = pull
        .select_manifest(top_digest.clone(), top, &platform)
        .await?;

    let config_descriptor = manifest::config_descriptor(&pull.image, &manifest)?;
    let layers = manifest::layer_descriptors(&pull.image, &manifest)?;
    let config_subject = format!("config of image {}", pull.image);
    pull.ensure_blob(&config_subject, &config_descriptor, MAX_CONFIG_BYTES)
        .await?;
    let config_body = read_blob(store.root(), &config_descriptor.digest, MAX_CONFIG_BYTES).await?;
    let parsed = manifest::parse_config(&pull.image, &config_body, &platform)?;
    if parsed.diff_ids.len() != layers.len() {
        let (layers, diff_ids) = (layers.len(), parsed.diff_ids.len());
        return Err(ManifestError::LayerCountMismatch {
            image: pull.image,
            layers,
            diff_ids,
        }
        .into());
    }

    let layer_paths = pull.ensure_layers(&layers, &parsed.diff_ids).await?;
    let record = ImageRecord {
        reference: String::new(),
        manifest_digest: manifest_digest.to_string(),
        config_digest: config_descriptor.digest.to_string(),
        config: parsed.config.clone(),
        diff_ids: parsed.diff_ids.iter().map(Digest::to_string).collect(),
    };
    let keys = [reference.clone(), reference.with_digest(&top_digest)];
    record::save(store.root(), &keys, &record)
        .await
        .map_err(|(path, source)| Failure::Record { path, source })?;

    Ok(Image {
        reference: requested.to_owned(),
        manifest_digest: manifest_digest.to_string(),
        config: parsed.config,
        layers: layer_paths,
    })
}

impl RemotePull<'_> {
    /// Fetches a manifest, verifies it against the expected digest and size
    /// (and the registry's `Docker-Content-Digest` header), and stores it.
    async fn fetch_manifest(
        &self,
        tag_or_digest: &str,
        expected: Option<&Digest>,
        expected_size: Option<u64>,
    ) -> Result<(Digest, Manifest), Failure> {
        let response = self.client.get_manifest(tag_or_digest).await?;
        let actual = Digest::of(&response.body);
        let subject = format!("manifest {tag_or_digest} of image {}", self.image);

        let header = response
            .digest_header
            .as_deref()
            .and_then(|header| Digest::parse(header).ok());
        for claimed in [expected, header.as_ref()].into_iter().flatten() {
            if claimed != &actual {
                let expected = claimed.clone();
                return Err(BlobError::DigestMismatch {
                    subject,
                    expected,
                    actual,
                }
                .into());
            }
        }
        if let Some(size) = expected_size
            && size != response.body.len() as u64
        {
            let received = response.body.len() as u64;
            let digest = expected.cloned().unwrap_or(actual);
            return Err(BlobError::SizeMismatch {
                subject,
                digest,
                expected: size,
                actual: received,
            }
            .into());
        }

        let manifest =
            manifest::parse_manifest(&subject, response.content_type.as_deref(), &response.body)?;
        store_bytes(self.store.root(), &subject, &actual, &response.body).await?;
        Ok((actual, manifest))
    }

    /// Returns the image manifest itself, or for an index the entry for `platform`.
    async fn select_manifest(
        &self,
        digest: Digest,
        manifest: Manifest,
        platform: &Platform,
    ) -> Result<(Digest, Box<ImageManifest>), Failure> {
        let index = match manifest {
            Manifest::Image(manifest) => return Ok((digest, manifest)),
            Manifest::Index(index) => index,
        };

        let entry = manifest::select_platform(&self.image, &index, platform)?;
        if manifest::is_index_type(entry.media_type().as_ref()) {
            return Err(ManifestError::NestedIndex {
                image: self.image.clone(),
            }
            .into());
        }
        let descriptor =
            manifest::blob_descriptor(&format!("index of image {}", self.image), &entry)?;
        let (child_digest, child) = self
            .fetch_manifest(
                &descriptor.digest.to_string(),
                Some(&descriptor.digest),
                Some(descriptor.size),
            )
            .await?;
        match child {
            Manifest::Image(manifest) => Ok((child_digest, manifest)),
            Manifest::Index(_) => Err(ManifestError::NestedIndex {
                image: self.image.clone(),
            }
            .into()),
        }
    }

    /// Downloads and unpacks the layers that are not unpacked yet, and returns
    /// the layer directories, lowest first.
    async fn ensure_layers(
        &self,
        layers: &[BlobDescriptor],
        diff_ids: &[Digest],
    ) -> Result<Vec<PathBuf>, Failure> {
        // A semaphore bounds the concurrent downloads. A `buffer_unordered`
        // stream would too, but its future is not provably `Send`
        // (rust-lang/rust#102211), and the engine runs pulls on a multi-threaded runtime.
        let limit = tokio::sync::Semaphore::new(LAYER_CONCURRENCY);
        let tasks = layers.iter().zip(diff_ids).map(|(layer, diff_id)| {
            let limit = &limit;
            async move {
                let _permit = limit.acquire().await;
                self.ensure_layer(layer, diff_id).await
            }
        });
        futures::future::try_join_all(tasks).await?;
        Ok(diff_ids
            .iter()
            .map(|diff_id| layer_path(self.store.root(), diff_id))
            .collect())
    }

    async fn ensure_layer(&self, layer: &BlobDescriptor, diff_id: &Digest) -> Result<(), Failure> {
        let root = self.store.root();
        let path = layer_path(root, diff_id);
        if is_directory(&path).await {
            return Ok(());
        }
        let _guard = lock_path(&path).await;
        if is_directory(&path).await {
            return Ok(());
        }

        let limits = self.store.inner.options.limits;
        let subject = format!("layer {} of image {}", layer.digest, self.image);
        let blob = self
            .ensure_blob(&subject, layer, limits.max_layer_bytes)
            .await?;
        let (layers, digest, diff) = (layers_dir(root), layer.digest.clone(), diff_id.clone());
        let unpacked = tokio::task::spawn_blocking(move || {
            unpack_layer(&blob, &layers, &digest, &diff, &limits)
        })
        .await
        .expect("layer unpack task panicked")?;
        tracing::info!(image = %self.image, layer = %layer.digest, diff_id = %diff_id, path = %unpacked.display(), "layer unpacked");
        Ok(())
    }

    /// Returns the path of a blob, downloading and verifying it unless it is
    /// stored already. Concurrent calls for one digest download it once.
    async fn ensure_blob(
        &self,
        subject: &str,
        blob: &BlobDescriptor,
        limit: u64,
    ) -> Result<PathBuf, Failure> {
        let root = self.store.root();
        if blob.size > limit {
            let (digest, size) = (blob.digest.clone(), blob.size);
            return Err(BlobError::TooLarge {
                subject: subject.to_owned(),
                digest,
                size,
                limit,
            }
            .into());
        }
        let path = blobs::blob_path(root, &blob.digest);
        if has_blob(root, &blob.digest, blob.size).await {
            return Ok(path);
        }
        let _guard = lock_path(&path).await;
        if has_blob(root, &blob.digest, blob.size).await {
            return Ok(path);
        }

        let max_retries = self.store.inner.options.registries.max_retries;
        let backoff = self.store.inner.options.registries.retry_backoff;
        let mut retries = 0;
        loop {
            let reason = match self.download(subject, blob).await {
                Ok(path) => return Ok(path),
                Err(Download::Failed(failure)) => return Err(failure),
                Err(Download::Interrupted(reason)) if retries < max_retries => reason,
                Err(Download::Interrupted(reason)) => {
                    let url = self.client.blob_url(&blob.digest);
                    return Err(RegistryError::Transport { url, reason }.into());
                }
            };
            retries += 1;
            let delay = backoff.saturating_mul(1 << (retries - 1).min(16));
            tracing::warn!(digest = %blob.digest, retry = retries, max_retries, %reason, ?delay, "blob download interrupted, retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn download(&self, subject: &str, blob: &BlobDescriptor) -> Result<PathBuf, Download> {
        let mut response = self
            .client
            .get_blob(&blob.digest)
            .await
            .map_err(|error| Download::Failed(error.into()))?;
        let mut writer = BlobWriter::create(self.store.root(), subject, &blob.digest, blob.size)
            .await
            .map_err(|error| Download::Failed(error.into()))?;
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|error| Download::Interrupted(error.to_string()))?;
            let Some(chunk) = chunk else { break };
            writer
                .write(&chunk)
                .await
                .map_err(|error| Download::Failed(error.into()))?;
        }
        let path = writer
            .commit()
            .await
            .map_err(|error| Download::Failed(error.into()))?;
        tracing::debug!(image = %self.image, digest = %blob.digest, size = blob.size, "blob downloaded");
        Ok(path)
    }
}

/// Outcome of a failed download attempt: worth retrying or final.
enum Download {
    Interrupted(String),
    Failed(Failure),
}

async fn is_directory(path: &std::path::Path) -> bool {
    tokio::fs::metadata(path)
        .await
        .is_ok_and(|metadata| metadata.is_dir())
}
