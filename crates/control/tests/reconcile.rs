//! The reconcile loop against an in-memory engine: which engine calls it
//! makes, what it stores, and how it behaves after a restart and on errors.

mod common;

use std::time::Duration;

use common::{Call, Harness, admin, app, tenant};
use strongroom_control::{PassSummary, PlatformConfig, ServiceError};
use strongroom_engine::{AppKey, Deployment, TenantNetwork};
use strongroom_model::{ApplicationPhase, ApplicationStatus, Kind, Object};

fn key(tenant: &str, app: &str) -> AppKey {
    AppKey {
        tenant: tenant.to_owned(),
        app: app.to_owned(),
    }
}

async fn status_of(harness: &Harness, tenant: &str, name: &str) -> ApplicationStatus {
    let object = harness
        .platform
        .get(&admin(), Kind::Application, Some(tenant), name)
        .await
        .unwrap();
    serde_json::from_value(object.status).unwrap()
}

async fn resource_version(harness: &Harness, tenant: &str, name: &str) -> String {
    let object = harness
        .platform
        .get(&admin(), Kind::Application, Some(tenant), name)
        .await
        .unwrap();
    object.metadata.resource_version
}

fn spec_of(object: Object) -> strongroom_model::ApplicationSpec {
    match object {
        Object::Application(application) => application.spec,
        Object::Tenant(_) => panic!("expected an application"),
    }
}

#[tokio::test]
async fn reconcile_syncs_deployment_and_stores_status() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;

    let summary = harness.platform.reconcile_once().await;

    assert_eq!(
        summary,
        PassSummary {
            synced: 1,
            ..PassSummary::default()
        }
    );
    let expected = Deployment {
        key: key("retail", "web"),
        generation: 1,
        spec: spec_of(app("retail", "web", 2)),
        network: TenantNetwork {
            tenant: "retail".into(),
            bridge: "sr1778c2d9".into(),
            subnet: "10.89.0.0/24".into(),
        },
    };
    assert_eq!(harness.engine.syncs(), [expected]);
    let status = status_of(&harness, "retail", "web").await;
    assert_eq!(status.phase, ApplicationPhase::Running);
    assert_eq!(status.observed_generation, 1);
    assert_eq!(status.healthy_instances, 2);
    assert_eq!(status.instances.len(), 2);
}

#[tokio::test]
async fn unchanged_status_is_not_written_again() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    harness.platform.reconcile_once().await;
    let after_first = resource_version(&harness, "retail", "web").await;

    harness.platform.reconcile_once().await;

    assert_eq!(harness.engine.syncs().len(), 2);
    assert_eq!(
        resource_version(&harness, "retail", "web").await,
        after_first
    );
}

#[tokio::test]
async fn edit_syncs_new_generation() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    harness.platform.reconcile_once().await;
    harness.apply(vec![app("retail", "web", 5)]).await;
    harness.engine.clear_calls();

    harness.platform.reconcile_once().await;

    let syncs = harness.engine.syncs();
    assert_eq!(syncs.len(), 1);
    assert_eq!(syncs[0].generation, 2);
    assert_eq!(syncs[0].spec.instances.desired, 5);
    let status = status_of(&harness, "retail", "web").await;
    assert_eq!(status.observed_generation, 2);
    assert_eq!(status.healthy_instances, 5);
}

#[tokio::test]
async fn delete_removes_from_engine_then_store() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 2)])
        .await;
    harness.platform.reconcile_once().await;

    let deleting = harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    assert!(deleting.metadata.deletion_timestamp.is_some());
    assert_eq!(deleting.status["phase"], "Deleting");
    harness.engine.clear_calls();
    let summary = harness.platform.reconcile_once().await;

    assert_eq!(summary.deleted_applications, 1);
    assert_eq!(harness.engine.removes(), [key("retail", "web")]);
    assert!(harness.engine.syncs().is_empty());
    assert!(harness.engine.state().apps.is_empty());
    let not_found = harness
        .platform
        .get(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap_err();
    assert!(
        matches!(not_found, ServiceError::NotFound { .. }),
        "{not_found:?}"
    );
    let reasons: Vec<_> = harness
        .events()
        .await
        .into_iter()
        .map(|e| e.reason)
        .collect();
    assert_eq!(reasons, ["Created", "Created", "Deleting", "Deleted"]);
}

#[tokio::test]
async fn delete_twice_is_idempotent() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;

    let first = harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    let second = harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();

    assert_eq!(second, first);
    assert_eq!(harness.events_with_reason("Deleting").await.len(), 1);
}

#[tokio::test]
async fn delete_of_missing_object_is_not_found() {
    let harness = Harness::new().await;

    let error = harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            ServiceError::NotFound {
                kind: Kind::Tenant,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn tenant_delete_is_blocked_by_applications() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            app("retail", "web", 1),
            app("retail", "api", 1),
        ])
        .await;

    let error = harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap_err();

    let ServiceError::Conflict { message } = &error else {
        panic!("expected a conflict, got {error:?}");
    };
    assert!(
        message.contains("Tenant retail still has applications api, web"),
        "{message}"
    );
    let stored = harness
        .platform
        .get(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();
    assert_eq!(stored.metadata.deletion_timestamp, None);
}

