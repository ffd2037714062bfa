use serde_json::json;
use strongroom_api::{ApiMetadata, ApiObject};

use super::{Progress, healthy_progress};

fn app(generation: i64, desired: u32, status: serde_json::Value) -> ApiObject {
    ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: "Application".to_owned(),
        metadata: ApiMetadata {
            name: "web".to_owned(),
            tenant: Some("retail".to_owned()),
            uid: "u".to_owned(),
            resource_version: "1".to_owned(),
            generation,
            creation_timestamp: "2026-01-31T09:00:00Z".to_owned(),
            deletion_timestamp: None,
            labels: Default::default(),
            annotations: Default::default(),
        },
        spec: json!({"instances": {"desired": desired}}),
        status,
    }
}

fn instance(name: &str, healthy: bool) -> serde_json::Value {
    json!({
        "name": name,
        "containerId": name,
        "state": "Running",
        "healthy": healthy,
        "restarts": 0,
    })
}

fn status(generation: i64, desired: u32, instances: Vec<serde_json::Value>) -> serde_json::Value {
    let healthy = instances.iter().filter(|i| i["healthy"] == true).count();
    json!({
        "observedGeneration": generation,
        "phase": "Running",
        "desiredInstances": desired,
        "healthyInstances": healthy,
        "instances": instances,
    })
}

#[test]
fn all_desired_instances_healthy_is_done() {
    let object = app(
        2,
        2,
        status(2, 2, vec![instance("web-0", true), instance("web-1", true)]),
    );

    assert_eq!(healthy_progress(&object), Progress::Done);
}

#[test]
fn unhealthy_instance_keeps_waiting() {
    let object = app(
        2,
        2,
        status(
            2,
            2,
            vec![instance("web-0", true), instance("web-1", false)],
        ),
    );

    let Progress::Waiting(summary) = healthy_progress(&object) else {
        panic!("done too early")
    };
    assert!(summary.contains("1/2 instances healthy"), "{summary}");
}

#[test]
fn status_of_an_older_generation_keeps_waiting() {
    let object = app(
        3,
        2,
        status(2, 2, vec![instance("web-0", true), instance("web-1", true)]),
    );

    let Progress::Waiting(summary) = healthy_progress(&object) else {
        panic!("done too early")
    };
    assert!(summary.contains("latest spec"), "{summary}");
}

#[test]
fn surplus_instances_keep_waiting_after_scale_down() {
    let object = app(
        2,
        1,
        status(2, 1, vec![instance("web-0", true), instance("web-1", true)]),
    );

    assert!(matches!(healthy_progress(&object), Progress::Waiting(_)));
}

#[test]
fn unreconciled_application_keeps_waiting() {
    let object = app(1, 1, serde_json::Value::Null);

    assert!(matches!(healthy_progress(&object), Progress::Waiting(_)));
}

#[test]
fn failed_phase_stops_waiting() {
    let mut failed = status(2, 1, vec![instance("web-0", false)]);
    failed["phase"] = json!("Failed");
    failed["reason"] = json!("image not found");
    let object = app(2, 1, failed);

    let Progress::Failed(summary) = healthy_progress(&object) else {
        panic!("a failed application must stop the wait")
    };
    assert!(summary.contains("image not found"), "{summary}");
}

#[test]
fn failed_phase_of_older_generation_keeps_waiting() {
    let mut failed = status(1, 1, vec![instance("web-0", false)]);
    failed["phase"] = json!("Failed");
    let object = app(2, 1, failed);

    assert!(matches!(healthy_progress(&object), Progress::Waiting(_)));
}
