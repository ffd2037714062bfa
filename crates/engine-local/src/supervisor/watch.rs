//! Watching a running container: its exit, its health checks and the rollout.

use std::sync::Arc;
use std::time::Duration;

use strongroom_model::HealthChecks;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::{Command, Running, Supervisor, exit_text};
use crate::events::Reason;
use crate::host::Containers;
use crate::probe::{ProbeEvent, ProbeTarget, Probers, spawn_probers};
use crate::runtime::ContainerState;

/// Pause between state checks when waiting for the exit fails.
const STATE_POLL: Duration = Duration::from_secs(1);

/// How often the log file is checked for rotation.
///
/// A file grows past the rotation size by what the instance writes in this
/// interval: about 70 MB for an instance that wrote 4.4 GB in 60 s on a
/// 2-core test host. While no rotation is due, a check reads the container's
/// spec for the log path and `stat`s the log file, which is cheap enough to
/// run every second for every running instance.
const LOG_ROTATION_CHECK: Duration = Duration::from_secs(1);

/// End of watching a running container.
enum Ending {
    Exited(Option<i32>),
    LivenessFailed(String),
    /// A new spec changes the container and it is this instance's turn.
    Replace,
    /// The command is no longer `Run`; the container still runs.
    CommandChanged,
}

impl Supervisor {
    /// Watches the running container until it ends or must go. Returns the
    /// container when it still runs, `None` once it is gone.
    pub(super) async fn supervise(&mut self, mut running: Running) -> Option<Running> {
        match self.watch_running(&mut running).await {
            Ending::CommandChanged => Some(running),
            Ending::Exited(code) => {
                tracing::warn!(exit = %exit_text(code), "container exited");
                self.restart_after_failure(code, healthy_run(&running), exit_text(code))
                    .await;
                None
            }
            Ending::LivenessFailed(reason) => {
                self.kill_unhealthy(reason, &running).await;
                None
            }
            Ending::Replace => {
                self.replace().await;
                None
            }
        }
    }

    async fn watch_running(&mut self, running: &mut Running) -> Ending {
        let (sender, mut probe_events) = mpsc::channel(8);
        let mut checks = self.target().spec.health_checks.clone();
        let mut _probers = self.spawn_probers(&checks, sender.clone());
        let exit = wait_for_exit(self.host.containers.clone(), self.id.clone());
        tokio::pin!(exit);
        let mut rotation = tokio::time::interval(LOG_ROTATION_CHECK);
        // A rotation waits up to a second for conmon to reopen the file, so
        // ticks missed meanwhile are dropped instead of run in a burst.
        rotation.set_missed_tick_behavior(MissedTickBehavior::Delay);
        if self.should_replace(running) {
            return Ending::Replace;
        }

        loop {
            tokio::select! {
                code = &mut exit => return Ending::Exited(code),
                Some(event) = probe_events.recv() => {
                    if let Some(reason) = self.on_probe_event(event, running) {
                        return Ending::LivenessFailed(reason);
                    }
                }
                _ = self.command.changed() => {
                    if self.current_command() != Command::Run {
                        return Ending::CommandChanged;
                    }
                }
                _ = self.target.changed() => {
                    let target = self.target.borrow_and_update().clone();
                    let backoff = &target.spec.restart_backoff;
                    self.backoff.set_limits(backoff.initial.get(), backoff.max.get());
                    if target.spec.health_checks != checks {
                        checks = target.spec.health_checks.clone();
                        _probers = self.spawn_probers(&checks, sender.clone());
                        self.reset_health(running, &checks);
                    }
                    if self.should_replace(running) {
                        return Ending::Replace;
                    }
                }
                _ = self.changes.changed() => {
                    if self.should_replace(running) {
                        return Ending::Replace;
                    }
                }
                _ = rotation.tick() => self.rotate_logs().await,
            }
        }
    }

