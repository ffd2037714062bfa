//! Export, edit, apply: objects printed by `get -o yaml|json` apply again
//! against a real server. An unchanged export is `unchanged`, an edited one
//! `configured`, and an export older than the stored object is a conflict.
//! The application's image points at a closed loopback port, so no
//! container starts and no registry is needed.

mod support;

use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use support::{Platform, unique_tenant, wait_for, web_manifest};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Applies `text` as file `name` and returns stdout, failing on a non-zero exit.
fn apply_ok(platform: &Platform, name: &str, text: &str) -> String {
    let output = platform.apply_text(name, text);
    assert!(
        output.status.success(),
        "apply of {name} failed: {}\n{text}",
        stderr(&output)
    );
    stdout(&output)
}

/// Manifest of a tenant with the label `tier: original`.
fn labelled_tenant(tenant: &str, subnet: &str) -> String {
    format!(
        "apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: {tenant}\n  labels:\n    tier: original\nspec:\n  network:\n    subnet: {subnet}\n"
    )
}

/// Asserts that applying a stale export fails with a message to get the object again.
fn assert_stale_conflict(output: &Output, get_command: &str) {
    let message = stderr(output);
    assert!(!output.status.success(), "stale export was applied");
    assert!(message.contains("get it again"), "{message}");
    assert!(message.contains(get_command), "{message}");
}

/// Waits until the application reports why it is not running and its
/// resource version stays the same for a second, so that no status write
/// moves the version between a `get` and the `apply` that follows.
fn wait_settled(platform: &Platform, tenant: &str, name: &str) {
    wait_for(
        &format!("the status of {tenant}/{name} to settle"),
        Duration::from_secs(60),
        || {
            let before = platform.application(tenant, name);
            std::thread::sleep(Duration::from_secs(1));
            let after = platform.application(tenant, name);
            let settled = after["status"]["reason"].is_string()
                && before["metadata"]["resourceVersion"] == after["metadata"]["resourceVersion"];
            settled.then_some(())
        },
    );
}

#[test]
fn tenant_yaml_export_applies_again() {
    let platform = Platform::start();
    let (tenant, subnet) = unique_tenant();
    apply_ok(&platform, "tenant.yaml", &labelled_tenant(&tenant, &subnet));
    let reference = format!("tenant/{tenant}");

    let export = platform.cli_ok(&["get", "tenant", &tenant, "-o", "yaml"]);
    let unchanged = apply_ok(&platform, "export.yaml", &export);

    let edited = export.replace("tier: original", "tier: edited");
    assert_ne!(edited, export, "the export has no label to edit:\n{export}");
    let configured = apply_ok(&platform, "edited.yaml", &edited);
    let stale = platform.apply_text("export.yaml", &export);

    assert_eq!(unchanged, format!("{reference} unchanged\n"), "{export}");
    assert_eq!(configured, format!("{reference} configured\n"));
    assert_stale_conflict(&stale, &format!("strongroom get tenant {tenant} -o yaml"));
    let stored = platform.cli_ok(&["get", "tenant", &tenant, "-o", "yaml"]);
    assert!(stored.contains("tier: edited"), "{stored}");
}

#[test]
fn application_json_export_applies_again() {
    let platform = Platform::start();
    let (tenant, subnet) = unique_tenant();
    apply_ok(&platform, "tenant.yaml", &labelled_tenant(&tenant, &subnet));
    let web = web_manifest(&tenant, "web", "127.0.0.1:1/x:1", 1);
    apply_ok(&platform, "web.yaml", &web);
    wait_settled(&platform, &tenant, "web");
    let reference = format!("application/{tenant}/web");

    let export = platform.cli_ok(&[
        "get",
        "application",
        "web",
        "--tenant",
        &tenant,
        "-o",
        "json",
    ]);
    let unchanged = apply_ok(&platform, "export.json", &export);

    let mut edited: Value = serde_json::from_str(&export).unwrap();
    edited["metadata"]["labels"]["tier"] = "edited".into();
    let edited = serde_json::to_string_pretty(&edited).unwrap();
    let configured = apply_ok(&platform, "edited.json", &edited);
    let stale = platform.apply_text("export.json", &export);

    assert_eq!(unchanged, format!("{reference} unchanged\n"), "{export}");
    assert_eq!(configured, format!("{reference} configured\n"));
    assert_stale_conflict(
        &stale,
        &format!("strongroom get application web --tenant {tenant} -o yaml"),
    );
    let stored = platform.application(&tenant, "web");
    assert_eq!(stored["metadata"]["labels"]["tier"], "edited");
}
