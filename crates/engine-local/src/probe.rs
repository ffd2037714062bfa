//! Health checks: HTTP GET, TCP connect and exec, with their timing and thresholds.
//!
//! Each check of a running container gets its own task, so that a slow check
//! never delays noticing that the process exited. The tasks report only
//! changes to the supervisor.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use strongroom_model::{ExecCheck, HealthCheck, HealthChecks, HttpCheck, Port, PortRef};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::host::Containers;

/// Pause between readiness checks until readiness first passes, so that a
/// new instance becomes healthy soon after it listens.
const FAST_PERIOD: Duration = Duration::from_millis(100);

/// A change reported by a check task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeEvent {
    /// Readiness has not passed yet; sent when the failure message changes.
    NotReadyYet {
        /// Failure message of the last check.
        reason: String,
    },
    /// Readiness changed.
    Readiness {
        /// Whether the instance is ready now.
        ready: bool,
        /// Failure message of the last check, when readiness turned off.
        reason: Option<String>,
    },
    /// Liveness failed `failureThreshold` times in a row; the task has stopped.
    LivenessFailed {
        /// Failure message of the last check.
        reason: String,
    },
}

/// Container that checks are run against.
#[derive(Clone)]
pub(crate) struct ProbeTarget {
    /// Client for HTTP checks.
    pub(crate) http: reqwest::Client,
    /// Runs exec checks.
    pub(crate) containers: Arc<dyn Containers>,
    /// Container id, for exec checks.
    pub(crate) container_id: String,
    /// Container address, for HTTP and TCP checks.
    pub(crate) ip: IpAddr,
    /// Declared ports, to resolve ports given by name.
    pub(crate) ports: Vec<Port>,
}

/// The check tasks of one container; dropping it stops them.
pub(crate) struct Probers {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Probers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts one task per configured check of `checks`.
pub(crate) fn spawn_probers(
    checks: &HealthChecks,
    target: ProbeTarget,
    events: mpsc::Sender<ProbeEvent>,
) -> Probers {
    let mut tasks = Vec::new();
    if let Some(check) = checks.readiness.clone() {
        tasks.push(tokio::spawn(readiness_loop(
            check,
            target.clone(),
            events.clone(),
        )));
    }
    if let Some(check) = checks.liveness.clone() {
        tasks.push(tokio::spawn(liveness_loop(check, target, events)));
    }
    Probers { tasks }
}

async fn readiness_loop(check: HealthCheck, target: ProbeTarget, events: mpsc::Sender<ProbeEvent>) {
    tokio::time::sleep(check.initial_delay.get()).await;
    let mut threshold = Threshold::new(&check, false);
    let mut ready_once = false;
    let mut last_reason: Option<String> = None;

    loop {
        let result = check_once(&check, &target).await;
        let flipped = threshold.observe(result.is_ok());
        let event = match (flipped, result) {
            (Some(ready), result) => Some(ProbeEvent::Readiness {
                ready,
                reason: result.err(),
            }),
            (None, Err(reason)) if !ready_once && last_reason.as_ref() != Some(&reason) => {
                last_reason = Some(reason.clone());
                Some(ProbeEvent::NotReadyYet { reason })
            }
            (None, _) => None,
        };
        ready_once |= flipped == Some(true);

        if let Some(event) = event
            && events.send(event).await.is_err()
        {
            return;
        }
        let pause = if ready_once {
            check.period.get()
        } else {
            FAST_PERIOD
        };
        tokio::time::sleep(pause).await;
    }
}

async fn liveness_loop(check: HealthCheck, target: ProbeTarget, events: mpsc::Sender<ProbeEvent>) {
    tokio::time::sleep(check.initial_delay.get()).await;
    let mut threshold = Threshold::new(&check, true);

    loop {
        let result = check_once(&check, &target).await;
        if let (Some(false), Err(reason)) = (threshold.observe(result.is_ok()), result) {
            let _ = events.send(ProbeEvent::LivenessFailed { reason }).await;
            return;
        }
        tokio::time::sleep(check.period.get()).await;
    }
}

/// Consecutive results needed to flip a check between passing and failing.
#[derive(Debug, Clone)]
pub(crate) struct Threshold {
    passing: bool,
    streak: u32,
    success_threshold: u32,
    failure_threshold: u32,
}

impl Threshold {
    pub(crate) fn new(check: &HealthCheck, passing: bool) -> Threshold {
        Threshold {
            passing,
            streak: 0,
            success_threshold: check.success_threshold.max(1),
            failure_threshold: check.failure_threshold.max(1),
        }
    }

