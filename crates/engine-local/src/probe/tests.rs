use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use strongroom_model::{Protocol, TcpCheck};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

use super::*;
use crate::runtime::ContainerState;
use crate::testing::FakeContainers;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn check(action: impl FnOnce(&mut HealthCheck)) -> HealthCheck {
    let mut check = HealthCheck {
        http: None,
        tcp: None,
        exec: None,
        initial_delay: strongroom_model::Duration::zero(),
        period: strongroom_model::Duration::from_secs(1),
        timeout: strongroom_model::Duration::from_millis(500),
        failure_threshold: 3,
        success_threshold: 1,
    };
    action(&mut check);
    check
}

fn http(port: PortRef, path: &str) -> HealthCheck {
    check(|check| {
        let headers = BTreeMap::from([("x-probe".to_owned(), "yes".to_owned())]);
        check.http = Some(HttpCheck {
            path: path.to_owned(),
            port,
            headers,
        });
    })
}

fn tcp(port: u16) -> HealthCheck {
    check(|check| {
        check.tcp = Some(TcpCheck {
            port: PortRef::Number(port),
        })
    })
}

fn exec() -> HealthCheck {
    check(|check| {
        check.exec = Some(ExecCheck {
            command: vec!["/bin/check".into()],
        })
    })
}

fn target(containers: Arc<FakeContainers>, ports: Vec<Port>) -> ProbeTarget {
    ProbeTarget {
        http: reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        containers,
        container_id: "sr.retail.web.0".into(),
        ip: LOOPBACK,
        ports,
    }
}

fn running_container() -> Arc<FakeContainers> {
    let containers = Arc::new(FakeContainers::default());
    containers.insert(
        "sr.retail.web.0",
        BTreeMap::new(),
        ContainerState::Running { pid: 7 },
    );
    containers
}

/// Serves every connection on loopback with `status` and records the requests.
async fn serve(status: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buffer = vec![0; 4096];
            let read = stream.read(&mut buffer).await.unwrap_or(0);
            recorded
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buffer[..read]).into_owned());
            let response =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    (port, requests)
}

/// Returns a loopback port that nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn threshold_fails_after_consecutive_failures() {
    let mut threshold = Threshold::new(&check(|check| check.failure_threshold = 3), true);
    assert_eq!(threshold.observe(false), None);
    assert_eq!(threshold.observe(false), None);
    assert_eq!(threshold.observe(true), None, "a success resets the count");
    assert_eq!(threshold.observe(false), None);
    assert_eq!(threshold.observe(false), None);
    assert_eq!(threshold.observe(false), Some(false));
    assert_eq!(threshold.observe(false), None);
}

#[test]
fn threshold_passes_after_consecutive_successes() {
    let mut threshold = Threshold::new(&check(|check| check.success_threshold = 2), false);
    assert_eq!(threshold.observe(true), None);
    assert_eq!(threshold.observe(true), Some(true));
    assert_eq!(threshold.observe(true), None);
}

#[test]
fn threshold_of_zero_counts_as_one() {
    let mut threshold = Threshold::new(&check(|check| check.failure_threshold = 0), true);
    assert_eq!(threshold.observe(false), Some(false));
}

#[test]
fn resolve_port_by_number_and_name() {
    let ports = vec![Port {
        name: "http".into(),
        port: 8080,
        protocol: Protocol::Tcp,
        host_port: None,
    }];
    assert_eq!(resolve_port(&PortRef::Number(9), &ports), Ok(9));
    assert_eq!(
        resolve_port(&PortRef::Name("http".into()), &ports),
        Ok(8080)
    );
    assert_eq!(
        resolve_port(&PortRef::Name("admin".into()), &ports),
        Err("port \"admin\" is not declared in spec.ports".to_owned())
    );
}

#[tokio::test]
async fn http_check_passes_on_success_and_redirect() {
    for status in ["200 OK", "204 No Content", "302 Found"] {
        let (port, _) = serve(status).await;
        let result = check_once(
            &http(PortRef::Number(port), "/"),
            &target(running_container(), Vec::new()),
        )
        .await;
        assert_eq!(result, Ok(()), "status {status}");
    }
}

#[tokio::test]
async fn http_check_fails_on_server_error() {
    let (port, _) = serve("500 Internal Server Error").await;
    let result = check_once(
        &http(PortRef::Number(port), "/"),
        &target(running_container(), Vec::new()),
    )
    .await;
    let expected =
        format!("GET http://127.0.0.1:{port}/ returned status 500 Internal Server Error");
    assert_eq!(result, Err(expected));
}

