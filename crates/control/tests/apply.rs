//! Applying objects: actions, versions, generations, tenant checks and events.

mod common;

use common::{Harness, admin, app, application_mut, tenant, tenant_with_subnet};
use strongroom_control::{ApplyAction, ApplyItem, ServiceError};
use strongroom_model::Kind;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[tokio::test]
async fn apply_creates_objects() {
    let harness = Harness::new().await;

    let results = harness
        .platform
        .apply(
            &admin(),
            vec![
                ApplyItem::new(tenant("retail")),
                ApplyItem::new(app("retail", "web", 2)),
            ],
        )
        .await
        .unwrap();

    assert_eq!(results[0].0, ApplyAction::Created);
    assert_eq!(results[1].0, ApplyAction::Created);
    let web = &results[1].1;
    assert_eq!(web.api_version, "strongroom/v1");
    assert_eq!(web.kind, "Application");
    assert_eq!(web.metadata.name, "web");
    assert_eq!(web.metadata.tenant.as_deref(), Some("retail"));
    assert_eq!(web.metadata.generation, 1);
    assert_eq!(web.metadata.uid.len(), 32);
    assert!(web.metadata.resource_version.parse::<i64>().unwrap() > 0);
    assert!(OffsetDateTime::parse(&web.metadata.creation_timestamp, &Rfc3339).is_ok());
    assert_eq!(web.metadata.deletion_timestamp, None);
    assert_eq!(
        web.metadata.labels.get("team").map(String::as_str),
        Some("payments")
    );
    assert_eq!(web.spec["instances"]["desired"], 2);
    let stored = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    assert_eq!(&stored, web);
}

#[tokio::test]
async fn reapply_is_unchanged() {
    let harness = Harness::new().await;
    let objects = vec![tenant("retail"), app("retail", "web", 2)];
    harness.apply(objects.clone()).await;
    let before = harness
        .platform
        .list(&admin(), Kind::Application, None)
        .await
        .unwrap();

    let actions = harness.apply(objects).await;

    assert_eq!(actions, [ApplyAction::Unchanged, ApplyAction::Unchanged]);
    let after = harness
        .platform
        .list(&admin(), Kind::Application, None)
        .await
        .unwrap();
    assert_eq!(after, before);
}

#[tokio::test]
async fn edit_bumps_generation_and_version() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    let before = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    let mut edited = app("retail", "web", 3);

    let actions = harness.apply(vec![edited.clone()]).await;
    application_mut(&mut edited)
        .metadata
        .labels
        .insert("tier".into(), "gold".into());
    let label_actions = harness.apply(vec![edited]).await;

    assert_eq!(actions, [ApplyAction::Configured]);
    assert_eq!(label_actions, [ApplyAction::Configured]);
    let after = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    assert_eq!(after.metadata.generation, 3);
    let version = |object: &strongroom_api::ApiObject| {
        object.metadata.resource_version.parse::<i64>().unwrap()
    };
    assert!(version(&after) > version(&before));
    assert_eq!(after.metadata.uid, before.metadata.uid);
    assert_eq!(after.spec["instances"]["desired"], 3);
}

#[tokio::test]
async fn stale_resource_version_conflicts() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    let read = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    harness.apply(vec![app("retail", "web", 3)]).await;
    let stale = ApplyItem {
        object: app("retail", "web", 4),
        expected_resource_version: Some(read.metadata.resource_version.clone()),
    };

    let error = harness
        .platform
        .apply(&admin(), vec![stale])
        .await
        .unwrap_err();

    let ServiceError::Conflict { message } = &error else {
        panic!("expected a conflict, got {error:?}");
    };
    assert!(message.contains("Application retail/web"), "{message}");
    assert!(
        message.contains(&format!(
            "expected resource version {}",
            read.metadata.resource_version
        )),
        "{message}"
    );
    assert!(message.contains("read it again"), "{message}");
    let stored = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    assert_eq!(stored.spec["instances"]["desired"], 3);
}

#[tokio::test]
async fn current_resource_version_applies() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    let read = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    let fresh = ApplyItem {
        object: app("retail", "web", 4),
        expected_resource_version: Some(read.metadata.resource_version),
    };

    let results = harness.platform.apply(&admin(), vec![fresh]).await.unwrap();

    assert_eq!(results[0].0, ApplyAction::Configured);
}

#[tokio::test]
async fn malformed_resource_version_is_invalid() {
    let harness = Harness::new().await;
    let item = ApplyItem {
        object: tenant("retail"),
        expected_resource_version: Some("v7".into()),
    };

    let error = harness
        .platform
        .apply(&admin(), vec![item])
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ServiceError::Invalid { message, .. } if message.contains("\"v7\" is not a number")),
        "{error:?}"
    );
}

