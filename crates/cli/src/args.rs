//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use strongroom_model::{Duration, Kind};
use strongroom_server::{
    DEFAULT_CNI_BIN_DIR, DEFAULT_CONMON, DEFAULT_DATA_DIR, DEFAULT_LISTEN, DEFAULT_RUNTIME,
};

/// Strongroom, a container platform for banks: server and command-line client.
#[derive(Debug, Parser)]
#[command(name = "strongroom", version, propagate_version = true)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Data directory of the platform: store, images, engine state, token and logs.
    #[arg(
        long,
        global = true,
        env = "STRONGROOM_DATA_DIR",
        value_name = "DIR",
        default_value = DEFAULT_DATA_DIR
    )]
    pub data_dir: PathBuf,
    /// URL of the API server
    /// [default: the URL in DATA_DIR/client.json, else http://127.0.0.1:7470].
    #[arg(long, global = true, env = "STRONGROOM_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// File with the bearer token
    /// [default: the file named in DATA_DIR/client.json, else DATA_DIR/admin.token].
    #[arg(
        long,
        global = true,
        env = "STRONGROOM_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub token_file: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server and the control plane in the foreground until SIGTERM or SIGINT.
    Server(ServerArgs),
    /// Start the server in the background and wait until it responds.
    Up(ServerArgs),
    /// Stop the background server; running containers keep running unless --purge is given.
    Down(DownArgs),
    /// Validate manifest files and apply every object in them in one transaction.
    Apply(ApplyArgs),
    /// List objects of a kind, or show one.
    Get(GetArgs),
    /// Show an object in detail: spec summary, status, instances and recent events.
    Describe(DescribeArgs),
    /// Delete an object, or every object defined in manifest files.
    #[command(override_usage = DELETE_USAGE)]
    Delete(DeleteArgs),
    /// Print what an application's instances wrote to stdout and stderr.
    Logs(LogsArgs),
    /// List what the platform did and why.
    Events(EventsArgs),
    /// Print the JSON Schema of the manifest format.
    Schema,
    /// Wait until an application is healthy.
    Wait(WaitArgs),
}

/// Usage line of `delete`, which clap would show only in its KIND NAME form.
const DELETE_USAGE: &str = "strongroom delete [OPTIONS] <KIND> <NAME>\n       \
                            strongroom delete [OPTIONS] -f <FILE|DIR>...";

/// Options of `server` and `up`.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Address the API listens on; keep it on loopback unless a TLS proxy fronts it.
    #[arg(
        long,
        env = "STRONGROOM_LISTEN",
        value_name = "ADDRESS",
        default_value_t = DEFAULT_LISTEN
    )]
    pub listen: SocketAddr,
    /// Host tools of the local engine.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Host tools of the local engine, for `server`, `up` and `down --purge`.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// OCI runtime binary: runc, or crun where the host's cgroup layout allows
    /// it (crun 1.8 rejects the hybrid cgroup v1/v2 layout).
    #[arg(long, env = "STRONGROOM_RUNTIME", value_name = "PATH", default_value = DEFAULT_RUNTIME)]
    pub runtime: PathBuf,
    /// conmon binary, the monitor that keeps each container running without the server.
    #[arg(long, env = "STRONGROOM_CONMON", value_name = "PATH", default_value = DEFAULT_CONMON)]
    pub conmon: PathBuf,
    /// Directory of the CNI plugin binaries.
    #[arg(
        long,
        env = "STRONGROOM_CNI_BIN_DIR",
        value_name = "DIR",
        default_value = DEFAULT_CNI_BIN_DIR
    )]
    pub cni_bin_dir: PathBuf,
}

/// Options of `down`.
#[derive(Debug, Clone, Args)]
pub struct DownArgs {
    /// Also remove every container, network and file of the platform, and the data directory.
    #[arg(long)]
    pub purge: bool,
    /// Host tools of the local engine, used by --purge.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Options of `apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// Manifest file, directory whose *.yaml, *.yml and *.json files are read, or - for
    /// standard input; repeatable. At most 4 MiB in total.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE|DIR",
        required = true
    )]
    pub files: Vec<PathBuf>,
    /// Validate and show what would change, but store nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `get`.
