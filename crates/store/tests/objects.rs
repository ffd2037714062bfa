//! Object writes: creation, versions, generations, optimistic concurrency,
//! deletion and durability across reopening.

mod common;

use common::{TempStore, app_key, tenant_key, write};
use serde_json::json;
use strongroom_model::Kind;
use strongroom_store::{ApplyBatchError, PutError, UpdateStatusError, WriteAction};

#[tokio::test]
async fn apply_batch_creates_objects() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let app = app_key("retail", "web");

    let results = temp
        .store
        .apply_batch(vec![write(&tenant, "a"), write(&app, "b")], "admin")
        .await
        .unwrap();

    assert_eq!(results.len(), 2);
    let (action, record) = &results[1];
    assert_eq!(*action, WriteAction::Created);
    assert_eq!(record.key, app);
    assert_eq!(record.generation, 1);
    assert_eq!(record.uid.len(), 32);
    assert!(record.uid.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(record.uid, results[0].1.uid);
    assert_eq!(record.status, serde_json::Value::Null);
    assert_eq!(record.last_applied_by, "admin");
    assert!(record.deletion_timestamp.is_none());
    assert_eq!(temp.store.get(&app).await.unwrap().as_ref(), Some(record));
}

#[tokio::test]
async fn put_same_spec_is_unchanged() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&tenant, "a")], "admin")
        .await
        .unwrap()
        .remove(0);

    let (action, record) = temp
        .store
        .apply_batch(vec![write(&tenant, "a")], "bob")
        .await
        .unwrap()
        .remove(0);

    assert_eq!(action, WriteAction::Unchanged);
    assert_eq!(record.resource_version, created.resource_version);
    assert_eq!(record.generation, 1);
    assert_eq!(record.last_applied_by, "admin");
}

#[tokio::test]
async fn put_changed_spec_bumps_generation_and_version() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&tenant, "a")], "admin")
        .await
        .unwrap()
        .remove(0);

    let (action, record) = temp
        .store
        .apply_batch(vec![write(&tenant, "b")], "bob")
        .await
        .unwrap()
        .remove(0);

    assert_eq!(action, WriteAction::Configured);
    assert_eq!(record.generation, 2);
    assert!(record.resource_version > created.resource_version);
    assert_eq!(record.uid, created.uid);
    assert_eq!(record.created_at, created.created_at);
    assert_eq!(record.last_applied_by, "bob");
    assert_eq!(record.spec["spec"]["content"], "b");
}

#[tokio::test]
async fn put_with_new_status_keeps_generation() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    temp.store
        .apply_batch(vec![write(&tenant, "a")], "admin")
        .await
        .unwrap();
    let mut with_status = write(&tenant, "a");
    with_status.status = Some(json!({ "subnet": "10.89.0.0/24" }));

    let (action, record) = temp
        .store
        .apply_batch(vec![with_status], "admin")
        .await
        .unwrap()
        .remove(0);

    assert_eq!(action, WriteAction::Configured);
    assert_eq!(record.generation, 1);
    assert_eq!(record.status["subnet"], "10.89.0.0/24");
}

#[tokio::test]
async fn resource_versions_increase_across_objects() {
    let temp = TempStore::new().await;
    let mut last = 0;

    for name in ["a", "b", "c"] {
        let key = tenant_key(name);
        let (_, created) = temp
            .store
            .apply_batch(vec![write(&key, "x")], "admin")
            .await
            .unwrap()
            .remove(0);
        let updated = temp
            .store
            .update_status(&key, &json!({ "n": 1 }), None)
            .await
            .unwrap();

        assert!(
            created.resource_version > last,
            "{name}: {} after {last}",
            created.resource_version
        );
        assert!(updated.resource_version > created.resource_version);
        last = updated.resource_version;
    }
}

#[tokio::test]
async fn stale_expected_version_conflicts() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&tenant, "a")], "admin")
        .await
        .unwrap()
        .remove(0);
    temp.store
        .apply_batch(vec![write(&tenant, "b")], "admin")
        .await
        .unwrap();
    let mut stale = write(&tenant, "c");
    stale.expected_resource_version = Some(created.resource_version);

    let error = temp
        .store
        .apply_batch(vec![stale], "admin")
        .await
        .unwrap_err();

    let ApplyBatchError::Put(PutError::Conflict {
        key,
        expected,
        current,
    }) = &error
    else {
        panic!("expected a conflict, got {error}");
    };
    assert_eq!(*key, tenant);
    assert_eq!(*expected, created.resource_version);
    assert!(*current > created.resource_version);
    let message = error.to_string();
    assert!(message.contains("Tenant retail"), "{message}");
    assert!(message.contains("read it again"), "{message}");
    let stored = temp.store.get(&tenant).await.unwrap().unwrap();
    assert_eq!(stored.spec["spec"]["content"], "b");
}

