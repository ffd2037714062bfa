use std::fmt;

use strongroom_model::{Kind, Object};

/// Identity of one stored object: kind, tenant and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// Kind of the object.
    pub kind: Kind,
    /// Owning tenant for tenant-scoped kinds; `None` for cluster-scoped kinds.
    pub tenant: Option<String>,
    /// Object name.
    pub name: String,
}

impl ObjectKey {
    /// Builds the key of a cluster-scoped object such as a tenant.
    pub fn cluster(kind: Kind, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            kind,
            tenant: None,
            name: name.into(),
        }
    }

    /// Builds the key of an object that belongs to `tenant`.
    pub fn in_tenant(kind: Kind, tenant: impl Into<String>, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            kind,
            tenant: Some(tenant.into()),
            name: name.into(),
        }
    }

    /// Builds the key of a manifest object from its kind and metadata.
    pub fn of(object: &Object) -> ObjectKey {
        let metadata = object.metadata();
        ObjectKey {
            kind: object.kind(),
            tenant: metadata.tenant.clone(),
            name: metadata.name.clone(),
        }
    }

    /// Returns the tenant column value: the tenant, or `''` for cluster-scoped objects.
    pub(crate) fn tenant_column(&self) -> &str {
        self.tenant.as_deref().unwrap_or("")
    }

    /// Returns the kind column value.
    pub(crate) fn kind_column(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tenant {
            Some(tenant) => write!(f, "{} {}/{}", self.kind, tenant, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Parses a stored kind column. Serde's names of [`Kind`] are the manifest
/// names, so every kind of the model parses without a list kept here.
pub(crate) fn parse_kind(text: &str) -> Option<Kind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// Turns a stored tenant column back into the key's tenant.
pub(crate) fn parse_tenant(column: String) -> Option<String> {
    if column.is_empty() {
        None
    } else {
        Some(column)
    }
}