#[tokio::test]
async fn tenant_delete_removes_network_then_row() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness.platform.reconcile_once().await;
    harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    harness.platform.reconcile_once().await;

    harness
        .platform
        .delete(&admin(), Kind::Tenant, None, "retail")
        .await
        .unwrap();
    let summary = harness.platform.reconcile_once().await;

    assert_eq!(summary.deleted_tenants, 1);
    let network = TenantNetwork {
        tenant: "retail".into(),
        bridge: "sr1778c2d9".into(),
        subnet: "10.89.0.0/24".into(),
    };
    assert!(
        harness
            .engine
            .calls()
            .contains(&Call::RemoveNetwork(network))
    );
    assert!(harness.engine.state().networks.is_empty());
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
async fn orphan_application_is_removed() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    let orphan = Deployment {
        key: key("retail", "old"),
        generation: 4,
        spec: spec_of(app("retail", "old", 1)),
        network: TenantNetwork {
            tenant: "retail".into(),
            bridge: "sr1778c2d9".into(),
            subnet: "10.89.0.0/24".into(),
        },
    };
    harness.engine.add_running(orphan);

    let summary = harness.platform.reconcile_once().await;

    assert_eq!(summary.removed_orphans, 1);
    assert_eq!(harness.engine.removes(), [key("retail", "old")]);
    let running: Vec<_> = harness.engine.state().apps.keys().cloned().collect();
    assert_eq!(running, [key("retail", "web")]);
    let events = harness.events_with_reason("OrphanRemoved").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "old");
}

#[tokio::test]
async fn restart_makes_same_calls_without_duplicates() {
    let mut harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            app("retail", "web", 3),
            app("retail", "api", 1),
        ])
        .await;
    harness.platform.reconcile_once().await;
    let before_restart = harness.engine.calls();
    let status_before = status_of(&harness, "retail", "web").await;
    harness.engine.clear_calls();

    harness.restart().await;
    let summary = harness.platform.reconcile_once().await;

    assert_eq!(harness.engine.calls(), before_restart);
    assert_eq!(
        summary,
        PassSummary {
            synced: 2,
            ..PassSummary::default()
        }
    );
    assert!(harness.engine.removes().is_empty());
    assert_eq!(harness.engine.state().apps.len(), 2);
    assert_eq!(status_of(&harness, "retail", "web").await, status_before);
}

#[tokio::test]
async fn restart_finishes_requested_deletion() {
    let mut harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness.platform.reconcile_once().await;
    harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();

    harness.restart().await;
    harness.platform.reconcile_once().await;

    assert_eq!(harness.engine.removes(), [key("retail", "web")]);
    assert!(harness.engine.state().apps.is_empty());
    assert!(
        harness
            .platform
            .list(&admin(), Kind::Application, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn engine_error_is_isolated_and_reported_once() {
    let harness = Harness::new().await;
    harness
        .apply(vec![
            tenant("retail"),
            app("retail", "web", 1),
            app("retail", "api", 1),
        ])
        .await;
    harness
        .engine
        .state()
        .sync_failures
        .insert(key("retail", "web"), "image pull failed".into());

    let summaries = [
        harness.platform.reconcile_once().await,
        harness.platform.reconcile_once().await,
        harness.platform.reconcile_once().await,
    ];

    for summary in &summaries {
        assert_eq!(summary.synced, 1);
        assert_eq!(summary.failed, 1);
    }
    assert_eq!(
        status_of(&harness, "retail", "api").await.phase,
        ApplicationPhase::Running
    );
    let failing = status_of(&harness, "retail", "web").await;
    assert_eq!(
        failing.reason.as_deref(),
        Some("sync of application retail/web failed: image pull failed")
    );
    let warnings = harness.events_with_reason("SyncFailed").await;
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].severity, "Warning");
    assert_eq!(warnings[0].name, "web");
}

#[tokio::test]
async fn new_error_message_is_reported_again() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness
        .engine
        .state()
        .sync_failures
        .insert(key("retail", "web"), "image pull failed".into());
    harness.platform.reconcile_once().await;

    harness
        .engine
        .state()
        .sync_failures
        .insert(key("retail", "web"), "registry unreachable".into());
    harness.platform.reconcile_once().await;
    harness.engine.state().sync_failures.clear();
    harness.platform.reconcile_once().await;

    assert_eq!(harness.events_with_reason("SyncFailed").await.len(), 2);
    let recovered = status_of(&harness, "retail", "web").await;
    assert_eq!(recovered.reason, None);
    assert_eq!(recovered.phase, ApplicationPhase::Running);
}

