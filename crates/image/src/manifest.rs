//! Manifests, indexes and image configurations, in OCI and Docker schema 2
//! formats, and the choice of the host's platform.

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest};

use crate::ImageConfig;
use crate::digest::Digest;
use crate::error::PullErrorKind;

pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// Layer media types, OCI and Docker, distributable and not. The compression
/// suffix is not trusted: the unpacker detects compression from the content.
/// Non-distributable layers are fetched from the registry too, never from
/// their descriptor's `urls`.
const LAYER_MEDIA_TYPES: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// `Accept` header for manifest requests: every manifest type we can read.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// Failure to interpret a manifest, index or configuration.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ManifestError {
    #[error("{subject} is not valid JSON of its type: {reason}")]
    Invalid { subject: String, reason: String },
    #[error(
        "{subject} uses Docker schema 1 ({media_type}), which is not supported: \
         push the image again with a current client"
    )]
    Schema1 { subject: String, media_type: String },
    #[error(
        "{subject} has unsupported media type {media_type:?}: expected an OCI or Docker schema 2 manifest or index"
    )]
    UnsupportedMediaType { subject: String, media_type: String },
    #[error("image {image} has no variant for {wanted}; it is built for {}", available.join(", "))]
    NoMatchingPlatform {
        image: String,
        wanted: String,
        available: Vec<String>,
    },
    #[error("image {image} is built for {built_for}; this host runs {host}")]
    WrongPlatform {
        image: String,
        built_for: String,
        host: String,
    },
    #[error("image {image} selects an index inside an index, which is not supported")]
    NestedIndex { image: String },
    #[error("image {image} is not a container image: its config has media type {media_type:?}")]
    NotAnImage { image: String, media_type: String },
    #[error("image {image} has layer {digest} with unsupported media type {media_type:?}")]
    UnsupportedLayer {
        image: String,
        digest: String,
        media_type: String,
    },
    #[error("image {image} lists {layers} layers but its config lists {diff_ids} diff-ids")]
    LayerCountMismatch {
        image: String,
        layers: usize,
        diff_ids: usize,
    },
}

impl ManifestError {
    pub(crate) fn kind(&self) -> PullErrorKind {
        match self {
            ManifestError::NoMatchingPlatform { .. } | ManifestError::WrongPlatform { .. } => {
                PullErrorKind::WrongPlatform
            }
            _ => PullErrorKind::InvalidImage,
        }
    }
}

/// A manifest body, interpreted by its media type.
#[derive(Debug)]
pub(crate) enum Manifest {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

/// Parses a manifest body. The media type comes from the `Content-Type`
/// header, else from the body's `mediaType`, else from its shape, because OCI
/// manifests may omit `mediaType` and some registries send a generic type.
pub(crate) fn parse_manifest(
    subject: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Manifest, ManifestError> {
    let invalid = |reason: String| ManifestError::Invalid {
        subject: subject.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| invalid(error.to_string()))?;

    let declared = content_type
        .map(|header| header.split(';').next().unwrap_or_default().trim())
        .filter(|media_type| is_manifest_type(media_type))
        .or_else(|| {
            value
                .get("mediaType")
                .and_then(|media_type| media_type.as_str())
        });
    let media_type = match declared {
        Some(media_type) => media_type.to_owned(),
        None if value.get("manifests").is_some() => OCI_INDEX.to_owned(),
        None => OCI_MANIFEST.to_owned(),
    };

    match media_type.as_str() {
        OCI_MANIFEST | DOCKER_MANIFEST => serde_json::from_value(value)
            .map(|manifest| Manifest::Image(Box::new(manifest)))
            .map_err(|error| invalid(error.to_string())),
        OCI_INDEX | DOCKER_LIST => serde_json::from_value(value)
            .map(|index| Manifest::Index(Box::new(index)))
            .map_err(|error| invalid(error.to_string())),
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED => Err(ManifestError::Schema1 {
            subject: subject.to_owned(),
            media_type,
        }),
        _ => Err(ManifestError::UnsupportedMediaType {
            subject: subject.to_owned(),
            media_type,
        }),
    }
}

fn is_manifest_type(media_type: &str) -> bool {
    [
        OCI_MANIFEST,
        OCI_INDEX,
        DOCKER_MANIFEST,
        DOCKER_LIST,
        DOCKER_SCHEMA1,
        DOCKER_SCHEMA1_SIGNED,
    ]
    .contains(&media_type)
}

/// Operating system and CPU architecture, in Go's `GOOS`/`GOARCH` terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub(crate) os: String,
    pub(crate) architecture: String,
}

impl Platform {
    /// Returns the platform this process runs on.
    pub(crate) fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform {
            os: std::env::consts::OS.to_owned(),
            architecture: architecture.to_owned(),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)
    }
}

