//! Wire types of `GET /api/v1/tenants/{tenant}/applications/{name}/logs`.

use serde::{Deserialize, Serialize};

/// Query parameters of a log read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogParams {
    /// Only this instance; every instance when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Only lines written at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Only the last N lines of each instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<usize>,
    /// Only lines after this cursor, as returned by an earlier read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl LogParams {
    /// Returns the parameters as URL query pairs, leaving out absent ones.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(instance) = &self.instance {
            pairs.push(("instance", instance.clone()));
        }
        if let Some(since) = &self.since {
            pairs.push(("since", since.clone()));
        }
        if let Some(tail) = self.tail {
            pairs.push(("tail", tail.to_string()));
        }
        if let Some(after) = &self.after {
            pairs.push(("after", after.clone()));
        }
        pairs
    }
}

/// One line an instance wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLogLine {
    /// Instance name, for example `web-0`.
    pub instance: String,
    /// When the line was written (RFC 3339 with nanoseconds).
    pub time: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text, without the line break.
    pub text: String,
}

/// Lines read and where to continue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLogBatch {
    /// Lines in time order.
    pub lines: Vec<ApiLogLine>,
    /// Pass as [`LogParams::after`] to read only newer lines.
    pub cursor: String,
}
