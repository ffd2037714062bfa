//! Pulls from a fake registry on loopback, for the faults a real registry
//! does not produce on request: altered content, transient errors,
//! authentication challenges, request counting and a full disk.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use strongroom_image::{
    Credentials, ImageStore, PullErrorKind, RegistryOptions, StoreOptions, UnpackLimits,
};
use support::fake::{Auth, FakeRegistry};
use support::mounts::MountGuard;
use support::{init_logging, sha256};

const FILES: &[(&str, &[u8])] = &[
    ("bin/app", b"#!/bin/sh\necho app\n"),
    ("etc/config", b"key=value\n"),
];

fn registry_options() -> RegistryOptions {
    RegistryOptions {
        max_retries: 2,
        retry_backoff: Duration::from_millis(5),
        ..RegistryOptions::default()
    }
}

fn open_store(dir: &Path, registries: RegistryOptions) -> ImageStore {
    init_logging();
    ImageStore::open_with(
        dir,
        StoreOptions {
            registries,
            ..StoreOptions::default()
        },
    )
    .unwrap()
}

fn credentials(
    registry: &FakeRegistry,
    username: &str,
    password: &str,
) -> BTreeMap<String, Credentials> {
    let entry = Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    BTreeMap::from([(registry.address().to_owned(), entry)])
}

/// Returns the names in a store directory such as `blobs/sha256` or `layers`.
fn store_entries(store: &ImageStore, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(store.root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn pull_fake_image_unpacks_files() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let pushed = registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());

    let image = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap();

    assert_eq!(image.manifest_digest, pushed.manifest_digest);
    assert_eq!(
        std::fs::read(image.layers[0].join("etc/config")).unwrap(),
        b"key=value\n"
    );
    assert_eq!(image.config.cmd, vec!["/bin/sh".to_owned()]);
    assert_eq!(image.config.env, vec!["PATH=/bin".to_owned()]);
}

#[tokio::test]
async fn pull_rejects_altered_layer() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let pushed = registry.add_image("team/app", "v1", FILES);
    let layer = &pushed.layer_digests[0];
    let mut altered = registry_blob(&registry, layer).await;
    let last = altered.len() - 1;
    altered[last] ^= 0xff;
    registry.replace_blob(layer, altered.clone());
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());

    let error = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::DigestMismatch, "{error}");
    let message = error.to_string();
    assert!(message.contains(&format!("expected {layer}")), "{message}");
    assert!(
        message.contains(&format!("got {}", sha256(&altered))),
        "{message}"
    );
    let blobs = store_entries(&store, "blobs/sha256");
    assert!(
        !blobs.iter().any(|name| layer.ends_with(name.as_str())),
        "the altered layer must not be stored: {blobs:?}"
    );
    assert!(
        !blobs.iter().any(|name| name.starts_with(".tmp-")),
        "no temporary file may remain: {blobs:?}"
    );
    assert!(store_entries(&store, "layers").is_empty());
    assert!(
        store
            .resolve_local(&registry.reference("team/app:v1"))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn pull_rejects_layer_of_wrong_size() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let pushed = registry.add_image("team/app", "v1", FILES);
    let layer = &pushed.layer_digests[0];
    let mut longer = registry_blob(&registry, layer).await;
    longer.extend_from_slice(b"appended");
    registry.replace_blob(layer, longer);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());

    let error = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::DigestMismatch, "{error}");
    assert!(
        error.to_string().contains("does not match its size"),
        "{error}"
    );
    assert!(
        !store_entries(&store, "blobs/sha256")
            .iter()
            .any(|name| layer.ends_with(name.as_str()))
    );
}

