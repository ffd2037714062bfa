//! The supervisor of one instance: a task that keeps its container running.
//!
//! It starts the container once the image is pulled, and watches the process
//! and its health checks. It restarts the container with backoff when it
//! exits or fails its liveness check, and replaces it when the spec changes,
//! one instance at a time. It stops and removes the container when the
//! instance is scaled down or the application is removed.

mod adopt;
mod restart;
mod retire;
mod start;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use strongroom_engine::TenantNetwork;
use strongroom_model::InstanceState;
use tokio::sync::watch as channel;

use crate::app::shared::{AppShared, AppTarget};
use crate::backoff::Backoff;
use crate::events::Reason;
use crate::host::Host;
use crate::instance::InstanceRecord;
use crate::naming;
use crate::network::{Attachment, HostPort};
use crate::runtime::ContainerInfo;

/// Request that `sync` and `remove` send to a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// Keep the instance running.
    Run,
    /// Stop and remove the instance once every higher surplus ordinal is gone.
    ScaleDown,
    /// Stop and remove the instance now, then end the task.
    Remove,
}

/// A container the supervisor started or adopted, whose process runs.
#[derive(Debug, Clone)]
pub(crate) struct Running {
    /// Template hash the container was created from.
    template: String,
    /// Since when the instance has been healthy without interruption.
    healthy_since: Option<tokio::time::Instant>,
}

/// Keeps one instance running; see the module documentation.
pub(crate) struct Supervisor {
    host: Arc<Host>,
    app: Arc<AppShared>,
    ordinal: u32,
    name: String,
    id: String,
    command: channel::Receiver<Command>,
    target: channel::Receiver<AppTarget>,
    /// Changes of any instance record of the app, for the rollout and scale-down order.
    changes: channel::Receiver<()>,
    backoff: Backoff,
    restarts: u32,
    attachment: Option<Attachment>,
    /// The network and host ports of `attachment`, which a new spec may change.
    attached_as: Option<(TenantNetwork, Vec<HostPort>)>,
    /// Cause of the restart that the next start is, for its event; `None` for a first start.
    restart_cause: Option<String>,
    /// Last warning sent as an event, so that a repeating failure is sent once.
    last_warning: Option<String>,
}

impl Supervisor {
    pub(crate) fn new(
        host: Arc<Host>,
        app: Arc<AppShared>,
        ordinal: u32,
        command: channel::Receiver<Command>,
    ) -> Supervisor {
        let target = app.target.subscribe();
        let backoff = {
            let spec = &target.borrow().spec;
            Backoff::new(
                spec.restart_backoff.initial.get(),
                spec.restart_backoff.max.get(),
            )
        };
        let restarts = app.record(ordinal).map_or(0, |record| record.restarts);
        Supervisor {
            name: naming::instance_name(&app.key.app, ordinal),
            id: naming::container_id(&app.key, ordinal),
            changes: app.subscribe_changes(),
            host,
            app,
            ordinal,
            command,
            target,
            backoff,
            restarts,
            attachment: None,
            attached_as: None,
            restart_cause: None,
            last_warning: None,
        }
    }

    /// Runs until the instance is removed, or until the supervisor of a
    /// retired instance is dropped by `sync`.
    pub(crate) async fn run(mut self, adopted: Option<ContainerInfo>) {
        tracing::info!(adopted = adopted.is_some(), "supervisor started");
        let mut current = match adopted {
            Some(info) => self.adopt(info).await,
            None => None,
        };

        loop {
            match self.current_command() {
                Command::Run => {}
                Command::Remove => {
                    self.retire(Command::Remove).await;
                    break;
                }
                Command::ScaleDown => {
                    if !self.wait_turn_to_retire().await {
                        continue;
                    }
                    current = None;
                    let why = self.current_command();
                    self.retire(why).await;
                    if why == Command::Remove || !self.idle_until_wanted().await {
                        break;
                    }
                    continue;
                }
            }

            current = match current.take() {
                None => self.start().await,
                Some(running) => self.supervise(running).await,
            };
        }
        tracing::info!("supervisor stopped");
    }

    /// Returns the latest command; a closed channel means the engine forgot the app.
    fn current_command(&mut self) -> Command {
        if self.command.has_changed().is_err() {
            return Command::Remove;
        }
        *self.command.borrow_and_update()
    }

    /// Sleeps for `delay`. Returns `false` early when the command is no
    /// longer `Run`, and `true` early when the spec's template changes, so
    /// that a fixed spec is tried at once.
    async fn pause(&mut self, delay: Duration) -> bool {
        let template = self.target.borrow_and_update().template.clone();
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                _ = self.command.changed() => {
                    if self.current_command() != Command::Run {
                        return false;
                    }
                }
                changed = self.target.changed() => {
                    if changed.is_err() || self.target.borrow_and_update().template != template {
                        return true;
                    }
                }
            }
        }
    }

    /// Changes this instance's record.
    fn update(&self, change: impl FnOnce(&mut InstanceRecord)) {
        self.app.update_record(self.ordinal, change);
    }

    /// Sets the state and reason of this instance, and marks it unhealthy
    /// unless it is running.
    fn set_state(&self, state: InstanceState, reason: Option<String>) {
        self.update(|record| {
            record.state = state;
            record.reason = reason;
            if state != InstanceState::Running {
                record.healthy = false;
            }
        });
    }

    /// Sends a warning event unless the same message was the last one sent.
    fn warn_once(&mut self, reason: Reason, message: String) {
        if self.last_warning.as_ref() == Some(&message) {
            return;
        }
        self.event(reason, message.clone());
        self.last_warning = Some(message);
    }

    fn event(&self, reason: Reason, message: String) {
        self.host
            .events
            .send(&self.app.key, Some(&self.name), reason, message);
    }

    fn target(&self) -> AppTarget {
        self.target.borrow().clone()
    }

    /// Returns the network the instance is attached to, or else the current spec's.
    fn attached_network(&self) -> TenantNetwork {
        match &self.attached_as {
            Some((network, _)) => network.clone(),
            None => self.target().network,
        }
    }
}

/// Formats a delay for reasons and events, for example `2s` or `1.5s`.
fn seconds(delay: Duration) -> String {
    let millis = delay.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{:.1}s", delay.as_secs_f64())
    }
}

/// Formats an exit code for reasons and events.
fn exit_text(code: Option<i32>) -> String {
    // The runtime reports a death by signal N as exit code 128 + N.
    let signal = code
        .filter(|code| *code > 128)
        .and_then(|code| nix::sys::signal::Signal::try_from(code - 128).ok());
    match (code, signal) {
        (Some(code), Some(signal)) => format!("exit code {code}, killed by {signal}"),
        (Some(code), None) => format!("exit code {code}"),
        (None, _) => "an unknown exit code".to_owned(),
    }
}