#[tokio::test]
async fn application_without_tenant_stores_nothing() {
    let harness = Harness::new().await;
    let batch = vec![
        tenant("retail"),
        app("retail", "web", 1),
        app("missing", "api", 1),
    ];
    let items = batch.into_iter().map(ApplyItem::new).collect();

    let error = harness.platform.apply(&admin(), items).await.unwrap_err();

    let ServiceError::Invalid { message, details } = &error else {
        panic!("expected invalid, got {error:?}");
    };
    assert_eq!(details.len(), 1);
    assert!(
        message.contains("tenant missing does not exist"),
        "{message}"
    );
    assert!(message.contains("Application missing/api"), "{message}");
    assert!(
        harness
            .platform
            .list(&admin(), Kind::Tenant, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        harness
            .platform
            .list(&admin(), Kind::Application, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(harness.events().await.is_empty());
}

#[tokio::test]
async fn application_before_its_tenant_is_invalid() {
    let harness = Harness::new().await;
    let items = vec![
        ApplyItem::new(app("retail", "web", 1)),
        ApplyItem::new(tenant("retail")),
    ];

    let error = harness.platform.apply(&admin(), items).await.unwrap_err();

    assert!(
        matches!(&error, ServiceError::Invalid { message, .. } if message.contains("earlier in the same request")),
        "{error:?}"
    );
    assert!(
        harness
            .platform
            .list(&admin(), Kind::Tenant, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_invalid_item_is_reported() {
    let harness = Harness::new().await;
    let mut no_tenant = app("retail", "web", 1);
    application_mut(&mut no_tenant).metadata.tenant = None;
    let items = vec![
        ApplyItem::new(tenant("retail")),
        ApplyItem::new(tenant("retail")),
        ApplyItem::new(no_tenant),
    ];

    let error = harness.platform.apply(&admin(), items).await.unwrap_err();

    let ServiceError::Invalid { message, details } = &error else {
        panic!("expected invalid, got {error:?}");
    };
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[0].contains("Tenant retail appears more than once"),
        "{}",
        details[0]
    );
    assert!(
        details[1].contains("metadata.tenant is required"),
        "{}",
        details[1]
    );
    assert!(message.ends_with("(and 1 more problem)"), "{message}");
}

#[tokio::test]
async fn apply_records_event_with_user() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness.apply(vec![app("retail", "web", 2)]).await;
    harness.apply(vec![app("retail", "web", 2)]).await;

    let events = harness.events().await;

    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.name.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Tenant", "retail", "Created"),
            ("Application", "web", "Created"),
            ("Application", "web", "Configured")
        ]
    );
    assert_eq!(
        events[2].message,
        "Application retail/web configured by admin, generation 2"
    );
    assert_eq!(events[2].severity, "Normal");
    assert_eq!(events[1].tenant.as_deref(), Some("retail"));
    assert_eq!(events[0].tenant, None);
}

#[tokio::test]
async fn application_in_deleting_tenant_conflicts() {
    let harness = Harness::new().await;
    harness.apply(vec![tenant("retail")]).await;
    harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();

    let error = harness
        .platform
        .apply(&admin(), vec![ApplyItem::new(app("retail", "web", 1))])
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ServiceError::Conflict { message } if message.contains("tenant retail is being deleted")),
        "{error:?}"
    );
}

#[tokio::test]
async fn apply_to_deleting_application_conflicts() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();

    let error = harness
        .platform
        .apply(&admin(), vec![ApplyItem::new(app("retail", "web", 2))])
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ServiceError::Conflict { message } if message.contains("is being deleted")),
        "{error:?}"
    );
}

#[tokio::test]
async fn get_checks_scope_and_existence() {
    let harness = Harness::new().await;
    harness.apply(vec![tenant("retail")]).await;

    let without_tenant = harness
        .platform
        .get(&admin(), Kind::Application, None, "web")
        .await
        .unwrap_err();
    let missing = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap_err();
    let scoped_tenant = harness
        .platform
        .get(&admin(), Kind::Tenant, Some("retail"), "retail")
        .await
        .unwrap_err();

    assert!(
        matches!(without_tenant, ServiceError::Invalid { .. }),
        "{without_tenant:?}"
    );
    assert!(
        matches!(missing, ServiceError::NotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(
        missing.to_string(),
        "application web not found in tenant retail"
    );
    assert!(
        matches!(scoped_tenant, ServiceError::Invalid { .. }),
        "{scoped_tenant:?}"
    );
}

#[tokio::test]
async fn list_filters_by_tenant() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            tenant("treasury"),
            app("retail", "web", 1),
            app("treasury", "fx", 1),
        ])
        .await;

    let retail = harness
        .platform
        .list(&admin(), Kind::Application, Some("retail"))
        .await
        .unwrap();
    let all = harness
        .platform
        .list(&admin(), Kind::Application, None)
        .await
        .unwrap();

    assert_eq!(retail.len(), 1);
    assert_eq!(retail[0].metadata.name, "web");
    assert_eq!(all.len(), 2);
}

