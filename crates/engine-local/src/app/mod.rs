//! One application on the engine: its supervisors, its image pull and its status.

mod pull;
pub(crate) mod shared;
mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strongroom_engine::Deployment;
use strongroom_model::ApplicationStatus;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::host::Host;
use crate::instance::InstanceRecord;
use crate::naming::{self, InstanceLabels};
use crate::runtime::ContainerInfo;
use crate::supervisor::{Command, Supervisor};
use crate::template::template_hash;
use pull::PullTask;
use shared::{AppShared, AppTarget, ImageState};
use status::{PhaseInput, compute_phase};

/// The supervisor task of one instance and the channel that steers it.
struct SupervisorHandle {
    command: watch::Sender<Command>,
    task: JoinHandle<()>,
}

/// An application the engine runs.
pub(crate) struct AppState {
    shared: Arc<AppShared>,
    supervisors: BTreeMap<u32, SupervisorHandle>,
    pull: Option<PullTask>,
    /// Containers found at engine start that no supervisor has taken over yet.
    adopted: BTreeMap<u32, ContainerInfo>,
    /// Whether at least `instances.min` instances were healthy at some point.
    has_run: bool,
}

impl AppState {
    /// Returns the state of an application seen for the first time since the
    /// engine started; `adopted` are its containers that already exist.
    pub(crate) fn new(
        host: &Arc<Host>,
        deployment: &Deployment,
        adopted: BTreeMap<u32, ContainerInfo>,
    ) -> AppState {
        let shared = Arc::new(AppShared::new(
            deployment.key.clone(),
            AppTarget::new(deployment),
        ));
        let pull = PullTask::spawn(
            host.clone(),
            shared.clone(),
            deployment.spec.image.clone(),
            deployment.generation,
        );
        AppState {
            shared,
            supervisors: BTreeMap::new(),
            pull: Some(pull),
            adopted,
            has_run: false,
        }
    }

    /// Converges toward `deployment` by one step without waiting: updates the
    /// target, starts missing supervisors and retires surplus ordinals.
    pub(crate) fn apply(&mut self, host: &Arc<Host>, deployment: &Deployment) {
        self.update_target(host, deployment);

        let desired = deployment.spec.instances.desired;
        for ordinal in 0..desired {
            self.ensure_running(host, ordinal);
        }
        self.retire_surplus(host, desired);
        self.forget_retired(desired);
    }

    fn update_target(&mut self, host: &Arc<Host>, deployment: &Deployment) {
        let template = template_hash(&deployment.spec, &deployment.network);
        let mut image_changed = false;
        self.shared.target.send_if_modified(|target| {
            let unchanged = target.generation == deployment.generation
                && *target.spec == deployment.spec
                && target.network == deployment.network;
            if unchanged {
                return false;
            }
            image_changed = target.spec.image != deployment.spec.image;
            target.generation = deployment.generation;
            target.spec = Arc::new(deployment.spec.clone());
            target.network = deployment.network.clone();
            target.template = template;
            if image_changed {
                target.image = ImageState::Pulling;
            }
            true
        });
        self.ensure_pull(host, deployment, image_changed);
    }

    /// Pulls once per generation. A pull still retrying for the same
    /// reference goes on. A finished one runs again for a new generation,
    /// because a tag may have moved, and the old image stays usable meanwhile.
    fn ensure_pull(&mut self, host: &Arc<Host>, deployment: &Deployment, image_changed: bool) {
        let current = self.pull.as_ref();
        let needed = match current {
            None => true,
            Some(_) if image_changed => true,
            Some(pull) => pull.generation != deployment.generation && pull.is_finished(),
        };
        if !needed {
            return;
        }

        if let Some(old) = self.pull.take() {
            old.abort();
        }
        let reference = deployment.spec.image.clone();
        self.pull = Some(PullTask::spawn(
            host.clone(),
            self.shared.clone(),
            reference,
            deployment.generation,
        ));
    }

    fn ensure_running(&mut self, host: &Arc<Host>, ordinal: u32) {
        if let Some(handle) = self.supervisors.get(&ordinal)
            && !handle.task.is_finished()
        {
            handle
                .command
                .send_if_modified(|command| want(command, Command::Run));
            self.shared
                .update_record(ordinal, |record| record.retiring = false);
            return;
        }
        if self.supervisors.remove(&ordinal).is_some() {
            tracing::error!(app = %self.shared.key, ordinal, "supervisor ended unexpectedly; starting a new one");
        }
        self.spawn(host, ordinal, Command::Run);
    }

