//! HTTP server of the Strongroom API v1.
//!
//! - [`router`] builds the axum router: one module per resource group under
//!   `routes/`, the [`Caller`] extractor for identity, and [`ApiError`],
//!   which maps every failure once to an HTTP status and an `ApiErrorBody`.
//! - [`run_server`] opens the data directory, starts the control plane and
//!   its reconcile loop, serves the API and stops cleanly on SIGTERM or SIGINT.
//! - Handlers reach the control plane through the [`ControlPlane`] trait, so
//!   router tests can run against a stub.

mod auth;
mod client_file;
mod config;
mod control_plane;
mod error;
mod extract;
mod logging;
mod manifest;
mod platform;
mod routes;
mod run;
mod state;

pub use auth::{ADMIN_TOKEN_FILE, AdminToken, AdminTokenError, Caller};
pub use client_file::{ClientFile, ClientFileError};
pub use config::{
    DEFAULT_CNI_BIN_DIR, DEFAULT_CONMON, DEFAULT_DATA_DIR, DEFAULT_LISTEN, DEFAULT_RUNTIME,
    DataDir, ServerConfig,
};
pub use control_plane::ControlPlane;
pub use error::ApiError;
pub use extract::BODY_LIMIT_BYTES;
pub use logging::{LOG_FILTER_ENV, LOG_FORMAT_ENV, init_logging};
pub use platform::{
    EngineParts, PlatformHandle, PurgeError, StartPlatformError, local_engine, purge_engine,
};
pub use routes::router;
pub use run::{ServeError, client_url, run_server, serve};
pub use state::AppState;
