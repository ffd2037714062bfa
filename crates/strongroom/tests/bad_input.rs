//! Bad input gets a clear error or a status reason, and harms nothing that
//! already runs.

mod support;

use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{
    Platform, Registry, http_get, tenant_manifest, unique_tenant, wait_for, web_manifest,
};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn invalid_manifests_are_rejected_with_location() {
    let platform = Platform::start();
    let (tenant, subnet) = unique_tenant();
    let good_tenant = tenant_manifest(&tenant, &subnet);

    let malformed = platform.apply_text(
        "malformed.yaml",
        "apiVersion: strongroom/v1\nkind: Tenant\nmetadata: [unclosed\n",
    );
    assert!(!malformed.status.success());
    assert!(
        stderr(&malformed).contains("malformed.yaml:"),
        "{}",
        stderr(&malformed)
    );

    let unknown = format!(
        "{good_tenant}---\n{}",
        web_manifest(&tenant, "web", "127.0.0.1:1/x:1", 1)
            .replace("  owner:", "  replicas: 3\n  owner:")
    );
    let output = platform.apply_text("unknown.yaml", &unknown);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("unknown.yaml:"), "{message}");
    assert!(message.contains("replicas"), "{message}");

    let invalid = format!(
        "{good_tenant}---\n{}",
        web_manifest(&tenant, "web", "127.0.0.1:1/x:1", 1)
            .replace("securityLevel: 3", "securityLevel: 7")
    );
    let output = platform.apply_text("invalid.yaml", &invalid);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("spec.securityLevel"), "{message}");
    assert!(message.contains("invalid.yaml:"), "{message}");

    // Nothing of a rejected file is applied, not even its valid tenant.
    let tenants = platform.cli_ok(&["get", "tenants", "-o", "json"]);
    assert!(
        !tenants.contains(&tenant),
        "tenant of a rejected file was stored: {tenants}"
    );

    let missing = platform.cli(&["apply", "-f", "/nonexistent/strongroom.yaml"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("/nonexistent/strongroom.yaml"),
        "{}",
        stderr(&missing)
    );
}

fn reason_of(platform: &Platform, tenant: &str, name: &str) -> Option<String> {
    let app = platform.application(tenant, name);
    let reasons: Vec<String> = std::iter::once(&app["status"]["reason"])
        .chain(
            app["status"]["instances"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| &i["reason"]),
        )
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    (!reasons.is_empty()).then(|| reasons.join(" | "))
}

fn wait_reason(platform: &Platform, tenant: &str, name: &str, needle: &str) -> String {
    wait_for(
        &format!("a status reason on {name} containing {needle:?}"),
        Duration::from_secs(60),
        || reason_of(platform, tenant, name).filter(|reason| reason.contains(needle)),
    )
}

#[test]
fn failing_applications_report_reasons_and_harm_nothing() {
    let registry = Registry::start();
    let platform = Platform::start();
    let (tenant, subnet) = unique_tenant();
    let image = registry.push_sample("samples/httpd:1.0", "oci");
    let arm_image = {
        let output = Command::new(support::workspace_root().join("scripts/build-sample-image.sh"))
            .env("SAMPLE_ARCH", "arm64")
            .arg(format!("{}/samples/httpd-arm64:1.0", registry.address))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        format!("{}/samples/httpd-arm64:1.0", registry.address)
    };
    let manifest = format!(
        "{}---\n{}",
        tenant_manifest(&tenant, &subnet),
        web_manifest(&tenant, "good", &image, 2)
    );
    assert!(platform.apply_text("good.yaml", &manifest).status.success());
    let good = platform.wait_healthy(&tenant, "good", 2);
    let good_ips: Vec<String> = good["status"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ip"].as_str().unwrap().to_owned())
        .collect();

    let unused_port = support::free_port();
    let held = TcpListener::bind("0.0.0.0:0").unwrap();
    let held_port = held.local_addr().unwrap().port();
    let cases = [
        (
            "missing",
            web_manifest(
                &tenant,
                "missing",
                &format!("{}/samples/nothing:1.0", registry.address),
                1,
            ),
            "not found",
        ),
        (
            "unreachable",
            web_manifest(
                &tenant,
                "unreachable",
                &format!("127.0.0.1:{unused_port}/samples/httpd:1.0"),
                1,
            ),
            &format!("127.0.0.1:{unused_port}") as &str,
        ),
        (
            "foreign",
            web_manifest(&tenant, "foreign", &arm_image, 1),
            "arm64",
        ),
        (
            "nocommand",
            web_manifest(&tenant, "nocommand", &image, 1)
                .replace("  ports:", "  command: [\"/bin/does-not-exist\"]\n  ports:"),
            "/bin/does-not-exist",
        ),
        (
            "portheld",
            web_manifest(&tenant, "portheld", &image, 1).replace(
                "      port: 8080\n",
                &format!("      port: 8080\n      hostPort: {held_port}\n"),
            ),
            "in use",
        ),
    ];
    for (name, text, needle) in &cases {
        let output = platform.apply_text(&format!("{name}.yaml"), text);
        assert!(
            output.status.success(),
            "apply of {name} failed: {}",
            stderr(&output)
        );
        let reason = wait_reason(&platform, &tenant, name, needle);
        let described = platform.cli_ok(&["describe", "application", name, "--tenant", &tenant]);
        assert!(
            described.contains(needle),
            "describe of {name} does not show the reason {reason:?}:\n{described}"
        );
    }

    let good_after = platform.application(&tenant, "good");
    for instance in good_after["status"]["instances"].as_array().unwrap() {
        assert_eq!(
            instance["restarts"], 0,
            "a bad application disturbed {}",
            instance["name"]
        );
        assert_eq!(instance["healthy"], true);
    }
    for ip in &good_ips {
        assert!(
            http_get(ip, 8080).is_some(),
            "good instance at {ip} stopped answering"
        );
    }
    drop(held);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(path: std::path::PathBuf, size: &str) -> SmallDisk {
        std::fs::create_dir_all(&path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs on {} failed",
            path.display()
        );
        SmallDisk { path }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[test]
fn full_disk_is_reported_and_the_server_keeps_serving() {
    let registry = Registry::start();
    let image = registry.push_sample("samples/httpd:1.0", "oci");
    let disk_dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(disk_dir.path().join("data"), "2m");
    let platform = Platform::start_in(tempfile::tempdir().unwrap(), disk.path.clone());
    let (tenant, subnet) = unique_tenant();

    let manifest = format!(
        "{}---\n{}",
        tenant_manifest(&tenant, &subnet),
        web_manifest(&tenant, "web", &image, 1)
    );
    let output = platform.apply_text("web.yaml", &manifest);
    assert!(output.status.success(), "{}", stderr(&output));
    let reason = wait_reason(&platform, &tenant, "web", "space");
    assert!(
        reason.contains("no space left"),
        "reason does not say the disk is full: {reason}"
    );
    eprintln!("full disk reason: {reason}");

    // The control plane still responds and still contains what was applied.
    let tenants = platform.cli_ok(&["get", "tenants", "-o", "json"]);
    assert!(tenants.contains(&tenant), "{tenants}");
    drop(platform);
    drop(disk);
    drop(disk_dir);
}
