//! Supervision logic against in-memory doubles of the runtime, network and
//! image layers, on tokio's paused clock so that backoff delays pass at once.

use std::time::Duration;

use strongroom_engine::EngineEvent;
use strongroom_model::{ApplicationSpec, ExecCheck, HealthCheck, InstanceState, Port, Protocol};
use tokio::sync::mpsc;

use super::*;
use crate::naming::InstanceLabels;
use crate::runtime::{ContainerState, RuntimeError};
use crate::testing::{Fakes, sample_deployment, sample_image, sample_key, sample_spec};

/// An engine over doubles, with its events and state directories.
struct Harness {
    engine: LocalEngine,
    fakes: Fakes,
    events: mpsc::UnboundedReceiver<EngineEvent>,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn new() -> Harness {
        let fakes = Fakes::default();
        fakes.images.set("r/web:1", Ok(sample_image("r/web:1")));
        Harness::over(fakes, tempfile::tempdir().unwrap()).await
    }

    /// Starts an engine over existing doubles, as after a control-plane restart.
    async fn over(fakes: Fakes, dir: tempfile::TempDir) -> Harness {
        let (sender, events) = mpsc::unbounded_channel();
        let dirs = StateDirs {
            runtime: dir.path().join("runtime"),
            network: dir.path().join("network"),
            logs: dir.path().join("logs"),
        };
        for path in [&dirs.runtime, &dirs.network, &dirs.logs] {
            std::fs::create_dir_all(path).unwrap();
        }
        let host = Host::new(
            fakes.containers.clone(),
            fakes.networks.clone(),
            fakes.images.clone(),
            sender,
            dirs.logs.clone(),
        )
        .unwrap();
        let engine = LocalEngine::start(host, dirs).await.unwrap();
        Harness {
            engine,
            fakes,
            events,
            dir,
        }
    }

    /// Ends this engine without touching containers and starts a new one over the same doubles.
    async fn restart(self) -> Harness {
        let Harness {
            engine, fakes, dir, ..
        } = self;
        drop(engine);
        tokio::time::sleep(Duration::from_millis(10)).await;
        Harness::over(fakes, dir).await
    }

    async fn sync(&self, deployment: &Deployment) -> ApplicationStatus {
        self.engine.sync(deployment).await.unwrap()
    }

    /// Syncs every 100 ms of paused time until `done` holds, for at most an hour.
    async fn sync_until(
        &self,
        deployment: &Deployment,
        done: impl Fn(&ApplicationStatus) -> bool,
    ) -> ApplicationStatus {
        let mut status = self.sync(deployment).await;
        for _ in 0..36_000 {
            if done(&status) {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            status = self.sync(deployment).await;
        }
        panic!("status never reached the expected state: {status:#?}");
    }

    async fn sync_until_running(&self, deployment: &Deployment) -> ApplicationStatus {
        self.sync_until(deployment, |status| {
            status.phase == ApplicationPhase::Running
        })
        .await
    }

    fn events(&mut self) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            events.push(event);
        }
        events
    }

    fn creates(&self, id: &str) -> usize {
        let wanted = format!("create {id}");
        self.fakes
            .containers
            .operations()
            .iter()
            .filter(|operation| **operation == wanted)
            .count()
    }
}

fn reasons(events: &[EngineEvent], reason: &str) -> Vec<String> {
    events
        .iter()
        .filter(|event| event.reason == reason)
        .map(|event| event.message.clone())
        .collect()
}

fn id(ordinal: u32) -> String {
    naming::container_id(&sample_key(), ordinal)
}

fn exec_check(command: &str) -> HealthCheck {
    HealthCheck {
        http: None,
        tcp: None,
        exec: Some(ExecCheck {
            command: vec![command.to_owned()],
        }),
        initial_delay: strongroom_model::Duration::zero(),
        period: strongroom_model::Duration::from_secs(1),
        timeout: strongroom_model::Duration::from_secs(1),
        failure_threshold: 3,
        success_threshold: 1,
    }
}