#[tokio::test]
async fn pull_rejects_altered_manifest_by_digest() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let pushed = registry.add_image("team/app", "v1", FILES);
    let other = registry.add_image("team/app", "v2", &[("other", b"other")]);
    let media_type = "application/vnd.oci.image.manifest.v1+json";
    let other_body = registry_manifest(&registry, "team/app", &other.manifest_digest).await;
    registry.replace_manifest("team/app", &pushed.manifest_digest, media_type, other_body);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());

    let reference = registry.reference(&format!("team/app@{}", pushed.manifest_digest));
    let error = store.pull(&reference).await.unwrap_err();

    assert_eq!(error.kind, PullErrorKind::DigestMismatch, "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "expected {}, got {}",
            pushed.manifest_digest, other.manifest_digest
        )),
        "{message}"
    );
    assert!(store_entries(&store, "layers").is_empty());
}

#[tokio::test]
async fn pull_again_requests_no_blob() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let pushed = registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());
    let reference = registry.reference("team/app:v1");
    let first = store.pull(&reference).await.unwrap();
    assert_eq!(registry.blob_requests(), 2, "{:?}", registry.requests());
    registry.clear_requests();

    let second = store.pull(&reference).await.unwrap();

    assert_eq!(second, first);
    assert_eq!(
        registry.requests(),
        vec!["GET /v2/team/app/manifests/v1".to_owned()]
    );

    registry.clear_requests();
    let by_digest = store
        .pull(&registry.reference(&format!("team/app@{}", pushed.manifest_digest)))
        .await
        .unwrap();
    assert_eq!(by_digest.layers, first.layers);
    assert!(
        registry.requests().is_empty(),
        "a local digest needs no request: {:?}",
        registry.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_concurrent_downloads_each_blob_once() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let reference = registry.reference("team/app:v1");
    // Two stores on one directory share the per-digest locks as well.
    let stores = [
        open_store(dir.path(), registry_options()),
        open_store(dir.path(), registry_options()),
    ];

    let pulls = (0..6).map(|index| stores[index % 2].pull(&reference));
    let images = futures::future::join_all(pulls).await;

    let first = images[0].as_ref().unwrap();
    for image in &images {
        assert_eq!(image.as_ref().unwrap(), first);
    }
    assert_eq!(registry.blob_requests(), 2, "{:?}", registry.requests());
}

#[tokio::test]
async fn pull_answers_bearer_challenge() {
    let auth = Auth::Bearer {
        username: "robot".to_owned(),
        password: "secret".to_owned(),
    };
    let registry = FakeRegistry::start(auth).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let registries = RegistryOptions {
        credentials: credentials(&registry, "robot", "secret"),
        ..registry_options()
    };
    let store = open_store(dir.path(), registries);

    let image = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap();

    assert_eq!(
        std::fs::read(image.layers[0].join("bin/app")).unwrap(),
        FILES[0].1
    );
    let token_requests = registry
        .requests()
        .iter()
        .filter(|request| *request == "GET /token")
        .count();
    assert!(token_requests >= 1, "{:?}", registry.requests());
}

#[tokio::test]
async fn pull_with_wrong_credentials_is_unauthorized() {
    let auth = Auth::Bearer {
        username: "robot".to_owned(),
        password: "secret".to_owned(),
    };
    let registry = FakeRegistry::start(auth).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let registries = RegistryOptions {
        credentials: credentials(&registry, "robot", "wrong"),
        ..registry_options()
    };
    let store = open_store(dir.path(), registries);

    let error = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::Unauthorized, "{error}");
    assert!(
        error.to_string().contains("check the credentials"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("wrong"),
        "the password must not appear: {error}"
    );
}

#[tokio::test]
async fn pull_answers_basic_challenge() {
    let auth = Auth::Basic {
        username: "robot".to_owned(),
        password: "secret".to_owned(),
    };
    let registry = FakeRegistry::start(auth).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();

    let anonymous = open_store(dir.path(), registry_options());
    let error = anonymous
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();
    assert_eq!(error.kind, PullErrorKind::Unauthorized, "{error}");
    assert!(
        error.to_string().contains("requires credentials"),
        "{error}"
    );

    let registries = RegistryOptions {
        credentials: credentials(&registry, "robot", "secret"),
        ..registry_options()
    };
    let authenticated = open_store(dir.path(), registries);
    let image = authenticated
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(image.layers[0].join("etc/config")).unwrap(),
        b"key=value\n"
    );
}

