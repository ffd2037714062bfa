//! Applying a batch of objects: checks, tenant networks, one transaction.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::Ipv4Net;
use serde_json::Value;
use strongroom_api::ApiObject;
use strongroom_model::{Kind, Object, Tenant, TenantStatus};
use strongroom_store::{
    EventSeverity, NewEvent, ObjectKey, ObjectRecord, ObjectWrite, WriteAction, WriteTx,
};

use crate::capacity::capacity_problems;
use crate::convert::{api_object, parse_resource_version};
use crate::network::{allocate, bridge_name, overlaps, parse_subnet};
use crate::{ApplyAction, ApplyItem, Identity, Platform, PlatformConfig, ServiceError};

/// Rejection of one item of a batch.
enum Rejection {
    /// The item is wrong; the batch goes on being checked so that every such
    /// problem is reported at once.
    Invalid(String),
    /// The request fails at once with this error.
    Fail(ServiceError),
}

impl From<ServiceError> for Rejection {
    fn from(error: ServiceError) -> Self {
        Rejection::Fail(error)
    }
}

/// One checked item: its store key and the resource version it expects.
struct CheckedItem {
    key: ObjectKey,
    expected_resource_version: Option<i64>,
}

impl Platform {
    /// Applies all items in one transaction: either every item is stored or none is.
    ///
    /// Applications need their tenant in the store or earlier in the batch.
    /// New tenants get a subnet (the one in their spec, or a free one from the
    /// pool) and a bridge name in their status. The applications of a tenant
    /// must fit in its subnet, and a host port can be held by one instance of
    /// one application only.
    pub async fn apply(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        let checked = check_items(&items)?;
        let mut tx = self.inner.store.begin().await?;
        let results = write_batch(&mut tx, &self.inner.config, &items, checked, &who.user).await?;

        tx.commit().await?;
        self.log_and_wake(who, &results);
        Ok(api_results(&results))
    }

    /// Runs every check and computes every action of [`Platform::apply`],
    /// then discards the writes: nothing is stored, no event is recorded and
    /// the reconciler is not woken.
    ///
    /// The result and the errors are those the same apply would have now.
    /// Created objects carry the uid, resource version and tenant status the
    /// discarded transaction gave them, which a real apply will not reuse.
    pub async fn apply_dry_run(
        &self,
        who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        let checked = check_items(&items)?;
        let mut tx = self.inner.store.begin().await?;
        let results = write_batch(&mut tx, &self.inner.config, &items, checked, &who.user).await?;

        // Dropping the transaction without a commit rolls back every write,
        // the events of put_item included.
        drop(tx);
        tracing::info!(user = %who.user, objects = results.len(), "apply dry run computed; nothing stored");
        Ok(api_results(&results))
    }

    fn log_and_wake(&self, who: &Identity, results: &[(ApplyAction, ObjectRecord)]) {
        let count = |expected: ApplyAction| {
            results
                .iter()
                .filter(|(action, _)| *action == expected)
                .count()
        };
        let created = count(ApplyAction::Created);
        let configured = count(ApplyAction::Configured);
        tracing::info!(user = %who.user, created, configured, unchanged = count(ApplyAction::Unchanged), "apply stored");
        if created + configured > 0 {
            self.wake_reconciler();
        }
    }
}

/// Checks and writes every item in `tx`, and returns what each write did.
/// Nothing is durable until the caller commits `tx`.
async fn write_batch(
    tx: &mut WriteTx,
    config: &PlatformConfig,
    items: &[ApplyItem],
    checked: Vec<CheckedItem>,
    user: &str,
) -> Result<Vec<(ApplyAction, ObjectRecord)>, ServiceError> {
    let mut tenants = TenantTable::load(tx).await?;
    let mut problems = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    let keys: Vec<ObjectKey> = checked.iter().map(|item| item.key.clone()).collect();

    for (item, checked) in items.iter().zip(checked) {
        let status = match &item.object {
            Object::Tenant(tenant) => tenants.plan(tx, tenant, config).await.map(Some),
            Object::Application(_) => tenants.check_application(&checked.key).map(|()| None),
        };
        let status = match status {
            Ok(status) => status,
            Err(Rejection::Invalid(problem)) => {
                tenants.reserve_name(&checked.key);
                problems.push(problem);
                continue;
            }
            Err(Rejection::Fail(error)) => return Err(error),
        };
        // Once an item is invalid nothing will be stored, so later items
        // are only checked.
        if problems.is_empty() {
            results.push(put_item(tx, item, checked, status, user).await?);
        }
    }

    // Capacity depends on every application after the batch, so it is
    // checked on the transaction's view once all items are written.
    if problems.is_empty() {
        problems = capacity_problems(tx, &tenants.subnets(), &keys).await?;
    }
    if !problems.is_empty() {
        return Err(rejected_batch(problems));
    }
    Ok(results)
}

fn api_results(results: &[(ApplyAction, ObjectRecord)]) -> Vec<(ApplyAction, ApiObject)> {
    results
        .iter()
        .map(|(action, record)| (*action, api_object(record)))
        .collect()
}

