//! Extractors whose rejections are [`ApiError`]s, so that a bad body or query
//! gets the same error body as every other failure.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest request body the server reads: 4 MiB, enough for hundreds of manifests.
pub const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// A JSON body.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// A UTF-8 text body of any content type.
pub struct TextBody(pub String);

impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(bytes_rejection)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|e| ApiError::bad_request(format!("request body is not UTF-8 text: {e}")))?;
        Ok(TextBody(text))
    }
}

/// Query parameters.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::BytesRejection(inner) => bytes_rejection(inner),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType {
            message: "request body must be JSON; send the header `Content-Type: application/json`"
                .to_owned(),
        },
        other => ApiError::bad_request(format!("invalid JSON request body: {}", other.body_text())),
    }
}

fn bytes_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge {
            limit_bytes: BODY_LIMIT_BYTES,
        };
    }
    ApiError::bad_request(format!(
        "reading the request body failed: {}",
        rejection.body_text()
    ))
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(format!(
        "invalid query parameters: {}",
        rejection.body_text()
    ))
}
