use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::{NAME_PATTERN, api_version_schema};
use crate::{Cpu, Duration, Memory, ObjectMeta};

/// A bank application run as a set of identical instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Application {
    /// Always `strongroom/v1`.
    #[schemars(schema_with = "api_version_schema")]
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
    #[schemars(range(min = 1, max = 5))]
    pub security_level: u8,
    /// Network zone the application runs in, for example `dmz`, `business` or `data`:
    /// lowercase letters, digits and `-`, starting with a letter, at most 40 characters.
    #[schemars(pattern(NAME_PATTERN), length(max = 40))]
    pub network_zone: String,
    /// Image reference with its registry host: `host[:port]/path[:tag][@sha256:digest]`,
    /// for example `127.0.0.1:5000/samples/httpd:1.0`.
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
    #[schemars(range(min = 1))]
    pub port: u16,
    /// Transport protocol; default `TCP`.
    #[serde(default)]
    pub protocol: Protocol,
    /// Port on the host that forwards to one instance. Only one instance per
    /// host can hold a given host port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub host_port: Option<u16>,
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Protocol {
    /// TCP.
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    /// Returns the protocol's name as written in manifests: `TCP` or `UDP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
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
    #[schemars(range(min = 1))]
    pub pids: Option<u32>,
}

/// Instance counts: `min <= desired <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Instances {
    /// Instances the platform keeps running, at most 1000.
    #[schemars(range(max = 1000))]
    pub desired: u32,
    /// Minimum healthy instances at which the service counts as available; default 1.
    #[serde(default = "default_min")]
    pub min: u32,
    /// Most instances scaling may reach, at most 1000; default `desired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 1000))]
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
    #[schemars(range(min = 1))]
    pub failure_threshold: u32,
    /// Consecutive successes that make the check pass again; default 1.
    #[serde(default = "default_success_threshold")]
    #[schemars(range(min = 1))]
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
    #[schemars(length(min = 1))]
    pub command: Vec<String>,
}

/// A port given by number or by the name of a declared port.
///
/// A YAML or JSON number is a port number and a string is a name, so `"8080"`
/// names a port called `8080`, which no valid port name can be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    /// Port number.
    Number(#[schemars(range(min = 1))] u16),
    /// Name of an entry in `spec.ports`.
    Name(String),
}

impl<'de> Deserialize<'de> for PortRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PortRefVisitor)
    }
}

/// Reads a number or a string without serde's untagged buffering, whose
/// error ("did not match any variant") would not say what is allowed.
struct PortRefVisitor;

impl serde::de::Visitor<'_> for PortRefVisitor {
    type Value = PortRef;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a port number from 1 to 65535 or the name of a port in spec.ports")
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<PortRef, E> {
        u16::try_from(number)
            .map(PortRef::Number)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(number), &self))
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<PortRef, E> {
        u16::try_from(number)
            .map(PortRef::Number)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(number), &self))
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<PortRef, E> {
        Ok(PortRef::Name(name.to_owned()))
    }
}

/// Delays between restarts of a failing instance.
///
/// The engine restarts an instance immediately after its first failure. To
/// consecutive failures it applies the delay, doubling from `initial` up to
/// `max`. The count of consecutive failures resets after the instance has run
/// healthy for 10 minutes or longer.
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