fn with_env(mut spec: ApplicationSpec, value: &str) -> ApplicationSpec {
    spec.env = vec![strongroom_model::EnvVar {
        name: "VERSION".into(),
        value: value.into(),
    }];
    spec
}

#[tokio::test(start_paused = true)]
async fn sync_starts_desired_instances() {
    let mut harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(3));

    let status = harness.sync_until_running(&deployment).await;
    assert_eq!(status.observed_generation, 1);
    assert_eq!(status.desired_instances, 3);
    assert_eq!(status.healthy_instances, 3);
    assert_eq!(
        status.image_digest,
        Some(sample_image("r/web:1").manifest_digest)
    );
    let names: Vec<_> = status
        .instances
        .iter()
        .map(|instance| instance.name.as_str())
        .collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"]);

    let mut ips: Vec<_> = status
        .instances
        .iter()
        .map(|instance| instance.ip.clone().unwrap())
        .collect();
    ips.dedup();
    assert_eq!(ips.len(), 3, "each instance has its own address: {ips:?}");
    for instance in &status.instances {
        assert_eq!(instance.state, InstanceState::Running);
        assert_eq!(instance.restarts, 0);
        assert!(instance.started_at.is_some());
    }

    let events = harness.events();
    assert_eq!(reasons(&events, "Pulled").len(), 1);
    assert_eq!(reasons(&events, "Started").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn sync_is_idempotent() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(2));
    harness.sync_until_running(&deployment).await;

    for _ in 0..20 {
        harness.sync(&deployment).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(harness.creates(&id(0)), 1);
    assert_eq!(harness.creates(&id(1)), 1);
    assert_eq!(harness.fakes.images.pulls(), ["r/web:1"]);
}

#[tokio::test(start_paused = true)]
async fn container_spec_comes_from_image_and_model() {
    let harness = Harness::new().await;
    let mut spec = with_env(sample_spec(1), "2");
    spec.args = Some(vec!["sleep".into(), "60".into()]);
    harness
        .sync_until_running(&sample_deployment(4, spec))
        .await;

    let created = harness.fakes.containers.spec(&id(0)).unwrap();
    assert_eq!(created.hostname, "web-0");
    assert_eq!(created.process_args, ["/bin/busybox", "sleep", "60"]);
    assert_eq!(created.env, ["VERSION=2"]);
    assert_eq!(created.working_dir, "/");
    assert_eq!(
        created.log_path,
        harness.dir.path().join("logs/retail/web/web-0.log")
    );

    let labels = InstanceLabels::from_map(&created.labels).unwrap();
    assert_eq!(labels.generation, 4);
    assert_eq!(labels.ordinal, 0);
    assert_eq!(labels.restarts, 0);
}

#[tokio::test(start_paused = true)]
async fn killed_instance_restarts_immediately() {
    let mut harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(3));
    let before = harness.sync_until_running(&deployment).await;

    harness.fakes.containers.kill(&id(1), 137);
    let status = harness
        .sync_until(&deployment, |status| {
            status.phase == ApplicationPhase::Running && status.instances[1].restarts == 1
        })
        .await;

    let restarted = &status.instances[1];
    assert_eq!(restarted.last_exit_code, Some(137));
    assert_eq!(
        restarted.ip, before.instances[1].ip,
        "a restart keeps the address"
    );
    assert_eq!(status.instances[0].restarts, 0);
    assert_eq!(harness.creates(&id(1)), 2);
    let restarts = reasons(&harness.events(), "Restarted");
    assert_eq!(
        restarts,
        ["restarted web-1 after exit code 137, killed by SIGKILL (restart 1)"]
    );
}

