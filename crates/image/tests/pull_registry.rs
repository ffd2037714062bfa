//! Pulls from a real registry (Debian's docker-registry) of images built and
//! pushed by third-party tools (umoci, skopeo, buildah), so that manifests,
//! indexes and layers in formats this crate did not write are covered.

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use strongroom_image::{Image, ImageStore, PullErrorKind, RegistryOptions, StoreOptions};
use support::layout::{Buildah, Compression, Format, Layout};
use support::registry::{Registry, free_port};
use support::{init_logging, unique_name, write_busybox_rootfs};

const OCI_ACCEPT: &str =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";
const DOCKER_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json";

/// A registry, an OCI layout to build images in, and an image store.
struct Fixture {
    registry: Registry,
    layout: Layout,
    store: ImageStore,
    store_dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        init_logging();
        let store_dir = tempfile::tempdir().unwrap();
        let store = ImageStore::open_with(store_dir.path().join("store"), fast_options()).unwrap();
        Fixture {
            registry: Registry::start(),
            layout: Layout::new(),
            store,
            store_dir,
        }
    }

    /// Builds a one-layer BusyBox image for `architecture` whose
    /// `/etc/marker` contains `marker`.
    fn busybox_image(&self, tag: &str, architecture: &str, marker: &str) {
        let rootfs = self.layout.scratch_dir("rootfs");
        write_busybox_rootfs(&rootfs, marker);
        self.layout.new_image(tag, architecture);
        self.layout.insert(tag, &rootfs, "/");
        self.layout.configure(
            tag,
            &["--config.cmd", "/bin/sh", "--config.env", "GREETING=hello"],
        );
    }

    async fn pull(&self, name: &str) -> Image {
        let reference = self.registry.reference(name);
        self.store
            .pull(&reference)
            .await
            .unwrap_or_else(|error| panic!("{error}\n{}", self.registry.log()))
    }

    /// Returns the digest of the manifest the registry serves for `name` with `accept`.
    async fn registry_digest(&self, repository: &str, reference: &str, accept: &str) -> String {
        let url = format!(
            "http://{}/v2/{repository}/manifests/{reference}",
            self.registry.address()
        );
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let response = client
            .get(url)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "manifest {repository}:{reference}: {}",
            response.status()
        );
        support::sha256(&response.bytes().await.unwrap())
    }
}

fn fast_options() -> StoreOptions {
    let registries = RegistryOptions {
        max_retries: 1,
        retry_backoff: Duration::from_millis(10),
        connect_timeout: Duration::from_secs(2),
        ..RegistryOptions::default()
    };
    StoreOptions {
        registries,
        ..StoreOptions::default()
    }
}

