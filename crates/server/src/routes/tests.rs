//! Router tests in process (no sockets) against a stub control plane.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use strongroom_api::{ApiEvent, ApiMetadata, ApiObject};
use strongroom_control::{ApplyAction, ApplyItem, EventFilter, Identity, ServiceError};
use strongroom_engine::{LogBatch, LogLine, LogQuery};
use strongroom_model::{Kind, Object};
use tower::ServiceExt as _;

use super::router;
use crate::auth::AdminToken;
use crate::control_plane::ControlPlane;
use crate::extract::BODY_LIMIT_BYTES;
use crate::state::AppState;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const TOKEN_FILE: &str = "/var/lib/strongroom-test/admin.token";

const TENANT: &str = "apiVersion: strongroom/v1
kind: Tenant
metadata:
  name: retail
spec:
  displayName: Retail banking
";

const APPLICATION: &str = "apiVersion: strongroom/v1
kind: Application
metadata:
  name: web
  tenant: retail
spec:
  owner: retail-web-team
  contact: oncall@bank.example
  securityLevel: 3
  networkZone: business
  image: 127.0.0.1:5000/samples/httpd:1.0
  instances:
    desired: 2
";

/// A control plane that stores objects in memory and records what it was asked.
#[derive(Default)]
struct Stub {
    stored: Mutex<Vec<ApiObject>>,
    applied: Mutex<Vec<Vec<ApplyItem>>>,
    dry_runs: Mutex<Vec<Vec<ApplyItem>>>,
    event_filters: Mutex<Vec<EventFilter>>,
    log_queries: Mutex<Vec<(String, String, LogQuery)>>,
    failure: Mutex<Option<ServiceError>>,
}

impl Stub {
    fn fail_next(&self, error: ServiceError) {
        *self.failure.lock().unwrap() = Some(error);
    }

    fn take_failure(&self) -> Result<(), ServiceError> {
        match self.failure.lock().unwrap().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn find(&self, kind: Kind, tenant: Option<&str>, name: &str) -> Option<ApiObject> {
        let stored = self.stored.lock().unwrap();
        stored
            .iter()
            .find(|o| {
                o.kind == kind.as_str()
                    && o.metadata.name == name
                    && o.metadata.tenant.as_deref() == tenant
            })
            .cloned()
    }
}

fn api_object(object: &Object) -> ApiObject {
    let metadata = object.metadata();
    let spec = match object {
        Object::Tenant(tenant) => serde_json::to_value(&tenant.spec).unwrap(),
        Object::Application(app) => serde_json::to_value(&app.spec).unwrap(),
    };
    ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: object.kind().as_str().to_owned(),
        metadata: ApiMetadata {
            name: metadata.name.clone(),
            tenant: metadata.tenant.clone(),
            uid: format!("uid-{}", metadata.name),
            resource_version: "1".to_owned(),
            generation: 1,
            creation_timestamp: "2026-01-31T09:00:00Z".to_owned(),
            deletion_timestamp: None,
            labels: metadata.labels.clone(),
            annotations: metadata.annotations.clone(),
        },
        spec,
        status: Value::Null,
    }
}

#[async_trait]
impl ControlPlane for Stub {
    async fn apply(
        &self,
        _who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        self.take_failure()?;
        let results = items
            .iter()
            .map(|item| (ApplyAction::Created, api_object(&item.object)))
            .collect();
        self.applied.lock().unwrap().push(items);
        Ok(results)
    }

    /// Compares each item's spec with the stored object, as the control
    /// plane's dry run computes actions.
    async fn apply_dry_run(
        &self,
        _who: &Identity,
        items: Vec<ApplyItem>,
    ) -> Result<Vec<(ApplyAction, ApiObject)>, ServiceError> {
        self.take_failure()?;
        let results = items
            .iter()
            .map(|item| {
                let object = api_object(&item.object);
                let metadata = item.object.metadata();
                let stored = self.find(
                    item.object.kind(),
                    metadata.tenant.as_deref(),
                    &metadata.name,
                );
                let action = match stored {
                    None => ApplyAction::Created,
                    Some(stored) if stored.spec == object.spec => ApplyAction::Unchanged,
                    Some(_) => ApplyAction::Configured,
                };
                (action, object)
            })
            .collect();
        self.dry_runs.lock().unwrap().push(items);
        Ok(results)
    }