#[tokio::test]
async fn pull_retries_transient_errors() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());
    registry.fail_next(2);

    let image = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap();

    assert_eq!(image.layers.len(), 1);
    let manifest_requests = registry
        .requests()
        .iter()
        .filter(|request| request.contains("/manifests/"))
        .count();
    assert_eq!(
        manifest_requests,
        3,
        "two failures and one success: {:?}",
        registry.requests()
    );
}

#[tokio::test]
async fn pull_gives_up_after_max_retries() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    registry.add_image("team/app", "v1", FILES);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());
    registry.fail_next(100);

    let error = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::Registry, "{error}");
    assert!(error.to_string().contains("HTTP 503"), "{error}");
    assert_eq!(
        registry.requests().len(),
        3,
        "one request and two retries: {:?}",
        registry.requests()
    );
}

#[tokio::test]
async fn pull_rejects_layer_above_size_limit() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    registry.add_image("team/app", "v1", &[("big", &[0u8; 256 << 10])]);
    let dir = tempfile::tempdir().unwrap();
    let limits = UnpackLimits {
        max_layer_bytes: 64 << 10,
        ..UnpackLimits::default()
    };
    let options = StoreOptions {
        registries: registry_options(),
        limits,
    };
    let store = ImageStore::open_with(dir.path(), options).unwrap();

    let error = store
        .pull(&registry.reference("team/app:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::InvalidImage, "{error}");
    assert!(
        error.to_string().contains("more than 65536 bytes"),
        "{error}"
    );
    assert!(store_entries(&store, "layers").is_empty());
}

#[tokio::test]
async fn pull_arm64_only_image_reports_wrong_platform() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    registry.add_image_for("team/arm", "v1", "arm64", FILES);
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path(), registry_options());
    let reference = registry.reference("team/arm:v1");

    let error = store.pull(&reference).await.unwrap_err();

    assert_eq!(error.kind, PullErrorKind::WrongPlatform, "{error}");
    let expected =
        format!("image {reference} is built for linux/arm64; this host runs linux/amd64");
    assert!(error.to_string().contains(&expected), "{error}");
}

/// Returns `count` bytes that gzip cannot shrink.
fn incompressible(count: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(count + 32);
    let mut block = sha256(b"seed").into_bytes();
    while bytes.len() < count {
        block = sha256(&block).into_bytes();
        bytes.extend(hex::decode(&block[7..]).unwrap());
    }
    bytes.truncate(count);
    bytes
}

#[tokio::test]
async fn pull_into_full_disk_names_directory() {
    let registry = FakeRegistry::start(Auth::Anonymous).await;
    let content = incompressible(1 << 20);
    registry.add_image("team/big", "v1", &[("data", &content)]);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("small");
    std::fs::create_dir(&root).unwrap();
    let _tmpfs = MountGuard::tmpfs(&root, 256 << 10);
    let store = open_store(&root, registry_options());

    let error = store
        .pull(&registry.reference("team/big:v1"))
        .await
        .unwrap_err();

    assert_eq!(error.kind, PullErrorKind::DiskFull, "{error}");
    let blob_dir = root.join("blobs/sha256");
    assert!(
        error
            .to_string()
            .contains(&format!("no space left in {}", blob_dir.display())),
        "{error}"
    );
    let temporaries: Vec<String> = store_entries(&store, "blobs/sha256")
        .into_iter()
        .filter(|name| name.starts_with(".tmp-"))
        .collect();
    assert!(temporaries.is_empty(), "{temporaries:?}");
}

async fn registry_blob(registry: &FakeRegistry, digest: &str) -> Vec<u8> {
    let url = format!("http://{}/v2/team/app/blobs/{digest}", registry.address());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    registry.clear_requests();
    body
}

async fn registry_manifest(registry: &FakeRegistry, repository: &str, digest: &str) -> Vec<u8> {
    let url = format!(
        "http://{}/v2/{repository}/manifests/{digest}",
        registry.address()
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    registry.clear_requests();
    body
}
