//! `strongroom events [--tenant T] [--kind K] [--name N] [--limit N]`.

use anyhow::Context as _;
use strongroom_api::EventParams;
use time::OffsetDateTime;

use crate::args::{EventsArgs, GlobalArgs};
use crate::connection::connect;
use crate::output::events_table;
use crate::stdout::emit;

/// Lists events, oldest first.
pub async fn run(global: &GlobalArgs, args: &EventsArgs) -> anyhow::Result<()> {
    let client = connect(global)?;
    let params = EventParams {
        kind: args.kind.map(|kind| kind.as_str().to_ascii_lowercase()),
        tenant: args.tenant.clone(),
        name: args.name.clone(),
        after: None,
        limit: Some(args.limit),
    };

    let events = client
        .events(&params)
        .await
        .context("listing events failed")?;
    if events.is_empty() {
        eprintln!("no events found");
        return Ok(());
    }
    emit(&events_table(&events, OffsetDateTime::now_utc()).render())
}