    async fn get(
        &self,
        _who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        self.take_failure()?;
        self.find(kind, tenant, name)
            .ok_or_else(|| ServiceError::NotFound {
                kind,
                tenant: tenant.map(str::to_owned),
                name: name.to_owned(),
            })
    }

    async fn list(
        &self,
        _who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, ServiceError> {
        self.take_failure()?;
        let stored = self.stored.lock().unwrap();
        Ok(stored
            .iter()
            .filter(|o| o.kind == kind.as_str())
            .filter(|o| tenant.is_none() || o.metadata.tenant.as_deref() == tenant)
            .cloned()
            .collect())
    }

    async fn delete(
        &self,
        who: &Identity,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, ServiceError> {
        let mut object = self.get(who, kind, tenant, name).await?;
        object.metadata.deletion_timestamp = Some("2026-01-31T10:00:00Z".to_owned());
        Ok(object)
    }

    async fn events(
        &self,
        _who: &Identity,
        filter: &EventFilter,
    ) -> Result<Vec<ApiEvent>, ServiceError> {
        self.take_failure()?;
        self.event_filters.lock().unwrap().push(filter.clone());
        Ok(vec![ApiEvent {
            id: 1,
            time: "2026-01-31T09:00:00Z".to_owned(),
            kind: "Tenant".to_owned(),
            tenant: None,
            name: "retail".to_owned(),
            instance: None,
            severity: "Normal".to_owned(),
            reason: "Created".to_owned(),
            message: "tenant retail created".to_owned(),
        }])
    }

    async fn logs(
        &self,
        _who: &Identity,
        tenant: &str,
        app: &str,
        query: &LogQuery,
    ) -> Result<LogBatch, ServiceError> {
        self.take_failure()?;
        self.log_queries
            .lock()
            .unwrap()
            .push((tenant.to_owned(), app.to_owned(), query.clone()));
        Ok(LogBatch {
            lines: vec![LogLine {
                instance: "web-0".to_owned(),
                time: "2026-01-31T09:00:00.000000001Z".to_owned(),
                stream: "stdout".to_owned(),
                text: "listening on :8080".to_owned(),
            }],
            cursor: "c1".to_owned(),
        })
    }
}

fn app_with(stub: &Arc<Stub>) -> Router {
    let state = AppState::new(stub.clone(), AdminToken::new(TOKEN, TOKEN_FILE));
    router(state)
}

/// Sends one request with the administrator token and returns the status and JSON body.
async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<(&str, String)>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"));
    let body = match body {
        Some((content_type, text)) => {
            request = request.header("content-type", content_type);
            Body::from(text)
        }
        None => Body::empty(),
    };
    send(app, request.body(body).unwrap()).await
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "response {status} is not JSON: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, value)
}

fn apply_body(files: &[(&str, &str)], dry_run: bool) -> Option<(&'static str, String)> {
    let files: Vec<Value> = files
        .iter()
        .map(|(name, content)| json!({"name": name, "content": content}))
        .collect();
    Some((
        "application/json",
        json!({"files": files, "dryRun": dry_run}).to_string(),
    ))
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let app = app_with(&Arc::default());
    let request = Request::get("/api/v1/healthz").body(Body::empty()).unwrap();

    let (status, body) = send(&app, request).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn missing_token_is_unauthorized() {
    let app = app_with(&Arc::default());
    let request = Request::get("/api/v1/tenants").body(Body::empty()).unwrap();

    let (status, body) = send(&app, request).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "Unauthorized");
    assert!(
        body["message"].as_str().unwrap().contains(TOKEN_FILE),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let app = app_with(&Arc::default());
    for header in [
        format!("Bearer {}", TOKEN.replace('0', "1")),
        format!("Basic {TOKEN}"),
        "Bearer".to_owned(),
    ] {
        let request = Request::get("/api/v1/version")
            .header("authorization", &header)
            .body(Body::empty())
            .unwrap();

        let (status, body) = send(&app, request).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(body["code"], "Unauthorized", "{header}");
    }
}

#[tokio::test]
async fn version_names_the_model_version() {
    let app = app_with(&Arc::default());

    let (status, body) = call(&app, "GET", "/api/v1/version", None).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["apiVersion"], "strongroom/v1");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn schema_is_a_json_schema() {
    let app = app_with(&Arc::default());

    let (status, body) = call(&app, "GET", "/api/v1/schema", None).await;

    assert_eq!(status, StatusCode::OK);
    assert!(body["$schema"].is_string(), "{body}");
}

#[tokio::test]
async fn service_errors_map_to_their_status() {
    let cases = [
        (
            ServiceError::Invalid {
                message: "bad".into(),
                details: vec!["d1".into()],
            },
            400,
            "Invalid",
        ),
        (
            ServiceError::NotFound {
                kind: Kind::Tenant,
                tenant: None,
                name: "x".into(),
            },
            404,
            "NotFound",
        ),
        (
            ServiceError::Conflict {
                message: "stale".into(),
            },
            409,
            "Conflict",
        ),
        (
            ServiceError::Unavailable {
                message: "store down".into(),
            },
            503,
            "Unavailable",
        ),
    ];
    for (error, expected_status, expected_code) in cases {
        let stub = Arc::new(Stub::default());
        let message = error.to_string();
        stub.fail_next(error);
        let app = app_with(&stub);

        let (status, body) = call(&app, "GET", "/api/v1/tenants", None).await;

        assert_eq!(status.as_u16(), expected_status, "{expected_code}");
        assert_eq!(body["code"], expected_code);
        assert_eq!(body["message"], message.as_str());
    }
}

#[tokio::test]
async fn invalid_details_reach_the_client() {
    let stub = Arc::new(Stub::default());
    stub.fail_next(ServiceError::Invalid {
        message: "bad".into(),
        details: vec!["d1".into(), "d2".into()],
    });
    let app = app_with(&stub);

    let (_, body) = call(&app, "GET", "/api/v1/applications", None).await;

    assert_eq!(body["details"], json!(["d1", "d2"]));
}

#[tokio::test]
async fn apply_with_bad_files_lists_every_problem() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let unknown_field = TENANT.replace("displayName", "colour");
    let bad_level = APPLICATION.replace("securityLevel: 3", "securityLevel: 9");
    let malformed = "apiVersion: strongroom/v1\nkind: [unclosed\n";
    let files = [
        ("tenant.yaml", unknown_field.as_str()),
        ("web.yaml", bad_level.as_str()),
        ("broken.yaml", malformed),
    ];

    let (status, body) = call(&app, "POST", "/api/v1/apply", apply_body(&files, false)).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "Invalid");
    let details: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    for (file, path) in [
        ("tenant.yaml", "spec"),
        ("web.yaml", "spec.securityLevel"),
        ("broken.yaml", ""),
    ] {
        let found = details.iter().find(|d| d.starts_with(&format!("{file}:")));
        let detail = found.unwrap_or_else(|| panic!("no problem for {file}: {details:?}"));
        let mut parts = detail.splitn(4, ':');
        assert_eq!(parts.next(), Some(file));
        assert!(
            parts.next().unwrap().parse::<usize>().is_ok(),
            "no line in {detail}"
        );
        assert!(
            parts.next().unwrap().parse::<usize>().is_ok(),
            "no column in {detail}"
        );
        assert!(detail.contains(path), "{detail} does not name {path}");
    }
    assert!(
        stub.applied.lock().unwrap().is_empty(),
        "something was applied"
    );
}

