//! The local engine with real runc, conmon and CNI plugins: BusyBox httpd
//! instances started, checked over HTTP, killed, scaled, adopted and removed.
//! Needs root; each test runs in a network namespace of its own (see
//! `sandbox.rs`) and talks only to the container addresses on its bridge.

mod sandbox;

use std::collections::BTreeSet;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use sandbox::{PAGE, TestEnv, http_get, mounts_under, process_exists, recorded_namespaces};
use strongroom_engine::{Engine, LogQuery};
use strongroom_engine_local::naming;
use strongroom_model::{ApplicationPhase, InstanceState};

#[test]
fn three_instances_answer_on_own_addresses() {
    TestEnv::run("http", |env| async move {
        let deployment = env.deployment(1, 3);
        let status = env.sync_until_running(&deployment).await;

        let ips: BTreeSet<String> = status
            .instances
            .iter()
            .map(|instance| instance.ip.clone().unwrap())
            .collect();
        assert_eq!(ips.len(), 3, "each instance has its own address: {ips:?}");
        for ip in &ips {
            let (status_line, body) = http_get(ip).await;
            assert!(status_line.contains("200"), "{ip} answered {status_line:?}");
            assert_eq!(body, PAGE, "{ip} served another page");
        }

        let logs = env
            .engine()
            .read_logs(&env.key, &LogQuery::default())
            .await
            .unwrap();
        let texts: BTreeSet<String> = logs
            .lines
            .iter()
            .map(|line| format!("{}: {}", line.instance, line.text))
            .collect();
        for ordinal in 0..3 {
            let expected = format!("web-{ordinal}: started on web-{ordinal}");
            assert!(
                texts.contains(&expected),
                "missing {expected:?} in {texts:?}"
            );
        }
    });
}

#[test]
fn killed_instance_restarts_and_becomes_healthy() {
    TestEnv::run("kill", |env| async move {
        let deployment = env.deployment(1, 3);
        let before = env.sync_until_running(&deployment).await;
        let old_pid = env.pid(1).await;

        kill(Pid::from_raw(old_pid), Signal::SIGKILL).expect("the instance's process gets SIGKILL");
        let after = env
            .sync_until(&deployment, |status| {
                status.phase == ApplicationPhase::Running && status.instances[1].restarts == 1
            })
            .await;

        let restarted = &after.instances[1];
        assert!(restarted.healthy);
        assert_eq!(restarted.state, InstanceState::Running);
        assert_eq!(restarted.last_exit_code, Some(137));
        assert_eq!(
            restarted.ip, before.instances[1].ip,
            "a restart keeps the address"
        );
        assert_ne!(env.pid(1).await, old_pid);
        assert_eq!(after.instances[0].restarts, 0);
        assert_eq!(after.instances[2].restarts, 0);

        let (status_line, _) = http_get(restarted.ip.as_deref().unwrap()).await;
        assert!(
            status_line.contains("200"),
            "restarted instance answered {status_line:?}"
        );
        let restarted_events: Vec<_> = env
            .events()
            .into_iter()
            .filter(|event| event.reason == "Restarted")
            .collect();
        assert_eq!(restarted_events.len(), 1, "{restarted_events:#?}");
    });
}

#[test]
fn scale_three_to_five_to_two() {
    TestEnv::run("scale", |env| async move {
        env.sync_until_running(&env.deployment(1, 3)).await;
        let pids = [env.pid(0).await, env.pid(1).await];
        let five = env.sync_until_running(&env.deployment(2, 5)).await;
        let names: Vec<_> = five
            .instances
            .iter()
            .map(|instance| instance.name.as_str())
            .collect();
        assert_eq!(names, ["web-0", "web-1", "web-2", "web-3", "web-4"]);
        for instance in &five.instances {
            let (status_line, _) = http_get(instance.ip.as_deref().unwrap()).await;
            assert!(
                status_line.contains("200"),
                "{} answered {status_line:?}",
                instance.name
            );
        }

        let two = env.sync_until_running(&env.deployment(3, 2)).await;
        let names: Vec<_> = two
            .instances
            .iter()
            .map(|instance| instance.name.as_str())
            .collect();
        assert_eq!(names, ["web-0", "web-1"]);
        assert_eq!(
            [env.pid(0).await, env.pid(1).await],
            pids,
            "scaling keeps the remaining instances"
        );

        let containers = env.runtime().list().await.unwrap();
        let mut ids: Vec<String> = containers.into_iter().map(|info| info.id).collect();
        ids.sort();
        let expected: Vec<String> = (0..2).map(|n| naming::container_id(&env.key, n)).collect();
        assert_eq!(ids, expected);
        for gone in &five.instances[2..] {
            let ip = gone.ip.as_deref().unwrap();
            let refused = tokio::time::timeout(
                Duration::from_secs(1),
                tokio::net::TcpStream::connect(format!("{ip}:{}", sandbox::HTTP_PORT)),
            )
            .await;
            assert!(
                !matches!(refused, Ok(Ok(_))),
                "removed instance {} still answers",
                gone.name
            );
        }
    });
}

