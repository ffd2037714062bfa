//! The API v1 router: one module per resource group.

mod applications;
mod apply;
mod error_body;
mod events;
mod integer_param;
mod logs;
mod object;
mod system;
mod tenants;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::extract::BODY_LIMIT_BYTES;
use crate::state::AppState;

/// Builds the router of API v1 over `state`.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/healthz", get(system::healthz))
        .route("/version", get(system::version))
        .route("/schema", get(system::schema))
        .route("/apply", post(apply::apply))
        .route("/tenants", get(tenants::list))
        .route(
            "/tenants/{name}",
            get(tenants::get).put(tenants::put).delete(tenants::delete),
        )
        .route("/applications", get(applications::list_all))
        .route(
            "/tenants/{tenant}/applications",
            get(applications::list_in_tenant),
        )
        .route(
            "/tenants/{tenant}/applications/{name}",
            get(applications::get)
                .put(applications::put)
                .delete(applications::delete),
        )
        .route(
            "/tenants/{tenant}/applications/{name}/logs",
            get(logs::read),
        )
        .route("/events", get(events::list));

    Router::new()
        .nest(strongroom_api::API_PREFIX, api)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn(error_body::ensure_error_body))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn route_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::RouteNotFound {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// Logs every request with its status and duration; errors are logged where they are mapped.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();

    let response = next.run(request).await;

    tracing::debug!(
        %method,
        path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "served request"
    );
    response
}

#[cfg(test)]
mod tests;