#[tokio::test(start_paused = true)]
async fn repeated_failures_back_off() {
    let mut harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;

    harness.fakes.containers.kill(&id(0), 1);
    harness
        .sync_until(&deployment, |status| {
            status.instances[0].restarts == 1 && status.healthy_instances == 1
        })
        .await;

    harness.fakes.containers.kill(&id(0), 1);
    tokio::task::yield_now().await;
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some("Stopped after exit code 1. Restarting in 1s.")
    );
    assert_eq!(waiting.phase, ApplicationPhase::Degraded);

    harness
        .sync_until(&deployment, |status| {
            status.instances[0].restarts == 2 && status.healthy_instances == 1
        })
        .await;
    harness.fakes.containers.kill(&id(0), 1);
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some("Stopped after exit code 1. Restarting in 2s.")
    );

    let backoffs = reasons(&harness.events(), "BackOff");
    assert_eq!(
        backoffs,
        [
            "web-0 stopped after exit code 1; restarting in 1s",
            "web-0 stopped after exit code 1; restarting in 2s"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn scale_down_removes_highest_first() {
    let mut harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(5)))
        .await;

    let smaller = sample_deployment(2, sample_spec(2));
    let status = harness
        .sync_until(&smaller, |status| status.instances.len() == 2)
        .await;
    assert_eq!(status.phase, ApplicationPhase::Running);

    let stops: Vec<String> = harness
        .fakes
        .containers
        .operations()
        .into_iter()
        .filter(|operation| operation.starts_with("stop") || operation.starts_with("remove"))
        .collect();
    let expected: Vec<String> = [4, 3, 2]
        .iter()
        .flat_map(|n| [format!("stop {}", id(*n)), format!("remove {}", id(*n))])
        .collect();
    assert_eq!(stops, expected);
    assert_eq!(harness.fakes.containers.ids(), [id(0), id(1)]);
    assert_eq!(harness.fakes.networks.attached_ids(), [id(0), id(1)]);
    assert_eq!(reasons(&harness.events(), "Stopped").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn scale_up_after_scale_down() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(3)))
        .await;
    harness
        .sync_until(&sample_deployment(2, sample_spec(1)), |status| {
            status.instances.len() == 1
        })
        .await;

    let status = harness
        .sync_until_running(&sample_deployment(3, sample_spec(3)))
        .await;
    assert_eq!(status.instances.len(), 3);
    assert_eq!(harness.creates(&id(2)), 2);
}

#[tokio::test(start_paused = true)]
async fn scaling_generation_keeps_running_containers() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(2)))
        .await;

    harness
        .sync_until_running(&sample_deployment(2, sample_spec(3)))
        .await;
    assert_eq!(harness.creates(&id(0)), 1);
    assert_eq!(harness.creates(&id(1)), 1);
    assert_eq!(harness.creates(&id(2)), 1);
}

#[tokio::test(start_paused = true)]
async fn rollout_replaces_one_at_a_time() {
    let mut harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, with_env(sample_spec(3), "1")))
        .await;
    let before = harness.fakes.containers.operations().len();

    let next = sample_deployment(2, with_env(sample_spec(3), "2"));
    harness
        .sync_until(&next, |status| {
            status.phase == ApplicationPhase::Running
                && (0..3).all(|n| {
                    harness
                        .fakes
                        .containers
                        .spec(&id(n))
                        .is_some_and(|spec| spec.env == ["VERSION=2"])
                })
        })
        .await;

    let rollout: Vec<String> = harness.fakes.containers.operations()[before..].to_vec();
    let expected: Vec<String> = [2, 1, 0]
        .iter()
        .flat_map(|n| {
            [
                format!("stop {}", id(*n)),
                format!("remove {}", id(*n)),
                format!("create {}", id(*n)),
            ]
        })
        .collect();
    assert_eq!(rollout, expected);
    assert_eq!(reasons(&harness.events(), "Killed").len(), 3);
}

