//! Starting an instance's container, and what a failed start leads to.

use std::sync::Arc;
use std::time::Duration;

use strongroom_image::Image;
use strongroom_model::{ApplicationSpec, InstanceState, Protocol};
use time::OffsetDateTime;

use super::{Command, Running, Supervisor, seconds};
use crate::app::shared::{AppTarget, ImageState};
use crate::events::Reason;
use crate::naming::{self, InstanceLabels};
use crate::network::{Attachment, HostPort, NetworkError};
use crate::process::{NoCommandError, Process, resolve_process};
use crate::runtime::{ContainerInfo, ContainerSpec, ContainerState, RuntimeError};

/// Failure of one start attempt.
#[derive(Debug, thiserror::Error)]
pub(super) enum StartFailure {
    #[error(transparent)]
    Network(NetworkError),
    #[error(transparent)]
    Runtime(RuntimeError),
    #[error(transparent)]
    NoCommand(#[from] NoCommandError),
}

impl StartFailure {
    /// Returns whether the failure lasts until the spec or the host changes.
    fn is_permanent(&self) -> bool {
        matches!(
            self,
            StartFailure::NoCommand(_)
                | StartFailure::Runtime(
                    RuntimeError::CommandNotFound { .. }
                        | RuntimeError::UserNotFound { .. }
                        | RuntimeError::UnsupportedCgroupLayout { .. }
                )
        )
    }
}

impl Supervisor {
    /// Starts the container, retrying failed starts with backoff. Returns
    /// `None` when the command changes from `Run` first.
    pub(super) async fn start(&mut self) -> Option<Running> {
        loop {
            if self.current_command() != Command::Run {
                return None;
            }
            let (target, image) = self.wait_for_image().await?;
            let backoff = &target.spec.restart_backoff;
            self.backoff
                .set_limits(backoff.initial.get(), backoff.max.get());
            match self.try_start(&target, &image).await {
                Ok(running) => return Some(running),
                Err(failure) => {
                    let delay = self.record_start_failure(&failure);
                    if !self.pause(delay).await {
                        return None;
                    }
                }
            }
        }
    }

    /// Waits until the current spec's image is pulled; `None` when the command changes first.
    async fn wait_for_image(&mut self) -> Option<(AppTarget, Arc<Image>)> {
        loop {
            let target = self.target.borrow_and_update().clone();
            let reason = match &target.image {
                ImageState::Ready(image) => return Some((target.clone(), image.clone())),
                ImageState::Pulling => {
                    format!("Waiting for image {} to be pulled.", target.spec.image)
                }
                ImageState::Failed { reason, .. } => reason.clone(),
            };
            self.set_state(InstanceState::Pending, Some(reason));

            tokio::select! {
                _ = self.target.changed() => {}
                _ = self.command.changed() => {
                    if self.current_command() != Command::Run {
                        return None;
                    }
                }
            }
        }
    }

    async fn try_start(
        &mut self,
        target: &AppTarget,
        image: &Arc<Image>,
    ) -> Result<Running, StartFailure> {
        self.set_state(InstanceState::Starting, None);
        let attachment = self.attach(target).await?;

        // The container id is deterministic, so an existing container with it
        // is this instance's. Adopting a running one keeps the instance from
        // ever running twice.
        if let Some(running) = self.take_over_existing(target).await? {
            return Ok(running);
        }

        let process = resolve_process(&target.spec, image)?;
        let started_at = OffsetDateTime::now_utc();
        let spec = self.container_spec(target, image, process, &attachment, started_at);
        match self.host.containers.create_and_start(&spec).await {
            Ok(_) => Ok(self.started(target, &attachment, started_at)),
            Err(error) => match self.running_container().await {
                Some(info) => {
                    tracing::warn!(error = %error, "create failed because the container already runs; adopting it");
                    Ok(self.mark_adopted(target, &info))
                }
                None => Err(StartFailure::Runtime(error)),
            },
        }
    }

    /// Attaches the instance to its tenant network, once per container
    /// lifetime: restarts keep the namespace and so the address.
    async fn attach(&mut self, target: &AppTarget) -> Result<Attachment, StartFailure> {
        let ports = host_ports(&target.spec);
        if let (Some(attachment), Some(attached_as)) = (&self.attachment, &self.attached_as) {
            if *attached_as == (target.network.clone(), ports.clone()) {
                return Ok(attachment.clone());
            }
            // A new spec moved the instance to another network or other host ports.
            self.detach().await;
        }
        let attachment = self
            .host
            .networks
            .attach(&target.network, &self.id, &ports)
            .await
            .map_err(StartFailure::Network)?;

        self.update(|record| record.ip = Some(attachment.ip));
        self.attachment = Some(attachment.clone());
        self.attached_as = Some((target.network.clone(), ports));
        Ok(attachment)
    }

