//! In-memory doubles of the runtime, network and image layers for unit tests.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use strongroom_engine::{AppKey, Deployment, TenantNetwork};
use strongroom_image::{Image, ImageConfig, PullError, PullErrorKind};
use strongroom_model::{ApplicationSpec, HealthChecks, Instances, Resources, RestartBackoff};
use tokio::sync::watch;

use crate::host::{Attachments, Containers, ImageSource};
use crate::network::{AttachedContainer, Attachment, HostPort, NetworkError};
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, RuntimeError};

/// Returns a valid spec of `desired` instances of image `r/web:1`.
pub(crate) fn sample_spec(desired: u32) -> ApplicationSpec {
    ApplicationSpec {
        owner: "team".into(),
        contact: "team@bank.example".into(),
        security_level: 2,
        network_zone: "business".into(),
        image: "r/web:1".into(),
        command: None,
        args: None,
        env: Vec::new(),
        working_dir: None,
        ports: Vec::new(),
        resources: Resources::default(),
        instances: Instances {
            desired,
            min: 1,
            max: None,
        },
        health_checks: HealthChecks::default(),
        restart_backoff: RestartBackoff::default(),
        stop_grace_period: strongroom_model::Duration::from_secs(10),
    }
}

pub(crate) fn sample_key() -> AppKey {
    AppKey {
        tenant: "retail".into(),
        app: "web".into(),
    }
}

pub(crate) fn sample_deployment(generation: i64, spec: ApplicationSpec) -> Deployment {
    Deployment {
        key: sample_key(),
        generation,
        spec,
        network: TenantNetwork {
            tenant: "retail".into(),
            bridge: "sr-retail".into(),
            subnet: "10.88.0.0/24".into(),
        },
    }
}

