//! Host facilities the supervisors drive, behind traits.
//!
//! Production code uses [`ContainerRuntime`], [`Networks`] and
//! [`ImageStore`]. The traits let unit tests drive the supervision logic
//! (restarts, backoff, rollout, adoption) with in-memory doubles, and let a
//! caller supply images without a registry.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use strongroom_engine::{EventSender, TenantNetwork};
use strongroom_image::{Image, ImageStore, PullError};

use crate::events::Events;
use crate::network::{AttachedContainer, Attachment, HostPort, NetworkError, Networks};
use crate::runtime::{ContainerInfo, ContainerRuntime, ContainerSpec, RuntimeError};

/// Source of the images the engine runs.
#[async_trait]
pub trait ImageSource: Send + Sync + 'static {
    /// Returns the image `reference`, pulling it first when needed.
    async fn pull(&self, reference: &str) -> Result<Image, PullError>;

    /// Deletes every stored image; used by [`crate::LocalEngine::purge_with_images`].
    async fn remove_all(&self) -> io::Result<()>;
}

#[async_trait]
impl ImageSource for ImageStore {
    async fn pull(&self, reference: &str) -> Result<Image, PullError> {
        ImageStore::pull(self, reference).await
    }

    async fn remove_all(&self) -> io::Result<()> {
        remove_dir_if_present(self.root().to_owned()).await
    }
}

/// Removes a directory tree; a missing directory is not an error.
pub(crate) async fn remove_dir_if_present(path: PathBuf) -> io::Result<()> {
    match tokio::fs::remove_dir_all(&path).await {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Container operations of [`ContainerRuntime`].
#[async_trait]
pub(crate) trait Containers: Send + Sync + 'static {
    async fn create_and_start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError>;
    async fn state(&self, id: &str) -> Result<Option<ContainerInfo>, RuntimeError>;
    async fn wait_exit(&self, id: &str) -> Result<Option<i32>, RuntimeError>;
    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError>;
    async fn remove(&self, id: &str) -> Result<(), RuntimeError>;
    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError>;
    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError>;
    async fn rotate_logs(&self, id: &str) -> Result<bool, RuntimeError>;
    /// Removes the parent cgroup directories that no container uses any more, and
    /// returns a message for each one that could not be removed.
    async fn remove_cgroup_parents(&self) -> Vec<String>;
}

#[async_trait]
impl Containers for ContainerRuntime {
    async fn create_and_start(&self, spec: &ContainerSpec) -> Result<ContainerInfo, RuntimeError> {
        ContainerRuntime::create_and_start(self, spec).await
    }

    async fn state(&self, id: &str) -> Result<Option<ContainerInfo>, RuntimeError> {
        ContainerRuntime::state(self, id).await
    }

    async fn wait_exit(&self, id: &str) -> Result<Option<i32>, RuntimeError> {
        ContainerRuntime::wait_exit(self, id).await
    }

    async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        ContainerRuntime::stop(self, id, grace).await
    }

    async fn remove(&self, id: &str) -> Result<(), RuntimeError> {
        ContainerRuntime::remove(self, id).await
    }

    async fn list(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        ContainerRuntime::list(self).await
    }

    async fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        ContainerRuntime::exec(self, id, command, timeout).await
    }

    async fn rotate_logs(&self, id: &str) -> Result<bool, RuntimeError> {
        ContainerRuntime::rotate_logs(self, id).await
    }

    async fn remove_cgroup_parents(&self) -> Vec<String> {
        ContainerRuntime::remove_cgroup_parents(self)
    }
}

/// Network operations of [`Networks`].
#[async_trait]
pub(crate) trait Attachments: Send + Sync + 'static {
    async fn attach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
        host_ports: &[HostPort],
    ) -> Result<Attachment, NetworkError>;
    async fn attachment(&self, network: &TenantNetwork, container_id: &str) -> Option<Attachment>;
    async fn detach(&self, network: &TenantNetwork, container_id: &str)
    -> Result<(), NetworkError>;
    async fn attached(&self) -> Result<Vec<AttachedContainer>, NetworkError>;
    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), NetworkError>;
    async fn purge(&self) -> Result<(), NetworkError>;
}

#[async_trait]
impl Attachments for Networks {
    async fn attach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
        host_ports: &[HostPort],
    ) -> Result<Attachment, NetworkError> {
        Networks::attach(self, network, container_id, host_ports).await
    }

    async fn attachment(&self, network: &TenantNetwork, container_id: &str) -> Option<Attachment> {
        Networks::attachment(self, network, container_id).await
    }

    async fn detach(
        &self,
        network: &TenantNetwork,
        container_id: &str,
    ) -> Result<(), NetworkError> {
        Networks::detach(self, network, container_id).await
    }

    async fn attached(&self) -> Result<Vec<AttachedContainer>, NetworkError> {
        Networks::attached(self).await
    }

    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), NetworkError> {
        Networks::remove_network(self, network).await
    }

    async fn purge(&self) -> Result<(), NetworkError> {
        Networks::purge(self).await
    }
}

/// Everything a supervisor needs from the engine, shared by all of them.
pub(crate) struct Host {
    pub(crate) containers: Arc<dyn Containers>,
    pub(crate) networks: Arc<dyn Attachments>,
    pub(crate) images: Arc<dyn ImageSource>,
    pub(crate) events: Events,
    /// Client for HTTP health checks; never uses a proxy.
    pub(crate) http: reqwest::Client,
    /// Root of the per-instance log files.
    pub(crate) log_dir: PathBuf,
}

impl Host {
    /// Returns a host over the given parts, with a health-check HTTP client.
    pub(crate) fn new(
        containers: Arc<dyn Containers>,
        networks: Arc<dyn Attachments>,
        images: Arc<dyn ImageSource>,
        events: EventSender,
        log_dir: PathBuf,
    ) -> Result<Host, reqwest::Error> {
        Ok(Host {
            containers,
            networks,
            images,
            events: Events::new(events),
            http: health_check_client()?,
            log_dir,
        })
    }
}

/// Builds the HTTP client of health checks. It uses no proxy, because checks
/// go to container addresses on this host. It follows no redirects, because
/// a 3xx status already passes. It keeps no idle connections, so that every
/// check opens a new one as a client would.
fn health_check_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_image::PullErrorKind;

    /// Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const UNREACHABLE: &str = "127.0.0.1:1/strongroom/absent:1";

    #[tokio::test]
    async fn image_store_pull_reports_unreachable_registry() {
        let dir = tempfile::tempdir().unwrap();
        let store = ImageStore::open(dir.path()).unwrap();
        let images: Arc<dyn ImageSource> = Arc::new(store);

        let error = images.pull(UNREACHABLE).await.unwrap_err();
        assert_eq!(error.reference, UNREACHABLE);
        assert_eq!(error.kind, PullErrorKind::Unreachable, "error {error}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn image_store_pull_runs_on_multi_thread_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let images: Arc<dyn ImageSource> = Arc::new(ImageStore::open(dir.path()).unwrap());
        let pull = tokio::spawn(async move { images.pull(UNREACHABLE).await });

        let error = pull.await.unwrap().unwrap_err();
        assert_eq!(error.kind, PullErrorKind::Unreachable, "error {error}");
    }
}
