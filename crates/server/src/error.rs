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
    /// An error response that axum or a layer built without an API error
    /// body, such as the rejection of a malformed path.
    #[error("{}", edge_message(*status, text))]
    Edge {
        /// Status of the response.
        status: StatusCode,
        /// Text of the original body, empty when it had none.
        text: String,
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
            ApiError::Edge { status, .. } => (*status, edge_code(*status)),
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

/// Returns the stable error code of a status that reached the edge without an error body.
fn edge_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Invalid",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
        StatusCode::URI_TOO_LONG => "UriTooLong",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "HeadersTooLarge",
        status if status.is_server_error() => "Internal",
        _ => "Rejected",
    }
}

/// Returns the message of a status that reached the edge without an error
/// body: the original text, else what the status means for this API.
fn edge_message(status: StatusCode, text: &str) -> String {
    if !text.is_empty() {
        return text.to_owned();
    }
    match status {
        StatusCode::URI_TOO_LONG => {
            "request URI is too long; shorten the query string or the path".to_owned()
        }
        _ => format!(
            "request failed with HTTP status {status} and no further explanation; \
             the server log has the details"
        ),
    }
}
