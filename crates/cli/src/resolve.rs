//! Finding an application's tenant when the command line leaves it out.

use anyhow::bail;
use strongroom_api::Client;
use strongroom_model::Kind;

use crate::error::UsageError;

/// Returns the tenant to address an object of `kind` named `name` in.
///
/// For an application without --tenant, the tenant is the only one that has
/// an application of that name. Several such tenants are an error that lists them.
pub async fn resolve_tenant(
    client: &Client,
    kind: Kind,
    name: &str,
    tenant: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if !kind.is_tenant_scoped() {
        check_tenant_option(kind, tenant)?;
        return Ok(None);
    }
    if let Some(tenant) = tenant {
        return Ok(Some(tenant.to_owned()));
    }

    let applications = client.list(kind, None).await?;
    let tenants = tenants_with_name(&applications, name);
    match tenants.as_slice() {
        [] => bail!(
            "{} {name} not found in any tenant",
            kind.as_str().to_ascii_lowercase()
        ),
        [tenant] => Ok(Some(tenant.clone())),
        several => bail!(
            "{} {name} exists in tenants {}; pass --tenant to choose one",
            kind.as_str().to_ascii_lowercase(),
            several.join(", ")
        ),
    }
}

/// Rejects --tenant on a kind that does not belong to a tenant.
pub fn check_tenant_option(kind: Kind, tenant: Option<&str>) -> Result<(), UsageError> {
    match tenant {
        Some(tenant) if !kind.is_tenant_scoped() => Err(UsageError(format!(
            "--tenant {tenant} applies only to applications, not to {}",
            kind.plural()
        ))),
        _ => Ok(()),
    }
}

fn tenants_with_name(objects: &[strongroom_api::ApiObject], name: &str) -> Vec<String> {
    let mut tenants: Vec<String> = objects
        .iter()
        .filter(|object| object.metadata.name == name)
        .filter_map(|object| object.metadata.tenant.clone())
        .collect();
    tenants.sort();
    tenants.dedup();
    tenants
}

#[cfg(test)]
mod tests;
