//! Tables of tenants, applications, instances and events, and the JSON and YAML forms.

use anyhow::Context as _;
use serde::Serialize;
use serde_json::Value;
use strongroom_api::{ApiEvent, ApiObject};
use strongroom_model::{ApplicationStatus, Kind};
use time::OffsetDateTime;

use super::{Table, age};
use crate::args::OutputFormat;

/// Shown in a cell that has no value.
const NONE: &str = "-";

/// Renders objects of `kind` in `format`; `single` selects the one-object
/// JSON and YAML forms (an object instead of an array).
pub fn render(
    objects: &[ApiObject],
    kind: Kind,
    format: OutputFormat,
    single: bool,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    match (format, single, objects) {
        (OutputFormat::Table, _, _) => Ok(objects_table(objects, kind, now).render()),
        (OutputFormat::Json, true, [object]) => to_json(object),
        (OutputFormat::Json, _, _) => to_json(&objects),
        (OutputFormat::Yaml, true, [object]) => to_yaml(object),
        (OutputFormat::Yaml, _, _) => to_yaml(&objects),
    }
}

fn objects_table(objects: &[ApiObject], kind: Kind, now: OffsetDateTime) -> Table {
    match kind {
        Kind::Tenant => tenants_table(objects, now),
        Kind::Application => applications_table(objects, now),
    }
}

fn tenants_table(objects: &[ApiObject], now: OffsetDateTime) -> Table {
    let mut table = Table::new(&["NAME", "DISPLAY NAME", "OWNER", "SUBNET", "AGE"]);
    for object in objects {
        table.push(vec![
            object.metadata.name.clone(),
            text(&object.spec["displayName"]),
            text(&object.spec["owner"]),
            text(&object.status["subnet"]),
            age(&object.metadata.creation_timestamp, now),
        ]);
    }
    table
}

fn applications_table(objects: &[ApiObject], now: OffsetDateTime) -> Table {
    let mut table = Table::new(&["TENANT", "NAME", "PHASE", "HEALTHY", "IMAGE", "AGE"]);
    for object in objects {
        let status = application_status(object);
        table.push(vec![
            object
                .metadata
                .tenant
                .clone()
                .unwrap_or_else(|| NONE.to_owned()),
            object.metadata.name.clone(),
            phase(object, &status),
            format!(
                "{}/{}",
                status.healthy_instances,
                desired_instances(object, &status)
            ),
            text(&object.spec["image"]),
            age(&object.metadata.creation_timestamp, now),
        ]);
    }
    table
}

/// Builds the instance table of an application: name, address, state,
/// health, restarts, age and reason.
pub fn instances_table(status: &ApplicationStatus, now: OffsetDateTime) -> Table {
    let mut table = Table::new(&[
        "NAME", "IP", "STATE", "HEALTHY", "RESTARTS", "AGE", "REASON",
    ]);
    for instance in &status.instances {
        let started = instance.started_at.map(|t| super::format_age(now - t));
        table.push(vec![
            instance.name.clone(),
            instance.ip.clone().unwrap_or_else(|| NONE.to_owned()),
            instance.state.to_string(),
            if instance.healthy { "yes" } else { "no" }.to_owned(),
            instance.restarts.to_string(),
            started.unwrap_or_else(|| NONE.to_owned()),
            instance.reason.clone().unwrap_or_else(|| NONE.to_owned()),
        ]);
    }
    table
}

/// Renders events in `format`: a table, or a JSON or YAML sequence, oldest first.
pub fn render_events(
    events: &[ApiEvent],
    format: OutputFormat,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    match format {
        OutputFormat::Table => Ok(events_table(events, now).render()),
        OutputFormat::Json => to_json(events),
        OutputFormat::Yaml => to_yaml(&events),
    }
}

/// Builds the event table, oldest first.
pub fn events_table(events: &[ApiEvent], now: OffsetDateTime) -> Table {
    let mut table = Table::new(&["AGE", "TYPE", "REASON", "OBJECT", "INSTANCE", "MESSAGE"]);
    for event in events {
        let kind = Kind::from_cli(&event.kind);
        let object = match (kind, &event.tenant) {
            (Some(kind), tenant) => reference(kind, tenant.as_deref(), &event.name),
            (None, _) => format!("{}/{}", event.kind.to_ascii_lowercase(), event.name),
        };
        table.push(vec![
            age(&event.time, now),
            event.severity.clone(),
            event.reason.clone(),
            object,
            event.instance.clone().unwrap_or_else(|| NONE.to_owned()),
            event.message.clone(),
        ]);
    }
    table
}

/// Returns `tenant/NAME` or `application/TENANT/NAME`.
pub fn object_reference(object: &ApiObject) -> String {
    match Kind::from_cli(&object.kind) {
        Some(kind) => reference(
            kind,
            object.metadata.tenant.as_deref(),
            &object.metadata.name,
        ),
        None => format!(
            "{}/{}",
            object.kind.to_ascii_lowercase(),
            object.metadata.name
        ),
    }
}

/// Returns `tenant/NAME` or `application/TENANT/NAME` for an object addressed
/// by kind, tenant and name; the tenant is left out for kinds outside tenants.
pub fn reference(kind: Kind, tenant: Option<&str>, name: &str) -> String {
    let kind_word = kind.as_str().to_ascii_lowercase();
    match tenant {
        Some(tenant) if kind.is_tenant_scoped() => format!("{kind_word}/{tenant}/{name}"),
        _ => format!("{kind_word}/{name}"),
    }
}

/// Reads an application's status; an object not yet reconciled has the default status.
pub fn application_status(object: &ApiObject) -> ApplicationStatus {
    if object.status.is_null() {
        return ApplicationStatus::default();
    }
    serde_json::from_value(object.status.clone()).unwrap_or_default()
}

/// Returns the phase shown for an application; a requested deletion wins over the last status.
pub(super) fn phase(object: &ApiObject, status: &ApplicationStatus) -> String {
    if object.metadata.deletion_timestamp.is_some() {
        return "Deleting".to_owned();
    }
    status.phase.to_string()
}

/// Returns the desired instances: from the status once reconciled, else from the spec.
pub(super) fn desired_instances(object: &ApiObject, status: &ApplicationStatus) -> u64 {
    if status.observed_generation > 0 {
        return u64::from(status.desired_instances);
    }
    object.spec["instances"]["desired"].as_u64().unwrap_or(0)
}

/// Formats a JSON scalar as a cell: strings as they are, numbers and
/// booleans as written, absent as `-`.
pub(super) fn text(value: &Value) -> String {
    match value {
        Value::Null => NONE.to_owned(),
        Value::String(text) if text.is_empty() => NONE.to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value).context("formatting JSON output failed")?;
    text.push('\n');
    Ok(text)
}

fn to_yaml<T: Serialize>(value: &T) -> anyhow::Result<String> {
    serde_saphyr::to_string(value).context("formatting YAML output failed")
}