    /// Scales down every ordinal at or above `desired`, including adopted
    /// containers that no supervisor has taken over.
    fn retire_surplus(&mut self, host: &Arc<Host>, desired: u32) {
        for (ordinal, handle) in self.supervisors.range(desired..) {
            handle
                .command
                .send_if_modified(|command| want(command, Command::ScaleDown));
            self.shared
                .update_record(*ordinal, |record| record.retiring = true);
        }
        let surplus: Vec<u32> = self
            .adopted
            .range(desired..)
            .map(|(ordinal, _)| *ordinal)
            .collect();
        for ordinal in surplus {
            self.spawn(host, ordinal, Command::ScaleDown);
        }
    }

    /// Drops supervisors of surplus ordinals that finished retiring; they
    /// are idle, and closing their command channel ends them.
    fn forget_retired(&mut self, desired: u32) {
        let retired: Vec<u32> = self
            .supervisors
            .range(desired..)
            .filter(|(ordinal, _)| {
                self.shared
                    .record(**ordinal)
                    .is_none_or(|record| record.removed)
            })
            .map(|(ordinal, _)| *ordinal)
            .collect();
        for ordinal in retired {
            self.supervisors.remove(&ordinal);
            self.shared.remove_record(ordinal);
        }
    }

    fn spawn(&mut self, host: &Arc<Host>, ordinal: u32, command: Command) {
        let adopted = self.adopted.remove(&ordinal);
        let mut record = InstanceRecord::new(&self.shared.key, ordinal);
        record.retiring = command != Command::Run;
        if let Some(labels) = adopted
            .as_ref()
            .and_then(|info| InstanceLabels::from_map(&info.labels))
        {
            record.restarts = labels.restarts;
        }
        self.shared.remove_record(ordinal);
        self.shared.insert_record(record);

        let (sender, receiver) = watch::channel(command);
        let key = &self.shared.key;
        let span = tracing::info_span!(
            "supervisor",
            tenant = %key.tenant,
            app = %key.app,
            instance = %naming::instance_name(&key.app, ordinal),
            container_id = %naming::container_id(key, ordinal),
        );
        let supervisor = Supervisor::new(host.clone(), self.shared.clone(), ordinal, receiver);
        let task = tokio::spawn(supervisor.run(adopted).instrument(span));
        self.supervisors.insert(
            ordinal,
            SupervisorHandle {
                command: sender,
                task,
            },
        );
    }

    /// Returns the observed status and remembers whether the app has run.
    pub(crate) fn status(&mut self) -> ApplicationStatus {
        let target = self.shared.target.borrow().clone();
        let records: Vec<InstanceRecord> = self
            .shared
            .records()
            .into_iter()
            .filter(|record| !record.removed)
            .collect();
        let instances = &target.spec.instances;
        let summary = compute_phase(&PhaseInput {
            desired: instances.desired,
            min: instances.min,
            records: &records,
            template: &target.template,
            image: &target.image,
            has_run: self.has_run,
        });

        let available = instances.min.max(1).min(instances.desired);
        self.has_run |= instances.desired > 0 && summary.healthy >= available;
        ApplicationStatus {
            observed_generation: target.generation,
            phase: summary.phase,
            desired_instances: instances.desired,
            healthy_instances: summary.healthy,
            reason: summary.reason,
            image_digest: target
                .image
                .ready()
                .map(|image| image.manifest_digest.clone()),
            instances: records.iter().map(InstanceRecord::to_status).collect(),
        }
    }

    /// Tells every supervisor to stop and remove its instance, and returns
    /// their tasks to wait for. Containers no supervisor took over are left
    /// to the caller's sweep.
    pub(crate) fn shut_down(mut self) -> Vec<JoinHandle<()>> {
        if let Some(pull) = self.pull.take() {
            pull.abort();
        }
        let mut tasks = Vec::new();
        for (_, handle) in std::mem::take(&mut self.supervisors) {
            handle.command.send_replace(Command::Remove);
            tasks.push(handle.task);
        }
        tasks
    }

    /// Returns the current spec's time between SIGTERM and SIGKILL.
    pub(crate) fn stop_grace_period(&self) -> Duration {
        self.shared.target.borrow().spec.stop_grace_period.get()
    }

    /// Ends the supervisors without touching their containers, as a
    /// control-plane exit would.
    pub(crate) fn detach(mut self) {
        for (_, handle) in std::mem::take(&mut self.supervisors) {
            handle.task.abort();
        }
    }
}

/// Sets `command` to `wanted` unless the instance is being removed, which no later command undoes.
fn want(command: &mut Command, wanted: Command) -> bool {
    if *command == wanted || *command == Command::Remove {
        return false;
    }
    *command = wanted;
    true
}
