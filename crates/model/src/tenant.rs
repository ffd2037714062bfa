use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ObjectMeta;
use crate::meta::api_version_schema;

/// A business line, subsidiary or partner institution that owns applications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    /// Always `strongroom/v1`.
    #[schemars(schema_with = "api_version_schema")]
    pub api_version: String,
    /// Name and labels of the tenant. `metadata.tenant` must be absent.
    pub metadata: ObjectMeta,
    /// What the tenant is and how its network is laid out.
    #[serde(default)]
    pub spec: TenantSpec,
}

/// Desired state of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSpec {
    /// Human-readable name, for example `Retail banking`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Person or team accountable for the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Container network of the tenant; allocated by the platform when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<TenantNetwork>,
}

/// Container network settings of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantNetwork {
    /// IPv4 subnet in CIDR notation with a prefix of /16 to /28, for example `10.89.4.0/24`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// VLAN id recorded for the bank's network team (1 to 4094).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 4094))]
    pub vlan: Option<u16>,
}