/// Stores one item and records a `Created` or `Configured` event when it changed.
async fn put_item(
    tx: &mut WriteTx,
    item: &ApplyItem,
    checked: CheckedItem,
    status: Option<Value>,
    user: &str,
) -> Result<(ApplyAction, ObjectRecord), ServiceError> {
    let spec = serde_json::to_value(&item.object).map_err(|error| {
        ServiceError::unavailable(format!("serialising {} failed: {error}", checked.key))
    })?;
    let write = ObjectWrite {
        key: checked.key,
        spec,
        status,
        expected_resource_version: checked.expected_resource_version,
    };
    let (action, record) = tx.put(&write, user).await?;

    let (action, verb) = match action {
        WriteAction::Created => (ApplyAction::Created, "created"),
        WriteAction::Configured => (ApplyAction::Configured, "configured"),
        WriteAction::Unchanged => return Ok((ApplyAction::Unchanged, record)),
    };
    let event = NewEvent {
        key: record.key.clone(),
        instance: None,
        severity: EventSeverity::Normal,
        reason: format!("{action:?}"),
        message: format!(
            "{} {verb} by {user}, generation {}",
            record.key, record.generation
        ),
    };
    tx.append_event(&event).await?;
    Ok((action, record))
}

/// Checks what needs no store: scopes, duplicates and resource versions.
fn check_items(items: &[ApplyItem]) -> Result<Vec<CheckedItem>, ServiceError> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut checked = Vec::with_capacity(items.len());

    for item in items {
        let key = match item_key(&item.object) {
            Ok(key) => key,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            problems.push(format!(
                "{key} appears more than once in the request; apply each object once"
            ));
        }
        let expected = item.expected_resource_version.as_deref();
        match expected
            .map(|text| parse_resource_version(&key, text))
            .transpose()
        {
            Ok(expected_resource_version) => checked.push(CheckedItem {
                key,
                expected_resource_version,
            }),
            Err(problem) => problems.push(problem),
        }
    }

    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(rejected_batch(problems))
    }
}

fn item_key(object: &Object) -> Result<ObjectKey, String> {
    let metadata = object.metadata();
    let kind = object.kind();
    let name = &metadata.name;
    match (kind.is_tenant_scoped(), metadata.tenant.as_deref()) {
        (true, Some(tenant)) if !tenant.is_empty() => Ok(ObjectKey::in_tenant(kind, tenant, name)),
        (true, _) => Err(format!(
            "{kind} {name}: metadata.tenant is required because {} belong to a tenant",
            kind.plural()
        )),
        (false, None) => Ok(ObjectKey::cluster(kind, name)),
        (false, Some(_)) => Err(format!(
            "{kind} {name}: remove metadata.tenant because {} are cluster-scoped",
            kind.plural()
        )),
    }
}

fn rejected_batch(problems: Vec<String>) -> ServiceError {
    let message = match problems.as_slice() {
        [only] => format!("nothing was applied: {only}"),
        [first, rest @ ..] => {
            let more = match rest.len() {
                1 => "1 more problem".to_owned(),
                count => format!("{count} more problems"),
            };
            format!("nothing was applied: {first} (and {more})")
        }
        [] => "nothing was applied".to_owned(),
    };
    ServiceError::Invalid {
        message,
        details: problems,
    }
}

/// Network of one tenant, as stored or as planned earlier in the batch.
#[derive(Debug, Clone, Default)]
struct TenantEntry {
    subnet: Option<Ipv4Net>,
    bridge: Option<String>,
    deleting: bool,
}

/// Every tenant the batch can refer to: those stored and those planned so far.
struct TenantTable {
    entries: BTreeMap<String, TenantEntry>,
}

impl TenantTable {
    async fn load(tx: &mut WriteTx) -> Result<TenantTable, ServiceError> {
        let records = tx.list(Kind::Tenant, None).await?;
        let entries = records
            .iter()
            .map(|record| (record.key.name.clone(), stored_entry(record)))
            .collect();
        Ok(TenantTable { entries })
    }

    /// Plans the network of `tenant` and returns the status to store.
    async fn plan(
        &mut self,
        tx: &mut WriteTx,
        tenant: &Tenant,
        config: &PlatformConfig,
    ) -> Result<Value, Rejection> {
        let name = &tenant.metadata.name;
        let current = self.entries.get(name).cloned().unwrap_or_default();
        let subnet = self.choose_subnet(tenant, &current, config)?;

        if let Some(stored) = current.subnet
            && stored != subnet
        {
            check_no_applications(tx, name, stored, subnet).await?;
        }
        let bridge = bridge_name(name);
        if let Some(other) = self.bridge_owner(&bridge, name) {
            return Err(Rejection::Invalid(format!(
                "Tenant {name}: its bridge name {bridge} is already used by tenant {other}; choose another tenant name"
            )));
        }

        let entry = TenantEntry {
            subnet: Some(subnet),
            bridge: Some(bridge.clone()),
            ..current
        };
        self.entries.insert(name.clone(), entry);
        let status = TenantStatus {
            subnet: Some(subnet.to_string()),
            bridge: Some(bridge),
        };
        // serde_json fails only on maps with non-string keys, and TenantStatus has none.
        Ok(serde_json::to_value(status).unwrap_or_default())
    }