#[tokio::test(start_paused = true)]
async fn rollout_stops_at_unhealthy_instance() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, with_env(sample_spec(3), "1")))
        .await;

    harness
        .fakes
        .containers
        .fail_next_create(RuntimeError::CommandNotFound {
            command: "/app".into(),
            image: "r/web:1".into(),
        });
    let next = sample_deployment(2, with_env(sample_spec(3), "2"));
    let status = harness
        .sync_until(&next, |status| status.phase == ApplicationPhase::Failed)
        .await;
    assert_eq!(status.instances[2].state, InstanceState::Failed);
    assert!(
        status
            .reason
            .as_deref()
            .unwrap()
            .starts_with("web-2: command \"/app\" not found"),
        "{status:#?}"
    );

    for _ in 0..30 {
        harness.sync(&next).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(
        harness.creates(&id(1)),
        1,
        "the rollout must not replace web-1 while web-2 fails"
    );
    assert_eq!(harness.creates(&id(0)), 1);
}

#[tokio::test(start_paused = true)]
async fn rollout_waits_for_new_image() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(2)))
        .await;

    let mut spec = sample_spec(2);
    spec.image = "r/web:missing".into();
    let next = sample_deployment(2, spec);
    let status = harness
        .sync_until(&next, |status| status.phase == ApplicationPhase::Failed)
        .await;
    assert_eq!(
        status.reason.as_deref(),
        Some("pull of image r/web:missing failed: image r/web:missing not found in registry r")
    );
    assert_eq!(
        status.healthy_instances, 2,
        "running instances stay while the new image is missing"
    );
    assert!(
        !harness
            .fakes
            .containers
            .operations()
            .iter()
            .any(|operation| operation.starts_with("stop"))
    );
}

#[tokio::test(start_paused = true)]
async fn repull_records_pulled_only_for_new_digest() {
    let mut harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(2)))
        .await;
    assert_eq!(reasons(&harness.events(), "Pulled").len(), 1);

    // A new generation pulls the reference again; the digest is the same.
    let scaled = sample_deployment(2, sample_spec(3));
    harness
        .sync_until(&scaled, |status| status.healthy_instances == 3)
        .await;
    while harness.fakes.images.pulls().len() < 2 {
        harness.sync(&scaled).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(reasons(&harness.events(), "Pulled"), Vec::<String>::new());

    // The tag moved to another image: that pull is recorded.
    let mut moved = sample_image("r/web:1");
    moved.manifest_digest = format!("sha256:{:f>64}", "");
    harness.fakes.images.set("r/web:1", Ok(moved.clone()));
    let next = sample_deployment(3, sample_spec(3));
    harness
        .sync_until(&next, |status| {
            status.image_digest.as_deref() == Some(moved.manifest_digest.as_str())
        })
        .await;
    let pulled = reasons(&harness.events(), "Pulled");
    assert_eq!(
        pulled,
        [format!("pulled image r/web:1 ({})", moved.manifest_digest)]
    );
}

#[tokio::test(start_paused = true)]
async fn missing_image_fails_once_per_failure() {
    let fakes = Fakes::default();
    let mut harness = Harness::over(fakes, tempfile::tempdir().unwrap()).await;
    let deployment = sample_deployment(1, sample_spec(1));

    let status = harness
        .sync_until(&deployment, |status| {
            status.phase == ApplicationPhase::Failed
        })
        .await;
    assert_eq!(status.instances[0].state, InstanceState::Pending);
    tokio::time::sleep(Duration::from_secs(300)).await;
    harness.sync(&deployment).await;

    assert!(
        harness.fakes.images.pulls().len() >= 3,
        "pulls {:?}",
        harness.fakes.images.pulls()
    );
    let failures = reasons(&harness.events(), "PullFailed");
    assert_eq!(
        failures,
        ["pull of image r/web:1 failed: image r/web:1 not found in registry r"]
    );
}

