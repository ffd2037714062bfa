use clap::Parser as _;
use clap::error::ErrorKind;
use strongroom_model::Kind;

use super::{Cli, Command, OutputFormat, WaitCondition};

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("strongroom").chain(args.iter().copied()))
}

#[test]
fn kind_accepts_singular_plural_and_short_forms() {
    for (word, kind) in [
        ("tenant", Kind::Tenant),
        ("tenants", Kind::Tenant),
        ("application", Kind::Application),
        ("applications", Kind::Application),
        ("app", Kind::Application),
        ("APPS", Kind::Application),
    ] {
        let cli = parse(&["get", word]).unwrap();
        let Command::Get(args) = cli.command else {
            panic!("not get: {word}")
        };
        assert_eq!(args.kind, kind, "{word}");
    }
}

#[test]
fn unknown_kind_is_a_usage_error() {
    let error = parse(&["get", "pods"]).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::ValueValidation);
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .to_string()
            .contains("tenant(s), application(s) or app(s)"),
        "{error}"
    );
}

#[test]
fn get_options_parse() {
    let cli = parse(&["get", "app", "web", "--tenant", "retail", "-o", "yaml"]).unwrap();

    let Command::Get(args) = cli.command else {
        panic!("not get")
    };
    assert_eq!(args.name.as_deref(), Some("web"));
    assert_eq!(args.tenant.as_deref(), Some("retail"));
    assert_eq!(args.output, OutputFormat::Yaml);
}

#[test]
fn global_options_go_before_or_after_the_command() {
    let before = parse(&["--data-dir", "/tmp/a", "get", "tenants"]).unwrap();
    let after = parse(&[
        "get",
        "tenants",
        "--data-dir",
        "/tmp/b",
        "--server",
        "http://127.0.0.1:1",
    ])
    .unwrap();

    assert_eq!(before.global.data_dir, std::path::PathBuf::from("/tmp/a"));
    assert_eq!(after.global.data_dir, std::path::PathBuf::from("/tmp/b"));
    assert_eq!(after.global.server.as_deref(), Some("http://127.0.0.1:1"));
}

#[test]
fn apply_needs_a_file() {
    let error = parse(&["apply"]).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::MissingRequiredArgument);
}

#[test]
fn apply_takes_several_files() {
    let cli = parse(&["apply", "-f", "a.yaml", "--filename", "dir/", "--dry-run"]).unwrap();

    let Command::Apply(args) = cli.command else {
        panic!("not apply")
    };
    assert_eq!(args.files.len(), 2);
    assert!(args.dry_run);
}

#[test]
fn delete_takes_a_name_or_files_but_not_both() {
    assert!(parse(&["delete", "tenant", "retail"]).is_ok());
    assert!(parse(&["delete", "-f", "examples/"]).is_ok());
    assert!(parse(&["delete"]).is_err());
    assert!(parse(&["delete", "tenant"]).is_err());
    assert!(parse(&["delete", "tenant", "retail", "-f", "x.yaml"]).is_err());
}

#[test]
fn wait_parses_condition_and_timeout() {
    let cli = parse(&[
        "wait",
        "application",
        "web",
        "--for",
        "healthy",
        "--timeout",
        "3m",
    ])
    .unwrap();

    let Command::Wait(args) = cli.command else {
        panic!("not wait")
    };
    assert_eq!(args.condition, WaitCondition::Healthy);
    assert_eq!(args.timeout.get(), std::time::Duration::from_secs(180));
}

#[test]
fn wait_rejects_a_bad_timeout() {
    let error = parse(&[
        "wait",
        "application",
        "web",
        "--for",
        "healthy",
        "--timeout",
        "soon",
    ])
    .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::ValueValidation);
}

#[test]
fn server_listens_on_loopback_by_default() {
    let cli = parse(&["server"]).unwrap();

    let Command::Server(args) = cli.command else {
        panic!("not server")
    };
    assert!(args.listen.ip().is_loopback());
    assert_eq!(args.listen.port(), 7470);
}

#[test]
fn logs_options_parse() {
    let cli = parse(&[
        "logs",
        "web",
        "-f",
        "--since",
        "10m",
        "--tail",
        "20",
        "--instance",
        "web-1",
    ])
    .unwrap();

    let Command::Logs(args) = cli.command else {
        panic!("not logs")
    };
    assert!(args.follow);
    assert_eq!(args.since.as_deref(), Some("10m"));
    assert_eq!(args.tail, Some(20));
    assert_eq!(args.instance.as_deref(), Some("web-1"));
}

#[test]
fn command_definition_is_consistent() {
    use clap::CommandFactory as _;

    Cli::command().debug_assert();
}

#[test]
fn negative_tail_is_rejected_with_a_range() {
    let error = parse(&["logs", "web", "--tail", "-1"]).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::ValueValidation);
    assert_eq!(error.exit_code(), 2);
    let message = error.to_string();
    assert!(
        message.contains("invalid value '-1' for '--tail <N>': must be 0 or more"),
        "{message}"
    );
    assert!(!message.contains("-- -1"), "{message}");
}

#[test]
fn tail_that_is_no_number_is_rejected() {
    let error = parse(&["logs", "web", "--tail", "lots"]).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::ValueValidation);
    assert!(error.to_string().contains("'lots'"), "{error}");
}

#[test]
fn tail_zero_is_accepted() {
    let cli = parse(&["logs", "web", "--tail", "0"]).unwrap();

    let Command::Logs(args) = cli.command else {
        panic!("not logs")
    };
    assert_eq!(args.tail, Some(0));
}

#[test]
fn tail_help_says_lines_of_each_instance() {
    use clap::CommandFactory as _;

    let mut command = Cli::command();
    let logs = command.find_subcommand_mut("logs").unwrap();
    let help = logs.render_long_help().to_string();

    assert!(help.contains("last N lines of each instance"), "{help}");
}

#[test]
fn delete_usage_shows_both_forms() {
    let error = parse(&["delete"]).unwrap_err();

    let message = error.to_string();
    assert_eq!(error.exit_code(), 2);
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
fn events_output_format_parses() {
    let default = parse(&["events"]).unwrap();
    let json = parse(&["events", "--tenant", "retail", "-o", "json"]).unwrap();

    let Command::Events(default) = default.command else {
        panic!("not events")
    };
    let Command::Events(json) = json.command else {
        panic!("not events")
    };
    assert_eq!(default.output, OutputFormat::Table);
    assert_eq!(json.output, OutputFormat::Json);
    assert_eq!(json.tenant.as_deref(), Some("retail"));
}
