//! Wire types of `POST /api/v1/apply`.

use serde::{Deserialize, Serialize};

use crate::ApiObject;

/// Body of an apply request: every file is validated before any object is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyRequest {
    /// Manifest files, each with one or more YAML documents.
    pub files: Vec<ApplyFile>,
    /// Validate and report what would change, but store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One manifest file of an apply request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyFile {
    /// File name as the client knows it; validation errors name it.
    pub name: String,
    /// The YAML text.
    pub content: String,
}

/// Response to an apply request: one result per object, in file and document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResponse {
    /// Whether nothing was stored because the request was a dry run.
    #[serde(default)]
    pub dry_run: bool,
    /// What happened to each object.
    pub results: Vec<ApplyResult>,
}

/// What applying one object did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyResult {
    /// Created, configured or unchanged.
    pub action: ApplyOutcome,
    /// The object as stored (or, in a dry run, as it would be stored).
    pub object: ApiObject,
}

/// What applying one object did, as the wire spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyOutcome {
    /// The object did not exist.
    Created,
    /// The object existed and its spec, labels or annotations changed.
    Configured,
    /// The object existed and nothing changed.
    Unchanged,
}

impl ApplyOutcome {
    /// Returns the lowercase word the CLI prints, for example `created`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Configured => "configured",
            ApplyOutcome::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for ApplyOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
