//! Conversions between store records and wire types.

use std::collections::BTreeMap;

use serde_json::Value;
use strongroom_api::{ApiEvent, ApiMetadata, ApiObject};
use strongroom_engine::AppKey;
use strongroom_model::{API_VERSION, Kind};
use strongroom_store::{EventRecord, ObjectKey, ObjectRecord};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ServiceError;

/// Builds the store key of a request's object, checking that a tenant is
/// given exactly for tenant-scoped kinds.
pub(crate) fn object_key(
    kind: Kind,
    tenant: Option<&str>,
    name: &str,
) -> Result<ObjectKey, ServiceError> {
    match (kind.is_tenant_scoped(), tenant) {
        (true, Some(tenant)) if !tenant.is_empty() => Ok(ObjectKey::in_tenant(kind, tenant, name)),
        (true, _) => Err(ServiceError::invalid(format!(
            "{kind} {name}: a tenant is required because {} belong to a tenant",
            kind.plural()
        ))),
        (false, None) => Ok(ObjectKey::cluster(kind, name)),
        (false, Some(tenant)) => Err(ServiceError::invalid(format!(
            "{kind} {name}: omit tenant {tenant:?} because {} are cluster-scoped",
            kind.plural()
        ))),
    }
}

/// Returns the engine's key of an application record.
pub(crate) fn app_key(key: &ObjectKey) -> AppKey {
    AppKey {
        tenant: key.tenant.clone().unwrap_or_default(),
        app: key.name.clone(),
    }
}

/// Returns the store key of an engine application.
pub(crate) fn store_key(key: &AppKey) -> ObjectKey {
    ObjectKey::in_tenant(Kind::Application, &key.tenant, &key.app)
}

/// Converts a stored object to the wire form: the manifest's fields from the
/// stored spec, the server-set metadata from the record.
pub(crate) fn api_object(record: &ObjectRecord) -> ApiObject {
    let manifest = &record.spec;
    let metadata = &manifest["metadata"];
    ApiObject {
        api_version: manifest["apiVersion"]
            .as_str()
            .unwrap_or(API_VERSION)
            .to_owned(),
        kind: record.key.kind.as_str().to_owned(),
        metadata: ApiMetadata {
            name: record.key.name.clone(),
            tenant: record.key.tenant.clone(),
            uid: record.uid.clone(),
            resource_version: record.resource_version.to_string(),
            generation: record.generation,
            creation_timestamp: rfc3339(record.created_at),
            deletion_timestamp: record.deletion_timestamp.map(rfc3339),
            labels: string_map(&metadata["labels"]),
            annotations: string_map(&metadata["annotations"]),
        },
        spec: manifest
            .get("spec")
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default())),
        status: record.status.clone(),
    }
}

/// Converts a stored event to the wire form.
pub(crate) fn api_event(event: EventRecord) -> ApiEvent {
    ApiEvent {
        id: event.id,
        time: rfc3339(event.time),
        kind: event.key.kind.as_str().to_owned(),
        tenant: event.key.tenant,
        name: event.key.name,
        instance: event.instance,
        severity: event.severity.as_str().to_owned(),
        reason: event.reason,
        message: event.message,
    }
}

/// Parses a client's resource version: the decimal number the API returned.
pub(crate) fn parse_resource_version(key: &ObjectKey, text: &str) -> Result<i64, String> {
    text.parse().map_err(|_| {
        format!("{key}: resource version {text:?} is not a number; send the resourceVersion the API returned")
    })
}

fn rfc3339(time: OffsetDateTime) -> String {
    // Formatting fails only for years outside 0..=9999, which the store's
    // microsecond timestamps reach only if a row is damaged.
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}
