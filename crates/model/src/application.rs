use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Cpu, Duration, Memory, ObjectMeta};

/// A bank application run as a set of identical instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Application {
    /// Always `strongroom/v1`.
    pub api_version: String,
    /// Name, tenant, labels and annotations.
    pub metadata: ObjectMeta,
    /// Desired state.
    pub spec: ApplicationSpec,
}

/// Desired state of an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSpec {
    /// Team or person accountable for the application.
    pub owner: String,
    /// How to reach the owner: an e-mail address, a phone number or an on-call alias.
    pub contact: String,
    /// Graded protection level, 1 (lowest) to 5 (highest).
    pub security_level: u8,
    /// Network zone the application runs in, for example `dmz`, `business` or `data`.
    pub network_zone: String,
    /// Image reference: `registry/repository:tag` or `registry/repository@sha256:...`.
    pub image: String,
    /// Replaces the image's entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Replaces the image's default arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Environment variables added to the image's environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Replaces the image's working directory; an absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Ports the application listens on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// CPU and memory of each instance.
    #[serde(default)]
    pub resources: Resources,
    /// How many instances run.
    pub instances: Instances,
    /// Liveness and readiness checks.
    #[serde(default)]
    pub health_checks: HealthChecks,
    /// Delay between restarts of a failing instance.
    #[serde(default)]
    pub restart_backoff: RestartBackoff,
    /// Time between SIGTERM and SIGKILL when an instance stops; default `10s`.
    #[serde(default = "default_stop_grace_period")]
    pub stop_grace_period: Duration,
}

fn default_stop_grace_period() -> Duration {
    Duration::from_secs(10)
}

/// One environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    /// Variable name: letters, digits and `_`, not starting with a digit.
    pub name: String,
    /// Value; may be empty.
    #[serde(default)]
    pub value: String,
}

/// A port the application listens on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Port {
    /// Port name, unique within the application: lowercase letters, digits and `-`.
    pub name: String,
    /// Port number inside the instance, 1 to 65535.
    pub port: u16,
    /// Transport protocol; default `TCP`.
    #[serde(default)]
    pub protocol: Protocol,
    /// Port on the host that forwards to one instance. Only one instance per
    /// host can hold a given host port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Protocol {
    /// TCP.
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
}

/// CPU and memory of one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// CPU limit: cores (`2`, `0.5`) or millicores (`250m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// Memory limit: bytes with an optional suffix (`64Mi`, `1Gi`, `500M`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// Maximum number of processes and threads in one instance; default 1024.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<u32>,
}

/// Instance counts: `min <= desired <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Instances {
    /// Instances the platform keeps running.
    pub desired: u32,
    /// Fewest healthy instances at which the service counts as available; default 1.
    #[serde(default = "default_min")]
    pub min: u32,
    /// Most instances scaling may reach; default `desired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

fn default_min() -> u32 {
    1
}

/// Liveness and readiness checks of each instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthChecks {
    /// Failing liveness restarts the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<HealthCheck>,
    /// Passing readiness marks the instance healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<HealthCheck>,
}

/// One health check: exactly one of `http`, `tcp` and `exec`, plus timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthCheck {
    /// HTTP GET that passes on a 2xx or 3xx status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// TCP connect that passes when the connection opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    /// Command run inside the instance that passes on exit status 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
    /// Wait after the instance starts before the first check; default `0s`.
    #[serde(default = "Duration::zero")]
    pub initial_delay: Duration,
    /// Time between checks; default `10s`.
    #[serde(default = "default_period")]
    pub period: Duration,
    /// Time after which one check counts as failed; default `1s`.
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// Consecutive failures that make the check fail; default 3.
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: u32,
    /// Consecutive successes that make the check pass again; default 1.
    #[serde(default = "default_success_threshold")]
    pub success_threshold: u32,
}

fn default_period() -> Duration {
    Duration::from_secs(10)
}

fn default_timeout() -> Duration {
    Duration::from_secs(1)
}

fn default_failure_threshold() -> u32 {
    3
}

fn default_success_threshold() -> u32 {
    1
}

/// HTTP GET check against the instance's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpCheck {
    /// Request path starting with `/`; default `/`.
    #[serde(default = "default_path")]
    pub path: String,
    /// Port number, or the name of a declared port.
    pub port: PortRef,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

fn default_path() -> String {
    "/".to_owned()
}

/// TCP connect check against the instance's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpCheck {
    /// Port number, or the name of a declared port.
    pub port: PortRef,
}

/// Command check run inside the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecCheck {
    /// Program and arguments; not run through a shell.
    pub command: Vec<String>,
}

/// A port given by number or by the name of a declared port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    /// Port number.
    Number(u16),
    /// Name of an entry in `spec.ports`.
    Name(String),
}

/// Delay between restarts of a failing instance: it starts at `initial` and
/// doubles after each failed start, up to `max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestartBackoff {
    /// First delay; default `1s`.
    #[serde(default = "default_backoff_initial")]
    pub initial: Duration,
    /// Largest delay; default `5m`.
    #[serde(default = "default_backoff_max")]
    pub max: Duration,
}

impl Default for RestartBackoff {
    fn default() -> Self {
        RestartBackoff {
            initial: default_backoff_initial(),
            max: default_backoff_max(),
        }
    }
}

fn default_backoff_initial() -> Duration {
    Duration::from_secs(1)
}

fn default_backoff_max() -> Duration {
    Duration::from_secs(300)
}
