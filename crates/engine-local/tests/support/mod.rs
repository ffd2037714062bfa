//! Test fixtures for the runtime layer: a BusyBox image layer, a network
//! namespace and a runtime with its own state directory, each removed in
//! `Drop` also when a test fails.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use strongroom_engine_local::runtime::{ContainerRuntime, ContainerSpec, RuntimeConfig};
use strongroom_image::{Image, ImageConfig};
use strongroom_model::Resources;

/// BusyBox from Debian's busybox-static package.
pub const BUSYBOX: &str = "/bin/busybox";
/// Applets linked into the test image.
const APPLETS: [&str; 9] = [
    "sh", "httpd", "sleep", "cat", "id", "grep", "true", "wc", "ls",
];
/// The unprivileged user of the test image.
pub const APP_UID: u32 = 1000;

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// Returns a name unique among concurrent tests and test processes.
pub fn unique_name(prefix: &str) -> String {
    let number = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{number}", std::process::id())
}

/// Returns whether this machine can run the tests: root, runc, conmon and BusyBox.
pub fn can_run_containers() -> bool {
    let ready = nix::unistd::geteuid().is_root()
        && Path::new(BUSYBOX).exists()
        && find_binary("runc").is_some()
        && find_binary("conmon").is_some();
    if !ready {
        eprintln!("skipped: needs root, runc, conmon and {BUSYBOX}");
    }
    ready
}

/// Finds a program in the usual system directories.
pub fn find_binary(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.exists())
}

/// Writes a one-layer image with BusyBox, `/etc/passwd` and `/etc/group`.
pub fn write_busybox_layer(layer: &Path) {
    let bin = layer.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).unwrap();
    }

    let etc = layer.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("group"),
        "root:x:0:\napp:x:1000:\nmetrics:x:2000:app\n",
    )
    .unwrap();
    for dir in ["proc", "sys", "dev", "tmp", "root", "home/app"] {
        std::fs::create_dir_all(layer.join(dir)).unwrap();
    }
}

/// A network namespace made with `ip netns add`, deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn create() -> Netns {
        let name = unique_name("srrt");
        let status = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap();
        assert!(status.success(), "ip netns add {name} failed");
        Netns { name }
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .status();
    }
}

/// A runtime over its own state directory and image; removes every
/// container it created when dropped.
pub struct TestEnv {
    pub runtime: ContainerRuntime,
    pub config: RuntimeConfig,
    pub image: Image,
    pub netns: Netns,
    ids: Mutex<Vec<String>>,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv::with_runtime(find_binary("runc").unwrap())
    }

    pub fn with_runtime(runtime_binary: PathBuf) -> TestEnv {
        let dir = tempfile::Builder::new().prefix("srrt").tempdir().unwrap();
        let layer = dir.path().join("layer");
        write_busybox_layer(&layer);
        let config = RuntimeConfig {
            state_dir: dir.path().join("state"),
            runtime: runtime_binary,
            conmon: find_binary("conmon").unwrap(),
            log_max_bytes: 1024 * 1024,
            log_max_files: 3,
        };
        let runtime = ContainerRuntime::new(config.clone()).unwrap();
        let image = Image {
            reference: "test/busybox:1".to_owned(),
            manifest_digest: "sha256:0".to_owned(),
            config: ImageConfig::default(),
            layers: vec![layer],
        };
        TestEnv {
            runtime,
            config,
            image,
            netns: Netns::create(),
            ids: Mutex::new(Vec::new()),
            dir,
        }
    }

    /// Builds a container spec running `script` with `sh -c`, registered for removal on drop.
    pub fn spec(&self, prefix: &str, script: &str) -> ContainerSpec {
        let id = unique_name(prefix);
        self.ids.lock().unwrap().push(id.clone());
        ContainerSpec {
            hostname: id.clone(),
            image: self.image.clone(),
            process_args: vec!["/bin/sh".to_owned(), "-c".to_owned(), script.to_owned()],
            env: Vec::new(),
            working_dir: "/".to_owned(),
            user: String::new(),
            resources: Resources::default(),
            netns_path: self.netns.path(),
            log_path: self.dir.path().join("logs").join(format!("{id}.log")),
            labels: BTreeMap::new(),
            id,
        }
    }

    pub fn runtime_root(&self) -> PathBuf {
        self.config.state_dir.join("runtime")
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let ids = std::mem::take(&mut *self.ids.lock().unwrap());
        let runtime = self.runtime.clone();
        // Drop runs inside the test's tokio runtime, which cannot block: use a thread with its own.
        let cleanup = std::thread::spawn(move || {
            let tokio = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            for id in ids {
                if let Err(error) = tokio.block_on(runtime.remove(&id)) {
                    eprintln!("cleanup of container {id} failed: {error}");
                }
            }
            // Only empty parents go, so tests still running keep theirs.
            let _ = runtime.remove_cgroup_parents();
        });
        let _ = cleanup.join();
    }
}

