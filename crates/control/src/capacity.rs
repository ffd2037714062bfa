//! Capacity checks of an apply against every application stored after the
//! batch: addresses of a tenant's subnet and host ports.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::Ipv4Net;
use strongroom_model::{Application, Kind, Object};
use strongroom_store::{ObjectKey, ObjectRecord, WriteTx};

use crate::ServiceError;

/// Addresses of a subnet that CNI host-local cannot give to containers: the
/// network address, the bridge's gateway and the broadcast address.
const RESERVED_ADDRESSES: u64 = 3;

/// Returns one problem per tenant whose subnet is too small and per host
/// port used twice, counting only tenants and applications in `batch`, so
/// that a conflict stored before these checks existed does not block
/// unrelated applies.
///
/// `subnets` maps each tenant to its subnet after the batch. Applications
/// being deleted are not counted because their instances are being removed.
pub(crate) async fn capacity_problems(
    tx: &mut WriteTx,
    subnets: &BTreeMap<String, Ipv4Net>,
    batch: &[ObjectKey],
) -> Result<Vec<String>, ServiceError> {
    let records = tx.list(Kind::Application, None).await?;
    let applications: Vec<(ObjectKey, Application)> =
        records.iter().filter_map(readable_application).collect();

    let mut problems = subnet_problems(&applications, subnets, batch);
    problems.extend(host_port_problems(&applications, batch));
    Ok(problems)
}

fn readable_application(record: &ObjectRecord) -> Option<(ObjectKey, Application)> {
    if record.is_deleting() {
        return None;
    }
    match serde_json::from_value(record.spec.clone()) {
        Ok(Object::Application(application)) => Some((record.key.clone(), application)),
        Ok(Object::Tenant(_)) => None,
        Err(error) => {
            tracing::warn!(application = %record.key, %error, "stored application is unreadable; leaving it out of capacity checks");
            None
        }
    }
}

/// Returns the most instances an application may run: `instances.max`, or
/// `instances.desired` when `max` is absent.
fn max_instances(application: &Application) -> u32 {
    let instances = &application.spec.instances;
    instances.max.unwrap_or(instances.desired)
}

/// Returns how many addresses of `subnet` CNI can give to containers.
pub(crate) fn usable_addresses(subnet: Ipv4Net) -> u64 {
    let total = 1u64 << (32 - u32::from(subnet.prefix_len()));
    total.saturating_sub(RESERVED_ADDRESSES)
}

fn subnet_problems(
    applications: &[(ObjectKey, Application)],
    subnets: &BTreeMap<String, Ipv4Net>,
    batch: &[ObjectKey],
) -> Vec<String> {
    let checked: BTreeSet<&str> = batch
        .iter()
        .map(|key| match &key.tenant {
            Some(tenant) => tenant.as_str(),
            None => key.name.as_str(),
        })
        .collect();
    let mut instances_by_tenant: BTreeMap<&str, u64> = BTreeMap::new();
    for (key, application) in applications {
        let tenant = key.tenant.as_deref().unwrap_or_default();
        *instances_by_tenant.entry(tenant).or_default() += u64::from(max_instances(application));
    }

    let mut problems = Vec::new();
    for (tenant, instances) in instances_by_tenant {
        let Some(subnet) = subnets.get(tenant) else {
            continue;
        };
        let usable = usable_addresses(*subnet);
        if checked.contains(tenant) && instances > usable {
            problems.push(format!(
                "Tenant {tenant}: its applications may run {instances} instances (instances.max, or instances.desired without max), but subnet {subnet} has {usable} addresses for containers; widen spec.network.subnet of tenant {tenant} or lower instances"
            ));
        }
    }
    problems
}

fn host_port_problems(
    applications: &[(ObjectKey, Application)],
    batch: &[ObjectKey],
) -> Vec<String> {
    let in_batch = |key: &ObjectKey| batch.contains(key);
    let mut users: BTreeMap<(u16, &'static str), BTreeSet<&ObjectKey>> = BTreeMap::new();
    let mut problems = Vec::new();

    for (key, application) in applications {
        let host_ports: BTreeSet<(u16, &'static str)> = application
            .spec
            .ports
            .iter()
            .filter_map(|port| Some((port.host_port?, port.protocol.as_str())))
            .collect();
        // Several instances of one application with a host port are not
        // rejected here: the model allows them, since a Kubernetes engine
        // spreads them over nodes. On one host the engine keeps the extra
        // instances Pending with a "host port in use" reason.
        for host_port in host_ports {
            users.entry(host_port).or_default().insert(key);
        }
    }

    for ((port, protocol), keys) in users {
        // One message per port, about the first application of the batch
        // that uses it, naming every other application that uses it.
        let Some(subject) = keys.iter().copied().find(|key| in_batch(key)) else {
            continue;
        };
        let others: Vec<String> = keys
            .iter()
            .filter(|key| **key != subject)
            .map(|key| format!("application {}", application_reference(key)))
            .collect();
        if !others.is_empty() {
            problems.push(format!(
                "{subject}: hostPort {port}/{protocol} is already used by {}; only one application can use a host port, so choose another hostPort",
                others.join(", ")
            ));
        }
    }
    problems
}

/// Returns `TENANT/NAME` of an application key.
fn application_reference(key: &ObjectKey) -> String {
    format!("{}/{}", key.tenant.as_deref().unwrap_or_default(), key.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_addresses_leave_out_reserved() {
        let subnet = |text: &str| text.parse::<Ipv4Net>().unwrap();

        assert_eq!(usable_addresses(subnet("10.89.4.0/28")), 13);
        assert_eq!(usable_addresses(subnet("10.89.4.0/24")), 253);
        assert_eq!(usable_addresses(subnet("10.89.4.0/31")), 0);
        assert_eq!(usable_addresses(subnet("10.89.4.4/32")), 0);
    }
}
