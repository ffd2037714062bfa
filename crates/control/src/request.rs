//! Request types of the control plane's service API.

use strongroom_model::{Kind, Object};

/// Who makes a request. A single local administrator for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Account name, for example `admin`.
    pub user: String,
}

impl Identity {
    /// Builds the identity of `user`.
    pub fn new(user: impl Into<String>) -> Identity {
        Identity { user: user.into() }
    }
}

/// One object to apply, with the resource version the caller last read, if any.
#[derive(Debug, Clone)]
pub struct ApplyItem {
    /// The validated object.
    pub object: Object,
    /// When set, the write succeeds only if the stored object still has this version.
    pub expected_resource_version: Option<String>,
}

impl ApplyItem {
    /// Builds an item that writes `object` whatever version is stored.
    pub fn new(object: Object) -> ApplyItem {
        ApplyItem {
            object,
            expected_resource_version: None,
        }
    }
}

/// What applying one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyAction {
    /// The object did not exist.
    Created,
    /// The object existed and its spec, labels or annotations changed.
    Configured,
    /// The object existed and nothing changed.
    Unchanged,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events about objects of this kind.
    pub kind: Option<Kind>,
    /// Only events of this tenant.
    pub tenant: Option<String>,
    /// Only events about objects of this name.
    pub name: Option<String>,
    /// Only events with an id above this.
    pub after_id: Option<i64>,
    /// At most this many, newest last. Without a limit, and above it, at
    /// most [`EventFilter::MAX_LIMIT`].
    pub limit: Option<u32>,
}

impl EventFilter {
    /// Most events one request returns.
    pub const MAX_LIMIT: u32 = 10_000;
}