#[tokio::test(start_paused = true)]
async fn unreachable_registry_is_retried() {
    let fakes = Fakes::default();
    fakes
        .images
        .set("r/web:1", Err("connection refused".into()));
    let harness = Harness::over(fakes, tempfile::tempdir().unwrap()).await;
    let deployment = sample_deployment(1, sample_spec(1));

    let status = harness
        .sync_until(&deployment, |status| {
            status
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("connection refused"))
        })
        .await;
    assert_eq!(status.phase, ApplicationPhase::Pending);

    harness
        .fakes
        .images
        .set("r/web:1", Ok(sample_image("r/web:1")));
    harness.sync_until_running(&deployment).await;
}

#[tokio::test(start_paused = true)]
async fn command_not_found_fails_until_retry() {
    let mut harness = Harness::new().await;
    harness
        .fakes
        .containers
        .fail_next_create(RuntimeError::CommandNotFound {
            command: "/app".into(),
            image: "r/web:1".into(),
        });
    let deployment = sample_deployment(1, sample_spec(1));

    let status = harness
        .sync_until(&deployment, |status| {
            status.phase == ApplicationPhase::Failed
        })
        .await;
    let instance = &status.instances[0];
    assert_eq!(instance.state, InstanceState::Failed);
    assert!(
        instance
            .reason
            .as_deref()
            .unwrap()
            .ends_with("Retrying in 300s."),
        "{instance:#?}"
    );
    assert_eq!(reasons(&harness.events(), "Failed").len(), 1);

    harness.sync_until_running(&deployment).await;
    assert_eq!(harness.creates(&id(0)), 2);
}

#[tokio::test(start_paused = true)]
async fn port_in_use_leaves_instance_pending() {
    let harness = Harness::new().await;
    harness.fakes.networks.set_busy_host_port(Some(8080));
    let mut spec = sample_spec(1);
    spec.ports = vec![Port {
        name: "http".into(),
        port: 80,
        protocol: Protocol::Tcp,
        host_port: Some(8080),
    }];
    let deployment = sample_deployment(1, spec);

    let status = harness
        .sync_until(&deployment, |status| {
            status.instances[0].reason.is_some()
                && status.instances[0].state == InstanceState::Pending
                && status.instances[0]
                    .reason
                    .as_deref()
                    .unwrap()
                    .contains("8080")
        })
        .await;
    assert!(
        status.instances[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("host port 8080/tcp is already in use")
    );

    harness.fakes.networks.set_busy_host_port(None);
    harness.sync_until_running(&deployment).await;
}

#[tokio::test(start_paused = true)]
async fn liveness_failure_restarts_instance() {
    let mut harness = Harness::new().await;
    let mut spec = sample_spec(1);
    spec.health_checks.liveness = Some(exec_check("/bin/true"));
    let deployment = sample_deployment(1, spec);
    harness.sync_until_running(&deployment).await;

    harness.fakes.containers.set_exec_code(1);
    let status = harness
        .sync_until(&deployment, |status| status.instances[0].restarts >= 1)
        .await;
    assert_eq!(status.instances[0].last_exit_code, Some(143));

    let events = harness.events();
    assert_eq!(
        reasons(&events, "Unhealthy")[0],
        "liveness check of web-0 failed: command [\"/bin/true\"] exited with code 1"
    );
    assert!(
        reasons(&events, "Killed")[0].contains("liveness check failed"),
        "{events:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn readiness_decides_healthy() {
    let harness = Harness::new().await;
    harness.fakes.containers.set_exec_code(1);
    let mut spec = sample_spec(1);
    spec.health_checks.readiness = Some(exec_check("/bin/check"));
    let deployment = sample_deployment(1, spec);

    let status = harness
        .sync_until(&deployment, |status| {
            status
                .instances
                .first()
                .is_some_and(|instance| instance.state == InstanceState::Running)
        })
        .await;
    assert!(!status.instances[0].healthy);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let status = harness.sync(&deployment).await;
    assert_eq!(status.phase, ApplicationPhase::Progressing);
    assert_eq!(
        status.instances[0].reason.as_deref(),
        Some("Readiness check has not passed yet: command [\"/bin/check\"] exited with code 1")
    );

    harness.fakes.containers.set_exec_code(0);
    let status = harness.sync_until_running(&deployment).await;
    assert!(status.instances[0].healthy);
}

#[tokio::test(start_paused = true)]
async fn new_engine_adopts_running_containers() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(2));
    let before = harness.sync_until_running(&deployment).await;
    harness.fakes.containers.kill(&id(1), 1);
    harness
        .sync_until(&deployment, |status| {
            status.phase == ApplicationPhase::Running && status.instances[1].restarts == 1
        })
        .await;

    let mut harness = harness.restart().await;
    assert_eq!(harness.engine.list_apps().await.unwrap(), [sample_key()]);
    let after = harness.sync_until_running(&deployment).await;

    assert_eq!(
        harness.creates(&id(0)),
        1,
        "adoption must not restart containers"
    );
    assert_eq!(harness.creates(&id(1)), 2);
    assert_eq!(after.instances[0].ip, before.instances[0].ip);
    assert_eq!(
        after.instances[1].restarts, 1,
        "restarts come back from the labels"
    );
    assert_eq!(reasons(&harness.events(), "Adopted").len(), 2);
}

