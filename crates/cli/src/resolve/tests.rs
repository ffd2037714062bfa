use serde_json::json;
use strongroom_api::{ApiMetadata, ApiObject};
use strongroom_model::Kind;

use super::{check_tenant_option, tenants_with_name};

fn application(tenant: &str, name: &str) -> ApiObject {
    ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: "Application".to_owned(),
        metadata: ApiMetadata {
            name: name.to_owned(),
            tenant: Some(tenant.to_owned()),
            uid: format!("{tenant}-{name}"),
            resource_version: "1".to_owned(),
            generation: 1,
            creation_timestamp: "2026-01-31T09:00:00Z".to_owned(),
            deletion_timestamp: None,
            labels: Default::default(),
            annotations: Default::default(),
        },
        spec: json!({}),
        status: serde_json::Value::Null,
    }
}

#[test]
fn tenants_with_name_are_sorted_and_unique() {
    let objects = [
        application("retail", "web"),
        application("corporate", "web"),
        application("retail", "api"),
    ];

    assert_eq!(tenants_with_name(&objects, "web"), ["corporate", "retail"]);
    assert_eq!(tenants_with_name(&objects, "api"), ["retail"]);
    assert!(tenants_with_name(&objects, "batch").is_empty());
}

#[test]
fn tenant_option_is_rejected_on_tenants_only() {
    assert!(check_tenant_option(Kind::Tenant, Some("retail")).is_err());
    assert!(check_tenant_option(Kind::Tenant, None).is_ok());
    assert!(check_tenant_option(Kind::Application, Some("retail")).is_ok());
}
