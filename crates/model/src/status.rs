use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Observed state of an application, written by the platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationStatus {
    /// Generation of the spec the status describes.
    pub observed_generation: i64,
    /// Summary: `Pending`, `Progressing`, `Running`, `Degraded`, `Failed` or `Deleting`.
    pub phase: ApplicationPhase,
    /// Instances the spec requests.
    pub desired_instances: u32,
    /// Instances whose readiness check passes.
    pub healthy_instances: u32,
    /// Why the application is not fully running, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Resolved image digest, once pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// One entry per instance, ordered by name.
    #[serde(default)]
    pub instances: Vec<InstanceStatus>,
}

/// Summary state of an application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationPhase {
    /// Nothing has been started yet.
    #[default]
    Pending,
    /// Instances are starting or stopping toward the desired count.
    Progressing,
    /// All desired instances run and are healthy.
    Running,
    /// Fewer than `instances.min` instances are healthy after having run.
    Degraded,
    /// The application cannot run until its spec or environment changes.
    Failed,
    /// The application is being removed.
    Deleting,
}

/// Observed state of one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatus {
    /// Instance name: the application name and the ordinal, for example `web-0`.
    pub name: String,
    /// Container id in the engine.
    pub container_id: String,
    /// Address on the tenant network, once attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Lifecycle state.
    pub state: InstanceState,
    /// Whether the readiness check passes (or the process runs, without a readiness check).
    pub healthy: bool,
    /// Restarts since the instance was first created.
    pub restarts: u32,
    /// When the current process started.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<OffsetDateTime>,
    /// Exit code of the last process, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i32>,
    /// Why the instance is not running or not healthy, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Lifecycle state of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceState {
    /// Waiting for its image, network or a free host port.
    Pending,
    /// Created and starting.
    Starting,
    /// The process runs.
    Running,
    /// Waiting for the restart backoff to pass after a failure.
    BackOff,
    /// Stopping after SIGTERM.
    Stopping,
    /// The process exited and will not be restarted.
    Exited,
    /// The instance cannot be started until its spec changes.
    Failed,
}

impl std::fmt::Display for InstanceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::fmt::Display for ApplicationPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Observed state of a tenant, written by the platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantStatus {
    /// Subnet of the tenant's container network, given or allocated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// Name of the tenant's bridge on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<String>,
}
