//! Records of everything this layer created, kept as JSON files in `state_dir` so that
//! they survive a control-plane restart and purge removes only what is ours. The nftables
//! table needs no record: its name derives from the canonical `state_dir` path.
//!
//! ```text
//! state_dir/
//!   attachments/sr-<hash>.json   one per container: network, host ports, CNI config and ADD result
//!   ipam/<network>/              host-local's address reservations
//!   owned.json                   bridges this layer created, nat chains portmap created
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strongroom_engine::TenantNetwork;

use super::conflist::PortMapping;
use super::nat::NatRecord;

/// One container's attachment, written before its namespace is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttachmentRecord {
    /// The container id, which the file name only hashes.
    pub(super) container_id: String,
    /// Name of the container's network namespace.
    pub(super) netns: String,
    /// The network the container is attached to.
    pub(super) network: TenantNetwork,
    /// Forwarded host ports.
    pub(super) port_mappings: Vec<PortMapping>,
    /// The network configuration list given to ADD; DEL and CHECK must receive the same.
    pub(super) conflist: Value,
    /// The result of ADD; absent while ADD runs or after it failed.
    pub(super) result: Option<Value>,
}

/// Record of the bridges and nat chains this layer created, beyond single attachments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Owned {
    /// Bridges created by this layer, by name.
    pub(super) bridges: BTreeMap<String, OwnedBridge>,
    /// The nat tables and chains that portmap's first ADD created; absent before that ADD.
    pub(super) nat: Option<NatRecord>,
}

/// A bridge this layer created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OwnedBridge {
    /// The tenant whose network the bridge carries.
    pub(super) tenant: String,
    /// The tenant's subnet in CIDR notation.
    pub(super) subnet: String,
}

/// The files under `state_dir`.
#[derive(Debug, Clone)]
pub(super) struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Returns the state directory at `root`, which need not exist yet.
    pub(super) fn new(root: PathBuf) -> StateDir {
        StateDir { root }
    }

    /// Returns the root directory.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// host-local's `dataDir`; it keeps each network's reservations in a subdirectory named
    /// after the network.
    pub(super) fn ipam_dir(&self) -> PathBuf {
        self.root.join("ipam")
    }

    fn attachments_dir(&self) -> PathBuf {
        self.root.join("attachments")
    }

    fn attachment_path(&self, netns: &str) -> PathBuf {
        self.attachments_dir().join(format!("{netns}.json"))
    }

    fn owned_path(&self) -> PathBuf {
        self.root.join("owned.json")
    }

    /// Reads the attachment record of the namespace `netns`, when there is one.
    pub(super) fn load_attachment(&self, netns: &str) -> io::Result<Option<AttachmentRecord>> {
        read_json(&self.attachment_path(netns))
    }

    /// Writes an attachment record.
    pub(super) fn save_attachment(&self, record: &AttachmentRecord) -> io::Result<()> {
        write_json(&self.attachment_path(&record.netns), record)
    }

    /// Removes an attachment record; a missing record is not an error.
    pub(super) fn remove_attachment(&self, netns: &str) -> io::Result<()> {
        remove_file_if_present(&self.attachment_path(netns))
    }

    /// Reads every attachment record.
    pub(super) fn list_attachments(&self) -> io::Result<Vec<AttachmentRecord>> {
        let entries = match fs::read_dir(self.attachments_dir()) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            other => other?,
        };
        let mut records = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
                && let Some(record) = read_json(&path)?
            {
                records.push(record);
            }
        }
        Ok(records)
    }

    /// Reads the record of owned bridges and chains; empty when there is none.
    pub(super) fn load_owned(&self) -> io::Result<Owned> {
        Ok(read_json(&self.owned_path())?.unwrap_or_default())
    }

    /// Writes the record of owned bridges and chains.
    pub(super) fn save_owned(&self, owned: &Owned) -> io::Result<()> {
        write_json(&self.owned_path(), owned)
    }

    /// Removes every file and directory of this layer, then the root when it is empty.
    pub(super) fn remove_all(&self) -> io::Result<()> {
        remove_dir_if_present(&self.attachments_dir())?;
        remove_dir_if_present(&self.ipam_dir())?;
        remove_file_if_present(&self.owned_path())?;

        // The root stays when another component keeps files in it.
        if let Err(error) = fs::remove_dir(&self.root)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::debug!(path = %self.root.display(), %error, "state directory kept");
        }
        Ok(())
    }
}

fn read_json<T: DeserializeOwned>(path: &Path) -> io::Result<Option<T>> {
    let bytes = match fs::read(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("state file {} is not valid: {error}", path.display()),
        )
    })
}

/// Writes `value` to `path` through a temporary file and a rename, so that a crash
/// leaves either the old or the new record, never a torn one.
fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("json.tmp");
    let mut file = fs::File::create(&temporary)?;
    file.write_all(&serde_json::to_vec_pretty(value).map_err(io::Error::other)?)?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}

fn remove_file_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes a directory tree; a missing directory is not an error.
pub(super) fn remove_dir_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
