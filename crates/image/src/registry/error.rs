//! Failures of registry requests.

use crate::error::PullErrorKind;

/// Failure of a request to a registry.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RegistryError {
    #[error("image {image} not found in registry {registry}: check the repository and tag")]
    NotFound { image: String, registry: String },
    #[error(
        "blob {digest} of image {image} not found in registry {registry}: \
         the image is incomplete there, push it again"
    )]
    BlobNotFound {
        digest: String,
        image: String,
        registry: String,
    },
    #[error(
        "registry {address} is unreachable ({reason}): check the registry address and that it is running"
    )]
    Unreachable { address: String, reason: String },
    #[error(
        "registry {registry} denied access to {image} ({detail}): check the credentials configured for it"
    )]
    Unauthorized {
        registry: String,
        image: String,
        detail: String,
    },
    #[error(
        "registry {registry} requires credentials for {image}: configure credentials for {registry}"
    )]
    CredentialsRequired { registry: String, image: String },
    #[error("registry {registry} sent an invalid authentication challenge {challenge:?}: {reason}")]
    InvalidChallenge {
        registry: String,
        challenge: String,
        reason: String,
    },
    #[error("token service {realm} failed: {reason}")]
    Token { realm: String, reason: String },
    #[error("registry request GET {url} failed with HTTP {status}: {detail}")]
    Status {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("registry request GET {url} failed: {reason}")]
    Transport { url: String, reason: String },
    #[error("{subject} from {url} is larger than the limit of {limit} bytes")]
    TooLarge {
        subject: String,
        url: String,
        limit: u64,
    },
}

impl RegistryError {
    pub(crate) fn kind(&self) -> PullErrorKind {
        match self {
            RegistryError::NotFound { .. } | RegistryError::BlobNotFound { .. } => {
                PullErrorKind::NotFound
            }
            RegistryError::Unreachable { .. } => PullErrorKind::Unreachable,
            RegistryError::Unauthorized { .. } | RegistryError::CredentialsRequired { .. } => {
                PullErrorKind::Unauthorized
            }
            RegistryError::TooLarge { .. } => PullErrorKind::InvalidImage,
            RegistryError::InvalidChallenge { .. }
            | RegistryError::Token { .. }
            | RegistryError::Status { .. }
            | RegistryError::Transport { .. } => PullErrorKind::Registry,
        }
    }
}

/// Returns the innermost cause of an error, which names the actual failure
/// (such as "Connection refused"), while the outer ones contain only "error sending request".
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// Returns the `code: message` pairs of an OCI Distribution error body, or
/// the start of the body when it is not one.
pub(crate) fn error_detail(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        errors: Vec<ErrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorEntry {
        code: String,
        #[serde(default)]
        message: String,
    }

    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body)
        && !parsed.errors.is_empty()
    {
        let entries: Vec<String> = parsed
            .errors
            .iter()
            .map(|entry| format!("{}: {}", entry.code, entry.message))
            .collect();
        return entries.join("; ");
    }

    let text = String::from_utf8_lossy(body);
    let trimmed: String = text.trim().chars().take(200).collect();
    if trimmed.is_empty() {
        "empty response body".to_owned()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_reads_distribution_errors() {
        let body =
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#;
        assert_eq!(error_detail(body), "MANIFEST_UNKNOWN: manifest unknown");
    }

    #[test]
    fn error_detail_falls_back_to_body_text() {
        assert_eq!(error_detail(b"  bad gateway \n"), "bad gateway");
        assert_eq!(error_detail(b""), "empty response body");
    }
}
