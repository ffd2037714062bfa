//! Test harness for end-to-end tests: a real registry, the sample image and
//! a real `strongroom server` over a temporary data directory, all removed
//! again when the guards drop.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Path of the binary under test.
pub fn strongroom_bin() -> &'static str {
    env!("CARGO_BIN_EXE_strongroom")
}

/// Root of the workspace checkout.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// A tenant name and subnet unique to this test process and call, so that
/// parallel tests never share a bridge, a subnet or a container id.
pub fn unique_tenant() -> (String, String) {
    let n = SEQUENCE.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    let name = format!("t{pid}x{n}");
    let subnet = format!("10.{}.{}.0/24", 216 + (pid % 8), (pid / 8 % 32) * 8 + n % 8);
    (name, subnet)
}

/// Polls `check` every 200 ms until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends `GET /` to `address:port` and returns the status line and body.
pub fn http_get(ip: &str, port: u16) -> Option<(String, String)> {
    let address: SocketAddr = format!("{ip}:{port}").parse().ok()?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET / HTTP/1.0\r\nHost: {ip}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_owned(), body.to_owned()))
}

/// A Debian `docker-registry` (CNCF Distribution) on a free loopback port.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts the registry and waits until it answers.
    pub fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("127.0.0.1:{}", free_port());
        let config = dir.path().join("config.yml");
        let storage = dir.path().join("data");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
                storage.display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry must be installed (scripts/install-deps.sh)");
        let registry = Registry {
            child,
            address,
            _dir: dir,
        };
        wait_for("the registry to answer", Duration::from_secs(10), || {
            TcpStream::connect(&registry.address).ok()
        });
        registry
    }

    /// Builds the sample image with umoci and pushes it with skopeo as `REPOSITORY:TAG`.
    pub fn push_sample(&self, repository_tag: &str, format: &str) -> String {
        let reference = format!("{}/{repository_tag}", self.address);
        let output = Command::new(workspace_root().join("scripts/build-sample-image.sh"))
            .arg(&reference)
            .arg(format)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "building the sample image failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        reference
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `strongroom server` over a temporary data directory on a free loopback port.
pub struct Platform {
    server: Option<Child>,
    /// Data directory of this platform.
    pub data_dir: PathBuf,
    listen: String,
    _dir: tempfile::TempDir,
}

impl Platform {
    /// Starts a server and waits until it answers.
    pub fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        Platform::start_in(dir, data_dir)
    }

    /// Starts a server over `data_dir`, keeping `dir` (which holds its log) until drop.
    pub fn start_in(dir: tempfile::TempDir, data_dir: PathBuf) -> Platform {
        let listen = format!("127.0.0.1:{}", free_port());
        let mut platform = Platform {
            server: None,
            data_dir,
            listen,
            _dir: dir,
        };
        platform.start_server();
        platform
    }

    fn start_server(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self._dir.path().join("server.log"))
            .unwrap();
        let child = Command::new(strongroom_bin())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["server", "--listen", &self.listen])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.server = Some(child);
        wait_for("the server to answer", Duration::from_secs(30), || {
            self.cli(&["get", "tenants"]).status.success().then_some(())
        });
    }

    /// The server's log so far, for assertion messages.
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    /// Process id of the running server.
    pub fn server_pid(&self) -> u32 {
        self.server.as_ref().expect("server is running").id()
    }

    /// Kills the server with `signal` and waits for it.
    pub fn kill_server(&mut self, signal: &str) {
        if let Some(mut child) = self.server.take() {
            let status = Command::new("kill")
                .args(["-s", signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            child.wait().unwrap();
        }
    }

    /// Starts the server again over the same data directory.
    pub fn restart_server(&mut self) {
        self.start_server();
    }

    /// Runs the CLI against this platform.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(strongroom_bin())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs the CLI and asserts that it succeeds; returns stdout.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "strongroom {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Applies manifest text written to a file named `name`; returns the CLI output.
    pub fn apply_text(&self, name: &str, text: &str) -> Output {
        let path = self._dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        self.cli(&["apply", "-f", path.to_str().unwrap()])
    }

    /// Returns the application object as JSON.
    pub fn application(&self, tenant: &str, name: &str) -> Value {
        let text = self.cli_ok(&["get", "application", name, "--tenant", tenant, "-o", "json"]);
        serde_json::from_str(&text).unwrap()
    }

    /// Waits until the application has `count` instances, all healthy, and returns it.
    pub fn wait_healthy(&self, tenant: &str, name: &str, count: usize) -> Value {
        wait_for(
            &format!("{count} healthy instances of {tenant}/{name}"),
            Duration::from_secs(90),
            || {
                let app = self.application(tenant, name);
                let instances = app["status"]["instances"].as_array()?;
                let healthy = instances.iter().filter(|i| i["healthy"] == true).count();
                (instances.len() == count && healthy == count).then_some(app)
            },
        )
    }

    /// Container ids in this platform's runtime root, as runc lists them.
    pub fn runc_containers(&self) -> Vec<String> {
        let root = self.data_dir.join("engine/runtime/runtime");
        let output = Command::new("runc")
            .arg("--root")
            .arg(&root)
            .args(["list", "-q"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.kill_server("TERM");
        let output = self.cli(&["down", "--purge"]);
        if !output.status.success() {
            eprintln!(
                "strongroom down --purge failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// Manifest text of a tenant with an explicit subnet.
pub fn tenant_manifest(tenant: &str, subnet: &str) -> String {
    format!(
        "apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: {tenant}\nspec:\n  network:\n    subnet: {subnet}\n"
    )
}

/// Manifest text of the sample web application with `desired` instances.
pub fn web_manifest(tenant: &str, name: &str, image: &str, desired: u32) -> String {
    format!(
        r#"apiVersion: strongroom/v1
kind: Application
metadata:
  name: {name}
  tenant: {tenant}
spec:
  owner: payments-team
  contact: payments-oncall@bank.example
  securityLevel: 3
  networkZone: business
  image: {image}
  ports:
    - name: http
      port: 8080
  resources:
    cpu: 250m
    memory: 64Mi
  instances:
    desired: {desired}
    min: 1
    max: 10
  healthChecks:
    readiness:
      http:
        path: /
        port: http
      period: 1s
    liveness:
      tcp:
        port: http
      period: 2s
  stopGracePeriod: 2s
"#
    )
}