    /// Adopts a running container with this id, or removes a stopped one.
    async fn take_over_existing(
        &mut self,
        target: &AppTarget,
    ) -> Result<Option<Running>, StartFailure> {
        let existing = self
            .host
            .containers
            .state(&self.id)
            .await
            .map_err(StartFailure::Runtime)?;
        match existing {
            None => Ok(None),
            Some(info) if matches!(info.state, ContainerState::Running { .. }) => {
                tracing::warn!("container already runs; adopting it instead of creating another");
                Ok(Some(self.mark_adopted(target, &info)))
            }
            Some(_) => {
                self.host
                    .containers
                    .remove(&self.id)
                    .await
                    .map_err(StartFailure::Runtime)?;
                Ok(None)
            }
        }
    }

    async fn running_container(&self) -> Option<ContainerInfo> {
        let info = self.host.containers.state(&self.id).await.ok()??;
        matches!(info.state, ContainerState::Running { .. }).then_some(info)
    }

    fn container_spec(
        &self,
        target: &AppTarget,
        image: &Image,
        process: Process,
        attachment: &Attachment,
        started_at: OffsetDateTime,
    ) -> ContainerSpec {
        let labels = InstanceLabels {
            key: self.app.key.clone(),
            ordinal: self.ordinal,
            generation: target.generation,
            template: target.template.clone(),
            restarts: self.restarts,
            consecutive_failures: self.backoff.consecutive_failures(),
            started_at: Some(started_at),
            image_digest: image.manifest_digest.clone(),
            network: target.network.clone(),
        };
        ContainerSpec {
            id: self.id.clone(),
            hostname: self.name.clone(),
            image: image.clone(),
            process_args: process.args,
            env: process.env,
            working_dir: process.working_dir,
            user: process.user,
            resources: target.spec.resources.clone(),
            netns_path: attachment.netns_path.clone(),
            log_path: naming::log_path(&self.host.log_dir, &self.app.key, &self.name),
            labels: labels.to_map(),
        }
    }

    /// Records a successful start and sends `Started` or `Restarted`.
    fn started(
        &mut self,
        target: &AppTarget,
        attachment: &Attachment,
        started_at: OffsetDateTime,
    ) -> Running {
        let ready = target.spec.health_checks.readiness.is_none();
        let restarts = self.restarts;
        self.update(|record| {
            record.state = InstanceState::Running;
            record.healthy = ready;
            record.ip = Some(attachment.ip);
            record.started_at = Some(started_at);
            record.reason = (!ready).then(|| "Readiness check has not passed yet.".to_owned());
            record.template = Some(target.template.clone());
            record.restarts = restarts;
        });

        tracing::info!(ip = %attachment.ip, restarts, "container started");
        let (reason, message) = match self.restart_cause.take() {
            Some(cause) => (
                Reason::Restarted,
                format!("restarted {} after {cause} (restart {restarts})", self.name),
            ),
            None => (
                Reason::Started,
                format!(
                    "started {} as container {} at {}",
                    self.name, self.id, attachment.ip
                ),
            ),
        };
        self.event(reason, message);
        self.last_warning = None;
        Running {
            template: target.template.clone(),
            healthy_since: ready.then(tokio::time::Instant::now),
        }
    }

    /// Records a failed start and returns the delay before the next attempt.
    ///
    /// NOTE: no container exists after a failed start, so a control-plane
    /// restart forgets the backoff steps of failed starts since the last one.
    fn record_start_failure(&mut self, failure: &StartFailure) -> Duration {
        let message = failure.to_string();
        let (state, delay, event) = if failure.is_permanent() {
            (
                InstanceState::Failed,
                self.backoff.max_delay(),
                Reason::Failed,
            )
        } else if matches!(
            failure,
            StartFailure::Network(NetworkError::PortInUse { .. })
        ) {
            (
                InstanceState::Pending,
                self.backoff.next_delay(Duration::ZERO),
                Reason::BackOff,
            )
        } else {
            (
                InstanceState::BackOff,
                self.backoff.next_delay(Duration::ZERO),
                Reason::BackOff,
            )
        };

        tracing::warn!(error = %message, retry_in_ms = delay.as_millis(), "container start failed");
        self.set_state(
            state,
            Some(format!("{message}. Retrying in {}.", seconds(delay))),
        );
        self.warn_once(event, format!("{} cannot start: {message}", self.name));
        delay
    }
}

/// Returns the host ports of `spec.ports[].hostPort`.
pub(super) fn host_ports(spec: &ApplicationSpec) -> Vec<HostPort> {
    spec.ports
        .iter()
        .filter_map(|port| {
            let protocol = match port.protocol {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
            };
            Some(HostPort {
                host_port: port.host_port?,
                container_port: port.port,
                protocol,
            })
        })
        .collect()
}