    fn spawn_probers(
        &self,
        checks: &HealthChecks,
        events: mpsc::Sender<ProbeEvent>,
    ) -> Option<Probers> {
        let Some(attachment) = &self.attachment else {
            tracing::error!(
                "no network attachment for a running container; health checks cannot run"
            );
            return None;
        };
        let target = ProbeTarget {
            http: self.host.http.clone(),
            containers: self.host.containers.clone(),
            container_id: self.id.clone(),
            ip: attachment.ip,
            ports: self.target().spec.ports.clone(),
        };
        Some(spawn_probers(checks, target, events))
    }

    /// Starts health over after the checks changed: without a readiness
    /// check the instance is healthy, with one it must pass again.
    fn reset_health(&self, running: &mut Running, checks: &HealthChecks) {
        let ready = checks.readiness.is_none();
        running.healthy_since = ready.then(Instant::now);
        self.update(|record| {
            record.healthy = ready;
            record.reason = (!ready).then(|| "Readiness check has not passed yet.".to_owned());
        });
    }

    /// Records a check result; returns the reason when liveness failed.
    fn on_probe_event(&self, event: ProbeEvent, running: &mut Running) -> Option<String> {
        match event {
            ProbeEvent::NotReadyYet { reason } => {
                self.update(|record| {
                    record.reason = Some(format!("Readiness check has not passed yet: {reason}"))
                });
            }
            ProbeEvent::Readiness { ready: true, .. } => {
                tracing::info!("readiness check passed");
                running.healthy_since = Some(Instant::now());
                self.update(|record| {
                    record.healthy = true;
                    record.reason = None;
                });
                // The event also makes the control plane publish the new
                // status now rather than at its next periodic pass.
                self.event(
                    Reason::Ready,
                    format!("{} passed its readiness check", self.name),
                );
            }
            ProbeEvent::Readiness {
                ready: false,
                reason,
            } => {
                let reason = reason.unwrap_or_default();
                tracing::warn!(error = %reason, "readiness check failed");
                running.healthy_since = None;
                self.update(|record| {
                    record.healthy = false;
                    record.reason = Some(format!("Readiness check failed: {reason}"));
                });
                self.event(
                    Reason::Unhealthy,
                    format!("readiness check of {} failed: {reason}", self.name),
                );
            }
            ProbeEvent::LivenessFailed { reason } => return Some(reason),
        }
        None
    }

    /// Returns whether to replace this instance's container now: its template is
    /// outdated, the new image is pulled, and every higher ordinal already
    /// runs the new template and is healthy. So the rollout goes from the
    /// highest ordinal down, one instance at a time, and stops at an
    /// instance that does not become healthy.
    fn should_replace(&self, running: &Running) -> bool {
        let (template, desired, image_ready) = {
            let target = self.target.borrow();
            (
                target.template.clone(),
                target.spec.instances.desired,
                target.image.ready().is_some(),
            )
        };
        if running.template == template || !image_ready {
            return false;
        }
        self.app
            .records()
            .iter()
            .filter(|record| {
                record.ordinal > self.ordinal && record.ordinal < desired && !record.retiring
            })
            .all(|record| record.healthy && record.template.as_deref() == Some(template.as_str()))
    }

    async fn rotate_logs(&self) {
        if let Err(error) = self.host.containers.rotate_logs(&self.id).await {
            tracing::warn!(error = %error, "log rotation failed");
        }
    }
}

/// Returns how long the instance has been healthy without interruption.
pub(super) fn healthy_run(running: &Running) -> Duration {
    running
        .healthy_since
        .map(|since| since.elapsed())
        .unwrap_or_default()
}

/// Waits for the container's exit code. When waiting fails, falls back to
/// polling the container's state, so that an exit is never missed.
async fn wait_for_exit(containers: Arc<dyn Containers>, id: String) -> Option<i32> {
    loop {
        let error = match containers.wait_exit(&id).await {
            Ok(code) => return code,
            Err(error) => error,
        };
        tracing::warn!(error = %error, "waiting for the container's exit failed; polling its state");

        match containers.state(&id).await {
            Ok(None) => return None,
            Ok(Some(info)) => {
                if let ContainerState::Stopped { exit_code } = info.state {
                    return exit_code;
                }
            }
            Err(error) => tracing::warn!(error = %error, "reading the container's state failed"),
        }
        tokio::time::sleep(STATE_POLL).await;
    }
}
