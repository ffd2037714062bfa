//! The runtime layer against real runc, crun and conmon, as root.
//!
//! Each test uses its own state directory, network namespace and container
//! ids with the process id in them, and removes everything in `Drop`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use strongroom_engine_local::runtime::{ContainerRuntime, ContainerState, RuntimeError};
use strongroom_model::{Cpu, Memory, Resources};
use support::{
    APP_UID, TestEnv, Tmpfs, can_run_containers, cgroup_dirs, find_binary, has_mount_below,
    is_hybrid_cgroup_host, parse_cri_log, read_cgroup_file, status_field, wait_for_log,
};

const LOG_TIMEOUT: Duration = Duration::from_secs(10);
/// CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
/// NET_BIND_SERVICE and SETFCAP as a /proc/PID/status mask.
const DEFAULT_CAPABILITY_MASK: &str = "00000000800005fb";

#[tokio::test]
async fn container_runs_as_image_user() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec(
        "user",
        "id -u; id -g; id -G; cat /proc/self/status; echo done; exec sleep 60",
    );
    spec.user = "app".to_owned();

    let info = env.runtime.create_and_start(&spec).await.unwrap();
    assert!(
        matches!(info.state, ContainerState::Running { .. }),
        "{:?}",
        info.state
    );

    let entries = wait_for_log(&spec.log_path, "done", LOG_TIMEOUT).await;
    let texts: Vec<&str> = entries.iter().map(|entry| entry.text.as_str()).collect();
    assert_eq!(texts[0], APP_UID.to_string());
    assert_eq!(texts[1], "1000");
    assert_eq!(texts[2], "1000 2000");
    assert_eq!(status_field(&entries, "CapEff"), "0000000000000000");
    assert_eq!(status_field(&entries, "CapBnd"), DEFAULT_CAPABILITY_MASK);
}

#[tokio::test]
async fn output_lands_in_cri_log() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec(
        "log",
        "echo out-line; echo err-line >&2; printf partial; exec sleep 60",
    );
    env.runtime.create_and_start(&spec).await.unwrap();

    let entries = wait_for_log(&spec.log_path, "partial", LOG_TIMEOUT).await;
    let out = entries
        .iter()
        .find(|entry| entry.text == "out-line")
        .unwrap();
    assert_eq!((out.stream.as_str(), out.tag.as_str()), ("stdout", "F"));
    let err = entries
        .iter()
        .find(|entry| entry.text == "err-line")
        .unwrap();
    assert_eq!((err.stream.as_str(), err.tag.as_str()), ("stderr", "F"));
    let partial = entries
        .iter()
        .find(|entry| entry.text == "partial")
        .unwrap();
    assert_eq!(partial.tag, "P");

    // RFC 3339 with nanoseconds and a numeric offset, for example 2026-12-04T15:56:58.123456789+00:00.
    let time = &out.time;
    assert_eq!(time.len(), 35, "{time}");
    assert_eq!(&time[10..11], "T", "{time}");
    assert!(
        time[29..].starts_with('+') || time[29..].starts_with('-'),
        "{time}"
    );
}

#[tokio::test]
async fn stop_kills_after_grace_when_sigterm_ignored() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec(
        "stubborn",
        "trap '' TERM; echo ready; while true; do sleep 1; done",
    );
    env.runtime.create_and_start(&spec).await.unwrap();
    wait_for_log(&spec.log_path, "ready", LOG_TIMEOUT).await;

    let grace = Duration::from_secs(1);
    let started = Instant::now();
    env.runtime.stop(&spec.id, grace).await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= grace,
        "stopped after {elapsed:?}, before the grace period"
    );
    assert!(
        elapsed < grace + Duration::from_secs(5),
        "stop took {elapsed:?}"
    );

    assert_eq!(env.runtime.wait_exit(&spec.id).await.unwrap(), Some(137));
    let info = env.runtime.state(&spec.id).await.unwrap().unwrap();
    assert_eq!(
        info.state,
        ContainerState::Stopped {
            exit_code: Some(137)
        }
    );
}

#[tokio::test]
async fn stop_returns_early_when_process_exits_on_sigterm() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec(
        "polite",
        "trap 'exit 3' TERM; echo ready; while true; do sleep 0.1; done",
    );
    env.runtime.create_and_start(&spec).await.unwrap();
    wait_for_log(&spec.log_path, "ready", LOG_TIMEOUT).await;

    let started = Instant::now();
    env.runtime
        .stop(&spec.id, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    assert_eq!(env.runtime.wait_exit(&spec.id).await.unwrap(), Some(3));
}