#[tokio::test]
async fn apply_sends_every_object_in_one_call() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let files = [("tenant.yaml", TENANT), ("web.yaml", APPLICATION)];

    let (status, body) = call(&app, "POST", "/api/v1/apply", apply_body(&files, false)).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let applied = stub.applied.lock().unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].len(), 2);
    assert_eq!(body["results"][0]["action"], "created");
    assert_eq!(body["results"][0]["object"]["metadata"]["name"], "retail");
    assert_eq!(body["results"][1]["object"]["metadata"]["tenant"], "retail");
    assert_eq!(body["dryRun"], false);
}

#[tokio::test]
async fn apply_rejects_an_object_defined_in_two_files() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let files = [("a.yaml", TENANT), ("b.yaml", TENANT)];

    let (status, body) = call(&app, "POST", "/api/v1/apply", apply_body(&files, false)).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    let detail = body["details"][0].as_str().unwrap();
    assert!(detail.starts_with("b.yaml"), "{detail}");
    assert!(detail.contains("a.yaml"), "{detail}");
    assert!(stub.applied.lock().unwrap().is_empty());
}

#[tokio::test]
async fn apply_without_objects_is_invalid() {
    let app = app_with(&Arc::default());

    let (empty_status, _) = call(&app, "POST", "/api/v1/apply", apply_body(&[], false)).await;
    let (blank_status, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("blank.yaml", "# nothing\n")], false),
    )
    .await;

    assert_eq!(empty_status, StatusCode::BAD_REQUEST);
    assert_eq!(blank_status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("blank.yaml"),
        "{body}"
    );
}

