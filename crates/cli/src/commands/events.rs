//! `strongroom events [--tenant T] [--kind K] [--name N] [--limit N] [-o table|json|yaml]`.

use anyhow::{Context as _, bail};
use strongroom_api::{ApiEvent, Client, EventParams};
use strongroom_model::Kind;
use time::OffsetDateTime;

use crate::args::{EventsArgs, GlobalArgs, OutputFormat};
use crate::connection::connect;
use crate::output::render_events;
use crate::stdout::emit;

/// Lists events, oldest first.
pub async fn run(global: &GlobalArgs, args: &EventsArgs) -> anyhow::Result<()> {
    let client = connect(global)?;
    let events = list_events(&client, args).await?;

    if events.is_empty() && args.output == OutputFormat::Table {
        eprintln!("no events found");
        return Ok(());
    }
    emit(&render_events(
        &events,
        args.output,
        OffsetDateTime::now_utc(),
    )?)
}

/// Returns the events that `args` select, and fails when none exist
/// because --tenant names a tenant that does not exist.
pub async fn list_events(client: &Client, args: &EventsArgs) -> anyhow::Result<Vec<ApiEvent>> {
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

    // Events outlive their tenant, so the tenant is checked only when
    // nothing was found: the events of a deleted tenant are still listed.
    if events.is_empty()
        && let Some(tenant) = &args.tenant
    {
        check_tenant_exists(client, tenant).await?;
    }
    Ok(events)
}

async fn check_tenant_exists(client: &Client, tenant: &str) -> anyhow::Result<()> {
    match client.get(Kind::Tenant, None, tenant).await {
        Ok(_) => Ok(()),
        Err(error) if error.is_not_found() => {
            bail!("tenant {tenant} not found; `strongroom get tenants` lists the tenants")
        }
        Err(error) => Err(error).context(format!("get of tenant/{tenant} failed")),
    }
}

#[cfg(test)]
mod tests;