/// Returns the index entry for `platform`, or lists the platforms there are.
pub(crate) fn select_platform(
    image: &str,
    index: &ImageIndex,
    platform: &Platform,
) -> Result<Descriptor, ManifestError> {
    let matching = index.manifests().iter().find(|entry| {
        entry.platform().as_ref().is_some_and(|candidate| {
            candidate.os().to_string() == platform.os
                && candidate.architecture().to_string() == platform.architecture
        })
    });
    if let Some(entry) = matching {
        return Ok(entry.clone());
    }

    let available = index.manifests().iter().map(describe_platform).collect();
    Err(ManifestError::NoMatchingPlatform {
        image: image.to_owned(),
        wanted: platform.to_string(),
        available,
    })
}

fn describe_platform(entry: &Descriptor) -> String {
    let Some(platform) = entry.platform() else {
        return "unknown platform".to_owned();
    };
    match platform.variant() {
        Some(variant) => format!("{}/{}/{variant}", platform.os(), platform.architecture()),
        None => format!("{}/{}", platform.os(), platform.architecture()),
    }
}

/// Returns true when `media_type` names an index or manifest list.
pub(crate) fn is_index_type(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// A blob descriptor whose digest was checked to be SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct BlobDescriptor {
    pub(crate) digest: Digest,
    pub(crate) size: u64,
}

/// Returns the checked digest and size of `descriptor`.
pub(crate) fn blob_descriptor(
    subject: &str,
    descriptor: &Descriptor,
) -> Result<BlobDescriptor, ManifestError> {
    let digest =
        Digest::parse(descriptor.digest().as_ref()).map_err(|error| ManifestError::Invalid {
            subject: subject.to_owned(),
            reason: error.to_string(),
        })?;
    Ok(BlobDescriptor {
        digest,
        size: descriptor.size(),
    })
}

/// Returns the config descriptor, after checking it describes a container image.
pub(crate) fn config_descriptor(
    image: &str,
    manifest: &ImageManifest,
) -> Result<BlobDescriptor, ManifestError> {
    let media_type = manifest.config().media_type().to_string();
    if media_type != OCI_CONFIG && media_type != DOCKER_CONFIG {
        return Err(ManifestError::NotAnImage {
            image: image.to_owned(),
            media_type,
        });
    }
    blob_descriptor(&format!("config of image {image}"), manifest.config())
}

/// Returns the layer descriptors, after checking their media types.
pub(crate) fn layer_descriptors(
    image: &str,
    manifest: &ImageManifest,
) -> Result<Vec<BlobDescriptor>, ManifestError> {
    let mut layers = Vec::with_capacity(manifest.layers().len());
    for layer in manifest.layers() {
        let media_type = layer.media_type().to_string();
        if !LAYER_MEDIA_TYPES.contains(&media_type.as_str()) {
            let digest = layer.digest().to_string();
            return Err(ManifestError::UnsupportedLayer {
                image: image.to_owned(),
                digest,
                media_type,
            });
        }
        layers.push(blob_descriptor(&format!("layer of image {image}"), layer)?);
    }
    Ok(layers)
}

/// Runtime defaults and diff-ids of an image configuration.
#[derive(Debug)]
pub(crate) struct ParsedConfig {
    pub(crate) config: ImageConfig,
    pub(crate) diff_ids: Vec<Digest>,
}

/// Parses an image configuration and checks that it was built for `platform`.
pub(crate) fn parse_config(
    image: &str,
    body: &[u8],
    platform: &Platform,
) -> Result<ParsedConfig, ManifestError> {
    let subject = format!("config of image {image}");
    let invalid = |reason: String| ManifestError::Invalid {
        subject: subject.clone(),
        reason,
    };
    let parsed: ImageConfiguration =
        serde_json::from_slice(body).map_err(|error| invalid(error.to_string()))?;

    let built_for = Platform {
        os: parsed.os().to_string(),
        architecture: parsed.architecture().to_string(),
    };
    if &built_for != platform {
        return Err(ManifestError::WrongPlatform {
            image: image.to_owned(),
            built_for: built_for.to_string(),
            host: platform.to_string(),
        });
    }

    let diff_ids = parsed
        .rootfs()
        .diff_ids()
        .iter()
        .map(|text| Digest::parse(text).map_err(|error| invalid(error.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedConfig {
        config: runtime_defaults(&parsed),
        diff_ids,
    })
}

fn runtime_defaults(parsed: &ImageConfiguration) -> ImageConfig {
    let Some(config) = parsed.config() else {
        return ImageConfig::default();
    };
    ImageConfig {
        user: config.user().clone().unwrap_or_default(),
        env: config.env().clone().unwrap_or_default(),
        entrypoint: config.entrypoint().clone().unwrap_or_default(),
        cmd: config.cmd().clone().unwrap_or_default(),
        working_dir: config.working_dir().clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
