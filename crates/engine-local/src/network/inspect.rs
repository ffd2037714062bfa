//! Reading attachments back: after a restart, for adoption, and to verify them with CNI CHECK.

use strongroom_engine::TenantNetwork;
use tracing::warn;

use super::attach::attachment_of;
use super::state::AttachmentRecord;
use super::validate;
use super::{AttachedContainer, Attachment, NetworkError, Networks, chain, failed, netns};

impl Networks {
    /// Returns the attachment of a container, when it has one (used when adopting containers).
    ///
    /// Returns `None` when the container is attached to another network, when its attach
    /// did not finish, or when its namespace is gone, as after a host restart.
    pub async fn attachment(
        &self,
        network: &TenantNetwork,
        container_id: &str,
    ) -> Option<Attachment> {
        let netns = netns::name_for(container_id);
        let record = match self.state.load_attachment(&netns) {
            Ok(record) => record?,
            Err(error) => {
                warn!(container_id, %error, "reading an attachment record failed");
                return None;
            }
        };
        let same_network =
            record.network.tenant == network.tenant && record.network.bridge == network.bridge;
        if record.container_id != container_id || !same_network {
            return None;
        }
        complete_attachment(&record)
    }

    /// Lists every container with an attachment record, including those whose attach did
    /// not finish, so that the engine can detach containers it no longer runs.
    pub async fn attached(&self) -> Result<Vec<AttachedContainer>, NetworkError> {
        let records = self
            .state
            .list_attachments()
            .map_err(|error| NetworkError::State {
                message: error.to_string(),
            })?;
        Ok(records
            .iter()
            .map(|record| AttachedContainer {
                container_id: record.container_id.clone(),
                network: record.network.clone(),
                attachment: complete_attachment(record),
            })
            .collect())
    }

    /// Verifies the container's attachment with the plugins' CHECK: interface, address,
    /// routes and address reservation.
    pub async fn check(
        &self,
        network: &TenantNetwork,
        container_id: &str,
    ) -> Result<(), NetworkError> {
        let fail = |message: String| failed("check", container_id, network, message);
        validate::check_container_id(container_id).map_err(fail)?;
        let _container = self.locks.container(container_id).await;

        let netns = netns::name_for(container_id);
        let record = self
            .state
            .load_attachment(&netns)
            .map_err(|error| fail(error.to_string()))?;
        let Some(record) = record else {
            return Err(fail(
                "the container is not attached: attach it first".into(),
            ));
        };
        let Some(result) = &record.result else {
            return Err(fail(
                "the attach did not finish: attach the container again".into(),
            ));
        };
        if !netns::exists(&netns) {
            return Err(fail(format!(
                "network namespace {} is missing: detach and attach the container again",
                netns::path_of(&netns).display()
            )));
        }

        chain::check(
            &record.conflist,
            &record.port_mappings,
            &self.invocation(&record),
            result,
        )
        .await
        .map_err(|error| fail(error.to_string()))
    }
}

/// Returns the attachment of a record whose attach finished and whose namespace exists.
fn complete_attachment(record: &AttachmentRecord) -> Option<Attachment> {
    let result = record.result.as_ref()?;
    if !netns::exists(&record.netns) {
        return None;
    }
    attachment_of(&record.netns, result)
}