#[tokio::test(start_paused = true)]
async fn adoption_restarts_container_that_died() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;

    // The process dies while no engine watches it.
    let fakes = harness.fakes.clone();
    drop(harness.engine);
    fakes.containers.kill(&id(0), 9);
    let mut harness = Harness::over(fakes, harness.dir).await;
    let status = harness
        .sync_until(&deployment, |status| {
            status.phase == ApplicationPhase::Running && status.instances[0].restarts == 1
        })
        .await;
    assert_eq!(status.instances[0].last_exit_code, Some(9));
    assert_eq!(harness.creates(&id(0)), 2);
    assert_eq!(
        reasons(&harness.events(), "Restarted"),
        ["restarted web-0 after exit code 9, before the control plane restarted (restart 1)"]
    );
}

/// Kills instance 0 `count` times, each time waiting until its replacement is healthy.
async fn crash_repeatedly(harness: &Harness, deployment: &Deployment, count: u32) {
    for restarts in 1..=count {
        harness.fakes.containers.kill(&id(0), 1);
        harness
            .sync_until(deployment, |status| {
                status.instances[0].restarts == restarts && status.healthy_instances == 1
            })
            .await;
    }
}

#[tokio::test(start_paused = true)]
async fn adoption_keeps_backoff_of_running_container() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;
    // Delays of the three restarts: 0 s, 1 s, 2 s.
    crash_repeatedly(&harness, &deployment, 3).await;

    let mut harness = harness.restart().await;
    let adopted = harness.sync_until_running(&deployment).await;
    assert_eq!(adopted.instances[0].restarts, 3);
    assert_eq!(harness.creates(&id(0)), 4, "adoption must not restart");

    harness.fakes.containers.kill(&id(0), 1);
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(waiting.instances[0].restarts, 4);
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some("Stopped after exit code 1. Restarting in 4s.")
    );
    let restarted = harness
        .sync_until(&deployment, |status| status.healthy_instances == 1)
        .await;
    assert_eq!(restarted.instances[0].restarts, 4);
    assert_eq!(
        reasons(&harness.events(), "Restarted"),
        ["restarted web-0 after exit code 1 (restart 4)"]
    );
}

