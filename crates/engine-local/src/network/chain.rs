//! Runs the plugins of a network configuration list: ADD and CHECK in order, DEL in
//! reverse order, as the CNI specification 1.0.0 requires.

use serde_json::Value;
use tracing::debug;

use super::cni::{self, CniError, Invocation, Operation};
use super::conflist::{self, PortMapping};

/// A failed ADD, with what the rollback needs.
#[derive(Debug)]
pub(super) struct AddFailure {
    /// The result of the last plugin that succeeded, passed to the rollback DEL.
    pub(super) partial: Option<Value>,
    /// The error of the plugin that failed.
    pub(super) error: CniError,
}

/// Adds the container with each plugin in order, each receiving the result of the previous
/// one, and returns the last plugin's result.
pub(super) async fn add(
    conflist: &Value,
    port_mappings: &[PortMapping],
    invocation: &Invocation<'_>,
) -> Result<Value, AddFailure> {
    let mut result: Option<Value> = None;
    for plugin in conflist::plugins(conflist) {
        let plugin_type = conflist::plugin_type(plugin);
        let config = conflist::plugin_config(conflist, plugin, result.as_ref(), port_mappings);
        debug!(
            container_id = invocation.container_id,
            plugin = plugin_type,
            "CNI ADD"
        );

        match cni::add(plugin_type, invocation, &config).await {
            Ok(output) => result = Some(output),
            Err(error) => {
                return Err(AddFailure {
                    partial: result,
                    error,
                });
            }
        }
    }
    result.ok_or_else(|| AddFailure {
        partial: None,
        error: CniError::InvalidResult {
            plugin: "(none)".into(),
            operation: Operation::Add,
            message: "the network configuration list has no plugins".into(),
        },
    })
}

/// Deletes the container with each plugin in reverse order, each receiving `cached`, the
/// result of the ADD. Stops at the first failure, so that a retry runs every plugin again.
/// The plugins used here succeed when what they would delete is already gone.
pub(super) async fn del(
    conflist: &Value,
    port_mappings: &[PortMapping],
    invocation: &Invocation<'_>,
    cached: Option<&Value>,
) -> Result<(), CniError> {
    for plugin in conflist::plugins(conflist).iter().rev() {
        let plugin_type = conflist::plugin_type(plugin);
        let config = conflist::plugin_config(conflist, plugin, cached, port_mappings);
        debug!(
            container_id = invocation.container_id,
            plugin = plugin_type,
            "CNI DEL"
        );
        cni::invoke(plugin_type, Operation::Del, invocation, &config).await?;
    }
    Ok(())
}

/// Verifies the attachment with each plugin in order, each receiving `cached`.
pub(super) async fn check(
    conflist: &Value,
    port_mappings: &[PortMapping],
    invocation: &Invocation<'_>,
    cached: &Value,
) -> Result<(), CniError> {
    for plugin in conflist::plugins(conflist) {
        let plugin_type = conflist::plugin_type(plugin);

        // NOTE: portmap 1.1.1 fails CHECK for every IPv4-only container because it looks for
        // IPv6 rules it never created (containernetworking/plugins#819, fixed in 1.2.0), so
        // its rules go unchecked.
        if plugin_type == "portmap" {
            continue;
        }
        let config = conflist::plugin_config(conflist, plugin, Some(cached), port_mappings);
        cni::invoke(plugin_type, Operation::Check, invocation, &config).await?;
    }
    Ok(())
}
