use serde_json::{Value, json};

use super::list_events;
use crate::args::{EventsArgs, OutputFormat};
use crate::error::message;
use crate::testing::{FakeServer, not_found};

fn args(tenant: Option<&str>) -> EventsArgs {
    EventsArgs {
        tenant: tenant.map(str::to_owned),
        kind: None,
        name: None,
        limit: 100,
        output: OutputFormat::Table,
    }
}

fn events(items: Value) -> (&'static str, u16, Value) {
    ("GET /api/v1/events", 200, json!({ "items": items }))
}

fn tenant(name: &str) -> Value {
    json!({
        "apiVersion": "strongroom/v1",
        "kind": "Tenant",
        "metadata": {
            "name": name,
            "uid": "uid-1",
            "resourceVersion": "1",
            "generation": 1,
            "creationTimestamp": "2026-01-31T09:55:00Z"
        },
        "spec": {}
    })
}

fn event(tenant: &str) -> Value {
    json!({
        "id": 7,
        "time": "2026-01-31T09:59:30Z",
        "kind": "Application",
        "tenant": tenant,
        "name": "web",
        "severity": "Normal",
        "reason": "Deleted",
        "message": "application removed"
    })
}

#[tokio::test]
async fn unknown_tenant_without_events_is_an_error() {
    let server = FakeServer::start(&[
        events(json!([])),
        (
            "GET /api/v1/tenants/nope",
            404,
            not_found("tenant nope not found"),
        ),
    ])
    .await;

    let error = list_events(&server.client(), &args(Some("nope")))
        .await
        .unwrap_err();

    assert_eq!(
        message(&error),
        "tenant nope not found; `strongroom get tenants` lists the tenants"
    );
}

#[tokio::test]
async fn existing_tenant_without_events_lists_nothing() {
    let server = FakeServer::start(&[
        events(json!([])),
        ("GET /api/v1/tenants/retail", 200, tenant("retail")),
    ])
    .await;

    let listed = list_events(&server.client(), &args(Some("retail")))
        .await
        .unwrap();

    assert!(listed.is_empty());
    assert!(
        server
            .requests()
            .contains(&"GET /api/v1/tenants/retail".to_owned()),
        "{:?}",
        server.requests()
    );
}

#[tokio::test]
async fn events_of_deleted_tenant_are_listed() {
    let server = FakeServer::start(&[events(json!([event("gone")]))]).await;

    let listed = list_events(&server.client(), &args(Some("gone")))
        .await
        .unwrap();

    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].tenant.as_deref(), Some("gone"));
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[tokio::test]
async fn no_events_without_tenant_is_not_an_error() {
    let server = FakeServer::start(&[events(json!([]))]).await;

    let listed = list_events(&server.client(), &args(None)).await.unwrap();

    assert!(listed.is_empty());
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[tokio::test]
async fn tenant_filter_is_sent_to_the_server() {
    let server = FakeServer::start(&[events(json!([event("retail")]))]).await;

    list_events(&server.client(), &args(Some("retail")))
        .await
        .unwrap();

    let requests = server.requests();
    assert!(requests[0].contains("tenant=retail"), "{requests:?}");
}
