//! Taking over containers that exist when the engine starts.

use std::time::Duration;

use strongroom_model::InstanceState;

use super::start::host_ports;
use super::{Running, Supervisor, exit_text};
use crate::app::shared::AppTarget;
use crate::events::Reason;
use crate::naming::InstanceLabels;
use crate::runtime::{ContainerInfo, ContainerState};

impl Supervisor {
    /// Takes over a container found at engine start: a running one is
    /// supervised as it is, one that exited meanwhile is restarted, and one
    /// that was never started is removed.
    pub(super) async fn adopt(&mut self, listed: ContainerInfo) -> Option<Running> {
        // The engine listed containers when it started; the state may have changed since.
        let info = match self.host.containers.state(&self.id).await {
            Ok(Some(info)) => info,
            Ok(None) => return None,
            Err(error) => {
                tracing::warn!(error = %error, "reading the container's state failed; using the state listed at start");
                listed
            }
        };
        self.restore_counters(&info);

        match info.state {
            ContainerState::Running { .. } => self.adopt_running(&info).await,
            ContainerState::Stopped { exit_code } => {
                tracing::warn!(
                    exit_code,
                    restarts = self.restarts,
                    consecutive_failures = self.backoff.consecutive_failures(),
                    "container exited before the control plane restarted; restarting it"
                );
                // The exit time is unknown, so the instance counts as never
                // healthy and waits its full backoff delay from now.
                let cause = format!(
                    "{}, before the control plane restarted",
                    exit_text(exit_code)
                );
                self.restart_after_failure(exit_code, Duration::ZERO, cause)
                    .await;
                None
            }
            ContainerState::Created => {
                tracing::info!("removing a container that was created but never started");
                self.remove_container().await;
                None
            }
        }
    }

    async fn adopt_running(&mut self, info: &ContainerInfo) -> Option<Running> {
        let target = self.target();
        let attachment = self
            .host
            .networks
            .attachment(&target.network, &self.id)
            .await;
        let Some(attachment) = attachment else {
            // Without its attachment record the address and namespace are
            // unknown, so the container cannot be checked or reached.
            tracing::warn!("running container has no network attachment; replacing it");
            self.stop_container(target.spec.stop_grace_period.get())
                .await;
            self.remove_container().await;
            self.detach().await;
            return None;
        };

        self.attachment = Some(attachment);
        self.attached_as = Some((target.network.clone(), host_ports(&target.spec)));
        Some(self.mark_adopted(&target, info))
    }

    /// Continues the restart count and the backoff schedule from the labels
    /// of a container that an earlier engine created.
    fn restore_counters(&mut self, info: &ContainerInfo) {
        let Some(labels) = InstanceLabels::from_map(&info.labels) else {
            return;
        };
        self.restarts = labels.restarts;
        self.backoff.resume(labels.consecutive_failures);
        self.update(|record| {
            record.restarts = labels.restarts;
            record.started_at = labels.started_at;
        });
    }

    /// Records a running container as this instance's and sends `Adopted`.
    pub(super) fn mark_adopted(&mut self, target: &AppTarget, info: &ContainerInfo) -> Running {
        self.restore_counters(info);
        let labels = InstanceLabels::from_map(&info.labels);
        let template = labels
            .as_ref()
            .map(|labels| labels.template.clone())
            .unwrap_or_default();
        let started_at = labels.as_ref().and_then(|labels| labels.started_at);
        let ready = target.spec.health_checks.readiness.is_none();
        let ip = self.attachment.as_ref().map(|attachment| attachment.ip);

        self.update(|record| {
            record.state = InstanceState::Running;
            record.healthy = ready;
            record.ip = ip;
            record.started_at = started_at;
            record.template = Some(template.clone());
            record.reason = (!ready).then(|| "Readiness check has not passed yet.".to_owned());
        });
        let pid = match info.state {
            ContainerState::Running { pid } => pid.to_string(),
            _ => "unknown".to_owned(),
        };
        tracing::info!(pid, "adopted running container");
        self.event(
            Reason::Adopted,
            format!(
                "adopted running container {} (pid {pid}) as {}",
                self.id, self.name
            ),
        );
        Running {
            template,
            healthy_since: ready.then(tokio::time::Instant::now),
        }
    }
}
