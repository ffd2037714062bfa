//! Observed state of one instance, shared between its supervisor and `sync`.

use std::net::IpAddr;

use strongroom_engine::AppKey;
use strongroom_model::{InstanceState, InstanceStatus};
use time::OffsetDateTime;

use crate::naming;

/// Observed state of one instance, kept up to date by its supervisor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InstanceRecord {
    pub(crate) ordinal: u32,
    pub(crate) name: String,
    pub(crate) container_id: String,
    pub(crate) state: InstanceState,
    pub(crate) healthy: bool,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) restarts: u32,
    pub(crate) started_at: Option<OffsetDateTime>,
    pub(crate) last_exit_code: Option<i32>,
    pub(crate) reason: Option<String>,
    /// Template hash of the container that exists now, if one does.
    pub(crate) template: Option<String>,
    /// Whether the instance is being scaled down.
    pub(crate) retiring: bool,
    /// Whether a retired instance's container and network are gone.
    pub(crate) removed: bool,
}

impl InstanceRecord {
    /// Returns the record of an instance that has not started yet.
    pub(crate) fn new(key: &AppKey, ordinal: u32) -> InstanceRecord {
        InstanceRecord {
            ordinal,
            name: naming::instance_name(&key.app, ordinal),
            container_id: naming::container_id(key, ordinal),
            state: InstanceState::Pending,
            healthy: false,
            ip: None,
            restarts: 0,
            started_at: None,
            last_exit_code: None,
            reason: None,
            template: None,
            retiring: false,
            removed: false,
        }
    }

    /// Returns the status the control plane stores.
    pub(crate) fn to_status(&self) -> InstanceStatus {
        InstanceStatus {
            name: self.name.clone(),
            container_id: self.container_id.clone(),
            ip: self.ip.map(|ip| ip.to_string()),
            state: self.state,
            healthy: self.healthy,
            restarts: self.restarts,
            started_at: self.started_at,
            last_exit_code: self.last_exit_code,
            reason: self.reason.clone(),
        }
    }
}
