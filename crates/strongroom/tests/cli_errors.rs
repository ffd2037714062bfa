//! Exit codes and messages of the CLI for failures that need no server.

use std::net::TcpListener;
use std::path::Path;

use assert_cmd::Command;

/// Returns the binary with a data directory of its own, so no test reads the host's.
fn strongroom(data_dir: &Path) -> Command {
    let mut command = Command::cargo_bin("strongroom").unwrap();
    command.arg("--data-dir").arg(data_dir);
    command
        .env_remove("STRONGROOM_SERVER")
        .env_remove("STRONGROOM_TOKEN_FILE");
    command
}

/// Returns a loopback URL where nothing listens.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn unknown_kind_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["get", "pods"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("tenant(s), application(s) or app(s)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_manifest_file_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["apply", "-f", "/nonexistent/web.yaml"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.starts_with("error: "), "{message}");
    assert!(message.contains("/nonexistent/web.yaml"), "{message}");
}

#[test]
fn directory_without_manifests_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir(&manifests).unwrap();

    let output = strongroom(dir.path())
        .arg("apply")
        .arg("-f")
        .arg(&manifests)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(manifests.to_str().unwrap()),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stopped_server_is_reported_as_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t\n").unwrap();
    let url = closed_port_url();

    let output = strongroom(dir.path())
        .args(["get", "tenants", "--server", &url])
        .arg("--token-file")
        .arg(&token)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("not running"), "{message}");
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("strongroom up"), "{message}");
}

#[test]
fn missing_token_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["get", "tenants", "--server", &closed_port_url()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let expected = dir.path().join("admin.token");
    assert!(
        stderr(&output).contains(expected.to_str().unwrap()),
        "{}",
        stderr(&output)
    );
}

#[test]
fn tenant_option_on_tenants_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t\n").unwrap();

    let output = strongroom(dir.path())
        .args([
            "get",
            "tenants",
            "--tenant",
            "retail",
            "--server",
            &closed_port_url(),
        ])
        .arg("--token-file")
        .arg(&token)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--tenant"), "{}", stderr(&output));
}

#[test]
fn bad_since_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["logs", "web", "--since", "yesterday"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("yesterday"), "{}", stderr(&output));
}

#[test]
fn schema_prints_json_schema_without_a_server() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path()).arg("schema").output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(schema["$schema"].is_string(), "{schema}");
}

#[test]
fn down_without_server_succeeds() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path()).arg("down").output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no Strongroom server is running"));
}

#[test]
fn down_ignores_a_pid_file_of_another_program() {
    let dir = tempfile::tempdir().unwrap();
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    std::fs::write(dir.path().join("server.pid"), format!("{}\n", sleeper.id())).unwrap();

    let output = strongroom(dir.path()).arg("down").output().unwrap();
    let still_running = sleeper.try_wait().unwrap().is_none();
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        still_running,
        "down signalled a process that is not a Strongroom server"
    );
    assert!(
        !dir.path().join("server.pid").exists(),
        "stale pid file left"
    );
}

#[test]
fn purge_rejects_a_foreign_directory() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();

    let output = strongroom(dir.path())
        .args(["down", "--purge"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("refusing to purge"),
        "{}",
        stderr(&output)
    );
    assert!(precious.exists(), "purge deleted an unrelated file");
}

#[test]
fn delete_from_missing_file_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["delete", "-f", "/nonexistent/web.yaml"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/nonexistent/web.yaml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn negative_tail_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["logs", "web", "--tail", "-1"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("invalid value '-1' for '--tail <N>': must be 0 or more"),
        "{message}"
    );
    assert!(!message.contains("-- -1"), "{message}");
}

#[test]
fn delete_without_arguments_shows_both_forms() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path()).arg("delete").output().unwrap();

    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("strongroom delete [OPTIONS] <KIND> <NAME>"),
        "{message}"
    );
    assert!(
        message.contains("strongroom delete [OPTIONS] -f <FILE|DIR>..."),
        "{message}"
    );
}

#[test]
fn up_help_lists_the_server_options() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["up", "--help"])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let help = String::from_utf8_lossy(&output.stdout);
    for option in ["--listen", "--runtime", "--conmon", "--cni-bin-dir"] {
        assert!(help.contains(option), "{option} missing from: {help}");
    }
}

#[test]
fn logs_help_says_tail_counts_each_instance() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["logs", "--help"])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("last N lines of each instance"), "{help}");
}

#[test]
fn apply_from_dev_zero_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();

    let output = strongroom(dir.path())
        .args(["apply", "-f", "/dev/zero", "--server", &closed_port_url()])
        .timeout(std::time::Duration::from_secs(10))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("/dev/zero is not a regular file"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn apply_from_oversized_stdin_names_the_limit() {
    let dir = tempfile::tempdir().unwrap();

    let output = strongroom(dir.path())
        .args(["apply", "-f", "-", "--server", &closed_port_url()])
        .write_stdin("#".repeat(5 * 1024 * 1024))
        .timeout(std::time::Duration::from_secs(10))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "<stdin> is larger than 4 MiB, the limit of one apply request; split it into \
             several files or applies"
        ),
        "{}",
        stderr(&output)
    );
}
