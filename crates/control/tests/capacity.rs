//! Capacity checks at apply: instances that a tenant's subnet cannot address
//! and host ports that only one instance per host can hold.

mod common;

use common::{Harness, admin, app, application_mut, tenant, tenant_with_subnet};
use strongroom_control::{ApplyAction, ApplyItem, ServiceError};
use strongroom_model::{Kind, Object, Protocol};

async fn apply_problem(harness: &Harness, objects: Vec<Object>) -> String {
    let items = objects.into_iter().map(ApplyItem::new).collect();
    let error = harness.platform.apply(&admin(), items).await.unwrap_err();
    match error {
        ServiceError::Invalid { message, .. } => message,
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn with_max(mut object: Object, max: u32) -> Object {
    application_mut(&mut object).spec.instances.max = Some(max);
    object
}

fn with_host_port(mut object: Object, host_port: u16, protocol: Protocol) -> Object {
    let port = &mut application_mut(&mut object).spec.ports[0];
    port.host_port = Some(host_port);
    port.protocol = protocol;
    object
}

#[tokio::test]
async fn instances_beyond_subnet_are_invalid() {
    let harness = Harness::new().await;

    let message = apply_problem(
        &harness,
        vec![
            tenant_with_subnet("retail", Some("10.60.0.0/28")),
            app("retail", "web", 10),
            app("retail", "api", 4),
        ],
    )
    .await;

    assert!(message.contains("Tenant retail"), "{message}");
    assert!(message.contains("14 instances"), "{message}");
    assert!(
        message.contains("subnet 10.60.0.0/28 has 13 addresses"),
        "{message}"
    );
    assert!(
        message.contains("widen spec.network.subnet of tenant retail or lower instances"),
        "{message}"
    );
    let tenants = harness
        .platform
        .list(&admin(), Kind::Tenant, None)
        .await
        .unwrap();
    assert!(tenants.is_empty());
}

#[tokio::test]
async fn instances_filling_subnet_apply() {
    let harness = Harness::new().await;

    let actions = harness
        .apply(vec![
            tenant_with_subnet("retail", Some("10.60.0.0/28")),
            app("retail", "web", 13),
        ])
        .await;

    assert_eq!(actions, [ApplyAction::Created, ApplyAction::Created]);
}

#[tokio::test]
async fn instances_max_counts_against_subnet() {
    let harness = Harness::new().await;

    let message = apply_problem(
        &harness,
        vec![
            tenant_with_subnet("retail", Some("10.60.0.0/28")),
            with_max(app("retail", "web", 1), 20),
        ],
    )
    .await;

    assert!(message.contains("20 instances"), "{message}");
}

#[tokio::test]
async fn stored_applications_count_against_subnet() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant_with_subnet("retail", Some("10.60.0.0/28")),
            app("retail", "web", 10),
        ])
        .await;

    let message = apply_problem(&harness, vec![app("retail", "api", 4)]).await;

    assert!(message.contains("14 instances"), "{message}");
    let api = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "api")
        .await;
    assert!(matches!(api, Err(ServiceError::NotFound { .. })), "{api:?}");
}

#[tokio::test]
async fn host_port_with_many_instances_applies() {
    let harness = Harness::new().await;

    // The model allows it because a Kubernetes engine spreads the instances
    // over nodes; the local engine keeps the extra ones Pending with a reason.
    let actions = harness
        .apply(vec![
            tenant("retail"),
            with_host_port(app("retail", "web", 2), 8443, Protocol::Tcp),
        ])
        .await;

    assert_eq!(actions, [ApplyAction::Created, ApplyAction::Created]);
}

#[tokio::test]
async fn host_port_with_one_desired_instance_applies() {
    let harness = Harness::new().await;
    let web = with_max(app("retail", "web", 1), 10);

    let actions = harness
        .apply(vec![
            tenant("retail"),
            with_host_port(web, 8443, Protocol::Tcp),
        ])
        .await;

    assert_eq!(actions, [ApplyAction::Created, ApplyAction::Created]);
}

#[tokio::test]
async fn host_port_used_by_other_tenant_is_invalid() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            tenant("treasury"),
            with_host_port(app("retail", "web", 1), 8443, Protocol::Tcp),
        ])
        .await;

    let message = apply_problem(
        &harness,
        vec![with_host_port(
            app("treasury", "api", 1),
            8443,
            Protocol::Tcp,
        )],
    )
    .await;

    assert!(message.contains("Application treasury/api"), "{message}");
    assert!(
        message.contains("hostPort 8443/TCP is already used by application retail/web"),
        "{message}"
    );
}

#[tokio::test]
async fn host_port_of_other_protocol_applies() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            with_host_port(app("retail", "web", 1), 8443, Protocol::Tcp),
        ])
        .await;

    let actions = harness
        .apply(vec![with_host_port(
            app("retail", "dns", 1),
            8443,
            Protocol::Udp,
        )])
        .await;

    assert_eq!(actions, [ApplyAction::Created]);
}

#[tokio::test]
async fn host_port_reapply_is_unchanged() {
    let harness = Harness::new().await;
    let objects = vec![
        tenant("retail"),
        with_host_port(app("retail", "web", 1), 8443, Protocol::Tcp),
    ];
    harness.apply(objects.clone()).await;

    let actions = harness.apply(objects).await;

    assert_eq!(actions, [ApplyAction::Unchanged, ApplyAction::Unchanged]);
}