#[test]
fn new_engine_adopts_running_containers() {
    TestEnv::run("adopt", |env| async move {
        let deployment = env.deployment(1, 2);
        let before = env.sync_until_running(&deployment).await;
        let pids = [env.pid(0).await, env.pid(1).await];

        env.stop_engine().await;
        env.start_engine().await;
        assert_eq!(
            env.engine().list_apps().await.unwrap(),
            std::slice::from_ref(&env.key)
        );
        let after = env.sync_until_running(&deployment).await;

        assert_eq!(
            [env.pid(0).await, env.pid(1).await],
            pids,
            "adoption must not restart containers"
        );
        for (old, new) in before.instances.iter().zip(&after.instances) {
            assert_eq!(new.ip, old.ip);
            assert_eq!(new.restarts, 0);
            assert_eq!(new.started_at, old.started_at);
        }
        let events = env.events();
        let adopted = events
            .iter()
            .filter(|event| event.reason == "Adopted")
            .count();
        let started = events
            .iter()
            .filter(|event| event.reason == "Started")
            .count();
        assert_eq!((adopted, started), (2, 0), "{events:#?}");
    });
}

#[test]
fn remove_leaves_nothing_behind() {
    TestEnv::run("remove", |env| async move {
        let deployment = env.deployment(1, 2);
        env.sync_until_running(&deployment).await;
        let pids = [env.pid(0).await, env.pid(1).await];
        let namespaces = recorded_namespaces(&env.data_dir.join("network"));
        assert_eq!(
            namespaces.len(),
            2,
            "one namespace per instance: {namespaces:?}"
        );

        env.engine()
            .remove(&env.key)
            .await
            .expect("removal succeeds");

        assert!(env.engine().list_apps().await.unwrap().is_empty());
        assert!(
            env.runtime().list().await.unwrap().is_empty(),
            "containers are left"
        );
        assert!(
            env.networks().attached().await.unwrap().is_empty(),
            "attachments are left"
        );
        for pid in pids {
            assert!(!process_exists(pid), "process {pid} still runs");
        }
        for netns in namespaces {
            assert!(
                !std::path::Path::new("/run/netns").join(&netns).exists(),
                "namespace {netns} is left"
            );
        }
        assert_eq!(
            mounts_under(&env.data_dir),
            Vec::<String>::new(),
            "mounts are left"
        );
        let bundles = std::fs::read_dir(env.data_dir.join("runtime/containers"))
            .map(|dir| dir.count())
            .unwrap_or(0);
        assert_eq!(bundles, 0, "bundle directories are left");

        // The logs are kept, but apart from a new application of the same name.
        let log_dir = env.data_dir.join("logs");
        assert!(!naming::app_log_dir(&log_dir, &env.key).exists());
        let removed = log_dir.join("_removed").join(&env.key.tenant);
        let archived: Vec<_> = std::fs::read_dir(&removed)
            .expect("removed logs directory exists")
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(archived.len(), 1, "kept log directories: {archived:?}");
        assert!(archived[0].join("web-0.log").is_file(), "{archived:?}");
        let logs = env
            .engine()
            .read_logs(&env.key, &LogQuery::default())
            .await
            .unwrap();
        assert!(logs.lines.is_empty(), "lines {:?}", logs.lines);

        env.engine()
            .remove(&env.key)
            .await
            .expect("a second removal succeeds");
    });
}

#[test]
fn rolling_update_replaces_every_instance() {
    TestEnv::run("rollout", |env| async move {
        let first = env.deployment(1, 3);
        env.sync_until_running(&first).await;
        let old_pids = [env.pid(0).await, env.pid(1).await, env.pid(2).await];

        let mut second = env.deployment(2, 3);
        second.spec.env = vec![strongroom_model::EnvVar {
            name: "RELEASE".into(),
            value: "2".into(),
        }];
        let mut fewest_healthy = 3;
        env.sync_until(&second, |status| {
            fewest_healthy = fewest_healthy.min(status.healthy_instances);
            status.phase == ApplicationPhase::Running
        })
        .await;

        for (ordinal, old_pid) in old_pids.into_iter().enumerate() {
            assert_ne!(
                env.pid(ordinal as u32).await,
                old_pid,
                "web-{ordinal} was not replaced"
            );
        }
        let killed = env
            .events()
            .into_iter()
            .filter(|event| event.reason == "Killed")
            .count();
        assert_eq!(killed, 3);
        assert!(
            fewest_healthy >= 2,
            "the rollout took down more than one instance at a time"
        );
    });
}

#[test]
fn missing_command_fails_application() {
    TestEnv::run("nocommand", |env| async move {
        let mut deployment = env.deployment(1, 1);
        deployment.spec.command = Some(vec!["/bin/no-such-program".into()]);
        deployment.spec.args = None;

        let status = env
            .sync_until(&deployment, |status| {
                status.phase == ApplicationPhase::Failed
            })
            .await;
        let reason = status.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("web-0: command \"/bin/no-such-program\" not found"),
            "reason {reason}"
        );
        assert_eq!(status.instances[0].state, InstanceState::Failed);
        assert!(
            env.runtime().list().await.unwrap().is_empty(),
            "a failed start leaves no container"
        );
    });
}
