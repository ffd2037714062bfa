//! Restarting after a failure, and replacing a container for a new spec.

use std::time::Duration;

use strongroom_model::InstanceState;

use super::watch::healthy_run;
use super::{Running, Supervisor, seconds};
use crate::events::Reason;
use crate::runtime::ContainerState;

impl Supervisor {
    /// Counts the restart and waits out the backoff; the run loop then
    /// removes the failed container and starts a new one.
    ///
    /// The stopped container stays during the wait, because its labels are
    /// the only record of the restart count and backoff step that outlives
    /// the control plane. An engine that adopts it counts this failure again
    /// from the same labels, so a control-plane restart neither loses nor
    /// doubles it.
    pub(super) async fn restart_after_failure(
        &mut self,
        exit_code: Option<i32>,
        healthy_run: Duration,
        cause: String,
    ) {
        self.update(|record| {
            record.healthy = false;
            record.last_exit_code = exit_code;
            record.template = None;
        });

        self.restarts += 1;
        let restarts = self.restarts;
        let delay = self.backoff.next_delay(healthy_run);
        self.update(|record| record.restarts = restarts);
        self.restart_cause = Some(cause.clone());
        if delay.is_zero() {
            self.set_state(InstanceState::Starting, None);
            return;
        }

        tracing::info!(
            restarts,
            delay_ms = delay.as_millis(),
            "waiting before the restart"
        );
        let reason = format!("Stopped after {cause}. Restarting in {}.", seconds(delay));
        self.set_state(InstanceState::BackOff, Some(reason));
        self.event(
            Reason::BackOff,
            format!(
                "{} stopped after {cause}; restarting in {}",
                self.name,
                seconds(delay)
            ),
        );
        self.pause(delay).await;
    }

    /// Stops a container whose liveness check failed, then restarts it.
    pub(super) async fn kill_unhealthy(&mut self, reason: String, running: &Running) {
        let grace = self.target().spec.stop_grace_period.get();
        tracing::warn!(error = %reason, "liveness check failed; stopping the container");
        self.event(
            Reason::Unhealthy,
            format!("liveness check of {} failed: {reason}", self.name),
        );
        self.event(
            Reason::Killed,
            format!(
                "stopping {} with a grace period of {} because its liveness check failed",
                self.name,
                seconds(grace)
            ),
        );

        self.set_state(
            InstanceState::Stopping,
            Some(format!("Liveness check failed: {reason}")),
        );
        let exit_code = self.stop_container(grace).await;
        self.restart_after_failure(
            exit_code,
            healthy_run(running),
            "a failed liveness check".to_owned(),
        )
        .await;
    }

    /// Stops and removes the container so that the next start uses the new spec.
    pub(super) async fn replace(&mut self) {
        let target = self.target();
        let grace = target.spec.stop_grace_period.get();
        tracing::info!(
            generation = target.generation,
            "replacing the container with the new spec"
        );
        self.event(
            Reason::Killed,
            format!(
                "replacing {}: generation {} of the spec changes its container",
                self.name, target.generation
            ),
        );

        self.set_state(
            InstanceState::Stopping,
            Some("Replacing the instance with the new spec.".to_owned()),
        );
        self.stop_container(grace).await;
        self.remove_container().await;
        // The new spec may forward other host ports, so the attachment is made again.
        self.detach().await;

        self.backoff.reset();
        self.restart_cause = None;
        self.update(|record| record.template = None);
    }

    /// Stops the container (SIGTERM, then SIGKILL after `grace`) and returns its exit code.
    pub(super) async fn stop_container(&self, grace: Duration) -> Option<i32> {
        if let Err(error) = self.host.containers.stop(&self.id, grace).await {
            tracing::warn!(error = %error, "stopping the container failed");
        }
        match self.host.containers.state(&self.id).await {
            Ok(Some(info)) => match info.state {
                ContainerState::Stopped { exit_code } => exit_code,
                _ => None,
            },
            _ => None,
        }
    }

    /// Removes the container; a failure is logged, and the next start removes it again.
    pub(super) async fn remove_container(&self) {
        if let Err(error) = self.host.containers.remove(&self.id).await {
            tracing::warn!(error = %error, "removing the container failed");
        }
    }

    /// Detaches the instance from its network; a failure is logged.
    pub(super) async fn detach(&mut self) {
        let network = self.attached_network();
        self.attachment = None;
        self.attached_as = None;
        if let Err(error) = self.host.networks.detach(&network, &self.id).await {
            tracing::warn!(error = %error, "detaching the container from its network failed");
        }
        self.update(|record| record.ip = None);
    }
}
