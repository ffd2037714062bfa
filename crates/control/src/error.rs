use strongroom_model::Kind;
use strongroom_store::{
    AppendEventError, DeleteError, GetError, ListError, ListEventsError, MarkDeletingError,
    PutError, TransactionError, UpdateStatusError,
};

/// Why a request to the control plane failed; the server maps each variant to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is invalid (400).
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// One entry per problem.
        details: Vec<String>,
    },
    /// The object does not exist (404).
    #[error(
        "{} {name} not found{}",
        kind.as_str().to_ascii_lowercase(),
        tenant.as_deref().map(|t| format!(" in tenant {t}")).unwrap_or_default()
    )]
    NotFound {
        /// Kind.
        kind: Kind,
        /// Tenant, for tenant-scoped kinds.
        tenant: Option<String>,
        /// Name.
        name: String,
    },
    /// The object changed since the caller read it, or a dependent object blocks the change (409).
    #[error("{message}")]
    Conflict {
        /// Description of the conflict and of the fix.
        message: String,
    },
    /// The store or engine failed (500 or 503).
    #[error("{message}")]
    Unavailable {
        /// Description of the failure and of the fix.
        message: String,
    },
}

impl ServiceError {
    /// Builds an [`ServiceError::Invalid`] with one problem.
    pub(crate) fn invalid(message: impl Into<String>) -> ServiceError {
        let message = message.into();
        ServiceError::Invalid {
            details: vec![message.clone()],
            message,
        }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            message: message.into(),
        }
    }

    pub(crate) fn unavailable(error: impl std::fmt::Display) -> ServiceError {
        ServiceError::Unavailable {
            message: error.to_string(),
        }
    }
}

impl From<PutError> for ServiceError {
    fn from(error: PutError) -> Self {
        match error {
            PutError::Conflict { .. } | PutError::Missing { .. } | PutError::Deleting { .. } => {
                ServiceError::conflict(error.to_string())
            }
            PutError::Fault { .. } => ServiceError::unavailable(error),
        }
    }
}

/// Store failures that are not about the request: the store itself failed.
macro_rules! unavailable_from {
    ($($error:ty),*) => {
        $(impl From<$error> for ServiceError {
            fn from(error: $error) -> Self {
                ServiceError::unavailable(error)
            }
        })*
    };
}

unavailable_from!(
    AppendEventError,
    DeleteError,
    GetError,
    ListError,
    ListEventsError,
    MarkDeletingError,
    TransactionError,
    UpdateStatusError
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_kind_in_lowercase() {
        let application = ServiceError::NotFound {
            kind: Kind::Application,
            tenant: Some("nope".into()),
            name: "web".into(),
        };
        let tenant = ServiceError::NotFound {
            kind: Kind::Tenant,
            tenant: None,
            name: "nope".into(),
        };

        assert_eq!(
            application.to_string(),
            "application web not found in tenant nope"
        );
        assert_eq!(tenant.to_string(), "tenant nope not found");
    }
}
