//! Errors at the HTTP edge: every failure becomes one status code and an [`ApiErrorBody`].

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use strongroom_api::ApiErrorBody;
use strongroom_control::ServiceError;

/// Failure of a request, as the server reports it to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The control plane rejected or failed the request.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The request carries no valid administrator token.
    #[error(
        "missing or invalid bearer token; send the header `Authorization: Bearer TOKEN` \
         with the administrator token stored in {}", token_file.display()
    )]
    Unauthorized {
        /// Token file of the administrator.
        token_file: PathBuf,
    },
    /// The request is malformed: a bad query parameter, body or path.
    #[error("{message}")]
    BadRequest {
        /// Summary.
        message: String,
        /// One entry per problem.
        details: Vec<String>,
    },
    /// The request body exceeds the server's limit.
    #[error(
        "request body exceeds the limit of {} MiB; split the manifests into several requests",
        limit_bytes / (1024 * 1024)
    )]
    PayloadTooLarge {
        /// The limit in bytes.
        limit_bytes: usize,
    },
    /// The body has a content type the endpoint does not read.
    #[error("{message}")]
    UnsupportedMediaType {
        /// Description of the content type sent and the one expected.
        message: String,
    },
    /// No endpoint has this path.
    #[error("no endpoint {method} {path}; endpoints are under /api/v1/")]
    RouteNotFound {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
    },
    /// The path exists, but not for this method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
    },
}

impl ApiError {
    /// Returns a 400 error with one summary and no details.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Returns the HTTP status and the stable error code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Service(ServiceError::Invalid { .. }) | ApiError::BadRequest { .. } => {
                (StatusCode::BAD_REQUEST, "Invalid")
            }
            ApiError::Service(ServiceError::NotFound { .. }) | ApiError::RouteNotFound { .. } => {
                (StatusCode::NOT_FOUND, "NotFound")
            }
            ApiError::Service(ServiceError::Conflict { .. }) => (StatusCode::CONFLICT, "Conflict"),
            ApiError::Service(ServiceError::Unavailable { .. }) => {
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable")
            }
            ApiError::Unauthorized { .. } => (StatusCode::UNAUTHORIZED, "Unauthorized"),
            ApiError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge"),
            ApiError::UnsupportedMediaType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType")
            }
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed")
            }
        }
    }

    /// Returns the wire body of this error.
    pub fn to_body(&self) -> ApiErrorBody {
        let (_, code) = self.status_and_code();
        let details = match self {
            ApiError::Service(ServiceError::Invalid { details, .. })
            | ApiError::BadRequest { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        ApiErrorBody {
            code: code.to_owned(),
            message: self.to_string(),
            details,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();

        // Server-side failures are logged here, once. Client mistakes are
        // only returned, because the client shows them to its user.
        if status.is_server_error() {
            tracing::error!(code, error = %self, "request failed");
        } else {
            tracing::debug!(code, error = %self, "request rejected");
        }
        (status, Json(self.to_body())).into_response()
    }
}