#[tokio::test]
async fn wait_exit_returns_code_quickly() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("exit", "sleep 1; exit 7");
    let started = Instant::now();
    env.runtime.create_and_start(&spec).await.unwrap();

    let code = env.runtime.wait_exit(&spec.id).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(code, Some(7));
    // The process exits one second after start; create and start took 50 to 75 ms on the 2-core test VM.
    assert!(
        elapsed < Duration::from_millis(1500),
        "wait_exit returned after {elapsed:?}"
    );
}

#[tokio::test]
async fn root_process_has_hardened_status() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("caps", "cat /proc/self/status; echo done; exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();

    let entries = wait_for_log(&spec.log_path, "done", LOG_TIMEOUT).await;
    assert_eq!(status_field(&entries, "CapBnd"), DEFAULT_CAPABILITY_MASK);
    assert_eq!(status_field(&entries, "CapEff"), DEFAULT_CAPABILITY_MASK);
    assert_eq!(status_field(&entries, "CapPrm"), DEFAULT_CAPABILITY_MASK);
    assert_eq!(status_field(&entries, "CapAmb"), "0000000000000000");
    assert_eq!(status_field(&entries, "NoNewPrivs"), "1");
    assert_eq!(status_field(&entries, "Seccomp"), "2");
}

#[tokio::test]
async fn kernel_paths_masked_and_read_only() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("paths", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();
    let run = |script: &str| vec!["/bin/sh".to_owned(), "-c".to_owned(), script.to_owned()];

    let timeout = Duration::from_secs(10);
    let kcore_empty = env
        .runtime
        .exec(&spec.id, &run("test ! -s /proc/kcore"), timeout)
        .await
        .unwrap();
    assert_eq!(kcore_empty, 0, "/proc/kcore is not masked");
    // Root may write this file on the host; rewriting its value changes nothing if the mount were writable.
    let sys_write = run("v=$(cat /proc/sys/fs/file-max); echo $v > /proc/sys/fs/file-max");
    assert_ne!(
        env.runtime
            .exec(&spec.id, &sys_write, timeout)
            .await
            .unwrap(),
        0,
        "/proc/sys is writable"
    );
    let hostname = run("grep -q \"$(cat /etc/hostname)\" /etc/hosts");
    assert_eq!(
        env.runtime
            .exec(&spec.id, &hostname, timeout)
            .await
            .unwrap(),
        0,
        "hostname not in /etc/hosts"
    );
    let hosts_write = run("echo 10.0.0.1 evil >> /etc/hosts");
    assert_ne!(
        env.runtime
            .exec(&spec.id, &hosts_write, timeout)
            .await
            .unwrap(),
        0,
        "/etc/hosts is writable"
    );
}

#[tokio::test]
async fn cgroup_limits_applied() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec("limits", "exec sleep 60");
    spec.resources = Resources {
        cpu: Some(Cpu { millicores: 250 }),
        memory: Some(Memory {
            bytes: 64 * 1024 * 1024,
        }),
        pids: Some(64),
    };
    env.runtime.create_and_start(&spec).await.unwrap();
    let id = &spec.id;

    let memory = read_cgroup_file(id, "memory", "memory.limit_in_bytes", "memory.max");
    assert_eq!(memory, "67108864");
    let pids = read_cgroup_file(id, "pids", "pids.max", "pids.max");
    assert_eq!(pids, "64");
    if support::is_cgroup_v2_host() {
        assert_eq!(read_cgroup_file(id, "", "", "cpu.max"), "25000 100000");
        assert_eq!(read_cgroup_file(id, "", "", "memory.swap.max"), "0");
    } else {
        assert_eq!(read_cgroup_file(id, "cpu", "cpu.cfs_quota_us", ""), "25000");
        assert_eq!(
            read_cgroup_file(id, "cpu", "cpu.cfs_period_us", ""),
            "100000"
        );
        let swap = read_cgroup_file(id, "memory", "memory.memsw.limit_in_bytes", "");
        assert_eq!(swap, "67108864");
    }

    // The container reads its own limit at the usual path.
    let inside = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null | grep -qx 64"
            .to_owned(),
    ];
    assert_eq!(
        env.runtime
            .exec(id, &inside, Duration::from_secs(10))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn default_pids_limit_applied() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("pids", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();
    assert_eq!(
        read_cgroup_file(&spec.id, "pids", "pids.max", "pids.max"),
        "1024"
    );
}

#[tokio::test]
async fn command_not_found_classified_and_cleaned_up() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec("nope", "");
    spec.process_args = vec!["/bin/nope".to_owned()];

    let error = env.runtime.create_and_start(&spec).await.unwrap_err();
    match &error {
        RuntimeError::CommandNotFound { command, image } => {
            assert_eq!(command, "/bin/nope");
            assert_eq!(image, "test/busybox:1");
        }
        other => panic!("expected CommandNotFound, got {other}"),
    }
    assert_nothing_left(&env, &spec.id).await;
}

