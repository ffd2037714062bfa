//! Wire types of the system endpoints: health, version and lists.

use serde::{Deserialize, Serialize};

/// Body of `GET /api/v1/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` while the server serves requests.
    pub status: String,
}

/// Body of `GET /api/v1/version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Version of the server binary, for example `0.1.0`.
    pub version: String,
    /// API version of the model the server reads and writes, `strongroom/v1`.
    pub api_version: String,
}

/// Body of every list response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiList<T> {
    /// The listed items.
    pub items: Vec<T>,
}
