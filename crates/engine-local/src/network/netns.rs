//! Network namespaces of containers, created with iproute2 so that they persist under
//! `/run/netns` without a process in them.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::command::{self, ToolError};

/// Directory where `ip netns add` bind-mounts named namespaces.
const NETNS_DIR: &str = "/run/netns";

/// Prefix of every namespace this layer creates.
const PREFIX: &str = "sr-";

/// Hex digits of the id's SHA-256 kept in the name; 64 bits make a collision unlikely, and a
/// collision is still detected because the state record stores the full container id.
const HASH_DIGITS: usize = 16;

/// Returns the namespace name of a container: `sr-` and a hash of its id, so that every id
/// gives a short name that is valid as a file name.
pub(super) fn name_for(container_id: &str) -> String {
    let digest = Sha256::digest(container_id.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{PREFIX}{}", &hex[..HASH_DIGITS])
}

/// Returns the path of a named namespace, for `CNI_NETNS` and the OCI runtime spec.
pub(super) fn path_of(name: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(name)
}

/// Returns whether the named namespace exists.
pub(super) fn exists(name: &str) -> bool {
    path_of(name).exists()
}

/// Creates the named namespace with its loopback interface up. Creating an existing
/// namespace succeeds.
pub(super) async fn create(name: &str) -> Result<(), ToolError> {
    if !exists(name) {
        let added = command::run("ip", &["netns", "add", name]).await;

        // A concurrent call may have created it first.
        if let Err(error) = added
            && !exists(name)
        {
            return Err(error);
        }
    }

    // runc configures no interface in a namespace it joins, and programs expect 127.0.0.1.
    command::run("ip", &["-n", name, "link", "set", "lo", "up"]).await?;
    Ok(())
}

/// Deletes the named namespace; the veth ends inside it go with it. Deleting a missing
/// namespace succeeds.
pub(super) async fn delete(name: &str) -> Result<(), ToolError> {
    if !exists(name) {
        return Ok(());
    }
    match command::run("ip", &["netns", "delete", name]).await {
        Err(error) if exists(name) => Err(error),
        _ => Ok(()),
    }
}
