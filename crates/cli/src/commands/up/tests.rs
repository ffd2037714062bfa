use std::ffi::OsString;

use clap::Parser as _;
use strongroom_server::DataDir;

use super::server_arguments;
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
