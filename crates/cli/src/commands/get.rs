//! `strongroom get KIND [NAME] [--tenant T] [-o table|json|yaml]`.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::args::{GetArgs, GlobalArgs};
use crate::connection::connect;
use crate::output::{reference, render};
use crate::resolve::{check_tenant_option, resolve_tenant};
use crate::stdout::emit;

/// Lists objects of a kind, or shows one.
pub async fn run(global: &GlobalArgs, args: &GetArgs) -> anyhow::Result<()> {
    let client = connect(global)?;

    let (objects, single) = match &args.name {
        Some(name) => {
            let tenant = resolve_tenant(&client, args.kind, name, args.tenant.as_deref()).await?;
            let object = client
                .get(args.kind, tenant.as_deref(), name)
                .await
                .with_context(|| {
                    format!(
                        "get of {} failed",
                        reference(args.kind, tenant.as_deref(), name)
                    )
                })?;
            (vec![object], true)
        }
        None => {
            check_tenant_option(args.kind, args.tenant.as_deref())?;
            let objects = client
                .list(args.kind, args.tenant.as_deref())
                .await
                .with_context(|| format!("listing {} failed", args.kind.plural()))?;
            (objects, false)
        }
    };

    if objects.is_empty() && args.output == crate::args::OutputFormat::Table {
        eprintln!("no {} found", args.kind.plural());
        return Ok(());
    }
    emit(&render(
        &objects,
        args.kind,
        args.output,
        single,
        OffsetDateTime::now_utc(),
    )?)
}
