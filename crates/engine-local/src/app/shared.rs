//! State of one application shared by `sync`, the pull task and the supervisors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use strongroom_engine::{AppKey, Deployment, TenantNetwork};
use strongroom_image::Image;
use strongroom_model::ApplicationSpec;
use tokio::sync::watch;

use crate::instance::InstanceRecord;
use crate::template::template_hash;

/// Desired state that every supervisor of an application works toward.
#[derive(Debug, Clone)]
pub(crate) struct AppTarget {
    /// Generation of the spec.
    pub(crate) generation: i64,
    pub(crate) spec: Arc<ApplicationSpec>,
    pub(crate) network: TenantNetwork,
    /// Template hash of `spec` on `network`; containers with another hash are replaced.
    pub(crate) template: String,
    /// The image of `spec.image`.
    pub(crate) image: ImageState,
}

impl AppTarget {
    /// Returns the target of `deployment`, with its image still to be pulled.
    pub(crate) fn new(deployment: &Deployment) -> AppTarget {
        AppTarget {
            generation: deployment.generation,
            spec: Arc::new(deployment.spec.clone()),
            network: deployment.network.clone(),
            template: template_hash(&deployment.spec, &deployment.network),
            image: ImageState::Pulling,
        }
    }
}

/// Progress of the image pull of the current spec.
#[derive(Debug, Clone)]
pub(crate) enum ImageState {
    /// The first pull attempt has not finished.
    Pulling,
    /// The image is pulled and unpacked.
    Ready(Arc<Image>),
    /// The last attempt failed; the pull task retries.
    Failed {
        /// The pull error, for status reasons.
        reason: String,
        /// Whether retrying is unlikely to help until the spec or registry changes.
        permanent: bool,
    },
}

impl ImageState {
    /// Returns the pulled image, when there is one.
    pub(crate) fn ready(&self) -> Option<&Arc<Image>> {
        match self {
            ImageState::Ready(image) => Some(image),
            _ => None,
        }
    }
}

/// One application's target and instance records.
pub(crate) struct AppShared {
    pub(crate) key: AppKey,
    /// Senders notify supervisors only when something changed, so that a
    /// `sync` every second does not wake every supervisor.
    pub(crate) target: watch::Sender<AppTarget>,
    records: Mutex<BTreeMap<u32, InstanceRecord>>,
    /// Bumped whenever a record changes, for supervisors that wait on others.
    changes: watch::Sender<()>,
}

impl AppShared {
    pub(crate) fn new(key: AppKey, target: AppTarget) -> AppShared {
        AppShared {
            key,
            target: watch::Sender::new(target),
            records: Mutex::new(BTreeMap::new()),
            changes: watch::Sender::new(()),
        }
    }

    /// Returns a receiver that is notified of every later change of any record.
    pub(crate) fn subscribe_changes(&self) -> watch::Receiver<()> {
        self.changes.subscribe()
    }

    /// Inserts `record` unless a record for its ordinal exists.
    pub(crate) fn insert_record(&self, record: InstanceRecord) {
        let inserted = {
            let mut records = self.lock();
            let absent = !records.contains_key(&record.ordinal);
            records.entry(record.ordinal).or_insert(record);
            absent
        };
        if inserted {
            self.changes.send_replace(());
        }
    }

    /// Changes the record of `ordinal`, if it exists.
    pub(crate) fn update_record(&self, ordinal: u32, change: impl FnOnce(&mut InstanceRecord)) {
        let changed = {
            let mut records = self.lock();
            let Some(record) = records.get_mut(&ordinal) else {
                return;
            };
            let before = record.clone();
            change(record);
            *record != before
        };
        if changed {
            self.changes.send_replace(());
        }
    }

    /// Deletes the record of `ordinal`.
    pub(crate) fn remove_record(&self, ordinal: u32) {
        let removed = self.lock().remove(&ordinal).is_some();
        if removed {
            self.changes.send_replace(());
        }
    }

    /// Returns the record of `ordinal`.
    pub(crate) fn record(&self, ordinal: u32) -> Option<InstanceRecord> {
        self.lock().get(&ordinal).cloned()
    }

    /// Returns every record, by ordinal.
    pub(crate) fn records(&self) -> Vec<InstanceRecord> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u32, InstanceRecord>> {
        // Records hold plain values, so a record left by an update that
        // panicked is still safe to read and to overwrite.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
