//! The CLI against a real server started with `strongroom up` on a free
//! loopback port and a temporary data directory: apply, get, describe,
//! delete, down and purge. The application's image points at a closed
//! loopback port, so no container starts and no registry is needed.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// A data directory with a server started by `up`; dropping it stops the
/// server and purges everything, also when the test fails.
struct Platform {
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Platform {
    fn up() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let platform = Platform {
            data_dir: dir.path().join("data"),
            _dir: dir,
        };
        let output = platform.cli(&["up", "--listen", "127.0.0.1:0"]);
        assert!(
            output.status.success(),
            "up failed: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stdout).contains("started"),
            "{}",
            text(&output.stdout)
        );
        platform
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::cargo_bin("strongroom")
            .unwrap()
            .env_remove("STRONGROOM_SERVER")
            .env_remove("STRONGROOM_TOKEN_FILE")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .output()
            .unwrap()
    }

    fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "strongroom {args:?} failed: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self._dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        if self.data_dir.exists() {
            let output = self.cli(&["down", "--purge"]);
            if !output.status.success() {
                eprintln!("cleanup with down --purge failed: {}", text(&output.stderr));
            }
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Returns a tenant name and subnet unique to this process, so parallel runs share no network.
fn unique_tenant() -> (String, String) {
    let pid = std::process::id();
    (
        format!("cli{pid}"),
        format!("10.{}.{}.0/24", 240 + pid % 8, pid / 8 % 256),
    )
}

fn manifests(tenant: &str, subnet: &str) -> String {
    format!(
        "apiVersion: strongroom/v1
kind: Tenant
metadata:
  name: {tenant}
spec:
  network:
    subnet: {subnet}
---
apiVersion: strongroom/v1
kind: Application
metadata:
  name: web
  tenant: {tenant}
spec:
  owner: cli-test
  contact: cli-test@bank.example
  securityLevel: 2
  networkZone: business
  image: 127.0.0.1:1/samples/httpd:1.0
  instances:
    desired: 1
"
    )
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn up_apply_get_delete_down_purge() {
    let platform = Platform::up();
    let (tenant, subnet) = unique_tenant();
    let file = platform.write("app.yaml", &manifests(&tenant, &subnet));
    let file = file.to_str().unwrap();

    let again = platform.cli_ok(&["up", "--listen", "127.0.0.1:0"]);
    assert!(again.contains("already running"), "{again}");

    let applied = platform.cli_ok(&["apply", "-f", file]);
    assert_eq!(
        applied,
        format!("tenant/{tenant} created\napplication/{tenant}/web created\n")
    );
    let unchanged = platform.cli_ok(&["apply", "-f", file]);
    assert!(
        unchanged.contains(&format!("application/{tenant}/web unchanged")),
        "{unchanged}"
    );

    let list: Value =
        serde_json::from_str(&platform.cli_ok(&["get", "applications", "-o", "json"])).unwrap();
    assert_eq!(list[0]["metadata"]["name"], "web");
    assert_eq!(list[0]["metadata"]["tenant"], tenant.as_str());
    let table = platform.cli_ok(&["get", "app", "web"]);
    assert!(table.starts_with("TENANT"), "{table}");
    assert!(table.contains(&tenant), "{table}");
    let described = platform.cli_ok(&["describe", "app", "web"]);
    assert!(
        described.contains("127.0.0.1:1/samples/httpd:1.0"),
        "{described}"
    );
    assert!(described.contains("Events:"), "{described}");

    platform.cli_ok(&["delete", "-f", file]);
    wait_until("the tenant to be deleted", || {
        let output = platform.cli(&["get", "tenant", &tenant]);
        output.status.code() == Some(1) && text(&output.stderr).contains("not found")
    });

    let stopped = platform.cli_ok(&["down"]);
    assert!(stopped.contains("stopped"), "{stopped}");
    let after = platform.cli(&["get", "tenants"]);
    assert_eq!(after.status.code(), Some(1));
    assert!(
        text(&after.stderr).contains("not running"),
        "{}",
        text(&after.stderr)
    );

    platform.cli_ok(&["down", "--purge"]);
    assert!(
        !Path::new(&platform.data_dir).exists(),
        "purge left the data directory"
    );
}

#[test]
fn invalid_manifest_lists_file_line_column_and_path() {
    let platform = Platform::up();
    let (tenant, subnet) = unique_tenant();
    let bad =
        manifests(&format!("{tenant}x"), &subnet).replace("securityLevel: 2", "securityLevel: 9");
    let file = platform.write("bad.yaml", &bad);

    let output = platform.cli(&["apply", "-f", file.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: apply of {} failed: ", file.display())),
        "{stderr}"
    );
    let problem = format!("{}:17:18: spec.securityLevel: ", file.display());
    assert!(
        stderr.lines().any(|line| line.starts_with(&problem)),
        "no line {problem:?} in:\n{stderr}"
    );
    let tenants = platform.cli(&["get", "tenants", "-o", "json"]);
    assert_eq!(
        text(&tenants.stdout).trim(),
        "[]",
        "a rejected file stored objects"
    );
}