#[tokio::test]
async fn matching_expected_version_writes() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&tenant, "a")], "admin")
        .await
        .unwrap()
        .remove(0);
    let mut fresh = write(&tenant, "b");
    fresh.expected_resource_version = Some(created.resource_version);

    let (action, _) = temp
        .store
        .apply_batch(vec![fresh], "admin")
        .await
        .unwrap()
        .remove(0);

    assert_eq!(action, WriteAction::Configured);
}

#[tokio::test]
async fn expected_version_of_missing_object_fails() {
    let temp = TempStore::new().await;
    let mut write = write(&tenant_key("retail"), "a");
    write.expected_resource_version = Some(7);

    let error = temp
        .store
        .apply_batch(vec![write], "admin")
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            ApplyBatchError::Put(PutError::Missing { expected: 7, .. })
        ),
        "{error}"
    );
}

#[tokio::test]
async fn failed_batch_stores_nothing() {
    let temp = TempStore::new().await;
    let existing = tenant_key("existing");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&existing, "a")], "admin")
        .await
        .unwrap()
        .remove(0);
    let mut stale = write(&existing, "b");
    stale.expected_resource_version = Some(created.resource_version + 100);
    let before = temp.store.list(Kind::Tenant, None).await.unwrap();

    let result = temp
        .store
        .apply_batch(vec![write(&tenant_key("new"), "x"), stale], "admin")
        .await;

    assert!(result.is_err());
    assert_eq!(temp.store.get(&tenant_key("new")).await.unwrap(), None);
    assert_eq!(temp.store.list(Kind::Tenant, None).await.unwrap(), before);
    // Rolling back the batch also rolled back its counter increment.
    let (_, next) = temp
        .store
        .apply_batch(vec![write(&tenant_key("later"), "x")], "admin")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(next.resource_version, created.resource_version + 1);
}

#[tokio::test]
async fn update_status_keeps_generation() {
    let temp = TempStore::new().await;
    let app = app_key("retail", "web");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap()
        .remove(0);

    let record = temp
        .store
        .update_status(
            &app,
            &json!({ "phase": "Running" }),
            Some(created.resource_version),
        )
        .await
        .unwrap();

    assert_eq!(record.generation, 1);
    assert_eq!(record.resource_version, created.resource_version + 1);
    assert_eq!(record.status["phase"], "Running");
    assert_eq!(record.spec, created.spec);
}

