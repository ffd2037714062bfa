//! A local engine under test, running inside a network namespace of its own.
//!
//! The test body runs on Tokio threads that joined a sandbox network
//! namespace, so the tenant bridge, veth ends and nftables rules the engine
//! creates live in the sandbox and the host's network stays untouched. The
//! test talks only to the container addresses on that bridge. Containers,
//! mounts, cgroups and container namespaces are host-wide: the engine's purge
//! removes them, and a fallback in `Drop` removes what a failed purge left,
//! also when the test failed.

use std::collections::BTreeMap;
use std::fs::File;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use nix::sched::{CloneFlags, setns};
use strongroom_engine::{AppKey, Deployment, Engine, EngineEvent, TenantNetwork, tokio_mpsc};
use strongroom_engine_local::naming;
use strongroom_engine_local::network::{NetworkConfig, Networks};
use strongroom_engine_local::runtime::{ContainerRuntime, ContainerState, RuntimeConfig};
use strongroom_engine_local::{
    DEFAULT_CNI_BIN_DIR, DEFAULT_CONMON, DEFAULT_RUNC, ImageSource, LocalEngine, LocalEngineConfig,
};
use strongroom_image::{Image, ImageConfig, PullError, PullErrorKind};
use strongroom_model::{
    ApplicationPhase, ApplicationSpec, HealthCheck, HealthChecks, HttpCheck, Instances, Port,
    PortRef, Protocol, Resources, RestartBackoff,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// BusyBox from Debian's busybox-static package.
const BUSYBOX: &str = "/bin/busybox";
/// Applets linked into the test image.
const APPLETS: [&str; 6] = ["sh", "httpd", "sleep", "cat", "hostname", "true"];
/// Reference of the test image; no registry serves it.
pub const IMAGE: &str = "local.test/busybox-httpd:1";
/// Port BusyBox httpd listens on inside each instance.
pub const HTTP_PORT: u16 = 8080;
/// Page every instance serves.
pub const PAGE: &str = "hello from a strongroom test instance\n";
/// Maximum wait for a status condition.
const WAIT: Duration = Duration::from_secs(60);

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// One test's engine, sandbox namespace, data directory and application.
pub struct TestEnv {
    /// Application under test.
    pub key: AppKey,
    /// Its tenant network, inside the sandbox.
    pub network: TenantNetwork,
    /// Engine data directory.
    pub data_dir: PathBuf,
    root: tempfile::TempDir,
    sandbox: String,
    engine: Mutex<Option<Arc<LocalEngine>>>,
    events: Mutex<Option<tokio_mpsc::UnboundedReceiver<EngineEvent>>>,
}

impl TestEnv {
    /// Runs `body` against a new engine in a new sandbox and removes
    /// everything afterwards; a panic in `body` fails the test after cleanup.
    pub fn run<F, Fut>(test: &str, body: F)
    where
        F: FnOnce(Arc<TestEnv>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        assert!(
            nix::unistd::geteuid().is_root(),
            "the engine tests create containers and namespaces: run them as root"
        );
        let env = Arc::new(TestEnv::new(test));
        let inside = env.clone();
        let outcome = std::thread::scope(|scope| {
            scope
                .spawn(move || inside.run_in_sandbox(body))
                .join()
                .expect("sandbox thread panicked")
        });
        env.clean_up_leftovers();
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    fn new(test: &str) -> TestEnv {
        let pid = std::process::id();
        let number = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let root = tempfile::Builder::new()
            .prefix("strongroom-engine-test-")
            .tempdir()
            .unwrap();
        let sandbox = format!("sre-{test}-{pid}");
        run(&["ip", "netns", "add", &sandbox]);
        run(&[
            "ip", "netns", "exec", &sandbox, "ip", "link", "set", "lo", "up",
        ]);

        let tenant = format!("t{pid}n{number}");
        let network = TenantNetwork {
            tenant: tenant.clone(),
            bridge: format!("sre{}n{number}", pid % 100_000),
            subnet: format!("10.214.{}.0/24", (pid + number) % 250),
        };
        write_layer(&root.path().join("layer"));
        TestEnv {
            key: AppKey {
                tenant,
                app: "web".into(),
            },
            network,
            data_dir: root.path().join("data"),
            root,
            sandbox,
            engine: Mutex::new(None),
            events: Mutex::new(None),
        }
    }

    /// Joins the sandbox namespace on this thread, then runs `body` on a
    /// runtime whose threads start here and so share the namespace.
    fn run_in_sandbox<F, Fut>(self: Arc<Self>, body: F) -> std::thread::Result<()>
    where
        F: FnOnce(Arc<TestEnv>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let namespace = File::open(Path::new("/run/netns").join(&self.sandbox)).unwrap();
        setns(&namespace, CloneFlags::CLONE_NEWNET).expect("thread joins the sandbox");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();

        let env = self.clone();
        let outcome = runtime.block_on(async move {
            env.start_engine().await;
            tokio::spawn(body(env.clone())).await
        });
        runtime.block_on(self.purge());
        outcome.map_err(|error| match error.try_into_panic() {
            Ok(panic) => panic,
            Err(error) => Box::new(format!("test task failed: {error}")),
        })
    }

    /// Starts a new engine over the data directory, as a control-plane start does.
    pub async fn start_engine(&self) {
        let (sender, receiver) = tokio_mpsc::unbounded_channel();
        let images: Arc<dyn ImageSource> = Arc::new(TestImages {
            image: self.image(),
        });
        let mut config = LocalEngineConfig::new(&self.data_dir, images, sender);
        config.runtime = DEFAULT_RUNC.into();
        config.conmon = DEFAULT_CONMON.into();
        config.cni_bin_dir = DEFAULT_CNI_BIN_DIR.into();

        let engine = LocalEngine::new(config).await.expect("engine starts");
        *self.engine.lock().unwrap() = Some(Arc::new(engine));
        *self.events.lock().unwrap() = Some(receiver);
    }

    /// Drops the engine without stopping containers, as a control-plane exit does.
    pub async fn stop_engine(&self) {
        let engine = self.engine.lock().unwrap().take();
        drop(engine);
        // Aborted supervisors finish at their next poll.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    pub fn engine(&self) -> Arc<LocalEngine> {
        self.engine.lock().unwrap().clone().expect("engine runs")
    }

    /// Returns the events sent since the last call.
    pub fn events(&self) -> Vec<EngineEvent> {
        let mut guard = self.events.lock().unwrap();
        let mut events = Vec::new();
        if let Some(receiver) = guard.as_mut() {
            while let Ok(event) = receiver.try_recv() {
                events.push(event);
            }
        }
        events
    }

    fn image(&self) -> Image {
        Image {
            reference: IMAGE.into(),
            manifest_digest: format!("sha256:{}", "ab".repeat(32)),
            config: ImageConfig {
                user: "1000:1000".into(),
                env: vec!["PATH=/bin".into()],
                entrypoint: vec!["/bin/busybox".into()],
                cmd: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                    .map(String::from)
                    .to_vec(),
                working_dir: "/www".into(),
            },
            layers: vec![self.root.path().join("layer")],
        }
    }

    /// Returns a deployment of `desired` BusyBox httpd instances with an HTTP readiness check.
    pub fn deployment(&self, generation: i64, desired: u32) -> Deployment {
        Deployment {
            key: self.key.clone(),
            generation,
            spec: spec(desired),
            network: self.network.clone(),
        }
    }

    /// Syncs every 100 ms until `done` holds; panics with the last status after a minute.
    pub async fn sync_until(
        &self,
        deployment: &Deployment,
        mut done: impl FnMut(&strongroom_model::ApplicationStatus) -> bool,
    ) -> strongroom_model::ApplicationStatus {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let status = self.engine().sync(deployment).await.expect("sync succeeds");
            if done(&status) {
                return status;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("status did not reach the expected state within {WAIT:?}: {status:#?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Syncs until every desired instance is healthy and nothing else exists.
    pub async fn sync_until_running(
        &self,
        deployment: &Deployment,
    ) -> strongroom_model::ApplicationStatus {
        let desired = deployment.spec.instances.desired as usize;
        self.sync_until(deployment, |status| {
            status.phase == ApplicationPhase::Running && status.instances.len() == desired
        })
        .await
    }

    /// Returns a runtime layer over the engine's state, to inspect containers.
    pub fn runtime(&self) -> ContainerRuntime {
        ContainerRuntime::new(RuntimeConfig {
            state_dir: self.data_dir.join("runtime"),
            runtime: DEFAULT_RUNC.into(),
            conmon: DEFAULT_CONMON.into(),
            log_max_bytes: 1 << 20,
            log_max_files: 1,
        })
        .expect("runtime layer opens")
    }

    /// Returns a network layer over the engine's state, to inspect attachments.
    pub fn networks(&self) -> Networks {
        Networks::new(NetworkConfig {
            cni_bin_dir: DEFAULT_CNI_BIN_DIR.into(),
            state_dir: self.data_dir.join("network"),
        })
        .expect("network layer opens")
    }

    /// Returns the host PID of instance `ordinal`'s process, as `runc state` reports it.
    pub async fn pid(&self, ordinal: u32) -> i32 {
        let id = naming::container_id(&self.key, ordinal);
        let info = self
            .runtime()
            .state(&id)
            .await
            .unwrap()
            .expect("container exists");
        match info.state {
            ContainerState::Running { pid } => pid,
            other => panic!("container {id} does not run: {other:?}"),
        }
    }

    async fn purge(&self) {
        let engine = self.engine.lock().unwrap().clone();
        let engine = match engine {
            Some(engine) => engine,
            None => {
                self.start_engine().await;
                self.engine()
            }
        };
        if let Err(error) = engine.purge().await {
            eprintln!("purge of the test engine failed, removing leftovers directly: {error}");
        }
        self.engine.lock().unwrap().take();
    }

    /// Removes what a failed purge left: runc containers in the engine's
    /// root, mounts under the data directory, container namespaces, then the
    /// sandbox namespace with everything inside it.
    fn clean_up_leftovers(&self) {
        let runc_root = self.data_dir.join("runtime/runtime");
        if runc_root.exists() {
            let listing = output(&[DEFAULT_RUNC, "--root", path(&runc_root), "list", "-q"]);
            for id in listing.lines().filter(|id| !id.is_empty()) {
                let _ = output(&[
                    DEFAULT_RUNC,
                    "--root",
                    path(&runc_root),
                    "delete",
                    "--force",
                    id,
                ]);
            }
        }
        for mount in mounts_under(self.root.path()).into_iter().rev() {
            let _ = output(&["umount", "-l", &mount]);
        }
        for netns in recorded_namespaces(&self.data_dir.join("network")) {
            if Path::new("/run/netns").join(&netns).exists() {
                let _ = output(&["ip", "netns", "delete", &netns]);
            }
        }
        let _ = output(&["ip", "netns", "delete", &self.sandbox]);
    }
}

/// Serves the test image from the layer directory, without a registry.
struct TestImages {
    image: Image,
}

#[async_trait]
impl ImageSource for TestImages {
    async fn pull(&self, reference: &str) -> Result<Image, PullError> {
        if reference == self.image.reference {
            return Ok(self.image.clone());
        }
        Err(PullError {
            reference: reference.into(),
            message: format!("image {reference} not found: the tests serve only {IMAGE}"),
            kind: PullErrorKind::NotFound,
        })
    }

    async fn remove_all(&self) -> std::io::Result<()> {
        Ok(())
    }
}

fn spec(desired: u32) -> ApplicationSpec {
    let readiness = HealthCheck {
        http: Some(HttpCheck {
            path: "/".into(),
            port: PortRef::Name("http".into()),
            headers: BTreeMap::new(),
        }),
        tcp: None,
        exec: None,
        initial_delay: strongroom_model::Duration::zero(),
        period: strongroom_model::Duration::from_secs(1),
        timeout: strongroom_model::Duration::from_secs(1),
        failure_threshold: 3,
        success_threshold: 1,
    };
    ApplicationSpec {
        owner: "platform-team".into(),
        contact: "platform@bank.example".into(),
        security_level: 2,
        network_zone: "business".into(),
        image: IMAGE.into(),
        // The shell writes one line to stdout, so the logs have a known first line.
        command: Some(vec!["/bin/sh".into(), "-c".into()]),
        args: Some(vec![
            "echo \"started on $(hostname)\"; exec httpd -f -p 8080 -h /www".into(),
        ]),
        env: Vec::new(),
        working_dir: None,
        ports: vec![Port {
            name: "http".into(),
            port: HTTP_PORT,
            protocol: Protocol::Tcp,
            host_port: None,
        }],
        resources: Resources::default(),
        instances: Instances {
            desired,
            min: 1,
            max: None,
        },
        health_checks: HealthChecks {
            liveness: None,
            readiness: Some(readiness),
        },
        restart_backoff: RestartBackoff::default(),
        // BusyBox httpd as PID 1 ignores SIGTERM, so every stop waits for SIGKILL.
        stop_grace_period: strongroom_model::Duration::from_millis(500),
    }
}

/// Writes a one-layer image: BusyBox with a few applets, users and the page under `/www`.
fn write_layer(layer: &Path) {
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
        "root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:web:/www:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(etc.join("group"), "root:x:0:\nwww:x:1000:\n").unwrap();
    for dir in ["proc", "sys", "dev", "tmp", "root", "www"] {
        std::fs::create_dir_all(layer.join(dir)).unwrap();
    }
    std::fs::write(layer.join("www/index.html"), PAGE).unwrap();
}

/// Sends `GET /` to `ip` on the test port and returns the status line and body.
pub async fn http_get(ip: &str) -> (String, String) {
    let address: SocketAddr = format!("{ip}:{HTTP_PORT}").parse().unwrap();
    let mut stream = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(address),
    )
    .await
    .expect("connect within 2s")
    .expect("connect succeeds");
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(2), stream.read_to_string(&mut response))
        .await
        .expect("response within 2s")
        .unwrap();

    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Returns the mount points below `dir`, in mount order.
pub fn mounts_under(dir: &Path) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let prefix = dir.to_string_lossy().into_owned();
    table
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .filter(|mount| mount.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// Returns the container namespaces named in the network layer's attachment records.
pub fn recorded_namespaces(state_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state_dir.join("attachments")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .filter_map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .filter_map(|record| record["netns"].as_str().map(str::to_owned))
        .collect()
}

/// Returns whether a process with this PID exists.
pub fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn path(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn output(args: &[&str]) -> String {
    match Command::new(args[0]).args(&args[1..]).output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        Err(error) => {
            eprintln!("{args:?} could not run: {error}");
            String::new()
        }
    }
}

fn run(args: &[&str]) {
    let output = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("command starts");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
