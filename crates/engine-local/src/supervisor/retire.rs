//! Stopping and removing an instance for a scale-down or the app's removal.

use std::time::Duration;

use strongroom_model::InstanceState;

use super::{Command, Supervisor, seconds};
use crate::backoff::doubling_delay;
use crate::events::Reason;
use crate::runtime::ContainerState;

/// Attempts at removing an instance when its application is removed; the
/// engine's final sweep reports what is still left after them.
const REMOVE_ATTEMPTS: u32 = 3;

/// Delays between failed attempts at removing an instance.
const RETRY_INITIAL: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

impl Supervisor {
    /// Waits until no higher ordinal is still being scaled down, so that
    /// surplus instances go from the highest ordinal down. Returns `false`
    /// when the instance is wanted again first.
    pub(super) async fn wait_turn_to_retire(&mut self) -> bool {
        loop {
            match self.current_command() {
                Command::Run => return false,
                Command::Remove => return true,
                Command::ScaleDown => {}
            }
            let ordinal = self.ordinal;
            let blocked = self
                .app
                .records()
                .iter()
                .any(|record| record.ordinal > ordinal && record.retiring && !record.removed);
            if !blocked {
                return true;
            }

            tokio::select! {
                _ = self.changes.changed() => {}
                _ = self.command.changed() => {}
            }
        }
    }

    /// Stops the container gracefully, removes it and detaches the network,
    /// retrying failures. Returns early when a scaled-down instance is wanted
    /// again, or after [`REMOVE_ATTEMPTS`] when the app is being removed.
    pub(super) async fn retire(&mut self, why: Command) {
        let grace = self.target().spec.stop_grace_period.get();
        let reason = if why == Command::Remove {
            "Removing the application."
        } else {
            "Scaling down."
        };
        tracing::info!(
            grace_ms = grace.as_millis(),
            reason,
            "stopping the instance"
        );
        self.set_state(InstanceState::Stopping, Some(reason.to_owned()));

        for attempt in 0.. {
            let Err(error) = self.stop_and_clean_up(grace).await else {
                break;
            };
            let delay = doubling_delay(RETRY_INITIAL, RETRY_MAX, attempt);
            tracing::warn!(error = %error, attempt, retry_in_ms = delay.as_millis(), "removing the instance failed");
            self.set_state(
                InstanceState::Stopping,
                Some(format!(
                    "Removing the instance failed: {error}. Retrying in {}.",
                    seconds(delay)
                )),
            );
            if why == Command::Remove && attempt + 1 >= REMOVE_ATTEMPTS {
                return;
            }
            tokio::time::sleep(delay).await;
            if why == Command::ScaleDown && self.current_command() == Command::Run {
                return;
            }
        }

        self.attachment = None;
        self.attached_as = None;
        self.update(|record| {
            record.state = InstanceState::Exited;
            record.healthy = false;
            record.ip = None;
            record.template = None;
            record.reason = None;
            record.removed = true;
        });
        tracing::info!("instance stopped and removed");
        self.event(
            Reason::Stopped,
            format!("stopped and removed {}", self.name),
        );
    }

    async fn stop_and_clean_up(&self, grace: Duration) -> Result<(), String> {
        let containers = &self.host.containers;
        let existing = containers
            .state(&self.id)
            .await
            .map_err(|error| error.to_string())?;
        if let Some(info) = existing {
            if matches!(info.state, ContainerState::Running { .. }) {
                containers
                    .stop(&self.id, grace)
                    .await
                    .map_err(|error| error.to_string())?;
            }
            containers
                .remove(&self.id)
                .await
                .map_err(|error| error.to_string())?;
        }

        let network = self.attached_network();
        self.host
            .networks
            .detach(&network, &self.id)
            .await
            .map_err(|error| error.to_string())
    }

    /// Waits while the instance stays retired. Returns `true` when it is
    /// wanted again, `false` when it is removed or `sync` dropped it.
    pub(super) async fn idle_until_wanted(&mut self) -> bool {
        loop {
            match self.current_command() {
                Command::Run => break,
                Command::Remove => return false,
                Command::ScaleDown => {}
            }
            if self.command.changed().await.is_err() {
                return false;
            }
        }

        self.update(|record| {
            record.removed = false;
            record.retiring = false;
            record.state = InstanceState::Pending;
        });
        true
    }
}
