//! Removing everything this layer created.

use tracing::{info, warn};

use super::{NetworkError, Networks, bridge, nat};

impl Networks {
    /// Removes everything this layer created: namespaces, bridges, this installation's
    /// nftables table, state.
    ///
    /// Only what the records in `state_dir` name is removed, never an interface, namespace
    /// or rule of the host. Every step runs even when an earlier one fails; the records of
    /// what could not be removed stay, so that purge can run again.
    pub async fn purge(&self) -> Result<(), NetworkError> {
        let _lifecycle = self.locks.lifecycle.write().await;
        let _shared = self.locks.shared.lock().await;
        let mut errors = Vec::new();

        match self.state.list_attachments() {
            Ok(records) => {
                for record in &records {
                    if let Err(error) = self.tear_down(record, record.result.as_ref()).await {
                        errors.push(format!(
                            "detaching container {}: {error}",
                            record.container_id
                        ));
                    }
                }
            }
            Err(error) => errors.push(format!("reading attachment records: {error}")),
        }

        let owned = self.state.load_owned().unwrap_or_else(|error| {
            errors.push(format!("reading the record of created bridges: {error}"));
            Default::default()
        });
        if let Some(record) = &owned.nat {
            errors.extend(nat::release(record).await);
        }
        // Only this installation's table: another installation's table keeps its tenants
        // apart from each other and from ours.
        if let Err(error) = self.table.remove().await {
            errors.push(format!(
                "deleting nftables table {}: {error}",
                self.table.qualified()
            ));
        }
        for name in owned.bridges.keys() {
            if let Err(error) = bridge::delete(name).await {
                errors.push(format!("deleting bridge {name}: {error}"));
            }
        }

        if errors.is_empty()
            && let Err(error) = self.state.remove_all()
        {
            errors.push(format!("removing {}: {error}", self.state.root().display()));
        }
        if !errors.is_empty() {
            warn!(
                errors = errors.len(),
                "purge of container networks left state behind"
            );
            return Err(NetworkError::Cleanup {
                operation: "purge of container networks",
                message: errors.join("; "),
            });
        }
        info!(state_dir = %self.state.root().display(), "purged container networks");
        Ok(())
    }
}