#[tokio::test]
async fn unknown_user_rejected() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec("nouser", "exec sleep 60");
    spec.user = "nobody".to_owned();

    let error = env.runtime.create_and_start(&spec).await.unwrap_err();
    assert!(
        matches!(error, RuntimeError::UserNotFound { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("\"nobody\""), "{error}");
    assert_nothing_left(&env, &spec.id).await;
}

#[tokio::test]
async fn duplicate_id_rejected_without_harm() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("dup", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();

    let error = env.runtime.create_and_start(&spec).await.unwrap_err();
    assert!(error.to_string().contains("already exists"), "{error}");
    let info = env.runtime.state(&spec.id).await.unwrap().unwrap();
    assert!(
        matches!(info.state, ContainerState::Running { .. }),
        "{:?}",
        info.state
    );
}

#[tokio::test]
async fn list_after_restart_returns_labels() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec("adopt", "exec sleep 60");
    spec.labels
        .insert("strongroom.io/app".to_owned(), "web".to_owned());
    spec.labels
        .insert("strongroom.io/instance".to_owned(), "web-0".to_owned());
    let created = env.runtime.create_and_start(&spec).await.unwrap();
    let ContainerState::Running { pid } = created.state else {
        panic!("not running: {:?}", created.state);
    };

    // A new runtime over the same state directory, as after a control-plane restart.
    let restarted = ContainerRuntime::new(env.config.clone()).unwrap();
    let containers = restarted.list().await.unwrap();
    let found = containers.iter().find(|info| info.id == spec.id).unwrap();
    assert_eq!(found.labels, spec.labels);
    assert_eq!(found.state, ContainerState::Running { pid });
}

#[tokio::test]
async fn state_of_unknown_container_is_none() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    assert!(env.runtime.state("never-created").await.unwrap().is_none());
    assert!(env.runtime.state("../etc").await.unwrap().is_none());
    let error = env.runtime.wait_exit("never-created").await.unwrap_err();
    assert!(matches!(error, RuntimeError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn remove_leaves_nothing_behind() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("remove", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();
    let bundle = env.config.state_dir.join("containers").join(&spec.id);
    let conmon_pid: i32 = std::fs::read_to_string(bundle.join("conmon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!cgroup_dirs(&spec.id).is_empty(), "no cgroup while running");

    env.runtime.remove(&spec.id).await.unwrap();
    assert_nothing_left(&env, &spec.id).await;
    assert!(
        !Path::new(&format!("/proc/{conmon_pid}/cmdline")).exists() || is_zombie(conmon_pid),
        "conmon still runs"
    );
    assert!(spec.log_path.exists(), "the log file is kept for retention");

    env.runtime.remove(&spec.id).await.unwrap();
}

#[tokio::test]
async fn exec_returns_exit_codes() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("exec", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();
    let timeout = Duration::from_secs(10);

    let exit3 = vec!["/bin/sh".to_owned(), "-c".to_owned(), "exit 3".to_owned()];
    assert_eq!(
        env.runtime.exec(&spec.id, &exit3, timeout).await.unwrap(),
        3
    );
    assert_eq!(
        env.runtime
            .exec(&spec.id, &["true".to_owned()], timeout)
            .await
            .unwrap(),
        0
    );

    let missing = env
        .runtime
        .exec(&spec.id, &["/bin/nope".to_owned()], timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, RuntimeError::CommandNotFound { .. }),
        "{missing}"
    );
}

#[tokio::test]
async fn exec_timeout_kills_command() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("exectimeout", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();

    let slow = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        "sleep 30; sleep 30".to_owned(),
    ];
    let started = Instant::now();
    let error = env
        .runtime
        .exec(&spec.id, &slow, Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RuntimeError::TimedOut {
                operation: "exec",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "timeout took {:?}",
        started.elapsed()
    );

    wait_for_single_process(&spec.id).await;
}

#[tokio::test]
async fn exec_cancelled_kills_command() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("execcancel", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();

    let slow = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        "sleep 30; sleep 30".to_owned(),
    ];
    let exec = env.runtime.exec(&spec.id, &slow, Duration::from_secs(60));
    let cancelled = tokio::time::timeout(Duration::from_millis(500), exec).await;
    assert!(cancelled.is_err(), "exec finished early: {cancelled:?}");

    wait_for_single_process(&spec.id).await;
}

#[tokio::test]
async fn exec_timeout_kills_background_child() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let spec = env.spec("execbg", "exec sleep 60");
    env.runtime.create_and_start(&spec).await.unwrap();

    // runc 1.1 returns only when every holder of the command's stdio exited,
    // and the orphaned child is re-parented to the container's first process.
    let background = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        "sleep 30 & exit 4".to_owned(),
    ];
    let error = env
        .runtime
        .exec(&spec.id, &background, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(error, RuntimeError::TimedOut { .. }), "{error}");

    wait_for_single_process(&spec.id).await;
}

