use super::{is_alive, is_server_cmdline, read_pid_file, tail_lines};

/// Builds a command line as `/proc/PID/cmdline` stores it, with a NUL after every argument.
fn cmdline(args: &[&str]) -> Vec<u8> {
    args.iter().flat_map(|arg| arg.bytes().chain([0])).collect()
}

#[test]
fn server_cmdline_is_recognised() {
    let args = [
        "/usr/local/bin/strongroom",
        "--data-dir",
        "/tmp/x",
        "server",
        "--listen",
        "127.0.0.1:1",
    ];

    assert!(is_server_cmdline(&cmdline(&args), "strongroom"));
}

#[test]
fn other_program_with_server_argument_is_not_ours() {
    let args = ["/usr/bin/python3", "-m", "http.server", "server"];

    assert!(!is_server_cmdline(&cmdline(&args), "strongroom"));
}

#[test]
fn strongroom_client_command_is_not_the_server() {
    let args = ["strongroom", "get", "tenants"];

    assert!(!is_server_cmdline(&cmdline(&args), "strongroom"));
}

#[test]
fn renamed_binary_is_recognised_by_own_name() {
    let args = ["/opt/sr/strongroom-1.2", "server"];

    assert!(is_server_cmdline(&cmdline(&args), "strongroom-1.2"));
    assert!(!is_server_cmdline(b"", "strongroom"));
}

#[test]
fn own_process_is_alive() {
    assert!(is_alive(std::process::id() as i32));
}

#[test]
fn exited_child_is_not_alive() {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id() as i32;
    child.wait().unwrap();

    assert!(!is_alive(pid));
}

#[test]
fn pid_file_must_hold_a_positive_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.pid");

    assert_eq!(read_pid_file(&path), None);
    std::fs::write(&path, "1234\n").unwrap();
    assert_eq!(read_pid_file(&path), Some(1234));
    std::fs::write(&path, "0\n").unwrap();
    assert_eq!(read_pid_file(&path), None);
    std::fs::write(&path, "abc").unwrap();
    assert_eq!(read_pid_file(&path), None);
}

#[test]
fn tail_returns_the_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    std::fs::write(&path, "1\n2\n3\n4\n").unwrap();

    assert_eq!(tail_lines(&path, 2), "3\n4");
    assert_eq!(tail_lines(&path, 10), "1\n2\n3\n4");
    assert_eq!(tail_lines(&dir.path().join("absent"), 2), "");
}
