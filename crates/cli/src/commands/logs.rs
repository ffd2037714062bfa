//! `strongroom logs APP [--tenant T] [--instance NAME] [--follow] [--since D|TIME] [--tail N]`.

use std::time::Duration;

use anyhow::Context as _;
use strongroom_api::{ApiLogBatch, ApiLogLine, Client, LogParams};
use strongroom_model::Kind;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{GlobalArgs, LogsArgs};
use crate::connection::connect;
use crate::error::UsageError;
use crate::output::{application_status, reference};
use crate::resolve::resolve_tenant;
use crate::stdout::emit;

/// Interval between two reads of `--follow`.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// Prints an application's logs, and with --follow keeps printing new lines until Ctrl-C.
pub async fn run(global: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let since = args
        .since
        .as_deref()
        .map(|text| parse_since(text, now))
        .transpose()?;
    let client = connect(global)?;
    let tenant = resolve_tenant(
        &client,
        Kind::Application,
        &args.app,
        args.tenant.as_deref(),
    )
    .await?
    .unwrap_or_default();
    let reference = reference(Kind::Application, Some(&tenant), &args.app);
    let prefixed = args.instance.is_none()
        && has_several_instances(&client, &tenant, &args.app, &reference).await?;

    let mut params = LogParams {
        instance: args.instance.clone(),
        since,
        tail: args.tail,
        after: None,
    };
    let read = |params: LogParams| {
        let client = &client;
        let (tenant, app, reference) = (&tenant, &args.app, &reference);
        async move {
            client
                .logs(tenant, app, &params)
                .await
                .with_context(|| format!("reading the logs of {reference} failed"))
        }
    };

    let mut batch = read(params.clone()).await?;
    print_lines(&batch.lines, prefixed)?;
    if !args.follow {
        return Ok(());
    }

    loop {
        let polled_at = OffsetDateTime::now_utc();
        params = next_params(&params, &batch, polled_at);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = tokio::time::sleep(FOLLOW_INTERVAL) => {}
        }
        batch = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            batch = read(params.clone()) => batch?,
        };
        print_lines(&batch.lines, prefixed)?;
    }
}

/// Parameters of the next --follow read: only lines after the last cursor.
fn next_params(previous: &LogParams, batch: &ApiLogBatch, polled_at: OffsetDateTime) -> LogParams {
    if batch.cursor.is_empty() {
        // NOTE: without a cursor (nothing read yet) the next read starts at the
        // time of this poll, so a line written in the same instant may be missed.
        let since = polled_at
            .format(&Rfc3339)
            .ok()
            .or_else(|| previous.since.clone());
        return LogParams {
            instance: previous.instance.clone(),
            since,
            tail: None,
            after: None,
        };
    }
    LogParams {
        instance: previous.instance.clone(),
        since: None,
        tail: None,
        after: Some(batch.cursor.clone()),
    }
}

async fn has_several_instances(
    client: &Client,
    tenant: &str,
    app: &str,
    reference: &str,
) -> anyhow::Result<bool> {
    let object = client
        .get(Kind::Application, Some(tenant), app)
        .await
        .with_context(|| format!("get of {reference} failed"))?;
    let status = application_status(&object);
    let desired = object.spec["instances"]["desired"].as_u64().unwrap_or(0);
    Ok(status.instances.len() > 1 || desired > 1)
}

fn print_lines(lines: &[ApiLogLine], prefixed: bool) -> anyhow::Result<()> {
    let text: String = lines
        .iter()
        .map(|line| format_line(line, prefixed))
        .collect();
    if text.is_empty() {
        return Ok(());
    }
    emit(&text)
}

/// One output line: `[web-0] text` when several instances are shown, else the text alone.
pub fn format_line(line: &ApiLogLine, prefixed: bool) -> String {
    if prefixed {
        format!("[{}] {}\n", line.instance, line.text)
    } else {
        format!("{}\n", line.text)
    }
}

/// Reads --since: a duration before `now` (`10m`) or an RFC 3339 time; returns RFC 3339.
pub fn parse_since(text: &str, now: OffsetDateTime) -> Result<String, UsageError> {
    if let Ok(duration) = text.parse::<strongroom_model::Duration>() {
        let since = now - duration.get();
        return since
            .format(&Rfc3339)
            .map_err(|e| UsageError(format!("invalid --since {text}: {e}")));
    }
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(time) => time
            .format(&Rfc3339)
            .map_err(|e| UsageError(format!("invalid --since {text}: {e}"))),
        Err(_) => Err(UsageError(format!(
            "invalid --since {text:?}: expected a duration such as 10m or an RFC 3339 time \
             such as 2026-01-31T09:30:00Z"
        ))),
    }
}

#[cfg(test)]
mod tests;
