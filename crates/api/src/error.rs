//! Errors of the HTTP client.

use std::time::Duration;

use crate::ApiErrorBody;

/// Failure of one API request.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Nothing listens at the server's address.
    #[error(
        "the Strongroom server at {url} is not running (connection refused); \
         start it with `strongroom up`"
    )]
    NotRunning {
        /// Base URL of the server.
        url: String,
    },
    /// The server rejected the request, and the body gives the reason.
    #[error("{}", body.message)]
    Api {
        /// HTTP method.
        method: &'static str,
        /// Request URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The server's error body, to be shown as it is.
        body: ApiErrorBody,
    },
    /// A tenant-scoped object was addressed without its tenant.
    #[error("{kind} {name} belongs to a tenant, but no tenant was given; name the tenant")]
    MissingTenant {
        /// Kind of the object.
        kind: strongroom_model::Kind,
        /// Name of the object.
        name: String,
    },
    /// The server did not respond in time.
    #[error("request {method} {url} timed out after {}s; check the server log", timeout.as_secs())]
    Timeout {
        /// HTTP method.
        method: &'static str,
        /// Request URL.
        url: String,
        /// The request timeout.
        timeout: Duration,
    },
    /// The request could not be sent or its response not read.
    #[error("request {method} {url} failed: {source}")]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Request URL.
        url: String,
        /// Cause.
        source: reqwest::Error,
    },
    /// The server responded with a body that the API does not define.
    #[error("request {method} {url} returned an invalid response (HTTP {status}): {message}")]
    InvalidResponse {
        /// HTTP method.
        method: &'static str,
        /// Request URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// What was wrong with the body.
        message: String,
    },
}

impl RequestError {
    /// Returns the server's error body, when the server rejected the request.
    pub fn api_body(&self) -> Option<&ApiErrorBody> {
        match self {
            RequestError::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Returns the HTTP status, when the server responded.
    pub fn status(&self) -> Option<u16> {
        match self {
            RequestError::Api { status, .. } | RequestError::InvalidResponse { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Returns whether the server answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// Failure to build a [`Client`](crate::Client).
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The server URL cannot be parsed or is not HTTP.
    #[error("invalid server URL {url:?}: {message}; pass a URL such as http://127.0.0.1:7470")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The HTTP client could not be set up.
    #[error("setting up the HTTP client failed: {0}")]
    Http(#[source] reqwest::Error),
}