pub(crate) fn sample_image(reference: &str) -> Image {
    Image {
        reference: reference.into(),
        manifest_digest: format!("sha256:{:0>64}", reference.len()),
        config: ImageConfig {
            entrypoint: vec!["/bin/busybox".into()],
            cmd: vec!["httpd".into(), "-f".into()],
            ..ImageConfig::default()
        },
        layers: Vec::new(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A container of [`FakeContainers`].
struct FakeContainer {
    info: ContainerInfo,
    spec: Option<ContainerSpec>,
    exit: watch::Sender<Option<Option<i32>>>,
}

#[derive(Default)]
struct FakeContainersState {
    containers: BTreeMap<String, FakeContainer>,
    next_pid: i32,
    /// Operations in order, for example `create sr.retail.web.0`.
    operations: Vec<String>,
    /// Errors the next creates return, first first.
    create_failures: VecDeque<RuntimeError>,
    /// Exit code of exec checks.
    exec_code: i32,
}

/// Containers in memory: created ones run until killed or stopped.
#[derive(Default)]
pub(crate) struct FakeContainers {
    state: Mutex<FakeContainersState>,
}

impl FakeContainers {
    /// Adds a container as if an earlier engine had created it.
    pub(crate) fn insert(&self, id: &str, labels: BTreeMap<String, String>, state: ContainerState) {
        let exited = match state {
            ContainerState::Stopped { exit_code } => Some(exit_code),
            _ => None,
        };
        let info = ContainerInfo {
            id: id.to_owned(),
            labels,
            state,
        };
        let container = FakeContainer {
            info,
            spec: None,
            exit: watch::Sender::new(exited),
        };
        lock(&self.state)
            .containers
            .insert(id.to_owned(), container);
    }

    /// Makes the container's process exit with `code`, as `kill` would.
    pub(crate) fn kill(&self, id: &str, code: i32) {
        let mut state = lock(&self.state);
        let container = state.containers.get_mut(id).expect("container exists");
        container.info.state = ContainerState::Stopped {
            exit_code: Some(code),
        };
        container.exit.send_replace(Some(Some(code)));
    }

    pub(crate) fn fail_next_create(&self, error: RuntimeError) {
        lock(&self.state).create_failures.push_back(error);
    }

    pub(crate) fn set_exec_code(&self, code: i32) {
        lock(&self.state).exec_code = code;
    }

    pub(crate) fn operations(&self) -> Vec<String> {
        lock(&self.state).operations.clone()
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        lock(&self.state).containers.keys().cloned().collect()
    }

    pub(crate) fn info(&self, id: &str) -> Option<ContainerInfo> {
        lock(&self.state)
            .containers
            .get(id)
            .map(|container| container.info.clone())
    }

    pub(crate) fn spec(&self, id: &str) -> Option<ContainerSpec> {
        lock(&self.state)
            .containers
            .get(id)
            .and_then(|container| container.spec.clone())
    }

    fn record(&self, operation: &str, id: &str) {
        lock(&self.state)
            .operations
            .push(format!("{operation} {id}"));
    }
}

#[async_trait]
impl Containers for FakeContainers {
    async fn create_and_start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        self.record("create", &spec.id);
        let mut state = lock(&self.state);
        if let Some(error) = state.create_failures.pop_front() {
            return Err(error);
        }
        if state.containers.contains_key(&spec.id) {
            return Err(RuntimeError::Failed {
                operation: "creation",
                id: spec.id.clone(),
                message: "already exists".into(),
            });
        }

        state.next_pid += 1;
        let info = ContainerInfo {
            id: spec.id.clone(),
            labels: spec.labels.clone(),
            state: ContainerState::Running {
                pid: 1000 + state.next_pid,
            },
        };
        let container = FakeContainer {
            info: info.clone(),
            spec: Some(spec.clone()),
            exit: watch::Sender::new(None),
        };
        state.containers.insert(spec.id.clone(), container);
        Ok(info)
    }

    async fn state(&self, id: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        Ok(self.info(id))
    }

    async fn wait_exit(&self, id: &str) -> Result<Option<i32>, RuntimeError> {
        let receiver = lock(&self.state)
            .containers
            .get(id)
            .map(|container| container.exit.subscribe());
        let Some(mut receiver) = receiver else {
            return Err(RuntimeError::NotFound { id: id.to_owned() });
        };
        match receiver.wait_for(Option::is_some).await {
            Ok(code) => Ok(code.flatten()),
            // The container was removed while running; report it as killed.
            Err(_) => Ok(Some(137)),
        }
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        let _ = grace;
        self.record("stop", id);
        let mut state = lock(&self.state);
        if let Some(container) = state.containers.get_mut(id)
            && matches!(container.info.state, ContainerState::Running { .. })
        {
            container.info.state = ContainerState::Stopped {
                exit_code: Some(143),
            };
            container.exit.send_replace(Some(Some(143)));
        }
        Ok(())
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        self.record("remove", id);
        let mut state = lock(&self.state);
        if let Some(container) = state.containers.get(id)
            && matches!(container.info.state, ContainerState::Running { .. })
        {
            return Err(RuntimeError::Failed {
                operation: "removal",
                id: id.to_owned(),
                message: "container runs".into(),
            });
        }
        state.containers.remove(id);
        Ok(())
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        Ok(lock(&self.state)
            .containers
            .values()
            .map(|container| container.info.clone())
            .collect())
    }

    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        let _ = (command, timeout);
        match self.info(id).map(|info| info.state) {
            Some(ContainerState::Running { .. }) => Ok(lock(&self.state).exec_code),
            _ => Err(RuntimeError::NotFound { id: id.to_owned() }),
        }
    }

    async fn rotate_logs(&self, id: &str) -> Result<bool, RuntimeError> {
        let _ = id;
        Ok(false)
    }

    async fn remove_cgroup_parents(&self) -> Vec<String> {
        self.record("remove cgroup parents", "strongroom");
        Vec::new()
    }
}

#[derive(Default)]
struct FakeNetworksState {
    attachments: BTreeMap<String, (TenantNetwork, Attachment)>,
    next_host: u8,
    busy_host_port: Option<u16>,
    operations: Vec<String>,
}

/// Network attachments in memory, with addresses 10.88.0.2 and up.
#[derive(Default)]
pub(crate) struct FakeNetworks {
    state: Mutex<FakeNetworksState>,
}

impl FakeNetworks {
    /// Makes every attach that forwards `port` fail with `PortInUse`; `None` frees it.
    pub(crate) fn set_busy_host_port(&self, port: Option<u16>) {
        lock(&self.state).busy_host_port = port;
    }

    /// Adds an attachment as if an earlier engine had made it.
    pub(crate) fn insert(&self, network: &TenantNetwork, id: &str) -> Attachment {
        let mut state = lock(&self.state);
        let attachment = next_attachment(&mut state, id);
        state
            .attachments
            .insert(id.to_owned(), (network.clone(), attachment.clone()));
        attachment
    }

    pub(crate) fn attached_ids(&self) -> Vec<String> {
        lock(&self.state).attachments.keys().cloned().collect()
    }

    pub(crate) fn operations(&self) -> Vec<String> {
        lock(&self.state).operations.clone()
    }
}

fn next_attachment(state: &mut FakeNetworksState, id: &str) -> Attachment {
    state.next_host += 1;
    Attachment {
        netns_path: PathBuf::from(format!("/run/netns/{id}")),
        ip: IpAddr::V4(Ipv4Addr::new(10, 88, 0, 1 + state.next_host)),
        gateway: IpAddr::V4(Ipv4Addr::new(10, 88, 0, 1)),
    }
}

#[async_trait]
impl Attachments for FakeNetworks {
    async fn attach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
        host_ports: &[HostPort],
    ) -> Result<Attachment, NetworkError> {
        let mut state = lock(&self.state);
        state.operations.push(format!("attach {container_id}"));
        if let Some(busy) = state.busy_host_port
            && let Some(port) = host_ports.iter().find(|port| port.host_port == busy)
        {
            return Err(NetworkError::PortInUse {
                port: port.host_port,
                protocol: port.protocol,
            });
        }
        if let Some((_, attachment)) = state.attachments.get(container_id) {
            return Ok(attachment.clone());
        }
        let attachment = next_attachment(&mut state, container_id);
        state.attachments.insert(
            container_id.to_owned(),
            (network.clone(), attachment.clone()),
        );
        Ok(attachment)
    }

    async fn attachment(&self, network: &TenantNetwork, container_id: &str) -> Option<Attachment> {
        let state = lock(&self.state);
        let (attached_to, attachment) = state.attachments.get(container_id)?;
        (attached_to == network).then(|| attachment.clone())
    }

    async fn detach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
    ) -> Result<(), NetworkError> {
        let _ = network;
        let mut state = lock(&self.state);
        state.operations.push(format!("detach {container_id}"));
        state.attachments.remove(container_id);
        Ok(())
    }

    async fn attached(&self) -> Result<Vec<AttachedContainer>, NetworkError> {
        let state = lock(&self.state);
        let attached =
            state
                .attachments
                .iter()
                .map(|(id, (network, attachment))| AttachedContainer {
                    container_id: id.clone(),
                    network: network.clone(),
                    attachment: Some(attachment.clone()),
                });
        Ok(attached.collect())
    }

    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), NetworkError> {
        lock(&self.state)
            .operations
            .push(format!("remove network {}", network.tenant));
        Ok(())
    }

    async fn purge(&self) -> Result<(), NetworkError> {
        let mut state = lock(&self.state);
        state.operations.push("purge".to_owned());
        state.attachments.clear();
        Ok(())
    }
}

