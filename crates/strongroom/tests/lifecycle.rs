//! End-to-end lifecycle of an application on real containers: deploy,
//! recovery, scaling, control-plane crashes and deletion.

mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{
    Platform, Registry, http_get, tenant_manifest, unique_tenant, wait_for, web_manifest,
};

fn instance_ips(app: &Value) -> BTreeMap<String, String> {
    app["status"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["ip"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn container_pid(platform: &Platform, container_id: &str) -> u32 {
    let root = platform.data_dir.join("engine/runtime/runtime");
    let output = Command::new("runc")
        .arg("--root")
        .arg(&root)
        .args(["state", container_id])
        .output()
        .unwrap();
    let state: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    state["pid"].as_u64().unwrap_or(0) as u32
}

fn deploy(platform: &Platform, registry: &Registry, desired: u32) -> (String, Value) {
    deploy_format(platform, registry, desired, "oci")
}

/// Deploys the sample image pushed by skopeo in `format` (`oci` or `v2s2`).
fn deploy_format(
    platform: &Platform,
    registry: &Registry,
    desired: u32,
    format: &str,
) -> (String, Value) {
    let (tenant, subnet) = unique_tenant();
    let image = registry.push_sample("samples/httpd:1.0", format);
    let manifest = format!(
        "{}---\n{}",
        tenant_manifest(&tenant, &subnet),
        web_manifest(&tenant, "web", &image, desired)
    );
    let output = platform.apply_text("app.yaml", &manifest);
    assert!(
        output.status.success(),
        "apply failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let app = platform.wait_healthy(&tenant, "web", desired as usize);
    (tenant, app)
}

#[test]
fn deployed_application_answers_on_every_instance() {
    let registry = Registry::start();
    let platform = Platform::start();
    let (tenant, app) = deploy(&platform, &registry, 3);

    assert_eq!(app["metadata"]["name"], "web");
    assert_eq!(app["metadata"]["tenant"], tenant.as_str());
    let ips = instance_ips(&app);
    assert_eq!(ips.len(), 3);
    for (name, ip) in &ips {
        let (status, body) =
            http_get(ip, 8080).unwrap_or_else(|| panic!("instance {name} at {ip} does not answer"));
        assert!(status.contains("200"), "instance {name} answered {status}");
        assert!(
            body.contains("Hello from a Strongroom instance"),
            "instance {name} served {body}"
        );
    }
    for instance in app["status"]["instances"].as_array().unwrap() {
        assert_eq!(instance["state"], "Running");
        assert_eq!(instance["restarts"], 0);
    }

    let described = platform.cli_ok(&["describe", "application", "web", "--tenant", &tenant]);
    for ip in ips.values() {
        assert!(
            described.contains(ip.as_str()),
            "describe does not show {ip}:\n{described}"
        );
    }

    let logs = platform.cli_ok(&["logs", "web", "--tenant", &tenant, "--tail", "50"]);
    for name in ips.keys() {
        assert!(
            logs.contains(name.as_str()),
            "logs do not show instance {name}:\n{logs}"
        );
    }
    assert!(
        logs.contains("serving /www on port 8080"),
        "logs miss the start line:\n{logs}"
    );
    assert!(
        logs.contains("response:200"),
        "logs miss the served request:\n{logs}"
    );

    let unknown = platform.cli(&["logs", "web", "--tenant", &tenant, "--instance", "web-9"]);
    assert!(
        !unknown.status.success(),
        "logs of a missing instance succeeded"
    );
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(message.contains("web-9 has no logs"), "{message}");
}

#[test]
fn killed_instance_is_replaced_and_healthy() {
    let registry = Registry::start();
    let platform = Platform::start();
    let (tenant, app) = deploy(&platform, &registry, 2);
    let victim = app["status"]["instances"][0]["containerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let pid = container_pid(&platform, &victim);
    assert!(pid > 0, "no pid for container {victim}");

    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let app = wait_for(
        "the killed instance to be replaced",
        Duration::from_secs(60),
        || {
            let app = platform.application(&tenant, "web");
            let instance = &app["status"]["instances"][0];
            (instance["restarts"] == 1 && instance["healthy"] == true).then_some(app)
        },
    );
    let ip = app["status"]["instances"][0]["ip"].as_str().unwrap();
    assert!(
        http_get(ip, 8080).is_some(),
        "replaced instance at {ip} does not answer"
    );
    assert_ne!(container_pid(&platform, &victim), pid);
}

#[test]
fn scale_up_and_down_by_applying_again() {
    let registry = Registry::start();
    let platform = Platform::start();
    let (tenant, app) = deploy_format(&platform, &registry, 2, "v2s2");
    let image = app["spec"]["image"].as_str().unwrap().to_owned();

    let output = platform.apply_text("scale.yaml", &web_manifest(&tenant, "web", &image, 4));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let app = platform.wait_healthy(&tenant, "web", 4);
    assert_eq!(instance_ips(&app).len(), 4);
    assert_eq!(platform.runc_containers().len(), 4);

    let output = platform.apply_text("scale.yaml", &web_manifest(&tenant, "web", &image, 1));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let app = platform.wait_healthy(&tenant, "web", 1);
    assert_eq!(app["status"]["instances"][0]["name"], "web-0");
    wait_for(
        "surplus containers to be removed",
        Duration::from_secs(30),
        || (platform.runc_containers().len() == 1).then_some(()),
    );
}

#[test]
fn control_plane_restart_leaves_containers_untouched() {
    let registry = Registry::start();
    let mut platform = Platform::start();
    let (tenant, app) = deploy(&platform, &registry, 2);
    let pids: Vec<u32> = app["status"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| container_pid(&platform, i["containerId"].as_str().unwrap()))
        .collect();

    platform.kill_server("TERM");
    for ip in instance_ips(&app).values() {
        assert!(
            http_get(ip, 8080).is_some(),
            "instance at {ip} stopped with the control plane"
        );
    }
    platform.restart_server();
    let after = platform.wait_healthy(&tenant, "web", 2);

    let pids_after: Vec<u32> = after["status"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| container_pid(&platform, i["containerId"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pids, pids_after,
        "containers were restarted by the control plane restart"
    );
    assert_eq!(after["status"]["instances"][0]["restarts"], 0);
}

#[test]
fn server_killed_mid_reconcile_converges_without_duplicates() {
    let registry = Registry::start();
    let mut platform = Platform::start();
    let (tenant, subnet) = unique_tenant();
    let image = registry.push_sample("samples/httpd:1.0", "oci");
    let manifest = format!(
        "{}---\n{}",
        tenant_manifest(&tenant, &subnet),
        web_manifest(&tenant, "web", &image, 5)
    );

    // Kill the server at several points while it starts the five instances.
    let output = platform.apply_text("app.yaml", &manifest);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for delay_ms in [150, 400, 900] {
        std::thread::sleep(Duration::from_millis(delay_ms));
        platform.kill_server("KILL");
        platform.restart_server();
    }

    let app = platform.wait_healthy(&tenant, "web", 5);
    let mut names: Vec<String> = instance_ips(&app).into_keys().collect();
    names.sort();
    assert_eq!(names, ["web-0", "web-1", "web-2", "web-3", "web-4"]);
    let mut containers = platform.runc_containers();
    containers.sort();
    containers.dedup();
    assert_eq!(
        containers.len(),
        5,
        "containers after crashes: {containers:?}"
    );
    let ips: std::collections::BTreeSet<String> = instance_ips(&app).into_values().collect();
    assert_eq!(ips.len(), 5, "two instances share an address");
}

#[test]
fn delete_leaves_nothing_behind() {
    let registry = Registry::start();
    let platform = Platform::start();
    let (tenant, app) = deploy(&platform, &registry, 2);
    let container_ids: Vec<String> = app["status"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["containerId"].as_str().unwrap().to_owned())
        .collect();

    let tenant_object: Value =
        serde_json::from_str(&platform.cli_ok(&["get", "tenant", &tenant, "-o", "json"])).unwrap();
    let bridge = tenant_object["status"]["bridge"]
        .as_str()
        .unwrap()
        .to_owned();

    platform.cli_ok(&["delete", "application", "web", "--tenant", &tenant]);
    wait_for(
        "the application to disappear",
        Duration::from_secs(60),
        || {
            (!platform
                .cli(&["get", "application", "web", "--tenant", &tenant])
                .status
                .success())
            .then_some(())
        },
    );
    platform.cli_ok(&["delete", "tenant", &tenant]);
    wait_for("the tenant to disappear", Duration::from_secs(30), || {
        (!platform.cli(&["get", "tenant", &tenant]).status.success()).then_some(())
    });

    assert!(
        platform.runc_containers().is_empty(),
        "runc containers left: {:?}",
        platform.runc_containers()
    );
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let data_dir = platform.data_dir.to_str().unwrap();
    assert!(!mounts.contains(data_dir), "mounts left under {data_dir}");
    for id in &container_ids {
        assert!(!mounts.contains(id.as_str()), "mount of {id} left");
        for controller in ["memory", "pids", "cpu"] {
            let cgroup = format!("/sys/fs/cgroup/{controller}/strongroom/{id}");
            assert!(
                !std::path::Path::new(&cgroup).exists(),
                "cgroup {cgroup} left"
            );
        }
        let cgroup_v2 = format!("/sys/fs/cgroup/strongroom/{id}");
        assert!(
            !std::path::Path::new(&cgroup_v2).exists(),
            "cgroup {cgroup_v2} left"
        );
    }
    let links = Command::new("ip")
        .args(["link", "show", &bridge])
        .output()
        .unwrap();
    assert!(
        !links.status.success(),
        "bridge {bridge} of the deleted tenant is still there"
    );
}
