//! Gives every error response of the router an
//! [`ApiErrorBody`](strongroom_api::ApiErrorBody), also those that axum or a
//! layer built without one, such as the plain-text rejection of a malformed path.
//!
//! NOTE: hyper responds to some malformed requests itself, before the router runs,
//! with an empty body: a URI longer than 65534 bytes (414), oversized headers
//! (431) and unparsable request lines (400). This layer cannot reach those.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Largest body of a non-JSON error response that is read to become its
/// message; rejections of axum are one short line.
const MAX_MESSAGE_BYTES: usize = 4096;

/// Replaces the body of an error response that is not JSON by an API error body
/// with the same status, keeping its text as the message.
pub async fn ensure_error_body(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }

    let text = match to_bytes(response.into_body(), MAX_MESSAGE_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(error) => {
            tracing::warn!(%status, %error, "cannot read the body of an error response");
            String::new()
        }
    };
    ApiError::Edge { status, text }.into_response()
}

fn is_json(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::middleware;
    use axum::routing::get;
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::ensure_error_body;

    async fn body_of(status: StatusCode) -> (StatusCode, Value) {
        let app = Router::new()
            .route("/", get(move || async move { status }))
            .layer(middleware::from_fn(ensure_error_body));
        let request = Request::get("/").body(Body::empty()).unwrap();

        let response = app.oneshot(request).await.unwrap();

        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn bare_414_gets_error_body() {
        let (status, body) = body_of(StatusCode::URI_TOO_LONG).await;

        assert_eq!(status, StatusCode::URI_TOO_LONG);
        assert_eq!(body["code"], "UriTooLong");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("URI is too long"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn bare_500_gets_error_body() {
        let (status, body) = body_of(StatusCode::INTERNAL_SERVER_ERROR).await;

        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "Internal");
        assert!(body["message"].as_str().unwrap().contains("500"), "{body}");
    }
}
