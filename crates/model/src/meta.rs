use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// JSON Schema pattern of object names, tenant names and network zones.
pub(crate) const NAME_PATTERN: &str = "^[a-z]([a-z0-9-]*[a-z0-9])?$";

/// JSON Schema of the `apiVersion` field: the one supported version.
pub(crate) fn api_version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "const": crate::API_VERSION
    })
}

/// Identifying data of an object as written in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    /// Object name: lowercase letters, digits and `-`, starting with a letter and
    /// ending with a letter or digit, at most 40 characters.
    #[schemars(pattern(NAME_PATTERN), length(max = 40))]
    pub name: String,
    /// Owning tenant; required for tenant-scoped kinds such as `Application`,
    /// absent on a `Tenant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(NAME_PATTERN), length(max = 40))]
    pub tenant: Option<String>,
    /// Free-form labels for selection.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Free-form annotations for tools and people.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// One manifest document of any known kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
#[allow(
    clippy::large_enum_variant,
    reason = "objects are few and short-lived, and callers match on the unboxed types"
)]
pub enum Object {
    /// A tenant document.
    Tenant(crate::Tenant),
    /// An application document.
    Application(crate::Application),
}

impl Object {
    /// Returns the object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Tenant(t) => &t.metadata,
            Object::Application(a) => &a.metadata,
        }
    }

    /// Returns the object's metadata for changing it.
    pub(crate) fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Tenant(t) => &mut t.metadata,
            Object::Application(a) => &mut a.metadata,
        }
    }

    /// Returns the kind as written in manifests.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Tenant(_) => Kind::Tenant,
            Object::Application(_) => Kind::Application,
        }
    }
}

/// The kinds of object the v1 model defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// A business line, subsidiary or partner institution.
    Tenant,
    /// A bank application run as a set of instances.
    Application,
}

impl Kind {
    /// Every kind, in the order objects are applied: tenants before what they own.
    pub const ALL: [Kind; 2] = [Kind::Tenant, Kind::Application];

    /// Returns the kind's name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tenant => "Tenant",
            Kind::Application => "Application",
        }
    }

    /// Returns the plural lowercase name used in API paths and on the command line.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Tenant => "tenants",
            Kind::Application => "applications",
        }
    }

    /// Parses a kind from a command-line word: singular, plural or short form, any case.
    pub fn from_cli(word: &str) -> Option<Kind> {
        match word.to_ascii_lowercase().as_str() {
            "tenant" | "tenants" => Some(Kind::Tenant),
            "application" | "applications" | "app" | "apps" => Some(Kind::Application),
            _ => None,
        }
    }

    /// Returns whether objects of this kind belong to a tenant.
    pub fn is_tenant_scoped(self) -> bool {
        matches!(self, Kind::Application)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