#[tokio::test]
async fn dry_run_compares_without_storing() {
    let stub = Arc::new(Stub::default());
    let Object::Tenant(tenant) = strongroom_model::parse_manifests("t", TENANT)
        .unwrap()
        .remove(0)
    else {
        panic!("not a tenant");
    };
    stub.stored
        .lock()
        .unwrap()
        .push(api_object(&Object::Tenant(tenant)));
    let app = app_with(&stub);
    let changed_app = APPLICATION.replace("desired: 2", "desired: 3");
    let files = [("tenant.yaml", TENANT), ("web.yaml", changed_app.as_str())];

    let (status, body) = call(&app, "POST", "/api/v1/apply", apply_body(&files, true)).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dryRun"], true);
    assert_eq!(body["results"][0]["action"], "unchanged");
    assert_eq!(body["results"][1]["action"], "created");
    assert_eq!(
        body["results"][1]["object"]["spec"]["instances"]["desired"],
        3
    );
    assert!(
        stub.applied.lock().unwrap().is_empty(),
        "a dry run stored something"
    );
    assert_eq!(stub.dry_runs.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn dry_run_returns_control_plane_error() {
    let stub = Arc::new(Stub::default());
    stub.fail_next(ServiceError::Invalid {
        message: "nothing was applied: Application nosuch/web: tenant nosuch does not exist"
            .to_owned(),
        details: Vec::new(),
    });
    let app = app_with(&stub);
    let application = APPLICATION.replace("tenant: retail", "tenant: nosuch");

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("web.yaml", &application)], true),
    )
    .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("tenant nosuch does not exist"),
        "{message}"
    );
    assert!(stub.applied.lock().unwrap().is_empty());
}

#[tokio::test]
async fn oversized_body_is_rejected_with_413() {
    let app = app_with(&Arc::default());
    let content = "#".repeat(BODY_LIMIT_BYTES + 1);

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("big.yaml", &content)], false),
    )
    .await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "PayloadTooLarge");
    assert!(
        body["message"].as_str().unwrap().contains("4 MiB"),
        "{body}"
    );
}

