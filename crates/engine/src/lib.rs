//! The engine trait: how the control plane drives instances on any engine.
//!
//! The control plane keeps desired state; an engine makes it real. The local
//! engine runs containers on the host where it runs; a Kubernetes engine
//! applies the same model to clusters. Both are driven the same way: the
//! reconcile loop calls [`Engine::sync`] again and again with the whole
//! desired state of one application, and the engine converges one step and
//! reports what it observes. Every call is idempotent, so a control plane that
//! crashes and calls again never duplicates or loses instances.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use strongroom_model::{ApplicationSpec, ApplicationStatus};

/// Identity of one application on an engine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AppKey {
    /// Tenant name.
    pub tenant: String,
    /// Application name, unique within the tenant.
    pub app: String,
}

impl fmt::Display for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.app)
    }
}

/// The whole desired state of one application, as an engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// Which application.
    pub key: AppKey,
    /// Generation of the spec; instances started from an older generation are replaced.
    pub generation: i64,
    /// The application's spec, validated.
    pub spec: ApplicationSpec,
    /// The tenant's container network.
    pub network: TenantNetwork,
}

/// The container network of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantNetwork {
    /// Tenant name; also the network's name.
    pub tenant: String,
    /// Bridge device on the host, at most 15 characters.
    pub bridge: String,
    /// IPv4 subnet in CIDR notation.
    pub subnet: String,
}

/// Something that happened to an application or instance, worth showing to an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineEvent {
    /// Which application.
    pub key: AppKey,
    /// Instance name, when the event is about one instance.
    pub instance: Option<String>,
    /// Whether the event needs attention.
    pub severity: Severity,
    /// One CamelCase word, for example `Started`, `Unhealthy`, `PullFailed`.
    pub reason: String,
    /// A sentence for the operator, naming the values involved.
    pub message: String,
}

/// Whether an event needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    /// Routine progress.
    Normal,
    /// Something failed or is not as desired.
    Warning,
}

/// Receives events from an engine; the control plane stores them.
pub type EventSender = tokio_mpsc::UnboundedSender<EngineEvent>;

/// Re-export of the channel type used for [`EventSender`].
pub use tokio::sync::mpsc as tokio_mpsc;

/// Failure of [`Engine::sync`] as a whole; failures of single instances are
/// reported in the returned status instead.
#[derive(Debug, thiserror::Error)]
#[error("sync of application {key} failed: {message}")]
pub struct SyncError {
    /// Which application.
    pub key: AppKey,
    /// Description of the failure and of the fix.
    pub message: String,
}

/// Failure of [`Engine::remove`].
#[derive(Debug, thiserror::Error)]
#[error("removal of application {key} failed: {message}")]
pub struct RemoveError {
    /// Which application.
    pub key: AppKey,
    /// Description of the failure and of the fix.
    pub message: String,
}

/// Failure of [`Engine::list_apps`] or [`Engine::purge`].
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct EngineError {
    /// The operation, for example `listing applications`.
    pub operation: &'static str,
    /// Description of the failure and of the fix.
    pub message: String,
    /// Whether the request named something that does not exist, rather than the engine failing.
    pub not_found: bool,
}

/// Runs application instances and reports their state.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// Converges the application toward `deployment` by one idempotent step
    /// and returns the observed status. Long work (pulls, starts, probes)
    /// continues in the background; the next call reports its progress.
    async fn sync(&self, deployment: &Deployment) -> Result<ApplicationStatus, SyncError>;

    /// Stops every instance of the application (SIGTERM, then SIGKILL after
    /// the grace period) and removes everything the engine created for it.
    /// Removing an application that does not exist succeeds.
    async fn remove(&self, key: &AppKey) -> Result<(), RemoveError>;

    /// Lists the applications that have instances or resources on this engine,
    /// so that the control plane can remove those it no longer stores.
    async fn list_apps(&self) -> Result<Vec<AppKey>, EngineError>;

    /// Removes a tenant's network once no application of the tenant is left. Idempotent.
    async fn remove_network(&self, network: &TenantNetwork) -> Result<(), EngineError>;

    /// Removes every instance, network and file the engine created.
    async fn purge(&self) -> Result<(), EngineError>;

    /// Reads what the application's instances wrote to stdout and stderr.
    async fn read_logs(&self, key: &AppKey, query: &LogQuery) -> Result<LogBatch, EngineError>;
}

/// Which log lines to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Only this instance; all instances when absent.
    pub instance: Option<String>,
    /// Only lines written at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only the last N lines of each instance.
    pub tail: Option<usize>,
    /// Only lines after this cursor, as returned by an earlier read (for `--follow`).
    pub after: Option<String>,
}

/// One line an instance wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Instance name.
    pub instance: String,
    /// When the line was written (RFC 3339 with nanoseconds).
    pub time: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text, without the line break.
    pub text: String,
}

/// Lines read and where to continue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogBatch {
    /// Lines in time order.
    pub lines: Vec<LogLine>,
    /// Pass as [`LogQuery::after`] to read only newer lines.
    pub cursor: String,
}