#[tokio::test]
async fn http_check_sends_path_and_headers_to_named_port() {
    let (port, requests) = serve("200 OK").await;
    let ports = vec![Port {
        name: "web".into(),
        port,
        protocol: Protocol::Tcp,
        host_port: None,
    }];
    let result = check_once(
        &http(PortRef::Name("web".into()), "healthz"),
        &target(running_container(), ports),
    )
    .await;
    assert_eq!(result, Ok(()));

    let request = requests.lock().unwrap()[0].to_lowercase();
    assert!(
        request.starts_with("get /healthz http/1.1"),
        "request {request}"
    );
    assert!(request.contains("x-probe: yes"), "request {request}");
}

#[tokio::test]
async fn http_check_fails_when_refused() {
    let port = closed_port().await;
    let result = check_once(
        &http(PortRef::Number(port), "/"),
        &target(running_container(), Vec::new()),
    )
    .await;
    let reason = result.unwrap_err();
    assert!(
        reason.starts_with(&format!("GET http://127.0.0.1:{port}/ failed")),
        "reason {reason}"
    );
}

#[tokio::test]
async fn http_check_times_out() {
    // The listener accepts connections into its backlog but never sends a response.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();

    let result = check_once(
        &http(PortRef::Number(port), "/"),
        &target(running_container(), Vec::new()),
    )
    .await;
    assert!(result.is_err(), "result {result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    drop(listener);
}

#[tokio::test]
async fn tcp_check_needs_a_listener() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let open = listener.local_addr().unwrap().port();
    let containers = running_container();
    assert_eq!(
        check_once(&tcp(open), &target(containers.clone(), Vec::new())).await,
        Ok(())
    );

    drop(listener);
    let reason = check_once(&tcp(open), &target(containers, Vec::new()))
        .await
        .unwrap_err();
    assert!(
        reason.starts_with(&format!("TCP connect to 127.0.0.1:{open} failed")),
        "reason {reason}"
    );
}

#[tokio::test]
async fn exec_check_passes_on_exit_code_zero() {
    let containers = running_container();
    assert_eq!(
        check_once(&exec(), &target(containers.clone(), Vec::new())).await,
        Ok(())
    );

    containers.set_exec_code(2);
    let reason = check_once(&exec(), &target(containers, Vec::new()))
        .await
        .unwrap_err();
    assert_eq!(reason, "command [\"/bin/check\"] exited with code 2");
}

#[tokio::test]
async fn check_without_action_fails() {
    let result = check_once(&check(|_| {}), &target(running_container(), Vec::new())).await;
    assert_eq!(
        result,
        Err("health check has no http, tcp or exec action".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn readiness_probes_fast_until_ready_then_by_period() {
    let containers = running_container();
    containers.set_exec_code(1);
    let checks = HealthChecks {
        readiness: Some(exec()),
        liveness: None,
    };
    let (sender, mut events) = mpsc::channel(8);
    let _probers = spawn_probers(&checks, target(containers.clone(), Vec::new()), sender);

    let first = events.recv().await.unwrap();
    assert_eq!(
        first,
        ProbeEvent::NotReadyYet {
            reason: "command [\"/bin/check\"] exited with code 1".into()
        }
    );

    containers.set_exec_code(0);
    let started = Instant::now();
    assert_eq!(
        events.recv().await.unwrap(),
        ProbeEvent::Readiness {
            ready: true,
            reason: None
        }
    );
    assert!(
        started.elapsed() <= Duration::from_millis(100),
        "ready after {:?}",
        started.elapsed()
    );

    // After readiness passed, checks run every period, and three failures make it not ready.
    containers.set_exec_code(1);
    let started = Instant::now();
    let event = events.recv().await.unwrap();
    assert!(
        matches!(event, ProbeEvent::Readiness { ready: false, .. }),
        "event {event:?}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed > Duration::from_secs(2) && elapsed <= Duration::from_secs(3),
        "not ready after {elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn liveness_waits_initial_delay_and_threshold() {
    let containers = running_container();
    containers.set_exec_code(1);
    let mut liveness = exec();
    liveness.initial_delay = strongroom_model::Duration::from_secs(5);
    let checks = HealthChecks {
        readiness: None,
        liveness: Some(liveness),
    };
    let (sender, mut events) = mpsc::channel(8);
    let started = Instant::now();
    let _probers = spawn_probers(&checks, target(containers, Vec::new()), sender);

    let event = events.recv().await.unwrap();
    let reason = "command [\"/bin/check\"] exited with code 1".to_owned();
    assert_eq!(event, ProbeEvent::LivenessFailed { reason });
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(7),
        "initial delay, then three checks one period apart"
    );
}
