//! The whole server over a real loopback socket: the real store and control
//! plane with an engine double, driven through the API client.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strongroom_api::{ApplyFile, ApplyOutcome, ApplyRequest, Client, LogParams, RequestError};
use strongroom_model::Kind;
use strongroom_server::{
    ClientFile, DataDir, EngineParts, ServeError, ServerConfig, StartPlatformError, serve,
};
use support::HealthyEngine;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const TENANT: &str = "apiVersion: strongroom/v1
kind: Tenant
metadata:
  name: retail
spec:
  network:
    subnet: 10.99.0.0/24
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
  image: 127.0.0.1:1/samples/httpd:1.0
  instances:
    desired: 2
";

struct RunningServer {
    data_dir: DataDir,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
    engine: Arc<HealthyEngine>,
}

fn config(root: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(root);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config
}

fn start(root: &std::path::Path) -> RunningServer {
    let engine = Arc::new(HealthyEngine::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let engine_for_server = engine.clone();
    let create_engine = async move |_: ServerConfig| -> Result<EngineParts, StartPlatformError> {
        let (_sender, events) = strongroom_engine::tokio_mpsc::unbounded_channel();
        Ok((
            engine_for_server as Arc<dyn strongroom_engine::Engine>,
            events,
        ))
    };
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(serve(config(root), create_engine, shutdown));
    RunningServer {
        data_dir: DataDir::new(root),
        stop: Some(stop),
        task,
        engine,
    }
}

impl RunningServer {
    /// Waits until the server wrote its client file, and returns a client with its token.
    async fn client(&self) -> Client {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(file)) = ClientFile::read(&self.data_dir.client_file()) {
                let token = std::fs::read_to_string(&file.token_file).unwrap();
                return Client::new(&file.url, token.trim()).unwrap();
            }
            assert!(Instant::now() < deadline, "the server wrote no client file");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn shut_down(mut self) -> Result<(), ServeError> {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap()
    }
}

async fn wait_until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn apply_request(files: &[(&str, &str)]) -> ApplyRequest {
    let files = files
        .iter()
        .map(|(name, content)| ApplyFile {
            name: (*name).to_owned(),
            content: (*content).to_owned(),
        })
        .collect();
    ApplyRequest {
        files,
        dry_run: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_get_delete_over_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let client = server.client().await;

    let applied = client
        .apply(&apply_request(&[
            ("tenant.yaml", TENANT),
            ("web.yaml", APPLICATION),
        ]))
        .await
        .unwrap();
    assert_eq!(applied.results.len(), 2);
    assert!(
        applied
            .results
            .iter()
            .all(|r| r.action == ApplyOutcome::Created)
    );
    let again = client
        .apply(&apply_request(&[
            ("tenant.yaml", TENANT),
            ("web.yaml", APPLICATION),
        ]))
        .await
        .unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.action == ApplyOutcome::Unchanged),
        "{again:?}"
    );

    let app = wait_until("two healthy instances", async || {
        let app = client
            .get(Kind::Application, Some("retail"), "web")
            .await
            .unwrap();
        let instances = app.status["instances"].as_array()?.clone();
        (instances.len() == 2 && instances.iter().all(|i| i["healthy"] == true)).then_some(app)
    })
    .await;
    assert_eq!(app.metadata.tenant.as_deref(), Some("retail"));
    assert_eq!(app.status["instances"][0]["ip"], "10.99.0.2");
    assert_eq!(client.list(Kind::Application, None).await.unwrap().len(), 1);
    assert_eq!(client.list(Kind::Tenant, None).await.unwrap().len(), 1);

    let logs = client
        .logs("retail", "web", &LogParams::default())
        .await
        .unwrap();
    assert_eq!(logs.lines.len(), 2);
    let events = client.events(&Default::default()).await.unwrap();
    assert!(!events.is_empty(), "no events recorded");

    client
        .delete(Kind::Application, Some("retail"), "web")
        .await
        .unwrap();
    wait_until("the application to be removed", async || {
        let result = client.get(Kind::Application, Some("retail"), "web").await;
        matches!(result, Err(ref e) if e.is_not_found()).then_some(())
    })
    .await;
    assert!(
        server.engine.running().is_empty(),
        "the engine still runs {:?}",
        server.engine.running()
    );

    server.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_manifest_reports_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let client = server.client().await;
    let bad = APPLICATION.replace("securityLevel: 3", "securityLevel: 7");

    let error = client
        .apply(&apply_request(&[
            ("tenant.yaml", TENANT),
            ("web.yaml", &bad),
        ]))
        .await
        .unwrap_err();

    let body = error.api_body().expect("an API error body");
    assert_eq!(body.code, "Invalid");
    assert!(
        body.details[0].starts_with("web.yaml:9:"),
        "{:?}",
        body.details
    );
    assert!(
        body.details[0].contains("spec.securityLevel"),
        "{:?}",
        body.details
    );
    let tenants = client.list(Kind::Tenant, None).await.unwrap();
    assert!(tenants.is_empty(), "a rejected apply stored {tenants:?}");

    server.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_writes_token_client_file_and_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let client = server.client().await;
    client.healthz().await.unwrap();

    let data_dir = DataDir::new(dir.path());
    let token_mode = std::fs::metadata(data_dir.admin_token())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(token_mode & 0o777, 0o600);
    let pid = std::fs::read_to_string(data_dir.pid_file()).unwrap();
    assert_eq!(pid.trim(), std::process::id().to_string());
    let file = ClientFile::read(&data_dir.client_file()).unwrap().unwrap();
    assert!(file.url.starts_with("http://127.0.0.1:"), "{}", file.url);
    assert_eq!(file.token_file, data_dir.admin_token());

    server.shut_down().await.unwrap();
    assert!(
        !data_dir.pid_file().exists(),
        "pid file left after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_server_on_one_data_dir_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path());
    first.client().await.healthz().await.unwrap();

    let second = start(dir.path());
    let result = second.task.await.unwrap();

    assert!(
        matches!(result, Err(ServeError::AlreadyRunning { .. })),
        "{result:?}"
    );
    first.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_is_rejected_over_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let good = server.client().await;
    let bad = Client::new(good.base_url(), "not-the-token").unwrap();

    let error = bad.list(Kind::Tenant, None).await.unwrap_err();

    assert!(
        matches!(error, RequestError::Api { status: 401, .. }),
        "{error:?}"
    );
    server.shut_down().await.unwrap();
}
