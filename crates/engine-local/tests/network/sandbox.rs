//! A network namespace used in place of the host.
//!
//! The network layer runs on a thread that has joined the sandbox namespace, so the
//! bridges, veth ends, nftables tables and portmap's nat chains it creates live in the
//! sandbox, and the host's interfaces and firewall tables stay untouched. Each test gets
//! its own sandbox, so tests run in parallel. A test may run several installations (layers
//! with state directories of their own) in one sandbox. Container namespaces still go to `/run/netns` like in production; their names
//! hash container ids that contain the test name and the process id.
//!
//! Dropping the sandbox stops the listeners it started (by process id) and deletes the
//! namespaces of every container id it handed out or the layers' records name. Then it
//! deletes the sandbox namespace, which takes everything created inside it along, and
//! removes the state directories. Drop runs when a test fails too.

use std::fs::File;
use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use nix::sched::{CloneFlags, setns};
use strongroom_engine::TenantNetwork;
use strongroom_engine_local::network::{self, NetworkConfig, Networks};

/// Directory of Debian's containernetworking-plugins.
const CNI_BIN_DIR: &str = "/usr/lib/cni";

/// A namespace used in place of the host, with the state directory of the layer under test.
pub struct Sandbox {
    /// Name of the sandbox namespace under `/run/netns`.
    pub name: String,
    /// Prefix of the container ids and bridge names of this test.
    prefix: String,
    /// The network layer's state directory.
    pub state_dir: PathBuf,
    /// Processes started in container namespaces.
    children: Mutex<Vec<Child>>,
    /// Container ids handed out by [`Sandbox::container_id`].
    container_ids: Mutex<Vec<String>>,
    /// State directories of the installations started by [`Sandbox::installation`].
    extra_state_dirs: Mutex<Vec<PathBuf>>,
}

impl Sandbox {
    /// Creates the sandbox namespace of `test`, with its loopback interface up.
    pub fn new(test: &str) -> Sandbox {
        let pid = std::process::id();
        let name = format!("srt-{test}-{pid}");
        run_host(&["ip", "netns", "add", &name]);
        let sandbox = Sandbox {
            prefix: format!("t{pid}.{test}"),
            state_dir: std::env::temp_dir().join(format!("strongroom-network-{test}-{pid}")),
            children: Mutex::new(Vec::new()),
            container_ids: Mutex::new(Vec::new()),
            extra_state_dirs: Mutex::new(Vec::new()),
            name,
        };
        sandbox.exec_ok(&["ip", "link", "set", "lo", "up"]);
        sandbox
    }

    /// Returns the layer's settings: Debian's plugins and this sandbox's state directory.
    pub fn config(&self) -> NetworkConfig {
        NetworkConfig {
            cni_bin_dir: CNI_BIN_DIR.into(),
            state_dir: self.state_dir.clone(),
        }
    }

    /// Returns a new network layer over this sandbox's state directory.
    pub fn networks(&self) -> Networks {
        Networks::new(self.config()).expect("network layer starts")
    }

    /// Returns a network layer of another installation in this sandbox, with a state
    /// directory of its own named after `installation`.
    pub fn installation(&self, installation: &str) -> Networks {
        let state_dir = self.state_dir.with_extension(installation);
        self.extra_state_dirs
            .lock()
            .unwrap()
            .push(state_dir.clone());
        let config = NetworkConfig {
            state_dir,
            ..self.config()
        };
        Networks::new(config).expect("network layer starts")
    }

    /// Returns a container id unique to this test and process.
    pub fn container_id(&self, name: &str) -> String {
        let id = format!("{}.{name}", self.prefix);
        self.container_ids.lock().unwrap().push(id.clone());
        id
    }

    /// Returns a tenant network with a bridge name unique to this process. The subnet is
    /// `10.<second_octet>.X.0/<prefix>` with X derived from the process id; it exists only
    /// inside the sandbox.
    pub fn tenant_network(&self, tenant: &str, second_octet: u8, prefix: u8) -> TenantNetwork {
        let third_octet = std::process::id() % 250;
        TenantNetwork {
            tenant: tenant.into(),
            bridge: format!("sr{}{}", &tenant[..1], std::process::id()),
            subnet: format!("10.{second_octet}.{third_octet}.0/{prefix}"),
        }
    }