#[tokio::test]
async fn apply_body_must_be_json() {
    let app = app_with(&Arc::default());

    let (missing_type, _) = call(
        &app,
        "POST",
        "/api/v1/apply",
        Some(("text/plain", "{}".to_owned())),
    )
    .await;
    let (bad_json, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        Some(("application/json", "{files".to_owned())),
    )
    .await;

    assert_eq!(missing_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(bad_json, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "Invalid");
}

#[tokio::test]
async fn put_passes_the_resource_version() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let body = APPLICATION.replace(
        "  tenant: retail\n",
        "  tenant: retail\n  resourceVersion: \"41\"\n",
    );

    let (status, response) = call(
        &app,
        "PUT",
        "/api/v1/tenants/retail/applications/web",
        Some(("application/yaml", body)),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{response}");
    let applied = stub.applied.lock().unwrap();
    assert_eq!(
        applied[0][0].expected_resource_version.as_deref(),
        Some("41")
    );
}

#[tokio::test]
async fn put_of_a_stale_version_is_a_conflict() {
    let stub = Arc::new(Stub::default());
    stub.fail_next(ServiceError::Conflict {
        message: "application web changed; read it again".into(),
    });
    let app = app_with(&stub);
    let body = APPLICATION.replace(
        "  tenant: retail\n",
        "  tenant: retail\n  resourceVersion: \"3\"\n",
    );

    let (status, response) = call(
        &app,
        "PUT",
        "/api/v1/tenants/retail/applications/web",
        Some(("application/yaml", body)),
    )
    .await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(response["code"], "Conflict");
}

#[tokio::test]
async fn put_accepts_an_object_read_back_as_json() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let parsed = strongroom_model::parse_manifests("t", TENANT)
        .unwrap()
        .remove(0);
    let mut read_back = serde_json::to_value(api_object(&parsed)).unwrap();
    read_back["status"] = json!({"subnet": "10.89.4.0/24"});

    let (status, response) = call(
        &app,
        "PUT",
        "/api/v1/tenants/retail",
        Some(("application/json", read_back.to_string())),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{response}");
    let applied = stub.applied.lock().unwrap();
    assert_eq!(
        applied[0][0].expected_resource_version.as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn put_fills_in_the_tenant_from_the_path() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let body = APPLICATION.replace("  tenant: retail\n", "");

    let (status, response) = call(
        &app,
        "PUT",
        "/api/v1/tenants/retail/applications/web",
        Some(("application/yaml", body)),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{response}");
    assert_eq!(response["metadata"]["tenant"], "retail");
}

#[tokio::test]
async fn put_must_match_the_path() {
    let app = app_with(&Arc::default());
    let cases = [
        ("/api/v1/tenants/other", TENANT.to_owned(), "metadata.name"),
        (
            "/api/v1/tenants/other/applications/web",
            APPLICATION.to_owned(),
            "metadata.tenant",
        ),
        (
            "/api/v1/tenants/retail/applications/web",
            TENANT.to_owned(),
            "Tenant",
        ),
        (
            "/api/v1/tenants/retail",
            format!("{TENANT}---\n{TENANT}"),
            "",
        ),
    ];
    for (uri, body, expected) in cases {
        let (status, response) = call(&app, "PUT", uri, Some(("application/yaml", body))).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {response}");
        let text = response.to_string();
        assert!(text.contains(expected), "{uri}: {text}");
    }
}

#[tokio::test]
async fn application_routes_use_path_tenant() {
    let stub = Arc::new(Stub::default());
    let parsed = strongroom_model::parse_manifests("a", APPLICATION)
        .unwrap()
        .remove(0);
    stub.stored.lock().unwrap().push(api_object(&parsed));
    let app = app_with(&stub);

    let (found, object) = call(&app, "GET", "/api/v1/tenants/retail/applications/web", None).await;
    let (missing, _) = call(&app, "GET", "/api/v1/tenants/other/applications/web", None).await;
    let (deleted, deleting) = call(
        &app,
        "DELETE",
        "/api/v1/tenants/retail/applications/web",
        None,
    )
    .await;
    let (listed, list) = call(&app, "GET", "/api/v1/tenants/retail/applications", None).await;

    assert_eq!(found, StatusCode::OK);
    assert_eq!(object["metadata"]["name"], "web");
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(deleted, StatusCode::OK);
    assert!(deleting["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(listed, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bearer_scheme_is_case_insensitive() {
    let app = app_with(&Arc::default());
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let request = Request::get("/api/v1/version")
            .header("authorization", format!("{scheme} {TOKEN}"))
            .body(Body::empty())
            .unwrap();

        let (status, body) = send(&app, request).await;

        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
}

#[tokio::test]
async fn events_query_becomes_a_filter() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);

    let (status, body) = call(
        &app,
        "GET",
        "/api/v1/events?kind=apps&tenant=retail&name=web&after=7&limit=20",
        None,
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["reason"], "Created");
    let filters = stub.event_filters.lock().unwrap();
    assert_eq!(filters[0].kind, Some(Kind::Application));
    assert_eq!(filters[0].tenant.as_deref(), Some("retail"));
    assert_eq!(filters[0].name.as_deref(), Some("web"));
    assert_eq!(filters[0].after_id, Some(7));
    assert_eq!(filters[0].limit, Some(20));
}

#[tokio::test]
async fn events_reject_bad_parameters() {
    let app = app_with(&Arc::default());

    for uri in [
        "/api/v1/events?kind=pods",
        "/api/v1/events?limit=ten",
        "/api/v1/events?limit=1000000",
    ] {
        let (status, body) = call(&app, "GET", uri, None).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["code"], "Invalid", "{uri}");
    }
}

#[tokio::test]
async fn events_integer_errors_name_parameter_value_and_range() {
    let app = app_with(&Arc::default());
    let max = EventFilter::MAX_LIMIT;
    for (query, expected) in [
        (
            "limit=-1",
            format!("\"-1\" in query parameter limit: expected an integer from 1 to {max}"),
        ),
        (
            "limit=0",
            format!("\"0\" in query parameter limit: expected an integer from 1 to {max}"),
        ),
        (
            "limit=99999999999999999999",
            format!(
                "\"99999999999999999999\" in query parameter limit: expected an integer from 1 to {max}"
            ),
        ),
        (
            "after=-1",
            format!(
                "\"-1\" in query parameter after: expected an integer from 0 to {}",
                i64::MAX
            ),
        ),
    ] {
        let (status, body) = call(&app, "GET", &format!("/api/v1/events?{query}"), None).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(&expected), "{query}: {message}");
    }
}

#[tokio::test]
async fn logs_reject_a_negative_tail_naming_the_range() {
    let app = app_with(&Arc::default());

    let (status, body) = call(
        &app,
        "GET",
        "/api/v1/tenants/retail/applications/web/logs?tail=-1",
        None,
    )
    .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["message"].as_str().unwrap();
    let expected = format!(
        "\"-1\" in query parameter tail: expected an integer from 0 to {}",
        u32::MAX
    );
    assert!(message.contains(&expected), "{message}");
}

#[tokio::test]
async fn logs_query_reaches_the_control_plane() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let uri = "/api/v1/tenants/retail/applications/web/logs\
               ?instance=web-0&since=2026-01-31T09:00:00Z&tail=5&after=c0";

    let (status, body) = call(&app, "GET", uri, None).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["lines"][0]["text"], "listening on :8080");
    assert_eq!(body["cursor"], "c1");
    let queries = stub.log_queries.lock().unwrap();
    let (tenant, app_name, query) = &queries[0];
    assert_eq!((tenant.as_str(), app_name.as_str()), ("retail", "web"));
    assert_eq!(query.instance.as_deref(), Some("web-0"));
    assert_eq!(query.since.as_deref(), Some("2026-01-31T09:00:00Z"));
    assert_eq!(query.tail, Some(5));
    assert_eq!(query.after.as_deref(), Some("c0"));
}

