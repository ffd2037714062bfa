use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use strongroom_model::Kind;

use crate::{ApiErrorBody, ApiMetadata, ApiObject, Client, ClientBuildError, RequestError};

/// Serves `router` on a free loopback port until the test's runtime ends.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// An object whose name is the request path, so a test can see which URL was built.
async fn echo_path(uri: Uri) -> axum::Json<ApiObject> {
    axum::Json(ApiObject {
        api_version: "strongroom/v1".to_owned(),
        kind: "Tenant".to_owned(),
        metadata: ApiMetadata {
            name: uri.to_string(),
            tenant: None,
            uid: "u".to_owned(),
            resource_version: "1".to_owned(),
            generation: 1,
            creation_timestamp: "2026-01-01T00:00:00Z".to_owned(),
            deletion_timestamp: None,
            labels: Default::default(),
            annotations: Default::default(),
        },
        spec: serde_json::json!({}),
        status: serde_json::Value::Null,
    })
}

#[tokio::test]
async fn connection_refused_means_not_running() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&url, "token").unwrap();

    let error = client.healthz().await.unwrap_err();

    assert!(
        matches!(error, RequestError::NotRunning { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("strongroom up"), "{message}");
}

#[tokio::test]
async fn error_body_is_returned_unchanged() {
    let body = ApiErrorBody {
        code: "Conflict".to_owned(),
        message: "tenant retail changed since it was read".to_owned(),
        details: vec!["a".to_owned(), "b".to_owned()],
    };
    let response = (StatusCode::CONFLICT, axum::Json(body.clone()));
    let url = serve(Router::new().fallback(move || async move { response.clone() })).await;
    let client = Client::new(&url, "token").unwrap();

    let error = client.get(Kind::Tenant, None, "retail").await.unwrap_err();

    assert_eq!(error.status(), Some(409));
    assert_eq!(error.api_body(), Some(&body));
    assert_eq!(error.to_string(), body.message);
}

#[tokio::test]
async fn non_api_error_is_invalid_response() {
    let response = (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>");
    let url = serve(Router::new().fallback(move || async move { response.into_response() })).await;
    let client = Client::new(&url, "token").unwrap();

    let error = client.healthz().await.unwrap_err();

    assert!(
        matches!(error, RequestError::InvalidResponse { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("bad gateway"), "{error}");
}

#[tokio::test]
async fn bearer_token_is_sent() {
    let handler = |headers: HeaderMap| async move {
        let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
        let status = if authorization == Some("Bearer s3cret") {
            "ok"
        } else {
            "missing"
        };
        axum::Json(serde_json::json!({ "status": status }))
    };
    let url = serve(Router::new().route("/api/v1/healthz", get(handler))).await;
    let client = Client::new(&url, "s3cret").unwrap();

    let health = client.healthz().await.unwrap();

    assert_eq!(health.status, "ok");
}

#[tokio::test]
async fn object_urls_follow_the_api_paths() {
    let url = serve(Router::new().fallback(echo_path)).await;
    let client = Client::new(&url, "token").unwrap();

    let tenant = client.get(Kind::Tenant, None, "retail").await.unwrap();
    let app = client
        .get(Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    let encoded = client.delete(Kind::Tenant, None, "a/b c").await.unwrap();

    assert_eq!(tenant.metadata.name, "/api/v1/tenants/retail");
    assert_eq!(app.metadata.name, "/api/v1/tenants/retail/applications/web");
    assert_eq!(encoded.metadata.name, "/api/v1/tenants/a%2Fb%20c");
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let url = serve(Router::new().fallback(echo_path)).await;
    let client = Client::new(&format!("{url}/strongroom/"), "token").unwrap();

    let tenant = client.get(Kind::Tenant, None, "retail").await.unwrap();

    assert_eq!(tenant.metadata.name, "/strongroom/api/v1/tenants/retail");
}

#[tokio::test]
async fn application_without_tenant_is_rejected_locally() {
    let client = Client::new("http://127.0.0.1:9", "token").unwrap();

    let error = client
        .get(Kind::Application, None, "web")
        .await
        .unwrap_err();

    assert!(
        matches!(error, RequestError::MissingTenant { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn slow_server_times_out() {
    let handler = || async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    };
    let url = serve(Router::new().fallback(handler)).await;
    let client = Client::with_timeout(&url, "token", Duration::from_millis(200)).unwrap();

    let error = client.healthz().await.unwrap_err();

    assert!(matches!(error, RequestError::Timeout { .. }), "{error:?}");
}

#[test]
fn invalid_base_urls_are_rejected() {
    for url in [
        "127.0.0.1:7470",
        "ftp://127.0.0.1/",
        "not a url",
        "unix:/run/x",
    ] {
        let error = Client::new(url, "token").unwrap_err();
        assert!(
            matches!(error, ClientBuildError::InvalidUrl { .. }),
            "{url}: {error:?}"
        );
    }
}
