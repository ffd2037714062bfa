//! Image records under `ROOT/images/<sha256 of the normalised reference>.json`.
//!
//! A record maps a reference to the manifest, config and layers a pull
//! resolved it to. With it, a digest reference needs no network, and a tag
//! still resolves when the registry cannot be reached.

use std::io;
use std::path::{Path, PathBuf};

use crate::blobs::{sync_directory, temporary_path};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::unpack::layer_path;
use crate::{Image, ImageConfig};

/// Result of resolving one reference in a pull.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ImageRecord {
    /// Normalised reference the record is stored under.
    pub(crate) reference: String,
    pub(crate) manifest_digest: String,
    pub(crate) config_digest: String,
    pub(crate) config: ImageConfig,
    /// Uncompressed layer digests, lowest layer first.
    pub(crate) diff_ids: Vec<String>,
}

/// Returns the directory of the image records.
pub(crate) fn records_dir(root: &Path) -> PathBuf {
    root.join("images")
}

fn record_path(root: &Path, reference: &Reference) -> PathBuf {
    let key = Digest::of(reference.canonical().as_bytes());
    records_dir(root).join(format!("{}.json", key.hex()))
}

/// Writes `record` under each of `references`, atomically per file.
pub(crate) async fn save(
    root: &Path,
    references: &[Reference],
    record: &ImageRecord,
) -> Result<(), (PathBuf, io::Error)> {
    let dir = records_dir(root);
    for reference in references {
        let path = record_path(root, reference);
        let record = ImageRecord {
            reference: reference.canonical(),
            ..record.clone()
        };
        let body = serde_json::to_vec_pretty(&record)
            .map_err(|error| (path.clone(), io::Error::other(error)))?;

        let temporary = temporary_path(&dir, "record");
        let written = write_then_rename(&temporary, &path, &body).await;
        if written.is_err()
            && let Err(error) = tokio::fs::remove_file(&temporary).await
        {
            tracing::warn!(path = %temporary.display(), %error, "cannot remove temporary image record");
        }
        written.map_err(|error| (path.clone(), error))?;
    }
    sync_directory(&dir)
        .await
        .map_err(|error| (dir.clone(), error))
}

async fn write_then_rename(temporary: &Path, path: &Path, body: &[u8]) -> io::Result<()> {
    let mut file = tokio::fs::File::create(temporary).await?;
    tokio::io::AsyncWriteExt::write_all(&mut file, body).await?;
    file.sync_all().await?;
    tokio::fs::rename(temporary, path).await
}

/// Returns the image recorded for `reference` when every layer is still
/// unpacked; `requested` becomes [`Image::reference`].
pub(crate) async fn load_image(
    root: &Path,
    reference: &Reference,
    requested: &str,
) -> Option<Image> {
    let path = record_path(root, reference);
    let body = tokio::fs::read(&path).await.ok()?;
    let record: ImageRecord = match serde_json::from_slice(&body) {
        Ok(record) => record,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "unreadable image record ignored");
            return None;
        }
    };

    let mut layers = Vec::with_capacity(record.diff_ids.len());
    for diff_id in &record.diff_ids {
        let layer = layer_path(root, &Digest::parse(diff_id).ok()?);
        if !tokio::fs::metadata(&layer)
            .await
            .is_ok_and(|metadata| metadata.is_dir())
        {
            tracing::debug!(reference = %reference, layer = %layer.display(), "recorded layer missing");
            return None;
        }
        layers.push(layer);
    }
    Some(Image {
        reference: requested.to_owned(),
        manifest_digest: record.manifest_digest,
        config: record.config,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(diff_ids: Vec<String>) -> ImageRecord {
        ImageRecord {
            reference: String::new(),
            manifest_digest: Digest::of(b"manifest").to_string(),
            config_digest: Digest::of(b"config").to_string(),
            config: ImageConfig {
                cmd: vec!["/bin/sh".to_owned()],
                ..ImageConfig::default()
            },
            diff_ids,
        }
    }

    fn store() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(records_dir(root.path())).unwrap();
        root
    }

    #[tokio::test]
    async fn load_image_returns_saved_record() {
        let root = store();
        let diff_id = Digest::of(b"layer");
        std::fs::create_dir_all(layer_path(root.path(), &diff_id)).unwrap();
        let reference = Reference::parse("127.0.0.1:5000/app:v1").unwrap();

        save(
            root.path(),
            std::slice::from_ref(&reference),
            &record(vec![diff_id.to_string()]),
        )
        .await
        .unwrap();
        let image = load_image(root.path(), &reference, "127.0.0.1:5000/app:v1")
            .await
            .unwrap();

        assert_eq!(image.reference, "127.0.0.1:5000/app:v1");
        assert_eq!(image.manifest_digest, Digest::of(b"manifest").to_string());
        assert_eq!(image.config.cmd, vec!["/bin/sh".to_owned()]);
        assert_eq!(image.layers, vec![layer_path(root.path(), &diff_id)]);
    }

    #[tokio::test]
    async fn load_image_ignores_record_with_missing_layer() {
        let root = store();
        let reference = Reference::parse("127.0.0.1:5000/app:v1").unwrap();
        let diff_id = Digest::of(b"never unpacked").to_string();

        save(
            root.path(),
            std::slice::from_ref(&reference),
            &record(vec![diff_id]),
        )
        .await
        .unwrap();

        assert_eq!(load_image(root.path(), &reference, "x").await, None);
    }

    #[tokio::test]
    async fn load_image_matches_normalised_reference() {
        let root = store();
        let saved = Reference::parse("docker.io/library/app:latest").unwrap();
        save(
            root.path(),
            std::slice::from_ref(&saved),
            &record(Vec::new()),
        )
        .await
        .unwrap();

        let short = Reference::parse("app").unwrap();
        assert!(load_image(root.path(), &short, "app").await.is_some());
        let other_tag = Reference::parse("app:v2").unwrap();
        assert!(
            load_image(root.path(), &other_tag, "app:v2")
                .await
                .is_none()
        );
    }
}
