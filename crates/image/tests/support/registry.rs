//! A real registry for tests: Debian's `docker-registry` (CNCF Distribution
//! 2.8) listening on a free loopback port, with its storage in a temporary
//! directory.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "/usr/bin/docker-registry";
const START_ATTEMPTS: usize = 5;

/// A running `docker-registry`, killed by process id when dropped.
pub struct Registry {
    child: Child,
    port: u16,
    storage: PathBuf,
    // Declared last so the directory outlives the process that writes into it.
    dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry on a free port of 127.0.0.1 and waits until it accepts connections.
    pub fn start() -> Registry {
        for _ in 0..START_ATTEMPTS {
            // Another test may take the port between the probe and the start; try another then.
            if let Some(registry) = Registry::try_start(free_port()) {
                return registry;
            }
        }
        panic!("docker-registry did not start after {START_ATTEMPTS} attempts");
    }

    fn try_start(port: u16) -> Option<Registry> {
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage");
        let config = dir.path().join("config.yml");
        std::fs::write(&config, config_text(port, &storage)).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();

        let child = Command::new(BINARY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {BINARY} (install docker-registry): {error}")
            });
        let mut registry = Registry {
            child,
            port,
            storage,
            dir,
        };
        if registry.wait_until_ready() {
            Some(registry)
        } else {
            None
        }
    }

    fn wait_until_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // The port may belong to another process when our registry failed to bind it.
                std::thread::sleep(Duration::from_millis(50));
                return matches!(self.child.try_wait(), Ok(None));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Returns `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Returns `127.0.0.1:<port>/<name>`.
    pub fn reference(&self, name: &str) -> String {
        format!("{}/{name}", self.address())
    }

    /// Deletes a blob from the registry's storage, so that any later request
    /// for it fails.
    pub fn remove_blob(&self, digest: &str) {
        let hex = digest.strip_prefix("sha256:").unwrap();
        let path = self
            .storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex);
        std::fs::remove_dir_all(&path)
            .unwrap_or_else(|error| panic!("cannot remove {}: {error}", path.display()));
    }

    /// Returns the registry's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Child::kill sends SIGKILL to this child's own process id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config_text(port: u16, storage: &std::path::Path) -> String {
    format!(
        "version: 0.1\n\
         log:\n  level: info\n  accesslog:\n    disabled: false\n\
         storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
         http:\n  addr: 127.0.0.1:{port}\n",
        storage.display()
    )
}

/// Returns a loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
