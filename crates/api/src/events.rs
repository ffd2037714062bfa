//! Wire types of `GET /api/v1/events`.

use serde::{Deserialize, Serialize};

/// Query parameters of an event listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventParams {
    /// Only events about objects of this kind: `tenant` or `application`,
    /// in any form the CLI accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only events of this tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Only events about objects of this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only events with an id above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// At most this many, the newest ones, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl EventParams {
    /// Returns the parameters as URL query pairs, leaving out absent ones.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(kind) = &self.kind {
            pairs.push(("kind", kind.clone()));
        }
        if let Some(tenant) = &self.tenant {
            pairs.push(("tenant", tenant.clone()));
        }
        if let Some(name) = &self.name {
            pairs.push(("name", name.clone()));
        }
        if let Some(after) = self.after {
            pairs.push(("after", after.to_string()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }
}
