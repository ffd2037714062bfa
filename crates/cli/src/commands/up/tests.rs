use std::ffi::OsString;

use clap::Parser as _;
use strongroom_server::DataDir;

use super::{RunningServer, report_running, server_arguments, serves_address};
use crate::args::{Cli, Command};

#[test]
fn server_arguments_carry_the_options_of_up() {
    let cli = Cli::try_parse_from([
        "strongroom",
        "up",
        "--listen",
        "127.0.0.1:7471",
        "--runtime",
        "/usr/bin/crun",
        "--conmon",
        "/opt/conmon",
        "--cni-bin-dir",
        "/opt/cni",
    ])
    .unwrap();
    let Command::Up(args) = cli.command else {
        panic!("not up")
    };

    let arguments = server_arguments(&args, &DataDir::new("/var/lib/sr-test"));

    let expected: Vec<OsString> = [
        "--data-dir",
        "/var/lib/sr-test",
        "server",
        "--listen",
        "127.0.0.1:7471",
        "--runtime",
        "/usr/bin/crun",
        "--conmon",
        "/opt/conmon",
        "--cni-bin-dir",
        "/opt/cni",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    assert_eq!(arguments, expected);
}

#[test]
fn serves_address_compares_the_url_with_the_listen_address() {
    let url = "http://127.0.0.1:7470";

    assert!(serves_address(url, "127.0.0.1:7470".parse().unwrap()));
    assert!(serves_address(url, "0.0.0.0:7470".parse().unwrap()));
    assert!(serves_address(url, "127.0.0.1:0".parse().unwrap()));
    assert!(!serves_address(url, "127.0.0.1:7592".parse().unwrap()));
    assert!(!serves_address(url, "127.0.0.2:0".parse().unwrap()));
}

#[test]
fn running_server_on_another_address_fails_naming_both() {
    let running = RunningServer {
        pid: Some(4242),
        url: Some("http://127.0.0.1:7471".to_owned()),
    };
    let data_dir = DataDir::new("/var/lib/sr-test");

    let error = report_running(&running, "127.0.0.1:7592".parse().unwrap(), &data_dir).unwrap_err();

    assert_eq!(
        error.to_string(),
        "Strongroom server is already running (pid 4242) at http://127.0.0.1:7471; \
         stop it with `strongroom down` to start it on 127.0.0.1:7592"
    );
}

#[test]
fn running_server_on_the_same_or_default_address_is_reported_as_success() {
    let running = RunningServer {
        pid: Some(4242),
        url: Some("http://127.0.0.1:7471".to_owned()),
    };
    let data_dir = DataDir::new("/var/lib/sr-test");

    report_running(&running, "127.0.0.1:7471".parse().unwrap(), &data_dir).unwrap();
    report_running(&running, strongroom_server::DEFAULT_LISTEN, &data_dir).unwrap();
}
