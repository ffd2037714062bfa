//! Tenant networks: subnet allocation from the pool, explicit subnets,
//! overlaps and subnet changes.

mod common;

use common::{Harness, admin, app, tenant, tenant_with_subnet};
use serde_json::Value;
use strongroom_control::{ApplyAction, ApplyItem, PlatformConfig, ServiceError};
use strongroom_model::Kind;

async fn subnet_of(harness: &Harness, name: &str) -> Value {
    let object = harness
        .platform
        .get(&admin(), Kind::Tenant, None, name)
        .await
        .unwrap();
    object.status["subnet"].clone()
}

async fn apply_error(harness: &Harness, objects: Vec<strongroom_model::Object>) -> ServiceError {
    let items = objects.into_iter().map(ApplyItem::new).collect();
    harness.platform.apply(&admin(), items).await.unwrap_err()
}

#[tokio::test]
async fn tenants_get_distinct_subnets_from_pool() {
    let harness = Harness::new().await;

    harness
        .apply(vec![tenant("retail"), tenant("treasury")])
        .await;
    harness.apply(vec![tenant("cards")]).await;

    assert_eq!(subnet_of(&harness, "retail").await, "10.89.0.0/24");
    assert_eq!(subnet_of(&harness, "treasury").await, "10.89.1.0/24");
    assert_eq!(subnet_of(&harness, "cards").await, "10.89.2.0/24");
    let retail = harness
        .platform
        .get(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();
    assert_eq!(retail.status["bridge"], "sr1778c2d9");
}

#[tokio::test]
async fn allocation_skips_explicit_subnets() {
    let harness = Harness::new().await;

    harness
        .apply(vec![
            tenant_with_subnet("retail", Some("10.89.0.0/24")),
            tenant("treasury"),
        ])
        .await;

    assert_eq!(subnet_of(&harness, "retail").await, "10.89.0.0/24");
    assert_eq!(subnet_of(&harness, "treasury").await, "10.89.1.0/24");
}

#[tokio::test]
async fn reapply_keeps_allocated_subnet() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), tenant("treasury")])
        .await;
    harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();
    harness.platform.reconcile_once().await;

    let actions = harness.apply(vec![tenant("treasury")]).await;

    assert_eq!(actions, [ApplyAction::Unchanged]);
    assert_eq!(subnet_of(&harness, "treasury").await, "10.89.1.0/24");
}

#[tokio::test]
async fn deleting_tenant_keeps_its_subnet_reserved() {
    let harness = Harness::new().await;
    harness.apply(vec![tenant("retail")]).await;
    harness
        .engine
        .state()
        .network_failures
        .insert("retail".into(), "bridge busy".into());
    harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();
    harness.platform.reconcile_once().await;

    harness.apply(vec![tenant("treasury")]).await;

    assert_eq!(subnet_of(&harness, "treasury").await, "10.89.1.0/24");
}

#[tokio::test]
async fn same_explicit_subnet_twice_is_invalid() {
    let harness = Harness::new().await;
    let both = vec![
        tenant_with_subnet("retail", Some("10.50.0.0/24")),
        tenant_with_subnet("treasury", Some("10.50.0.0/24")),
    ];

    let in_one_batch = apply_error(&harness, both).await;
    harness
        .apply(vec![tenant_with_subnet("retail", Some("10.50.0.0/24"))])
        .await;
    let later = apply_error(
        &harness,
        vec![tenant_with_subnet("treasury", Some("10.50.0.0/24"))],
    )
    .await;

    for error in [in_one_batch, later] {
        let ServiceError::Invalid { message, .. } = &error else {
            panic!("expected invalid, got {error:?}");
        };
        assert!(
            message.contains(
                "Tenant treasury: subnet 10.50.0.0/24 overlaps subnet 10.50.0.0/24 of tenant retail"
            ),
            "{message}"
        );
    }
    assert!(
        harness
            .platform
            .get(&admin(), Kind::Tenant, None, "treasury")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn explicit_subnet_overlapping_allocated_is_invalid() {
    let harness = Harness::new().await;
    harness.apply(vec![tenant("retail")]).await;

    let error = apply_error(
        &harness,
        vec![tenant_with_subnet("treasury", Some("10.89.0.0/16"))],
    )
    .await;

    assert!(
        matches!(&error, ServiceError::Invalid { message, .. } if message.contains("overlaps subnet 10.89.0.0/24 of tenant retail")),
        "{error:?}"
    );
}

#[tokio::test]
async fn subnet_with_host_bits_is_invalid() {
    let harness = Harness::new().await;

    let error = apply_error(
        &harness,
        vec![tenant_with_subnet("retail", Some("10.50.0.7/24"))],
    )
    .await;

    assert!(
        matches!(&error, ServiceError::Invalid { message, .. } if message.contains("spec.network.subnet") && message.contains("write 10.50.0.0/24")),
        "{error:?}"
    );
}

#[tokio::test]
async fn subnet_change_with_applications_conflicts() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant_with_subnet("retail", Some("10.50.0.0/24")),
            app("retail", "web", 1),
        ])
        .await;

    let error = apply_error(
        &harness,
        vec![tenant_with_subnet("retail", Some("10.51.0.0/24"))],
    )
    .await;

    let ServiceError::Conflict { message } = &error else {
        panic!("expected a conflict, got {error:?}");
    };
    assert!(
        message.contains("Tenant retail has applications web"),
        "{message}"
    );
    assert!(
        message.contains("from 10.50.0.0/24 to 10.51.0.0/24"),
        "{message}"
    );
    assert_eq!(subnet_of(&harness, "retail").await, "10.50.0.0/24");
}

#[tokio::test]
async fn subnet_change_without_applications_applies() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant_with_subnet("retail", Some("10.50.0.0/24"))])
        .await;

    let actions = harness
        .apply(vec![tenant_with_subnet("retail", Some("10.51.0.0/24"))])
        .await;

    assert_eq!(actions, [ApplyAction::Configured]);
    assert_eq!(subnet_of(&harness, "retail").await, "10.51.0.0/24");
}

#[tokio::test]
async fn exhausted_pool_conflicts() {
    let config = PlatformConfig::default()
        .with_subnet_pool("10.60.0.0/23", 24)
        .unwrap();
    let harness = Harness::with_config(config).await;
    harness
        .apply(vec![tenant("retail"), tenant("treasury")])
        .await;

    let error = apply_error(&harness, vec![tenant("cards")]).await;

    assert!(
        matches!(&error, ServiceError::Conflict { message } if message.contains("subnet pool 10.60.0.0/23 has no free /24 left")),
        "{error:?}"
    );
    assert_eq!(subnet_of(&harness, "treasury").await, "10.60.1.0/24");
}

#[test]
fn subnet_pool_setting_is_checked() {
    let accepted = PlatformConfig::default()
        .with_subnet_pool("10.70.0.0/20", 26)
        .unwrap();
    assert_eq!(accepted.subnet_pool().to_string(), "10.70.0.0/20");
    assert_eq!(accepted.tenant_prefix_len(), 26);

    for (pool, prefix_len) in [
        ("10.70.0.0/24", 20),
        ("10.70.0.1/16", 24),
        ("fd00::/48", 64),
        ("10.70.0.0/16", 30),
    ] {
        let result = PlatformConfig::default().with_subnet_pool(pool, prefix_len);
        assert!(
            result.is_err(),
            "pool {pool} with /{prefix_len} was accepted"
        );
    }
}