/// Checks that the single-layer BusyBox image was unpacked with its content,
/// symlink, hard link and config.
fn assert_busybox_image(image: &Image, marker: &str) {
    assert_eq!(image.layers.len(), 1, "{image:?}");
    let layer = &image.layers[0];
    assert_eq!(
        std::fs::read(layer.join("bin/busybox")).unwrap(),
        std::fs::read("/bin/busybox").unwrap()
    );
    assert_eq!(
        std::fs::read_link(layer.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );
    assert_eq!(
        std::fs::read_to_string(layer.join("etc/marker")).unwrap(),
        marker
    );
    let marker_inode = std::fs::metadata(layer.join("etc/marker")).unwrap().ino();
    assert_eq!(
        std::fs::metadata(layer.join("etc/marker-link"))
            .unwrap()
            .ino(),
        marker_inode
    );
    assert_eq!(image.config.cmd, vec!["/bin/sh".to_owned()]);
    assert!(
        image.config.env.contains(&"GREETING=hello".to_owned()),
        "{:?}",
        image.config.env
    );
}

async fn pull_pushed_image(format: Format, compression: Compression, accept: &str) {
    let fixture = Fixture::new();
    let marker = unique_name("marker");
    fixture.busybox_image("app", "amd64", &marker);
    fixture.layout.push(
        "app",
        &fixture.registry.reference("team/app:v1"),
        format,
        compression,
    );

    let image = fixture.pull("team/app:v1").await;

    assert_busybox_image(&image, &marker);
    assert_eq!(image.reference, fixture.registry.reference("team/app:v1"));
    assert_eq!(
        image.manifest_digest,
        fixture.registry_digest("team/app", "v1", accept).await
    );
}

#[tokio::test]
async fn pull_oci_manifest_gzip_layers() {
    pull_pushed_image(Format::Oci, Compression::Gzip, OCI_ACCEPT).await;
}

#[tokio::test]
async fn pull_oci_manifest_zstd_layers() {
    pull_pushed_image(Format::Oci, Compression::Zstd, OCI_ACCEPT).await;
}

#[tokio::test]
async fn pull_docker_manifest_gzip_layers() {
    pull_pushed_image(Format::Docker, Compression::Gzip, DOCKER_ACCEPT).await;
}

async fn pull_uncompressed_image(format: Format, accept: &str) {
    let fixture = Fixture::new();
    let marker = unique_name("marker");
    fixture.busybox_image("app", "amd64", &marker);
    fixture
        .layout
        .push_uncompressed(
            "app",
            &fixture.registry.address(),
            "team/plain",
            "v1",
            format,
        )
        .await;

    let image = fixture.pull("team/plain:v1").await;

    assert_busybox_image(&image, &marker);
    assert_eq!(
        image.manifest_digest,
        fixture.registry_digest("team/plain", "v1", accept).await
    );
}

#[tokio::test]
async fn pull_oci_manifest_uncompressed_layers() {
    pull_uncompressed_image(Format::Oci, OCI_ACCEPT).await;
}

#[tokio::test]
async fn pull_docker_manifest_uncompressed_layers() {
    pull_uncompressed_image(Format::Docker, DOCKER_ACCEPT).await;
}

async fn pull_multi_platform_image(format: Format, accept: &str) {
    let fixture = Fixture::new();
    fixture.busybox_image("amd", "amd64", "built for amd64");
    fixture.busybox_image("arm", "arm64", "built for arm64");
    let destination = fixture.registry.reference("team/multi:v1");
    fixture.layout.push_index(
        "multi",
        &[("arm", "arm64"), ("amd", "amd64")],
        &destination,
        format,
    );

    let image = fixture.pull("team/multi:v1").await;

    assert_busybox_image(&image, "built for amd64");
    let index_digest = fixture.registry_digest("team/multi", "v1", accept).await;
    assert_ne!(
        image.manifest_digest, index_digest,
        "the digest must be the amd64 manifest's, not the index's"
    );
    let platform_digest = fixture
        .registry_digest("team/multi", &image.manifest_digest, accept)
        .await;
    assert_eq!(platform_digest, image.manifest_digest);
}

#[tokio::test]
async fn pull_oci_index_selects_amd64() {
    pull_multi_platform_image(Format::Oci, OCI_ACCEPT).await;
}

#[tokio::test]
async fn pull_docker_manifest_list_selects_amd64() {
    pull_multi_platform_image(Format::Docker, DOCKER_ACCEPT).await;
}

#[tokio::test]
async fn pull_buildah_images() {
    let fixture = Fixture::new();
    let buildah = Buildah::new();
    let marker = unique_name("buildah");
    let rootfs = fixture.layout.scratch_dir("buildah-rootfs");
    write_busybox_rootfs(&rootfs, &marker);
    let local = buildah.build(&rootfs, "/bin/sh");
    buildah.push(
        &local,
        &fixture.registry.reference("team/buildah:oci"),
        Format::Oci,
    );
    buildah.push(
        &local,
        &fixture.registry.reference("team/buildah:docker"),
        Format::Docker,
    );

    for (tag, accept) in [("oci", OCI_ACCEPT), ("docker", DOCKER_ACCEPT)] {
        let image = fixture.pull(&format!("team/buildah:{tag}")).await;
        let layer = &image.layers[0];
        assert_eq!(image.layers.len(), 1, "{tag}");
        assert_eq!(
            std::fs::read(layer.join("bin/busybox")).unwrap(),
            std::fs::read("/bin/busybox").unwrap()
        );
        assert_eq!(
            std::fs::read_link(layer.join("bin/sh")).unwrap(),
            Path::new("busybox"),
            "{tag}"
        );
        assert_eq!(
            std::fs::read_to_string(layer.join("etc/marker")).unwrap(),
            marker,
            "{tag}"
        );
        assert_eq!(image.config.cmd, vec!["/bin/sh".to_owned()], "{tag}");
        assert_eq!(
            image.manifest_digest,
            fixture.registry_digest("team/buildah", tag, accept).await
        );
    }
}

/// Returns the config and layer digests of a manifest in the store.
fn stored_blob_digests(store: &ImageStore, manifest_digest: &str) -> Vec<String> {
    let hex = manifest_digest.strip_prefix("sha256:").unwrap();
    let body = std::fs::read(store.root().join("blobs/sha256").join(hex)).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut digests = vec![manifest["config"]["digest"].as_str().unwrap().to_owned()];
    for layer in manifest["layers"].as_array().unwrap() {
        digests.push(layer["digest"].as_str().unwrap().to_owned());
    }
    digests
}

#[tokio::test]
async fn pull_again_downloads_no_blob() {
    let fixture = Fixture::new();
    fixture.busybox_image("app", "amd64", &unique_name("marker"));
    fixture.layout.push(
        "app",
        &fixture.registry.reference("team/app:v1"),
        Format::Oci,
        Compression::Gzip,
    );
    let first = fixture.pull("team/app:v1").await;

    // Without its blobs, the registry can only serve the manifest: a second
    // pull that requested any blob would fail.
    for digest in stored_blob_digests(&fixture.store, &first.manifest_digest) {
        fixture.registry.remove_blob(&digest);
    }
    let second = fixture.pull("team/app:v1").await;

    assert_eq!(second, first);
}

#[tokio::test]
async fn pull_sees_new_push_to_same_tag() {
    let fixture = Fixture::new();
    fixture.busybox_image("first", "amd64", "first push");
    fixture.busybox_image("second", "amd64", "second push");
    let destination = fixture.registry.reference("team/app:v1");
    fixture
        .layout
        .push("first", &destination, Format::Oci, Compression::Gzip);
    let first = fixture.pull("team/app:v1").await;

    fixture
        .layout
        .push("second", &destination, Format::Oci, Compression::Gzip);
    let second = fixture.pull("team/app:v1").await;

    assert_ne!(second.manifest_digest, first.manifest_digest);
    assert_busybox_image(&second, "second push");
}

#[tokio::test]
async fn pull_without_registry_uses_local_records() {
    let fixture = Fixture::new();
    fixture.busybox_image("app", "amd64", "offline");
    fixture.layout.push(
        "app",
        &fixture.registry.reference("team/app:v1"),
        Format::Oci,
        Compression::Gzip,
    );
    let pulled = fixture.pull("team/app:v1").await;
    let tag_reference = fixture.registry.reference("team/app:v1");
    let digest_reference = fixture
        .registry
        .reference(&format!("team/app@{}", pulled.manifest_digest));
    let never_pulled = fixture.registry.reference("team/app:v2");
    let Fixture {
        registry,
        store,
        store_dir: _store_dir,
        ..
    } = fixture;
    drop(registry);

    let by_digest = store.pull(&digest_reference).await.unwrap();
    assert_eq!(by_digest.reference, digest_reference);
    assert_eq!(by_digest.layers, pulled.layers);

    let by_tag = store.pull(&tag_reference).await.unwrap();
    assert_eq!(
        by_tag, pulled,
        "an unreachable registry falls back to the recorded tag"
    );

    let error = store.pull(&never_pulled).await.unwrap_err();
    assert_eq!(error.kind, PullErrorKind::Unreachable, "{error}");

    assert_eq!(
        store.resolve_local(&tag_reference).await,
        Some(pulled.clone())
    );
    assert!(store.resolve_local(&never_pulled).await.is_none());
}

#[tokio::test]
async fn pull_missing_image_reports_not_found() {
    let fixture = Fixture::new();
    fixture.busybox_image("app", "amd64", "present");
    fixture.layout.push(
        "app",
        &fixture.registry.reference("team/app:v1"),
        Format::Oci,
        Compression::Gzip,
    );

    for name in ["team/app:missing", "team/absent:v1"] {
        let reference = fixture.registry.reference(name);
        let error = fixture.store.pull(&reference).await.unwrap_err();

        assert_eq!(error.kind, PullErrorKind::NotFound, "{error}");
        let expected = format!(
            "image {reference} not found in registry {}: check the repository and tag",
            fixture.registry.address()
        );
        assert!(error.to_string().contains(&expected), "{error}");
    }
}

#[tokio::test]
async fn pull_unreachable_registry_names_address() {
    init_logging();
    let store_dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open_with(store_dir.path(), fast_options()).unwrap();
    let address = format!("127.0.0.1:{}", free_port());

    let error = store
        .pull(&format!("{address}/team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::Unreachable, "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("registry {address} is unreachable")),
        "{message}"
    );
    assert!(message.contains("check the registry address"), "{message}");
}

#[tokio::test]
async fn pull_arm64_image_reports_wrong_platform() {
    let fixture = Fixture::new();
    fixture.busybox_image("arm", "arm64", "arm only");
    let reference = fixture.registry.reference("team/arm:v1");
    fixture
        .layout
        .push("arm", &reference, Format::Oci, Compression::Gzip);

    let error = fixture.store.pull(&reference).await.unwrap_err();

    assert_eq!(error.kind, PullErrorKind::WrongPlatform, "{error}");
    let expected =
        format!("image {reference} is built for linux/arm64; this host runs linux/amd64");
    assert!(error.to_string().contains(&expected), "{error}");
    assert_no_layers(&fixture.store);
}

#[tokio::test]
async fn pull_index_without_amd64_lists_platforms() {
    let fixture = Fixture::new();
    fixture.busybox_image("arm", "arm64", "arm");
    fixture.busybox_image("power", "ppc64le", "power");
    let reference = fixture.registry.reference("team/multi:v1");
    fixture.layout.push_index(
        "multi",
        &[("arm", "arm64"), ("power", "ppc64le")],
        &reference,
        Format::Oci,
    );

    let error = fixture.store.pull(&reference).await.unwrap_err();

    assert_eq!(error.kind, PullErrorKind::WrongPlatform, "{error}");
    let expected = format!(
        "image {reference} has no variant for linux/amd64; it is built for linux/arm64, linux/ppc64le"
    );
    assert!(error.to_string().contains(&expected), "{error}");
}

#[tokio::test]
async fn pull_rejects_invalid_reference() {
    init_logging();
    let store_dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(store_dir.path()).unwrap();

    let error = store.pull("127.0.0.1:5000/Team/App:v1").await.unwrap_err();

    assert_eq!(error.kind, PullErrorKind::InvalidReference, "{error}");
    assert!(
        error.to_string().contains("invalid image reference"),
        "{error}"
    );
}

/// Returns an uncompressed tar archive whose entries have the given names
/// and types written verbatim, including names `tar::Builder` refuses.
fn raw_archive(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, link) in entries {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_600_000_000);
        header.set_link_name_literal(link).unwrap();
        let data: &[u8] = if *kind == tar::EntryType::Regular {
            b"planted"
        } else {
            b""
        };
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn assert_no_layers(store: &ImageStore) {
    let entries: Vec<PathBuf> = std::fs::read_dir(store.root().join("layers"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(
        entries.is_empty(),
        "the layers directory must stay empty: {entries:?}"
    );
}

#[tokio::test]
async fn pull_rejects_path_traversal_layers() {
    let fixture = Fixture::new();
    let outside = fixture.store_dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let outside_text = outside.display().to_string();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "dotdot",
            raw_archive(&[("../../../../planted", tar::EntryType::Regular, "")]),
            "'..' components",
        ),
        (
            "absolute",
            raw_archive(&[(
                &format!("{outside_text}/planted"),
                tar::EntryType::Regular,
                "",
            )]),
            "absolute paths",
        ),
        (
            "symlink",
            raw_archive(&[
                ("escape", tar::EntryType::Symlink, &outside_text),
                ("escape/planted", tar::EntryType::Regular, ""),
            ]),
            "parent escape is a symlink",
        ),
        (
            "hardlink",
            raw_archive(&[(
                "planted",
                tar::EntryType::Link,
                &format!("{outside_text}/target"),
            )]),
            "absolute paths",
        ),
    ];

    for (tag, archive, reason) in cases {
        fixture.layout.new_image(tag, "amd64");
        fixture.layout.add_raw_layer(tag, &archive);
        let reference = fixture.registry.reference(&format!("team/evil:{tag}"));
        fixture
            .layout
            .push(tag, &reference, Format::Oci, Compression::Gzip);

        let error = fixture.store.pull(&reference).await.unwrap_err();

        assert_eq!(error.kind, PullErrorKind::InvalidImage, "{tag}: {error}");
        assert!(
            error.to_string().contains("contains unsafe entry"),
            "{tag}: {error}"
        );
        assert!(error.to_string().contains(reason), "{tag}: {error}");
    }
    assert!(!outside.join("planted").exists());
    assert_no_layers(&fixture.store);
}
