//! Events: recording, filtering, limits and pruning.

mod common;

use common::{app_key, tenant_key};
use strongroom_model::Kind;
use strongroom_store::{EventQuery, EventSeverity, NewEvent, ObjectKey, Store, StoreOptions};

fn event(key: &ObjectKey, reason: &str) -> NewEvent {
    NewEvent {
        key: key.clone(),
        instance: None,
        severity: EventSeverity::Normal,
        reason: reason.to_owned(),
        message: format!("{reason} happened to {key}"),
    }
}

fn query_all() -> EventQuery {
    EventQuery {
        kind: None,
        tenant: None,
        name: None,
        after_id: None,
        limit: 10_000,
    }
}

async fn store_with(options: StoreOptions) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path().join("store.db"), options)
        .await
        .unwrap();
    (store, dir)
}

#[tokio::test]
async fn append_event_records_all_fields() {
    let (store, _dir) = store_with(StoreOptions::default()).await;
    let app = app_key("retail", "web");
    let mut new = event(&app, "Unhealthy");
    new.instance = Some("web-0".to_owned());
    new.severity = EventSeverity::Warning;

    let appended = store.append_event(&new).await.unwrap();
    let listed = store.list_events(&query_all()).await.unwrap();

    assert_eq!(listed, vec![appended.clone()]);
    assert_eq!(appended.key, app);
    assert_eq!(appended.instance.as_deref(), Some("web-0"));
    assert_eq!(appended.severity, EventSeverity::Warning);
    assert_eq!(appended.reason, "Unhealthy");
    assert_eq!(
        appended.message,
        "Unhealthy happened to Application retail/web"
    );
}

#[tokio::test]
async fn list_events_filters_by_object() {
    let (store, _dir) = store_with(StoreOptions::default()).await;
    store
        .append_event(&event(&tenant_key("retail"), "Created"))
        .await
        .unwrap();
    store
        .append_event(&event(&app_key("retail", "web"), "Created"))
        .await
        .unwrap();
    store
        .append_event(&event(&app_key("treasury", "web"), "Created"))
        .await
        .unwrap();
    store
        .append_event(&event(&app_key("retail", "api"), "Created"))
        .await
        .unwrap();

    let apps = EventQuery {
        kind: Some(Kind::Application),
        ..query_all()
    };
    let retail = EventQuery {
        tenant: Some("retail".into()),
        ..query_all()
    };
    let webs = EventQuery {
        name: Some("web".into()),
        ..query_all()
    };
    let tenants = EventQuery {
        kind: Some(Kind::Tenant),
        ..query_all()
    };

    assert_eq!(store.list_events(&apps).await.unwrap().len(), 3);
    assert_eq!(store.list_events(&retail).await.unwrap().len(), 2);
    assert_eq!(store.list_events(&webs).await.unwrap().len(), 2);
    let tenant_events = store.list_events(&tenants).await.unwrap();
    assert_eq!(tenant_events.len(), 1);
    assert_eq!(tenant_events[0].key.tenant, None);
}

#[tokio::test]
async fn list_events_returns_newest_oldest_first() {
    let (store, _dir) = store_with(StoreOptions::default()).await;
    let app = app_key("retail", "web");
    for n in 0..5 {
        store
            .append_event(&event(&app, &format!("Step{n}")))
            .await
            .unwrap();
    }

    let newest = store
        .list_events(&EventQuery {
            limit: 2,
            ..query_all()
        })
        .await
        .unwrap();
    let after = EventQuery {
        after_id: Some(newest[0].id),
        ..query_all()
    };
    let following = store.list_events(&after).await.unwrap();

    let reasons: Vec<_> = newest.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["Step3", "Step4"]);
    assert_eq!(following.len(), 1);
    assert_eq!(following[0].reason, "Step4");
}

#[tokio::test]
async fn events_are_pruned_per_object() {
    let options = StoreOptions {
        max_events_per_object: 3,
        ..StoreOptions::default()
    };
    let (store, _dir) = store_with(options).await;
    let busy = app_key("retail", "busy");
    let quiet = app_key("retail", "quiet");
    store.append_event(&event(&quiet, "Created")).await.unwrap();

    for n in 0..10 {
        store
            .append_event(&event(&busy, &format!("Step{n}")))
            .await
            .unwrap();
    }

    let busy_events = store
        .list_events(&EventQuery {
            name: Some("busy".into()),
            ..query_all()
        })
        .await
        .unwrap();
    let reasons: Vec<_> = busy_events.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["Step7", "Step8", "Step9"]);
    let quiet_events = store
        .list_events(&EventQuery {
            name: Some("quiet".into()),
            ..query_all()
        })
        .await
        .unwrap();
    assert_eq!(quiet_events.len(), 1);
}

#[tokio::test]
async fn events_total_is_bounded() {
    let options = StoreOptions {
        max_events: 4,
        ..StoreOptions::default()
    };
    let (store, _dir) = store_with(options).await;

    for n in 0..10 {
        store
            .append_event(&event(&app_key("retail", &format!("app{n}")), "Created"))
            .await
            .unwrap();
    }

    let events = store.list_events(&query_all()).await.unwrap();
    let names: Vec<_> = events.iter().map(|e| e.key.name.as_str()).collect();
    assert_eq!(names, ["app6", "app7", "app8", "app9"]);
}

#[tokio::test]
async fn events_in_dropped_transaction_are_discarded() {
    let (store, _dir) = store_with(StoreOptions::default()).await;
    let mut tx = store.begin().await.unwrap();
    tx.append_event(&event(&tenant_key("retail"), "Created"))
        .await
        .unwrap();

    drop(tx);

    assert!(store.list_events(&query_all()).await.unwrap().is_empty());
}
