//! `strongroom delete KIND NAME [--tenant T]` and `strongroom delete -f FILE|DIR`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use strongroom_api::Client;
use strongroom_model::{Kind, Object};

use crate::args::{DeleteArgs, GlobalArgs};
use crate::connection::connect;
use crate::error::UsageError;
use crate::files::read_manifest_files;
use crate::output::reference;
use crate::resolve::resolve_tenant;
use crate::stdout::emit;

/// How long `delete -f` waits for a tenant's applications to be removed before deleting the tenant.
const APPLICATION_REMOVAL_TIMEOUT: Duration = Duration::from_secs(120);

/// Interval between checks whether an application is gone.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Requests deletion of one object or of every object in manifest files.
pub async fn run(global: &GlobalArgs, args: &DeleteArgs) -> anyhow::Result<()> {
    if !args.files.is_empty() {
        return delete_files(global, args).await;
    }
    let (Some(kind), Some(name)) = (args.kind, args.name.as_deref()) else {
        return Err(UsageError("delete needs KIND NAME or -f FILE|DIR".to_owned()).into());
    };

    let client = connect(global)?;
    let tenant = resolve_tenant(&client, kind, name, args.tenant.as_deref()).await?;
    let target = Target {
        kind,
        tenant,
        name: name.to_owned(),
    };
    delete_one(&client, &target).await
}

/// One object to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    kind: Kind,
    tenant: Option<String>,
    name: String,
}

impl Target {
    fn reference(&self) -> String {
        reference(self.kind, self.tenant.as_deref(), &self.name)
    }
}

async fn delete_one(client: &Client, target: &Target) -> anyhow::Result<()> {
    client
        .delete(target.kind, target.tenant.as_deref(), &target.name)
        .await
        .with_context(|| format!("delete of {} failed", target.reference()))?;
    emit(&format!("{} deletion requested\n", target.reference()))
}

/// Deletes applications first, then tenants once their applications are gone,
/// because the platform keeps a tenant while it has applications.
async fn delete_files(global: &GlobalArgs, args: &DeleteArgs) -> anyhow::Result<()> {
    let targets = read_targets(args)?;
    let client = connect(global)?;

    let mut failures = 0;
    for target in targets.iter().filter(|t| t.kind.is_tenant_scoped()) {
        if let Err(error) = delete_one(&client, target).await {
            eprintln!("error: {}", crate::error::message(&error));
            failures += 1;
        }
    }
    for target in targets.iter().filter(|t| !t.kind.is_tenant_scoped()) {
        let result = async {
            wait_for_applications_removed(&client, &targets, &target.name).await?;
            delete_one(&client, target).await
        };
        if let Err(error) = result.await {
            eprintln!("error: {}", crate::error::message(&error));
            failures += 1;
        }
    }

    if failures > 0 {
        bail!("{failures} of {} deletions failed", targets.len());
    }
    Ok(())
}

/// Reads the objects of the files, in file and document order.
fn read_targets(args: &DeleteArgs) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for file in read_manifest_files(&args.files)? {
        let objects = strongroom_model::parse_manifests(&file.name, &file.content)
            .with_context(|| format!("cannot read the objects defined in {}", file.name))?;
        targets.extend(objects.iter().map(target_of));
    }
    if targets.is_empty() {
        bail!("the files define no objects to delete");
    }
    Ok(targets)
}

fn target_of(object: &Object) -> Target {
    let metadata = object.metadata();
    let tenant = if object.kind().is_tenant_scoped() {
        metadata.tenant.clone()
    } else {
        None
    };
    Target {
        kind: object.kind(),
        tenant,
        name: metadata.name.clone(),
    }
}

/// Waits until the applications of `tenant` deleted by this command no longer exist.
async fn wait_for_applications_removed(
    client: &Client,
    targets: &[Target],
    tenant: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + APPLICATION_REMOVAL_TIMEOUT;
    for target in targets
        .iter()
        .filter(|t| t.tenant.as_deref() == Some(tenant))
    {
        loop {
            match client.get(target.kind, Some(tenant), &target.name).await {
                Err(error) if error.is_not_found() => break,
                Err(error) => return Err(error.into()),
                Ok(_) if Instant::now() >= deadline => bail!(
                    "{} is still being removed after {}s; delete tenant {tenant} again later",
                    target.reference(),
                    APPLICATION_REMOVAL_TIMEOUT.as_secs()
                ),
                Ok(_) => tokio::time::sleep(POLL_INTERVAL).await,
            }
        }
    }
    Ok(())
}
