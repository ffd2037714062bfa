//! Wire types and HTTP client of the Strongroom API v1.
//!
//! The server serves JSON under `/api/v1/`. Objects travel as [`ApiObject`]:
//! the manifest's `apiVersion`, `kind`, `metadata` and `spec`, plus the
//! server-set metadata fields and the `status`. Errors travel as
//! [`ApiErrorBody`]. [`Client`] calls every endpoint and returns typed
//! results or a [`RequestError`] that carries the server's error body.
//!
//! Endpoints under `/api/v1`, and the client method of each:
//!
//! - `GET healthz`, `GET version`, `GET schema`: [`Client::healthz`],
//!   [`Client::version`], [`Client::schema`]
//! - `POST apply`: [`Client::apply`]
//! - `GET tenants`, `GET applications`, `GET tenants/{tenant}/applications`:
//!   [`Client::list`]
//! - `GET`, `PUT`, `DELETE` on `tenants/{name}` and
//!   `tenants/{tenant}/applications/{name}`: [`Client::get`], [`Client::put`],
//!   [`Client::delete`]
//! - `GET events`: [`Client::events`]
//! - `GET tenants/{tenant}/applications/{name}/logs`: [`Client::logs`]
//!
//! Every request except `healthz` needs `Authorization: Bearer TOKEN`.

mod apply;
mod client;
mod error;
mod events;
mod logs;
mod system;

use serde::{Deserialize, Serialize};

pub use apply::{ApplyFile, ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult};
pub use client::{Client, DEFAULT_REQUEST_TIMEOUT};
pub use error::{ClientBuildError, RequestError};
pub use events::EventParams;
pub use logs::{ApiLogBatch, ApiLogLine, LogParams};
pub use system::{ApiList, Health, VersionInfo};

/// Path prefix of every endpoint of this API version.
pub const API_PREFIX: &str = "/api/v1";

/// An object as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiObject {
    /// Always `strongroom/v1`.
    pub api_version: String,
    /// `Tenant` or `Application`.
    pub kind: String,
    /// Manifest metadata plus server-set fields.
    pub metadata: ApiMetadata,
    /// The spec as applied, with defaults filled in.
    pub spec: serde_json::Value,
    /// Observed state written by the platform.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub status: serde_json::Value,
}

/// Metadata of an object as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMetadata {
    /// Object name.
    pub name: String,
    /// Owning tenant, for tenant-scoped kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Unique id given at creation.
    pub uid: String,
    /// Changes on every write; send it back to update only that version.
    pub resource_version: String,
    /// Changes when the spec changes.
    pub generation: i64,
    /// When the object was created (RFC 3339).
    pub creation_timestamp: String,
    /// When deletion was requested (RFC 3339), while the platform removes the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiEvent {
    /// Sequence number, increasing.
    pub id: i64,
    /// When it happened (RFC 3339).
    pub time: String,
    /// Kind of the object it is about.
    pub kind: String,
    /// Tenant of the object, for tenant-scoped kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Name of the object.
    pub name: String,
    /// Instance name, when about one instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `Normal` or `Warning`.
    pub severity: String,
    /// One CamelCase word.
    pub reason: String,
    /// A sentence for the operator.
    pub message: String,
}

/// Body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Stable machine-readable code, for example `Invalid`, `NotFound`, `Conflict`.
    pub code: String,
    /// What failed, on which value, and what to do.
    pub message: String,
    /// One entry per problem, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}
