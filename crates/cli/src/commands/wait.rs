//! `strongroom wait KIND NAME --for healthy [--timeout 120s]`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use strongroom_api::{ApiObject, RequestError};
use strongroom_model::ApplicationPhase;

use crate::args::{GlobalArgs, WaitArgs, WaitCondition};
use crate::connection::connect;
use crate::error::UsageError;
use crate::output::{application_status, object_reference, reference};
use crate::resolve::resolve_tenant;
use crate::stdout::emit;

/// Interval between two checks.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Polls until the condition is met or the timeout passes.
pub async fn run(global: &GlobalArgs, args: &WaitArgs) -> anyhow::Result<()> {
    if !args.kind.is_tenant_scoped() {
        return Err(UsageError(format!(
            "wait --for healthy applies to applications, not to {}",
            args.kind.plural()
        ))
        .into());
    }
    let WaitCondition::Healthy = args.condition;
    let client = connect(global)?;
    let tenant = resolve_tenant(&client, args.kind, &args.name, args.tenant.as_deref()).await?;
    let timeout = args.timeout.get();
    let deadline = Instant::now() + timeout;
    let target = reference(args.kind, tenant.as_deref(), &args.name);

    loop {
        let object = match client.get(args.kind, tenant.as_deref(), &args.name).await {
            Ok(object) => Some(object),
            // The server may be restarting: keep polling until the deadline.
            Err(RequestError::NotRunning { .. } | RequestError::Timeout { .. }) => None,
            Err(error) => return Err(error).context(format!("waiting for {target} failed")),
        };
        if let Some(object) = &object {
            match healthy_progress(object) {
                Progress::Done => {
                    return emit(&format!("{} is healthy\n", object_reference(object)));
                }
                Progress::Failed(summary) => bail!(
                    "{} cannot become healthy: {summary}; fix the cause and apply again",
                    object_reference(object)
                ),
                Progress::Waiting(summary) if Instant::now() >= deadline => bail!(
                    "timed out after {}s waiting for {} to be healthy: {summary}",
                    timeout.as_secs(),
                    object_reference(object)
                ),
                Progress::Waiting(_) => {}
            }
        } else if Instant::now() >= deadline {
            bail!(
                "timed out after {}s waiting for {target}: the server does not respond",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Whether an application is healthy, and if not, how far it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Every desired instance of the current spec is healthy.
    Done,
    /// Not yet; a summary of the status.
    Waiting(String),
    /// The current spec failed in a way that waiting does not heal; a summary of the status.
    Failed(String),
}

/// Returns whether every desired instance of the current generation is healthy.
pub fn healthy_progress(object: &ApiObject) -> Progress {
    let status = application_status(object);
    let desired = object.spec["instances"]["desired"].as_u64().unwrap_or(0);
    let current = status.observed_generation >= object.metadata.generation;
    let healthy = status.instances.iter().filter(|i| i.healthy).count() as u64;

    if object.metadata.deletion_timestamp.is_none()
        && current
        && u64::from(status.desired_instances) == desired
        && status.instances.len() as u64 == desired
        && healthy == desired
    {
        return Progress::Done;
    }
    let mut summary = format!(
        "{healthy}/{desired} instances healthy, phase {}",
        status.phase
    );
    if !current {
        summary.push_str(", the platform has not yet acted on the latest spec");
    }
    if let Some(reason) = &status.reason {
        summary.push_str(&format!(", reason: {reason}"));
    }
    if current && status.phase == ApplicationPhase::Failed {
        return Progress::Failed(summary);
    }
    Progress::Waiting(summary)
}

#[cfg(test)]
mod tests;