#[tokio::test]
async fn remove_error_keeps_row_and_retries() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    harness.platform.reconcile_once().await;
    harness
        .engine
        .state()
        .remove_failures
        .insert(key("retail", "web"), "container stuck".into());
    harness
        .platform
        .delete(&admin(), Kind::Application, Some("retail"), "web")
        .await
        .unwrap();

    harness.platform.reconcile_once().await;
    harness.platform.reconcile_once().await;

    let stuck = status_of(&harness, "retail", "web").await;
    assert_eq!(stuck.phase, ApplicationPhase::Deleting);
    assert_eq!(
        stuck.reason.as_deref(),
        Some("removal of application retail/web failed: container stuck")
    );
    assert_eq!(harness.events_with_reason("RemoveFailed").await.len(), 1);

    harness.engine.state().remove_failures.clear();
    harness.platform.reconcile_once().await;
    assert!(
        harness
            .platform
            .list(&admin(), Kind::Application, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn network_removal_error_is_reported_once() {
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
    harness.platform.reconcile_once().await;

    let warnings = harness.events_with_reason("RemoveNetworkFailed").await;
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].message.contains("bridge busy"),
        "{}",
        warnings[0].message
    );
    assert_eq!(
        harness
            .platform
            .list(&admin(), Kind::Tenant, None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn running_reconciler_wakes_on_apply() {
    // A resync interval of an hour means only the wake-up can start the second pass.
    let mut config = PlatformConfig::default();
    config.resync_interval = Duration::from_secs(3600);
    let harness = Harness::with_config(config).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let platform = harness.platform.clone();
    let reconciler = tokio::spawn(async move {
        platform
            .run_reconciler(async { stopped.await.unwrap_or(()) })
            .await;
    });

    // Every pass lists the engine's applications; once the first pass has
    // done so, only a wake-up can start another.
    let first_pass = wait_until(|| harness.engine.calls().contains(&Call::ListApps)).await;
    assert!(
        first_pass,
        "the reconciler did not start a pass within 5 seconds"
    );
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    let synced = wait_until(|| !harness.engine.syncs().is_empty()).await;
    stop.send(()).unwrap();

    assert!(
        synced,
        "the reconciler did not sync within 5 seconds of the apply"
    );
    tokio::time::timeout(Duration::from_secs(5), reconciler)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn hanging_engine_call_times_out() {
    let mut config = PlatformConfig::default();
    config.engine_timeout = Duration::from_millis(200);
    let harness = Harness::with_config(config).await;
    harness
        .apply(vec![
            tenant("retail"),
            app("retail", "web", 1),
            app("retail", "api", 1),
        ])
        .await;
    harness.engine.state().hanging.insert(key("retail", "web"));

    let summary = tokio::time::timeout(Duration::from_secs(5), harness.platform.reconcile_once())
        .await
        .unwrap();

    assert_eq!(summary.synced, 1);
    assert_eq!(summary.failed, 1);
    let reason = status_of(&harness, "retail", "web").await.reason.unwrap();
    assert!(reason.contains("did not return within 200ms"), "{reason}");
}

async fn wait_until(condition: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn event_recorder_stores_engine_events() {
    let harness = Harness::new().await;
    let (sender, receiver) = strongroom_engine::tokio_mpsc::unbounded_channel();
    sender
        .send(strongroom_engine::EngineEvent {
            key: key("retail", "web"),
            instance: Some("web-0".into()),
            severity: strongroom_engine::Severity::Warning,
            reason: "Unhealthy".into(),
            message: "readiness check on port 8080 failed 3 times".into(),
        })
        .unwrap();
    drop(sender);

    // The recorder returns once the engine's sender is gone and the queue is
    // empty. Spawning it also checks that the server can run it on a runtime.
    let platform = harness.platform.clone();
    let recorder = tokio::spawn(async move {
        platform
            .run_event_recorder(receiver, std::future::pending())
            .await
    });
    tokio::time::timeout(Duration::from_secs(5), recorder)
        .await
        .unwrap()
        .unwrap();

    let events = harness.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "Application");
    assert_eq!(events[0].tenant.as_deref(), Some("retail"));
    assert_eq!(events[0].instance.as_deref(), Some("web-0"));
    assert_eq!(events[0].severity, "Warning");
    assert_eq!(events[0].reason, "Unhealthy");
}

#[tokio::test]
async fn logs_read_from_engine_for_known_application() {
    let harness = Harness::new().await;
    harness
        .apply(vec![tenant("retail"), app("retail", "web", 1)])
        .await;
    let query = strongroom_engine::LogQuery::default();

    let batch = harness
        .platform
        .logs(&admin(), "retail", "web", &query)
        .await
        .unwrap();
    let missing = harness
        .platform
        .logs(&admin(), "retail", "api", &query)
        .await
        .unwrap_err();

    assert_eq!(batch.lines.len(), 1);
    assert_eq!(batch.lines[0].text, "hello from retail/web");
    assert!(
        matches!(missing, ServiceError::NotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(
        harness.engine.calls(),
        [Call::ReadLogs(key("retail", "web"))]
    );
}