#[tokio::test(start_paused = true)]
async fn engine_restart_during_backoff_keeps_delay() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;
    crash_repeatedly(&harness, &deployment, 3).await;

    // The fourth failure waits 4 s; the engine restarts during that wait.
    harness.fakes.containers.kill(&id(0), 1);
    harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    let mut harness = harness.restart().await;
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(waiting.instances[0].restarts, 4);
    assert_eq!(waiting.instances[0].last_exit_code, Some(1));
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some("Stopped after exit code 1, before the control plane restarted. Restarting in 4s.")
    );

    tokio::time::sleep(Duration::from_millis(3900)).await;
    assert_eq!(
        harness.creates(&id(0)),
        4,
        "the new engine must wait out the backoff delay"
    );
    let restarted = harness
        .sync_until(&deployment, |status| status.healthy_instances == 1)
        .await;
    assert_eq!(restarted.instances[0].restarts, 4);
    assert_eq!(harness.creates(&id(0)), 5);
    assert_eq!(
        reasons(&harness.events(), "Restarted"),
        ["restarted web-0 after exit code 1, before the control plane restarted (restart 4)"]
    );

    // The new container carries the counts on, so the next failure waits 8 s.
    harness.fakes.containers.kill(&id(0), 1);
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(waiting.instances[0].restarts, 5);
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some("Stopped after exit code 1. Restarting in 8s.")
    );
}

#[tokio::test(start_paused = true)]
async fn engine_restart_during_liveness_backoff_keeps_count() {
    let harness = Harness::new().await;
    let mut spec = sample_spec(1);
    spec.health_checks.liveness = Some(exec_check("/bin/check"));
    let deployment = sample_deployment(1, spec);
    harness.sync_until_running(&deployment).await;

    // The liveness check keeps failing, so the instance is killed and
    // restarted until the backoff delay reaches 2 s.
    harness.fakes.containers.set_exec_code(1);
    harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff && status.instances[0].restarts == 3
        })
        .await;
    let labels = InstanceLabels::from_map(&harness.fakes.containers.info(&id(0)).unwrap().labels)
        .expect("labels parse");
    assert_eq!(labels.restarts, 2);
    assert_eq!(labels.consecutive_failures, 2);

    let harness = harness.restart().await;
    let waiting = harness
        .sync_until(&deployment, |status| {
            status.instances[0].state == InstanceState::BackOff
        })
        .await;
    assert_eq!(waiting.instances[0].restarts, 3);
    assert_eq!(
        waiting.instances[0].reason.as_deref(),
        Some(concat!(
            "Stopped after exit code 143, killed by SIGTERM, ",
            "before the control plane restarted. Restarting in 2s."
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn adoption_scales_down_surplus_containers() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(3)))
        .await;
    let harness = harness.restart().await;

    harness
        .sync_until(&sample_deployment(2, sample_spec(1)), |status| {
            status.instances.len() == 1
        })
        .await;
    assert_eq!(harness.fakes.containers.ids(), [id(0)]);
    assert_eq!(harness.creates(&id(0)), 1);
}

#[tokio::test(start_paused = true)]
async fn engine_start_detaches_attachments_without_container() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;
    harness.fakes.networks.insert(&deployment.network, &id(7));
    harness
        .fakes
        .networks
        .insert(&deployment.network, "foreign-container");

    let harness = harness.restart().await;
    assert_eq!(
        harness.fakes.networks.attached_ids(),
        ["foreign-container".to_owned(), id(0)]
    );
}

#[tokio::test(start_paused = true)]
async fn existing_container_is_adopted_not_duplicated() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    let network = deployment.network.clone();

    // A container appears after the engine listed containers, as if another start raced this one.
    let labels = InstanceLabels {
        key: sample_key(),
        ordinal: 0,
        generation: 1,
        template: crate::template::template_hash(&deployment.spec, &network),
        restarts: 4,
        consecutive_failures: 0,
        started_at: None,
        image_digest: String::new(),
        network: network.clone(),
    };
    harness
        .fakes
        .containers
        .insert(&id(0), labels.to_map(), ContainerState::Running { pid: 42 });
    harness.fakes.networks.insert(&network, &id(0));

    let status = harness.sync_until_running(&deployment).await;
    assert_eq!(harness.creates(&id(0)), 0);
    assert_eq!(status.instances[0].state, InstanceState::Running);
}

