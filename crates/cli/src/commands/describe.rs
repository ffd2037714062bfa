//! `strongroom describe KIND NAME [--tenant T]`.

use anyhow::Context as _;
use strongroom_api::{ApiEvent, ApiObject, EventParams};
use time::OffsetDateTime;

use crate::args::{DescribeArgs, GlobalArgs};
use crate::connection::connect;
use crate::output::{describe, reference};
use crate::resolve::resolve_tenant;
use crate::stdout::emit;

/// Events shown under an object.
const RECENT_EVENTS: u32 = 20;

/// Drops events recorded before the object was created: they belong to an
/// earlier object of the same name that was deleted.
fn retain_events_since_creation(events: &mut Vec<ApiEvent>, object: &ApiObject) {
    let format = &time::format_description::well_known::Rfc3339;
    let Ok(created) = OffsetDateTime::parse(&object.metadata.creation_timestamp, format) else {
        return;
    };
    events.retain(|event| {
        OffsetDateTime::parse(&event.time, format).map_or(true, |time| time >= created)
    });
}

/// Shows one object in detail with its recent events.
pub async fn run(global: &GlobalArgs, args: &DescribeArgs) -> anyhow::Result<()> {
    let client = connect(global)?;
    let kind_word = args.kind.as_str().to_ascii_lowercase();
    let tenant = resolve_tenant(&client, args.kind, &args.name, args.tenant.as_deref()).await?;
    let object_reference = reference(args.kind, tenant.as_deref(), &args.name);

    let object = client
        .get(args.kind, tenant.as_deref(), &args.name)
        .await
        .with_context(|| format!("get of {object_reference} failed"))?;
    let params = EventParams {
        kind: Some(kind_word.clone()),
        tenant: tenant.clone(),
        name: Some(args.name.clone()),
        after: None,
        limit: Some(RECENT_EVENTS),
    };
    let mut events = client
        .events(&params)
        .await
        .with_context(|| format!("listing the events of {object_reference} failed"))?;
    retain_events_since_creation(&mut events, &object);

    emit(&describe(
        &object,
        args.kind,
        &events,
        OffsetDateTime::now_utc(),
    ))
}