#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    /// tenant(s), application(s) or app(s).
    #[arg(value_parser = parse_kind)]
    pub kind: Kind,
    /// Name of one object; all objects of the kind when absent.
    pub name: Option<String>,
    /// Tenant of the applications
    /// [default: every tenant, or the only one with an application of NAME].
    #[arg(long, short = 't')]
    pub tenant: Option<String>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Options of `describe`.
#[derive(Debug, Clone, Args)]
pub struct DescribeArgs {
    /// tenant(s), application(s) or app(s).
    #[arg(value_parser = parse_kind)]
    pub kind: Kind,
    /// Name of the object.
    pub name: String,
    /// Tenant of the application [default: the only tenant with an application of NAME].
    #[arg(long, short = 't')]
    pub tenant: Option<String>,
}

/// Options of `delete`.
#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    /// tenant(s), application(s) or app(s).
    #[arg(value_parser = parse_kind, required_unless_present = "files", conflicts_with = "files")]
    pub kind: Option<Kind>,
    /// Name of the object.
    #[arg(required_unless_present = "files")]
    pub name: Option<String>,
    /// Tenant of the application [default: the only tenant with an application of NAME].
    #[arg(long, short = 't', conflicts_with = "files")]
    pub tenant: Option<String>,
    /// Delete every object defined in this manifest file or directory; repeatable.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
}

/// Options of `logs`.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// Application name.
    pub app: String,
    /// Tenant of the application [default: the only tenant with an application of this name].
    #[arg(long, short = 't')]
    pub tenant: Option<String>,
    /// Only this instance, for example web-0.
    #[arg(long)]
    pub instance: Option<String>,
    /// Keep printing new lines (polling every 500 ms) until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only lines written in the last DURATION (for example 10m) or since an RFC 3339 time.
    #[arg(long, value_name = "DURATION|TIME")]
    pub since: Option<String>,
    /// Only the last N lines of each instance, so up to N times the number of
    /// instances in all; 0 prints no earlier lines.
    // Negative numbers are taken as values so that `--tail -1` reaches
    // parse_tail and its message, not clap's hint to write `-- -1`.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_tail)]
    pub tail: Option<usize>,
}

/// Options of `events`.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Only events of this tenant.
    #[arg(long, short = 't')]
    pub tenant: Option<String>,
    /// Only events about objects of this kind.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Kind>,
    /// Only events about objects of this name.
    #[arg(long)]
    pub name: Option<String>,
    /// At most this many events, the newest ones.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Options of `wait`.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// application(s) or app(s).
    #[arg(value_parser = parse_kind)]
    pub kind: Kind,
    /// Name of the application.
    pub name: String,
    /// Tenant of the application [default: the only tenant with an application of NAME].
    #[arg(long, short = 't')]
    pub tenant: Option<String>,
    /// Condition to wait for.
    #[arg(long = "for", value_enum)]
    pub condition: WaitCondition,
    /// Give up after this long, for example 120s or 5m.
    #[arg(long, default_value = "120s")]
    pub timeout: Duration,
}

/// Output formats of `get` and `events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns.
    Table,
    /// Pretty JSON: one object for a name, an array for a list.
    Json,
    /// YAML: one document for a name, a sequence for a list.
    Yaml,
}

/// Conditions `wait` can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitCondition {
    /// Every desired instance of the current spec is healthy.
    Healthy,
}

/// Parses a KIND argument.
pub fn parse_kind(word: &str) -> Result<Kind, String> {
    Kind::from_cli(word).ok_or_else(|| {
        format!("unknown kind {word:?}: expected tenant(s), application(s) or app(s)")
    })
}

/// Parses a --tail N argument: a number of lines, 0 or more.
pub fn parse_tail(text: &str) -> Result<usize, String> {
    if let Ok(number) = text.parse::<i64>()
        && number < 0
    {
        return Err("must be 0 or more".to_owned());
    }
    text.parse::<usize>()
        .map_err(|_| "expected a number of lines, 0 or more, such as 20".to_owned())
}

#[cfg(test)]
mod tests;