#[tokio::test]
async fn logs_reject_a_bad_since() {
    let app = app_with(&Arc::default());

    let (status, body) = call(
        &app,
        "GET",
        "/api/v1/tenants/retail/applications/web/logs?since=yesterday",
        None,
    )
    .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("RFC 3339"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_route_and_method_get_api_errors() {
    let app = app_with(&Arc::default());

    let (not_found, body) = call(&app, "GET", "/api/v1/pods", None).await;
    let (not_allowed, method_body) = call(&app, "POST", "/api/v1/tenants", None).await;

    assert_eq!(not_found, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "NotFound");
    assert_eq!(not_allowed, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method_body["code"], "MethodNotAllowed");
}

#[tokio::test]
async fn malformed_path_gets_an_api_error_body() {
    let app = app_with(&Arc::default());

    let (status, body) = call(&app, "GET", "/api/v1/tenants/%FF", None).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "Invalid");
    assert!(!body["message"].as_str().unwrap().is_empty(), "{body}");
}

/// Returns [`TENANT`] as read back from the API at `resource_version`.
fn read_back_tenant(resource_version: &str) -> String {
    let metadata =
        format!("  name: retail\n  uid: uid-retail\n  resourceVersion: \"{resource_version}\"\n");
    let document = TENANT.replace("  name: retail\n", &metadata);
    format!("{document}status:\n  subnet: 10.89.4.0/24\n")
}

/// Returns a stub that stores the tenant of [`TENANT`] at resource version 1.
fn stub_with_tenant() -> Arc<Stub> {
    let stub = Arc::new(Stub::default());
    let tenant = strongroom_model::parse_manifests("t", TENANT)
        .unwrap()
        .remove(0);
    stub.stored.lock().unwrap().push(api_object(&tenant));
    stub
}

#[tokio::test]
async fn apply_passes_resource_versions() {
    let stub = Arc::new(Stub::default());
    let app = app_with(&stub);
    let tenant = read_back_tenant("41");
    let files = [("tenant.yaml", tenant.as_str()), ("web.yaml", APPLICATION)];

    let (status, body) = call(&app, "POST", "/api/v1/apply", apply_body(&files, false)).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let applied = stub.applied.lock().unwrap();
    assert_eq!(
        applied[0][0].expected_resource_version.as_deref(),
        Some("41")
    );
    assert_eq!(applied[0][1].expected_resource_version, None);
}

#[tokio::test]
async fn apply_conflict_names_stale_file() {
    let stub = stub_with_tenant();
    stub.fail_next(ServiceError::Conflict {
        message: "tenant/retail changed since it was read".into(),
    });
    let app = app_with(&stub);
    let tenant = read_back_tenant("0");

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("tenant.yaml", &tenant)], false),
    )
    .await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "Conflict");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("tenant/retail changed since it was read; "),
        "{message}"
    );
    assert!(
        message.contains("tenant.yaml has tenant/retail at resource version 0, but it is now at 1"),
        "{message}"
    );
    assert!(
        message.contains("get it again with `strongroom get tenant retail -o yaml`"),
        "{message}"
    );
}