#[tokio::test]
async fn rotate_logs_loses_no_line() {
    if !can_run_containers() {
        return;
    }
    let mut env = TestEnv::new();
    env.config.log_max_bytes = 2048;
    env.config.log_max_files = 50;
    env.runtime = ContainerRuntime::new(env.config.clone()).unwrap();
    let spec = env.spec(
        "rotate",
        "i=0; while true; do echo line-$i; i=$((i+1)); done",
    );
    env.runtime.create_and_start(&spec).await.unwrap();

    let mut rotations = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while rotations < 5 && Instant::now() < deadline {
        if env.runtime.rotate_logs(&spec.id).await.unwrap() {
            rotations += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(rotations, 5);
    env.runtime
        .stop(&spec.id, Duration::from_secs(1))
        .await
        .unwrap();
    env.runtime.wait_exit(&spec.id).await.unwrap();

    // A line split into P and F entries may span two files, so the files are joined first.
    let mut content = String::new();
    for number in (1..=5).rev() {
        let rotated = spec.log_path.with_extension(format!("log.{number}"));
        content.push_str(&std::fs::read_to_string(&rotated).unwrap());
    }
    content.push_str(&std::fs::read_to_string(&spec.log_path).unwrap());
    let numbers = line_numbers(&content);
    assert!(numbers.len() > 100, "only {} lines", numbers.len());
    assert_eq!(numbers[0], 0, "the first line is missing");
    for pair in numbers.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "a line is missing or out of order");
    }
}