/// A small tmpfs mounted for one test, unmounted on drop.
pub struct Tmpfs {
    pub path: PathBuf,
}

impl Tmpfs {
    pub fn mount(path: PathBuf, size: &str) -> Tmpfs {
        std::fs::create_dir_all(&path).unwrap();
        let options = format!("size={size}");
        nix::mount::mount(
            Some("tmpfs"),
            &path,
            Some("tmpfs"),
            nix::mount::MsFlags::empty(),
            Some(options.as_str()),
        )
        .unwrap();
        Tmpfs { path }
    }

    /// Writes zeros until the filesystem reports ENOSPC.
    pub fn fill(&self) {
        use std::io::Write;
        let mut file = std::fs::File::create(self.path.join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..512]).is_ok() {}
        while file.write_all(&block[..1]).is_ok() {}
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.path, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// One entry of a CRI log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub time: String,
    pub stream: String,
    pub tag: String,
    pub text: String,
}

/// Parses `TIME STREAM F|P TEXT` lines; panics on a line in another format.
pub fn parse_cri_log(text: &str) -> Vec<LogEntry> {
    text.lines()
        .map(|line| {
            let mut parts = line.splitn(4, ' ');
            let entry = LogEntry {
                time: parts.next().unwrap_or_default().to_owned(),
                stream: parts.next().unwrap_or_default().to_owned(),
                tag: parts.next().unwrap_or_default().to_owned(),
                text: parts.next().unwrap_or_default().to_owned(),
            };
            assert!(
                entry.stream == "stdout" || entry.stream == "stderr",
                "bad stream in {line:?}"
            );
            assert!(entry.tag == "F" || entry.tag == "P", "bad tag in {line:?}");
            entry
        })
        .collect()
}

/// Waits until the log file contains an entry with `text`, and returns all entries.
pub async fn wait_for_log(path: &Path, text: &str, timeout: Duration) -> Vec<LogEntry> {
    let deadline = Instant::now() + timeout;
    loop {
        let content = std::fs::read_to_string(path).unwrap_or_default();
        let entries = parse_cri_log(&content);
        if entries.iter().any(|entry| entry.text == text) {
            return entries;
        }
        assert!(
            Instant::now() < deadline,
            "no log entry {text:?} in {} after {timeout:?}:\n{content}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Returns the value of a `Name:\tvalue` line of /proc/PID/status output in the log.
pub fn status_field(entries: &[LogEntry], name: &str) -> String {
    let prefix = format!("{name}:");
    let entry = entries.iter().find(|entry| entry.text.starts_with(&prefix));
    entry
        .unwrap_or_else(|| panic!("no {name} line in {entries:?}"))
        .text[prefix.len()..]
        .trim()
        .to_owned()
}

/// Directories of the container's cgroup in every mounted hierarchy.
pub fn cgroup_dirs(id: &str) -> Vec<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    mountinfo
        .lines()
        .filter_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let fstype = after.split(' ').next()?;
            let mount_point = before.split(' ').nth(4)?;
            (fstype == "cgroup" || fstype == "cgroup2").then(|| PathBuf::from(mount_point))
        })
        .map(|root| root.join("strongroom").join(id))
        .filter(|dir| dir.exists())
        .collect()
}

/// Reads a file of the container's cgroup: `v1` under the named cgroup v1
/// controller, `v2` under the unified hierarchy of a cgroup v2 host.
pub fn read_cgroup_file(id: &str, controller: &str, v1: &str, v2: &str) -> String {
    let v1_path = Path::new("/sys/fs/cgroup")
        .join(controller)
        .join("strongroom")
        .join(id)
        .join(v1);
    let v2_path = Path::new("/sys/fs/cgroup/strongroom").join(id).join(v2);
    let path = if is_cgroup_v2_host() {
        v2_path
    } else {
        v1_path
    };
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
        .trim()
        .to_owned()
}

/// Returns whether `/sys/fs/cgroup` itself is a cgroup v2 mount.
pub fn is_cgroup_v2_host() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// Returns whether `/sys/fs/cgroup` contains cgroup v1 hierarchies next to an empty cgroup v2 one.
pub fn is_hybrid_cgroup_host() -> bool {
    !is_cgroup_v2_host() && Path::new("/sys/fs/cgroup/unified/cgroup.controllers").exists()
}

/// Returns whether any mount point in this mount namespace is at or below `path`.
pub fn has_mount_below(path: &Path) -> bool {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let path = path.to_string_lossy();
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .any(|point| point.starts_with(&*path))
}