#[tokio::test]
async fn apply_conflict_of_current_version_is_unchanged() {
    let stub = stub_with_tenant();
    stub.fail_next(ServiceError::Conflict {
        message: "subnet 10.89.4.0/24 is in use".into(),
    });
    let app = app_with(&stub);
    let tenant = read_back_tenant("1");

    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("tenant.yaml", &tenant)], false),
    )
    .await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["message"], "subnet 10.89.4.0/24 is in use");
}

#[tokio::test]
async fn dry_run_of_stale_version_is_a_conflict() {
    let stub = stub_with_tenant();
    let app = app_with(&stub);
    let stale = read_back_tenant("0");
    let current = read_back_tenant("1");

    let (stale_status, stale_body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("tenant.yaml", &stale)], true),
    )
    .await;
    let (current_status, current_body) = call(
        &app,
        "POST",
        "/api/v1/apply",
        apply_body(&[("tenant.yaml", &current)], true),
    )
    .await;

    assert_eq!(stale_status, StatusCode::CONFLICT, "{stale_body}");
    let message = stale_body["message"].as_str().unwrap();
    assert!(
        message.starts_with("nothing would be applied: tenant.yaml has tenant/retail"),
        "{message}"
    );
    assert_eq!(current_status, StatusCode::OK, "{current_body}");
    assert_eq!(current_body["results"][0]["action"], "unchanged");
    assert!(stub.applied.lock().unwrap().is_empty());
}