#[tokio::test(start_paused = true)]
async fn remove_leaves_nothing() {
    let mut harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(3));
    harness.sync_until_running(&deployment).await;

    harness.engine.remove(&sample_key()).await.unwrap();
    assert!(harness.fakes.containers.ids().is_empty());
    assert!(harness.fakes.networks.attached_ids().is_empty());
    assert!(harness.engine.list_apps().await.unwrap().is_empty());
    assert_eq!(reasons(&harness.events(), "Stopped").len(), 3);

    harness.engine.remove(&sample_key()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn remove_moves_logs_aside() {
    let harness = Harness::new().await;
    let key = sample_key();
    let deployment = sample_deployment(1, sample_spec(2));
    harness.sync_until_running(&deployment).await;
    let log = naming::log_path(&harness.dir.path().join("logs"), &key, "web-1");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, "2024-01-01T00:00:01Z stdout F old\n").unwrap();

    harness.engine.remove(&key).await.unwrap();

    let batch = harness
        .engine
        .read_logs(&key, &LogQuery::default())
        .await
        .unwrap();
    assert!(batch.lines.is_empty(), "lines {:?}", batch.lines);
    let removed = harness.dir.path().join("logs/_removed").join(&key.tenant);
    let archived: Vec<_> = std::fs::read_dir(&removed)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(archived.len(), 1, "directories {archived:?}");
    let name = archived[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(&format!("{}-", key.app)), "name {name}");
    assert!(name.ends_with('Z'), "name {name}");
    assert!(archived[0].join("web-1.log").is_file());
}

#[tokio::test(start_paused = true)]
async fn remove_of_adoptable_app_removes_its_containers() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(2)))
        .await;
    let harness = harness.restart().await;

    assert_eq!(harness.engine.list_apps().await.unwrap(), [sample_key()]);
    harness.engine.remove(&sample_key()).await.unwrap();
    assert!(harness.fakes.containers.ids().is_empty());
    assert!(harness.fakes.networks.attached_ids().is_empty());
    assert!(harness.engine.list_apps().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn purge_removes_everything() {
    let harness = Harness::new().await;
    harness
        .sync_until_running(&sample_deployment(1, sample_spec(2)))
        .await;
    std::fs::write(harness.dir.path().join("logs/extra.log"), "x").unwrap();

    harness.engine.purge().await.unwrap();
    assert!(harness.fakes.containers.ids().is_empty());
    assert!(
        harness
            .fakes
            .containers
            .operations()
            .ends_with(&["remove cgroup parents strongroom".to_owned()]),
        "{:?}",
        harness.fakes.containers.operations()
    );
    assert!(
        harness
            .fakes
            .networks
            .operations()
            .contains(&"purge".to_owned())
    );
    for dir in ["runtime", "network", "logs"] {
        assert!(!harness.dir.path().join(dir).exists(), "{dir} still exists");
    }
}

#[tokio::test(start_paused = true)]
async fn remove_network_rejects_network_in_use() {
    let harness = Harness::new().await;
    let deployment = sample_deployment(1, sample_spec(1));
    harness.sync_until_running(&deployment).await;

    let error = harness
        .engine
        .remove_network(&deployment.network)
        .await
        .unwrap_err();
    assert_eq!(
        error.message,
        "network retail is still used by applications retail/web: remove them first"
    );

    harness.engine.remove(&sample_key()).await.unwrap();
    harness
        .engine
        .remove_network(&deployment.network)
        .await
        .unwrap();
    assert!(
        harness
            .fakes
            .networks
            .operations()
            .contains(&"remove network retail".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn sync_rejects_names_unfit_for_ids() {
    let harness = Harness::new().await;
    let mut deployment = sample_deployment(1, sample_spec(1));
    deployment.key.app = "web.v2".into();

    let error = harness.engine.sync(&deployment).await.unwrap_err();
    assert_eq!(
        error.message,
        "application name \"web.v2\" cannot be part of a container id: use letters, digits, '-' and '_'"
    );
}