#[tokio::test]
async fn crun_on_hybrid_cgroups_suggests_runc() {
    if !can_run_containers() || !is_hybrid_cgroup_host() {
        return;
    }
    let Some(crun) = find_binary("crun") else {
        eprintln!("skipped: crun is not installed");
        return;
    };
    let env = TestEnv::with_runtime(crun);
    let spec = env.spec("crun", "exec sleep 60");

    let error = env.runtime.create_and_start(&spec).await.unwrap_err();
    assert!(
        matches!(error, RuntimeError::UnsupportedCgroupLayout { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("use runc"), "{error}");
    assert_nothing_left(&env, &spec.id).await;
}

#[tokio::test]
async fn full_disk_classified_as_no_space() {
    if !can_run_containers() {
        return;
    }
    // Declared before the environment, so that its containers are removed before the unmount.
    let disk_parent = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(disk_parent.path().join("disk"), "1m");
    let mut env = TestEnv::new();
    env.config.state_dir = disk.path.join("state");
    env.runtime = ContainerRuntime::new(env.config.clone()).unwrap();
    disk.fill();
    let spec = env.spec("full", "exec sleep 60");

    let error = env.runtime.create_and_start(&spec).await.unwrap_err();
    assert!(matches!(error, RuntimeError::NoSpace { .. }), "{error}");
    assert_nothing_left(&env, &spec.id).await;
}

#[tokio::test]
async fn overlay_stacks_many_long_layer_paths() {
    if !can_run_containers() {
        return;
    }
    let mut env = TestEnv::new();
    // 40 layers with 150-byte directory names need more than one page of
    // mount options, so the runtime must reach them through short links.
    let mut layers = env.image.layers.clone();
    for index in 0..40 {
        let layer = env
            .dir
            .path()
            .join(format!("{index:03}-{}", "x".repeat(146)));
        std::fs::create_dir_all(layer.join("etc")).unwrap();
        std::fs::write(layer.join("etc/layer"), format!("{index}\n")).unwrap();
        std::fs::write(layer.join(format!("etc/only-{index}")), "").unwrap();
        layers.push(layer);
    }
    env.image.layers = layers;
    let spec = env.spec(
        "layers",
        "cat /etc/layer; ls /etc | grep -c only-; echo done; exec sleep 60",
    );

    env.runtime.create_and_start(&spec).await.unwrap();
    let entries = wait_for_log(&spec.log_path, "done", LOG_TIMEOUT).await;
    assert_eq!(entries[0].text, "39", "the last layer is not on top");
    assert_eq!(entries[1].text, "40", "a layer is missing");
}

#[tokio::test]
async fn container_outlives_its_conmon() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let mut spec = env.spec("orphan", "exec sleep 60");
    spec.labels.insert("app".to_owned(), "web".to_owned());
    let created = env.runtime.create_and_start(&spec).await.unwrap();
    let bundle = env.config.state_dir.join("containers").join(&spec.id);
    let conmon_pid: i32 = std::fs::read_to_string(bundle.join("conmon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(conmon_pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !is_gone(conmon_pid) {
        assert!(
            Instant::now() < deadline,
            "conmon {conmon_pid} survived SIGKILL"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let listed = env.runtime.list().await.unwrap();
    let found = listed.iter().find(|info| info.id == spec.id).unwrap();
    assert_eq!(found.state, created.state);
    assert_eq!(found.labels, spec.labels);

    env.runtime
        .stop(&spec.id, Duration::from_millis(200))
        .await
        .unwrap();
    let code = tokio::time::timeout(Duration::from_secs(5), env.runtime.wait_exit(&spec.id))
        .await
        .unwrap();
    assert_eq!(code.unwrap(), None, "nobody recorded the exit code");
    env.runtime.remove(&spec.id).await.unwrap();
    assert_nothing_left(&env, &spec.id).await;
}

#[tokio::test]
async fn ten_containers_start_concurrently() {
    if !can_run_containers() {
        return;
    }
    let env = TestEnv::new();
    let specs: Vec<_> = (0..10).map(|_| env.spec("many", "exec sleep 60")).collect();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for spec in specs.clone() {
        let runtime = env.runtime.clone();
        tasks.spawn(async move { runtime.create_and_start(&spec).await });
    }
    while let Some(result) = tasks.join_next().await {
        let info = result.unwrap().unwrap();
        assert!(
            matches!(info.state, ContainerState::Running { .. }),
            "{:?}",
            info.state
        );
    }
    eprintln!(
        "10 containers created and started in {:?}",
        started.elapsed()
    );

    let listed = env.runtime.list().await.unwrap();
    assert_eq!(listed.len(), 10);
    let mut pids: Vec<i32> = listed
        .iter()
        .map(|info| match info.state {
            ContainerState::Running { pid } => pid,
            ref other => panic!("container {} is {other:?}", info.id),
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 10, "two containers share a process");
}

/// Reads the `line-N` numbers of a log file, joining partial entries.
fn line_numbers(content: &str) -> Vec<u64> {
    let mut numbers = Vec::new();
    let mut line = String::new();
    for entry in parse_cri_log(content) {
        line.push_str(&entry.text);
        if entry.tag == "F" {
            let number = line.strip_prefix("line-").and_then(|n| n.parse().ok());
            numbers.push(number.unwrap_or_else(|| panic!("unexpected line {line:?}")));
            line.clear();
        }
    }
    numbers
}

/// Waits until only the container's first process is left in its cgroup.
async fn wait_for_single_process(id: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let procs = read_cgroup_file(id, "pids", "cgroup.procs", "cgroup.procs");
        if procs.lines().count() == 1 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "exec left processes behind: {procs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn is_gone(pid: i32) -> bool {
    !Path::new(&format!("/proc/{pid}/cmdline")).exists() || is_zombie(pid)
}

fn is_zombie(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

async fn assert_nothing_left(env: &TestEnv, id: &str) {
    let bundle = env.config.state_dir.join("containers").join(id);
    assert!(!bundle.exists(), "bundle {} left", bundle.display());
    assert!(
        !has_mount_below(&bundle),
        "mount left under {}",
        bundle.display()
    );
    assert!(
        cgroup_dirs(id).is_empty(),
        "cgroups left: {:?}",
        cgroup_dirs(id)
    );
    assert!(
        !env.runtime_root().join(id).exists(),
        "OCI runtime state left"
    );
    assert!(
        !env.config.state_dir.join("exits").join(id).exists(),
        "exit file left"
    );
    assert!(env.runtime.state(id).await.unwrap().is_none());
    let listed = env.runtime.list().await.unwrap();
    assert!(listed.iter().all(|info| info.id != id), "still listed");
}
