//! Test helpers shared by the image crate's integration tests: a real
//! `docker-registry` on loopback, image builders that drive umoci, skopeo and
//! buildah, a fake registry for protocol faults, and mount guards.
//!
//! Every helper points only at loopback servers it started itself, and every
//! guard removes what it created when dropped, also when a test fails.

#![allow(dead_code)]

pub mod fake;
pub mod layout;
pub mod mounts;
pub mod registry;

use std::path::Path;
use std::process::Command;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

/// Returns `prefix` with the process id and a counter, unique among the
/// tests running at the same time.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Sends the crate's logs to the test output; `RUST_LOG` sets the level.
pub fn init_logging() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("strongroom_image=debug"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .init();
    });
}

/// Runs a command and panics with its output when it fails.
pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// Writes a small root file system: BusyBox from Debian's busybox-static at
/// `/bin/busybox`, `/bin/sh` as a symlink to it, `/etc/marker` with
/// `marker` as content, and `/etc/marker-link` as a hard link to it.
pub fn write_busybox_rootfs(dir: &Path, marker: &str) {
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::copy("/bin/busybox", dir.join("bin/busybox"))
        .expect("install busybox-static for /bin/busybox");
    std::os::unix::fs::symlink("busybox", dir.join("bin/sh")).unwrap();
    std::fs::write(dir.join("etc/marker"), marker).unwrap();
    std::fs::hard_link(dir.join("etc/marker"), dir.join("etc/marker-link")).unwrap();
}

/// Returns the SHA-256 digest of `bytes` as `sha256:<hex>`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}
