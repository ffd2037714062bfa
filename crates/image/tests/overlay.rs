//! Unpacked layers mounted with overlayfs present the merged view the image
//! describes: whiteouts hide files, opaque directories hide lower content,
//! symlinks and hard links survive.

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use strongroom_image::{ImageStore, RegistryOptions, StoreOptions};
use support::layout::{Compression, Format, Layout};
use support::mounts::MountGuard;
use support::registry::Registry;
use support::{init_logging, write_busybox_rootfs};

#[tokio::test]
async fn overlay_of_layers_applies_whiteouts_and_opaque_directories() {
    init_logging();
    let registry = Registry::start();
    let layout = Layout::new();

    let base = layout.scratch_dir("base");
    write_busybox_rootfs(&base, "base");
    for (path, content) in [
        ("etc/removed", "gone"),
        ("data/old", "old"),
        ("data/sub/deep", "deep"),
        ("keep/file", "kept"),
    ] {
        std::fs::create_dir_all(base.join(path).parent().unwrap()).unwrap();
        std::fs::write(base.join(path), content).unwrap();
    }
    let replacement = layout.scratch_dir("replacement");
    std::fs::write(replacement.join("new"), "new").unwrap();

    layout.new_image("app", "amd64");
    layout.insert("app", &base, "/");
    layout.insert_whiteout("app", "/etc/removed");
    layout.insert_opaque("app", &replacement, "/data");
    let reference = registry.reference("team/layers:v1");
    layout.push("app", &reference, Format::Oci, Compression::Gzip);

    let store_dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        registries: RegistryOptions {
            max_retries: 0,
            retry_backoff: Duration::ZERO,
            ..RegistryOptions::default()
        },
        ..StoreOptions::default()
    };
    let store = ImageStore::open_with(store_dir.path().join("store"), options).unwrap();
    let image = store
        .pull(&reference)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", registry.log()));
    assert_eq!(image.layers.len(), 3, "{image:?}");

    let merged = store_dir.path().join("merged");
    std::fs::create_dir(&merged).unwrap();
    let _mount = MountGuard::overlay(&image.layers, &merged);

    assert!(
        !merged.join("etc/removed").exists(),
        "the whiteout must hide /etc/removed"
    );
    assert_eq!(
        std::fs::read_to_string(merged.join("etc/marker")).unwrap(),
        "base"
    );
    assert!(
        !merged.join("data/old").exists(),
        "the opaque directory must hide /data/old"
    );
    assert!(
        !merged.join("data/sub").exists(),
        "the opaque directory must hide /data/sub"
    );
    assert_eq!(
        std::fs::read_to_string(merged.join("data/new")).unwrap(),
        "new"
    );
    assert_eq!(
        std::fs::read_to_string(merged.join("keep/file")).unwrap(),
        "kept"
    );

    assert_eq!(
        std::fs::read_link(merged.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );
    assert_eq!(
        std::fs::read(merged.join("bin/sh")).unwrap(),
        std::fs::read("/bin/busybox").unwrap()
    );
    let marker = std::fs::metadata(merged.join("etc/marker")).unwrap();
    let link = std::fs::metadata(merged.join("etc/marker-link")).unwrap();
    assert_eq!(link.ino(), marker.ino(), "hard links must share an inode");
}