    /// Records one result and returns the new state when it flips.
    pub(crate) fn observe(&mut self, passed: bool) -> Option<bool> {
        if passed == self.passing {
            self.streak = 0;
            return None;
        }

        self.streak += 1;
        let needed = if passed {
            self.success_threshold
        } else {
            self.failure_threshold
        };
        if self.streak < needed {
            return None;
        }
        self.passing = passed;
        self.streak = 0;
        Some(passed)
    }
}

/// Runs one check and returns the failure message as `Err`.
pub(crate) async fn check_once(check: &HealthCheck, target: &ProbeTarget) -> Result<(), String> {
    let timeout = check.timeout.get();
    let attempt = async {
        if let Some(http) = &check.http {
            check_http(http, timeout, target).await
        } else if let Some(tcp) = &check.tcp {
            check_tcp(&tcp.port, target).await
        } else if let Some(exec) = &check.exec {
            check_exec(exec, timeout, target).await
        } else {
            Err("health check has no http, tcp or exec action".to_owned())
        }
    };

    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(format!("timed out after {} ms", timeout.as_millis())),
    }
}

async fn check_http(
    http: &HttpCheck,
    timeout: Duration,
    target: &ProbeTarget,
) -> Result<(), String> {
    let port = resolve_port(&http.port, &target.ports)?;
    let address = SocketAddr::new(target.ip, port);
    let path = if http.path.starts_with('/') {
        http.path.clone()
    } else {
        format!("/{}", http.path)
    };
    let url = format!("http://{address}{path}");

    let mut request = target.http.get(&url).timeout(timeout);
    for (name, value) in &http.headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("GET {url} failed: {}", error_chain(&error)))?;

    let status = response.status();
    if status.is_success() || status.is_redirection() {
        Ok(())
    } else {
        Err(format!("GET {url} returned status {status}"))
    }
}

async fn check_tcp(port: &PortRef, target: &ProbeTarget) -> Result<(), String> {
    let port = resolve_port(port, &target.ports)?;
    let address = SocketAddr::new(target.ip, port);
    tokio::net::TcpStream::connect(address)
        .await
        .map(drop)
        .map_err(|error| format!("TCP connect to {address} failed: {error}"))
}

async fn check_exec(
    exec: &ExecCheck,
    timeout: Duration,
    target: &ProbeTarget,
) -> Result<(), String> {
    let code = target
        .containers
        .exec(&target.container_id, &exec.command, timeout)
        .await
        .map_err(|error| error.to_string())?;
    match code {
        0 => Ok(()),
        code => Err(format!(
            "command {:?} exited with code {code}",
            exec.command
        )),
    }
}

/// Resolves a port given by number or by the name of an entry in `spec.ports`.
pub(crate) fn resolve_port(port: &PortRef, ports: &[Port]) -> Result<u16, String> {
    match port {
        PortRef::Number(number) => Ok(*number),
        PortRef::Name(name) => ports
            .iter()
            .find(|declared| &declared.name == name)
            .map(|declared| declared.port)
            .ok_or_else(|| format!("port {name:?} is not declared in spec.ports")),
    }
}

/// Joins an error with its sources, because reqwest's top-level message
/// leaves out the cause (for example "connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