/// Images by reference; a reference without an entry is not found.
#[derive(Default)]
pub(crate) struct FakeImages {
    images: Mutex<HashMap<String, Result<Image, String>>>,
    pulls: Mutex<Vec<String>>,
}

impl FakeImages {
    pub(crate) fn set(&self, reference: &str, image: Result<Image, String>) {
        lock(&self.images).insert(reference.to_owned(), image);
    }

    pub(crate) fn pulls(&self) -> Vec<String> {
        lock(&self.pulls).clone()
    }
}

#[async_trait]
impl ImageSource for FakeImages {
    async fn pull(&self, reference: &str) -> Result<Image, PullError> {
        lock(&self.pulls).push(reference.to_owned());
        let found = lock(&self.images).get(reference).cloned();
        let error = |message: String, kind| PullError {
            reference: reference.to_owned(),
            message,
            kind,
        };
        match found {
            Some(Ok(image)) => Ok(image),
            Some(Err(message)) => Err(error(message, PullErrorKind::Unreachable)),
            None => Err(error(
                format!("image {reference} not found in registry r"),
                PullErrorKind::NotFound,
            )),
        }
    }

    async fn remove_all(&self) -> io::Result<()> {
        lock(&self.images).clear();
        Ok(())
    }
}

/// The doubles behind one engine, kept by a test to steer and inspect them.
#[derive(Clone, Default)]
pub(crate) struct Fakes {
    pub(crate) containers: Arc<FakeContainers>,
    pub(crate) networks: Arc<FakeNetworks>,
    pub(crate) images: Arc<FakeImages>,
}
