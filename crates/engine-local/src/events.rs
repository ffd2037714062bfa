//! Events the engine sends to the control plane.

use strongroom_engine::{AppKey, EngineEvent, EventSender, Severity};

/// Kind of event, sent as the one CamelCase word of [`EngineEvent::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// An image was pulled for a generation.
    Pulled,
    /// A pull failed; sent once per distinct failure.
    PullFailed,
    /// A container was created and started.
    Started,
    /// A readiness check passed after the instance started or after it failed.
    Ready,
    /// A readiness or liveness check failed.
    Unhealthy,
    /// A container was started again after its process exited or was killed.
    Restarted,
    /// A restart waits for the backoff delay.
    BackOff,
    /// The engine stopped a container that was still wanted, for example
    /// after a liveness failure or to replace it with a new spec.
    Killed,
    /// An instance was stopped and removed.
    Stopped,
    /// A running container was taken over after a control-plane restart.
    Adopted,
    /// An instance cannot start until its spec or environment changes.
    Failed,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Pulled => "Pulled",
            Reason::PullFailed => "PullFailed",
            Reason::Started => "Started",
            Reason::Ready => "Ready",
            Reason::Unhealthy => "Unhealthy",
            Reason::Restarted => "Restarted",
            Reason::BackOff => "BackOff",
            Reason::Killed => "Killed",
            Reason::Stopped => "Stopped",
            Reason::Adopted => "Adopted",
            Reason::Failed => "Failed",
        }
    }

    fn severity(self) -> Severity {
        match self {
            Reason::PullFailed
            | Reason::Unhealthy
            | Reason::BackOff
            | Reason::Killed
            | Reason::Failed => Severity::Warning,
            _ => Severity::Normal,
        }
    }
}

/// Sends events; a control plane that stopped listening is not an error.
#[derive(Debug, Clone)]
pub(crate) struct Events {
    sender: EventSender,
}

impl Events {
    pub(crate) fn new(sender: EventSender) -> Events {
        Events { sender }
    }

    /// Sends one event about `key`, or about one of its instances.
    pub(crate) fn send(
        &self,
        key: &AppKey,
        instance: Option<&str>,
        reason: Reason,
        message: String,
    ) {
        let event = EngineEvent {
            key: key.clone(),
            instance: instance.map(str::to_owned),
            severity: reason.severity(),
            reason: reason.as_str().to_owned(),
            message,
        };
        if self.sender.send(event).is_err() {
            tracing::debug!(app = %key, reason = reason.as_str(), "event dropped: no receiver");
        }
    }
}