    /// Returns the explicit subnet, else the stored one, else a free one from
    /// the pool; it must not overlap any other tenant's subnet.
    fn choose_subnet(
        &self,
        tenant: &Tenant,
        current: &TenantEntry,
        config: &PlatformConfig,
    ) -> Result<Ipv4Net, Rejection> {
        let name = &tenant.metadata.name;
        let explicit = tenant
            .spec
            .network
            .as_ref()
            .and_then(|network| network.subnet.as_deref());
        let explicit = explicit.map(parse_subnet).transpose().map_err(|problem| {
            Rejection::Invalid(format!("Tenant {name}: spec.network.subnet: {problem}"))
        })?;
        let others: Vec<(&String, Ipv4Net)> = self
            .entries
            .iter()
            .filter(|(other, _)| *other != name)
            .filter_map(|(other, entry)| entry.subnet.map(|subnet| (other, subnet)))
            .collect();

        let Some(subnet) = explicit.or(current.subnet) else {
            let used: Vec<Ipv4Net> = others.iter().map(|(_, subnet)| *subnet).collect();
            let (pool, prefix_len) = (config.subnet_pool(), config.tenant_prefix_len());
            return allocate(pool, prefix_len, &used).ok_or_else(|| {
                Rejection::Fail(ServiceError::conflict(format!(
                    "Tenant {name}: the subnet pool {pool} has no free /{prefix_len} left; set spec.network.subnet or widen the pool"
                )))
            });
        };
        if let Some((other, theirs)) = others.iter().find(|(_, theirs)| overlaps(subnet, *theirs)) {
            return Err(Rejection::Invalid(format!(
                "Tenant {name}: subnet {subnet} overlaps subnet {theirs} of tenant {other}; choose a subnet no other tenant uses"
            )));
        }
        Ok(subnet)
    }

    /// Returns the subnet of every tenant that has one.
    fn subnets(&self) -> BTreeMap<String, Ipv4Net> {
        self.entries
            .iter()
            .filter_map(|(name, entry)| Some((name.clone(), entry.subnet?)))
            .collect()
    }

    fn bridge_owner(&self, bridge: &str, name: &str) -> Option<&String> {
        self.entries
            .iter()
            .find(|(other, entry)| *other != name && entry.bridge.as_deref() == Some(bridge))
            .map(|(other, _)| other)
    }

    /// Checks that an application's tenant exists and is not being deleted.
    fn check_application(&self, key: &ObjectKey) -> Result<(), Rejection> {
        let tenant = key.tenant.as_deref().unwrap_or_default();
        match self.entries.get(tenant) {
            None => Err(Rejection::Invalid(format!(
                "{key}: tenant {tenant} does not exist; apply the tenant first, or earlier in the same request"
            ))),
            Some(entry) if entry.deleting => Err(Rejection::Fail(ServiceError::conflict(format!(
                "{key}: tenant {tenant} is being deleted; wait until it is gone, then create it again"
            )))),
            Some(_) => Ok(()),
        }
    }

    /// Records the name of a rejected tenant, so that its applications later in
    /// the batch are not also reported as lacking a tenant.
    fn reserve_name(&mut self, key: &ObjectKey) {
        if key.kind == Kind::Tenant {
            self.entries.entry(key.name.clone()).or_default();
        }
    }
}

fn stored_entry(record: &ObjectRecord) -> TenantEntry {
    let status: TenantStatus = serde_json::from_value(record.status.clone()).unwrap_or_default();
    let subnet = status.subnet.as_deref().and_then(|text| match parse_subnet(text) {
        Ok(subnet) => Some(subnet),
        Err(problem) => {
            tracing::warn!(tenant = %record.key.name, %problem, "stored tenant subnet is unreadable; ignoring it");
            None
        }
    });
    TenantEntry {
        subnet,
        bridge: status.bridge,
        deleting: record.is_deleting(),
    }
}

async fn check_no_applications(
    tx: &mut WriteTx,
    tenant: &str,
    stored: Ipv4Net,
    requested: Ipv4Net,
) -> Result<(), Rejection> {
    let apps = tx
        .list(Kind::Application, Some(tenant))
        .await
        .map_err(ServiceError::from)?;
    if apps.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = apps.iter().map(|record| record.key.name.as_str()).collect();
    Err(Rejection::Fail(ServiceError::conflict(format!(
        "Tenant {tenant} has applications {}: its subnet cannot change from {stored} to {requested} while they exist; delete them first or keep subnet {stored}",
        names.join(", ")
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(problems: &[&str]) -> String {
        let problems = problems.iter().map(|p| (*p).to_owned()).collect();
        rejected_batch(problems).to_string()
    }

    #[test]
    fn rejected_batch_counts_further_problems() {
        assert_eq!(message(&["a"]), "nothing was applied: a");
        assert_eq!(
            message(&["a", "b"]),
            "nothing was applied: a (and 1 more problem)"
        );
        assert_eq!(
            message(&["a", "b", "c"]),
            "nothing was applied: a (and 2 more problems)"
        );
    }
}