/// Returns `future` unchanged; compiles only if the future is `Send`, as
/// axum requires of handlers.
fn must_be_send<F: std::future::Future + Send>(future: F) -> F {
    future
}

#[tokio::test]
async fn service_futures_are_send() {
    let harness = Harness::new().await;
    let platform = &harness.platform;
    let who = admin();

    must_be_send(platform.apply(&who, vec![ApplyItem::new(tenant("retail"))]))
        .await
        .unwrap();
    must_be_send(platform.get(&who, Kind::Tenant, None, "retail"))
        .await
        .unwrap();
    must_be_send(platform.list(&who, Kind::Tenant, None))
        .await
        .unwrap();
    must_be_send(platform.events(&who, &Default::default()))
        .await
        .unwrap();
    let logs = must_be_send(platform.logs(&who, "retail", "web", &Default::default())).await;
    must_be_send(platform.delete(&who, Kind::Tenant, None, "retail"))
        .await
        .unwrap();
    must_be_send(platform.reconcile_once()).await;

    assert!(
        matches!(logs, Err(ServiceError::NotFound { .. })),
        "{logs:?}"
    );
}

/// Returns the error of a real apply and of a dry run of the same objects.
async fn apply_and_dry_run_errors(
    harness: &Harness,
    objects: Vec<strongroom_model::Object>,
) -> (ServiceError, ServiceError) {
    let items: Vec<ApplyItem> = objects.into_iter().map(ApplyItem::new).collect();
    let dry_run = harness
        .platform
        .apply_dry_run(&admin(), items.clone())
        .await
        .unwrap_err();
    let real = harness.platform.apply(&admin(), items).await.unwrap_err();
    (real, dry_run)
}

#[tokio::test]
async fn dry_run_of_missing_tenant_is_invalid() {
    let harness = Harness::new().await;

    let (real, dry_run) = apply_and_dry_run_errors(&harness, vec![app("nosuch", "par", 1)]).await;

    assert!(
        matches!(&dry_run, ServiceError::Invalid { message, .. } if message.contains("tenant nosuch does not exist")),
        "{dry_run:?}"
    );
    assert_eq!(format!("{dry_run:?}"), format!("{real:?}"));
}

#[tokio::test]
async fn dry_run_of_overlapping_subnet_is_invalid() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant_with_subnet("retail", Some("10.50.0.0/24"))])
        .await;

    let (real, dry_run) = apply_and_dry_run_errors(
        &harness,
        vec![tenant_with_subnet("sn", Some("10.50.0.128/25"))],
    )
    .await;

    assert!(
        matches!(&dry_run, ServiceError::Invalid { message, .. } if message.contains("overlaps subnet 10.50.0.0/24 of tenant retail")),
        "{dry_run:?}"
    );
    assert_eq!(format!("{dry_run:?}"), format!("{real:?}"));
}

#[tokio::test]
async fn dry_run_of_stale_version_conflicts() {
    let harness = Harness::new().await;
    harness.apply(vec![tenant("retail")]).await;
    let item = ApplyItem {
        object: tenant("retail"),
        expected_resource_version: Some("0".to_owned()),
    };

    let error = harness
        .platform
        .apply_dry_run(&admin(), vec![item])
        .await
        .unwrap_err();

    assert!(matches!(error, ServiceError::Conflict { .. }), "{error:?}");
}

#[tokio::test]
async fn dry_run_computes_actions_and_stores_nothing() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    let before = harness
        .platform
        .list(&admin(), Kind::Application, None)
        .await
        .unwrap();
    let events_before = harness.events().await;
    let batch = vec![
        tenant("retail"),
        app("retail", "web", 3),
        app("retail", "api", 1),
        tenant_with_subnet("treasury", Some("10.51.0.0/24")),
    ];
    let items = batch.into_iter().map(ApplyItem::new).collect();

    let results = harness
        .platform
        .apply_dry_run(&admin(), items)
        .await
        .unwrap();

    let actions: Vec<ApplyAction> = results.iter().map(|(action, _)| *action).collect();
    assert_eq!(
        actions,
        [
            ApplyAction::Unchanged,
            ApplyAction::Configured,
            ApplyAction::Created,
            ApplyAction::Created,
        ]
    );
    assert_eq!(results[1].1.spec["instances"]["desired"], 3);
    assert_eq!(results[3].1.status["subnet"], "10.51.0.0/24");
    let api = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "api")
        .await;
    assert!(matches!(api, Err(ServiceError::NotFound { .. })), "{api:?}");
    let treasury = harness
        .platform
        .get(&admin(), Kind::Tenant, None, "treasury")
        .await;
    assert!(
        matches!(treasury, Err(ServiceError::NotFound { .. })),
        "{treasury:?}"
    );
    let after = harness
        .platform
        .list(&admin(), Kind::Application, None)
        .await
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(harness.events().await, events_before);
}