    /// Runs `body` to its end on a thread inside the sandbox namespace, with a Tokio
    /// runtime of its own. A panic in `body` fails the calling test.
    pub fn run<T: Send>(&self, body: impl Future<Output = T> + Send) -> T {
        std::thread::scope(|scope| {
            let thread = scope.spawn(|| {
                let namespace = File::open(Path::new("/run/netns").join(&self.name))
                    .expect("sandbox namespace exists");
                setns(&namespace, CloneFlags::CLONE_NEWNET).expect("thread joins the sandbox");
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime starts");
                runtime.block_on(body)
            });
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Runs a command in the sandbox namespace and returns its output.
    pub fn exec(&self, args: &[&str]) -> Output {
        let mut words = vec!["ip", "netns", "exec", &self.name];
        words.extend_from_slice(args);
        output(&words)
    }

    /// Runs a command in the sandbox namespace and returns its stdout; panics when it fails.
    pub fn exec_ok(&self, args: &[&str]) -> String {
        let output = self.exec(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Sets `net.ipv4.ip_forward` inside the sandbox namespace only; the host's value is
    /// not touched.
    pub fn set_ip_forward(&self, enabled: bool) {
        let setting = format!("net.ipv4.ip_forward={}", u8::from(enabled));
        self.exec_ok(&["sysctl", "-qw", &setting]);
    }

    /// Returns `net.ipv4.ip_forward` of the sandbox namespace.
    pub fn ip_forward(&self) -> bool {
        self.exec_ok(&["cat", "/proc/sys/net/ipv4/ip_forward"])
            .trim()
            == "1"
    }

    /// Returns the names of the interfaces in the sandbox namespace.
    pub fn links(&self) -> Vec<String> {
        let listing = self.exec_ok(&["ip", "-br", "link"]);
        listing
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(|name| name.split('@').next().unwrap_or(name).to_owned())
            .collect()
    }

    /// Returns the veth ends in the sandbox namespace.
    pub fn veths(&self) -> Vec<String> {
        self.links()
            .into_iter()
            .filter(|name| name.starts_with("veth"))
            .collect()
    }

    /// Returns the nftables tables of the sandbox namespace, one `family name` per entry.
    pub fn nft_tables(&self) -> Vec<String> {
        let listing = self.exec_ok(&["nft", "list", "tables"]);
        listing
            .lines()
            .filter_map(|line| line.strip_prefix("table "))
            .map(str::to_owned)
            .collect()
    }

    /// Starts a listener on `port` in the namespace at `netns_path` that sends `text` on
    /// every connection. It is stopped by its process id when the sandbox drops.
    pub fn listen(&self, netns_path: &Path, port: u16, text: &str) {
        let netns = netns_name(netns_path);
        let port = port.to_string();
        // `ip netns exec` replaces itself with the command, so the child's id is busybox's.
        let child = Command::new("ip")
            .args([
                "netns", "exec", &netns, "busybox", "nc", "-ll", "-p", &port, "-e", "echo", text,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("busybox nc starts");
        self.children.lock().unwrap().push(child);
    }

    /// Returns whether one ping from the namespace at `netns_path` to `ip` gets a reply.
    pub fn ping(&self, netns_path: &Path, ip: IpAddr) -> bool {
        let netns = netns_name(netns_path);
        let ip = ip.to_string();
        output(&[
            "ip", "netns", "exec", &netns, "busybox", "ping", "-c1", "-W1", &ip,
        ])
        .status
        .success()
    }

    /// Returns what a TCP connection from the namespace at `netns_path` to `address` receives,
    /// or `None` when the connection fails within a second.
    pub fn fetch_from(&self, netns_path: &Path, address: SocketAddr) -> Option<String> {
        let netns = netns_name(netns_path);
        let (ip, port) = (address.ip().to_string(), address.port().to_string());
        let output = output(&[
            "ip", "netns", "exec", &netns, "busybox", "nc", "-w", "1", &ip, &port,
        ]);
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (!text.is_empty()).then_some(text)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for child in self.children.get_mut().unwrap().iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let handed_out = self.container_ids.get_mut().unwrap().iter();
        let mut namespaces: Vec<String> = handed_out
            .map(|id| netns_name(&network::netns_path(id)))
            .collect();
        let mut state_dirs = vec![self.state_dir.clone()];
        state_dirs.append(self.extra_state_dirs.get_mut().unwrap());
        for state_dir in &state_dirs {
            namespaces.extend(recorded_namespaces(state_dir));
        }
        for netns in namespaces {
            if Path::new("/run/netns").join(&netns).exists() {
                let _ = output(&["ip", "netns", "delete", &netns]);
            }
        }
        let _ = output(&["ip", "netns", "delete", &self.name]);
        for state_dir in &state_dirs {
            let _ = std::fs::remove_dir_all(state_dir);
        }
    }
}

/// Returns the container namespaces named in the layer's attachment records.
fn recorded_namespaces(state_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state_dir.join("attachments")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .filter_map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .filter_map(|record| record["netns"].as_str().map(str::to_owned))
        .collect()
}

/// Connects from the calling thread's namespace to `address` and returns what the listener
/// sends. Retries for up to two seconds while the connection is refused, because a
/// listener started just before may not be listening yet.
pub fn fetch(address: SocketAddr) -> Option<String> {
    for _ in 0..40 {
        match TcpStream::connect_timeout(&address, Duration::from_secs(1)) {
            Ok(mut stream) => {
                stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
                let mut text = String::new();
                stream.read_to_string(&mut text).ok()?;
                return Some(text.trim().to_owned());
            }
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
    None
}

/// Returns the namespace name of a path under `/run/netns`.
pub fn netns_name(path: &Path) -> String {
    path.file_name()
        .expect("namespace path has a file name")
        .to_string_lossy()
        .into_owned()
}

/// Returns whether a named namespace exists under `/run/netns`.
pub fn netns_exists(path: &Path) -> bool {
    path.exists()
}

fn output(args: &[&str]) -> Output {
    Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("command starts")
}

/// Runs a command in the calling process's namespaces; panics when it fails.
pub fn run_host(args: &[&str]) {
    let output = output(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs a command in the named namespace; panics when it fails.
pub fn run_in(netns: &str, args: &[&str]) {
    let mut words = vec!["ip", "netns", "exec", netns];
    words.extend_from_slice(args);
    run_host(&words);
}