#[tokio::test]
async fn update_status_with_stale_version_conflicts() {
    let temp = TempStore::new().await;
    let app = app_key("retail", "web");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap()
        .remove(0);
    temp.store
        .apply_batch(vec![write(&app, "b")], "admin")
        .await
        .unwrap();

    let error = temp
        .store
        .update_status(
            &app,
            &json!({ "phase": "Running" }),
            Some(created.resource_version),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(error, UpdateStatusError::Conflict { .. }),
        "{error}"
    );
    assert_eq!(
        temp.store.get(&app).await.unwrap().unwrap().status,
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn update_status_of_missing_object_is_not_found() {
    let temp = TempStore::new().await;

    let error = temp
        .store
        .update_status(&app_key("retail", "web"), &json!({}), None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, UpdateStatusError::NotFound { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn list_filters_by_kind_and_tenant() {
    let temp = TempStore::new().await;
    let writes = vec![
        write(&tenant_key("retail"), "a"),
        write(&app_key("retail", "web"), "a"),
        write(&app_key("retail", "api"), "a"),
        write(&app_key("treasury", "web"), "a"),
    ];
    temp.store.apply_batch(writes, "admin").await.unwrap();

    let retail = temp
        .store
        .list(Kind::Application, Some("retail"))
        .await
        .unwrap();
    let all_apps = temp.store.list(Kind::Application, None).await.unwrap();
    let tenants = temp.store.list(Kind::Tenant, None).await.unwrap();

    let names: Vec<_> = retail.iter().map(|r| r.key.name.as_str()).collect();
    assert_eq!(names, ["api", "web"]);
    assert_eq!(all_apps.len(), 3);
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].key.tenant, None);
}

#[tokio::test]
async fn mark_deleting_is_idempotent() {
    let temp = TempStore::new().await;
    let app = app_key("retail", "web");
    temp.store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap();

    let first = temp
        .store
        .mark_deleting(&app, Some(&json!({ "phase": "Deleting" })))
        .await
        .unwrap();
    let second = temp
        .store
        .mark_deleting(&app, Some(&json!({ "phase": "Other" })))
        .await
        .unwrap();

    assert!(first.deletion_timestamp.is_some());
    assert_eq!(first.status["phase"], "Deleting");
    assert_eq!(second, first);
}

#[tokio::test]
async fn put_on_deleting_object_is_rejected() {
    let temp = TempStore::new().await;
    let app = app_key("retail", "web");
    temp.store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap();
    temp.store.mark_deleting(&app, None).await.unwrap();

    let error = temp
        .store
        .apply_batch(vec![write(&app, "b")], "admin")
        .await
        .unwrap_err();

    assert!(
        matches!(error, ApplyBatchError::Put(PutError::Deleting { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("is being deleted"), "{error}");
}

#[tokio::test]
async fn delete_requires_matching_uid() {
    let temp = TempStore::new().await;
    let app = app_key("retail", "web");
    let (_, created) = temp
        .store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap()
        .remove(0);

    let wrong = temp
        .store
        .delete(&app, "00000000000000000000000000000000")
        .await
        .unwrap();
    assert!(!wrong);
    assert!(temp.store.get(&app).await.unwrap().is_some());

    let right = temp.store.delete(&app, &created.uid).await.unwrap();
    assert!(right);
    assert_eq!(temp.store.get(&app).await.unwrap(), None);
}

#[tokio::test]
async fn data_survives_reopen() {
    let mut temp = TempStore::new().await;
    let app = app_key("retail", "web");
    temp.store
        .apply_batch(vec![write(&app, "a")], "admin")
        .await
        .unwrap();
    let stored = temp
        .store
        .update_status(&app, &json!({ "phase": "Running" }), None)
        .await
        .unwrap();

    temp.reopen().await;

    assert_eq!(temp.store.get(&app).await.unwrap(), Some(stored.clone()));
    // The counter continues after a reopen, so versions never repeat.
    let (_, next) = temp
        .store
        .apply_batch(vec![write(&tenant_key("retail"), "a")], "admin")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(next.resource_version, stored.resource_version + 1);
}

#[tokio::test]
async fn dropped_transaction_leaves_nothing() {
    let mut temp = TempStore::new().await;
    let mut tx = temp.store.begin().await.unwrap();
    tx.put(&write(&tenant_key("retail"), "a"), "admin")
        .await
        .unwrap();
    tx.put(&write(&app_key("retail", "web"), "a"), "admin")
        .await
        .unwrap();

    drop(tx);
    temp.reopen().await;

    assert!(
        temp.store
            .list(Kind::Tenant, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        temp.store
            .list(Kind::Application, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn transaction_reads_its_own_writes() {
    let temp = TempStore::new().await;
    let tenant = tenant_key("retail");
    let mut tx = temp.store.begin().await.unwrap();

    tx.put(&write(&tenant, "a"), "admin").await.unwrap();
    let inside = tx.get(&tenant).await.unwrap();
    tx.commit().await.unwrap();

    assert!(inside.is_some());
    assert_eq!(temp.store.get(&tenant).await.unwrap(), inside);
}

#[tokio::test]
async fn concurrent_transactions_take_turns() {
    let temp = TempStore::new().await;
    let mut first = temp.store.begin().await.unwrap();
    first
        .put(&write(&tenant_key("one"), "a"), "admin")
        .await
        .unwrap();

    // The second transaction waits for the write lock until the first commits.
    let store = temp.store.clone();
    let second = tokio::spawn(async move {
        let mut tx = store.begin().await.unwrap();
        let count = tx.list(Kind::Tenant, None).await.unwrap().len();
        tx.put(&write(&tenant_key("two"), "a"), "admin")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        count
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.unwrap();

    assert_eq!(second.await.unwrap(), 1);
    assert_eq!(temp.store.list(Kind::Tenant, None).await.unwrap().len(), 2);
}
