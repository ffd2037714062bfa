//! `describe`: an object in detail, its status, instances and recent events.

use std::collections::BTreeMap;

use serde_json::Value;
use strongroom_api::{ApiEvent, ApiObject};
use strongroom_model::Kind;
use time::OffsetDateTime;

use super::objects::{application_status, desired_instances, phase, text};
use super::{Fields, age, events_table, instances_table};

/// Renders `object` with the events about it.
pub fn describe(
    object: &ApiObject,
    kind: Kind,
    events: &[ApiEvent],
    now: OffsetDateTime,
) -> String {
    let mut out = match kind {
        Kind::Tenant => tenant_fields(object, now).render(),
        Kind::Application => application_details(object, now),
    };

    out.push_str("\nEvents:\n");
    if events.is_empty() {
        out.push_str("  <none>\n");
    } else {
        out.push_str(&events_table(events, now).render());
    }
    out
}

fn tenant_fields(object: &ApiObject, now: OffsetDateTime) -> Fields {
    let mut fields = common_fields(object, now);
    fields.push("Display name", text(&object.spec["displayName"]));
    fields.push("Owner", text(&object.spec["owner"]));
    fields.push("Subnet", text(&object.status["subnet"]));
    fields.push("VLAN", text(&object.spec["network"]["vlan"]));
    fields.push("Bridge", text(&object.status["bridge"]));
    fields
}

fn application_details(object: &ApiObject, now: OffsetDateTime) -> String {
    let spec = &object.spec;
    let status = application_status(object);

    let mut fields = common_fields(object, now);
    fields.push("Owner", text(&spec["owner"]));
    fields.push("Contact", text(&spec["contact"]));
    fields.push("Security level", text(&spec["securityLevel"]));
    fields.push("Network zone", text(&spec["networkZone"]));
    fields.push("Image", text(&spec["image"]));
    fields.push(
        "Image digest",
        status
            .image_digest
            .clone()
            .unwrap_or_else(|| "-".to_owned()),
    );
    fields.push("Ports", ports(&spec["ports"]));
    fields.push("Resources", resources(&spec["resources"]));
    fields.push("Instances", instance_counts(&spec["instances"]));
    fields.push("Phase", phase(object, &status));
    fields.push(
        "Reason",
        status.reason.clone().unwrap_or_else(|| "-".to_owned()),
    );
    fields.push(
        "Healthy",
        format!(
            "{}/{}",
            status.healthy_instances,
            desired_instances(object, &status)
        ),
    );
    fields.push(
        "Observed generation",
        status.observed_generation.to_string(),
    );

    let mut out = fields.render();
    out.push_str("\nInstances:\n");
    if status.instances.is_empty() {
        out.push_str("  <none>\n");
    } else {
        out.push_str(&instances_table(&status, now).render());
    }
    out
}

fn common_fields(object: &ApiObject, now: OffsetDateTime) -> Fields {
    let metadata = &object.metadata;
    let mut fields = Fields::default();
    fields.push("Name", metadata.name.clone());
    if let Some(tenant) = &metadata.tenant {
        fields.push("Tenant", tenant.clone());
    }
    fields.push("Kind", object.kind.clone());
    fields.push(
        "Created",
        format!(
            "{} ({} ago)",
            metadata.creation_timestamp,
            age(&metadata.creation_timestamp, now)
        ),
    );
    if let Some(deletion) = &metadata.deletion_timestamp {
        fields.push("Deletion requested", deletion.clone());
    }
    fields.push("Generation", metadata.generation.to_string());
    fields.push("Resource version", metadata.resource_version.clone());
    fields.push("Labels", key_values(&metadata.labels));
    fields.push("Annotations", key_values(&metadata.annotations));
    fields
}

fn key_values(map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "-".to_owned();
    }
    let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(", ")
}

/// `http 8080/TCP, admin 9090/TCP`.
fn ports(value: &Value) -> String {
    let Some(ports) = value.as_array().filter(|p| !p.is_empty()) else {
        return "-".to_owned();
    };
    let described: Vec<String> = ports
        .iter()
        .map(|port| {
            let protocol = port["protocol"].as_str().unwrap_or("TCP");
            format!("{} {}/{protocol}", text(&port["name"]), text(&port["port"]))
        })
        .collect();
    described.join(", ")
}

/// `cpu 250m, memory 64Mi`.
fn resources(value: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["cpu", "memory"] {
        if !value[key].is_null() {
            parts.push(format!("{key} {}", text(&value[key])));
        }
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `desired 3, min 2, max 5`.
fn instance_counts(value: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["desired", "min", "max"] {
        if !value[key].is_null() {
            parts.push(format!("{key} {}", text(&value[key])));
        }
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(", ")
    }
}
