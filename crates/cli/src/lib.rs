//! Command-line interface of Strongroom.
//!
//! [`main`] parses the command line with clap, runs the command on a tokio
//! runtime and turns every failure into a message on stderr and an exit
//! code: 2 for usage errors, as clap uses it, and 1 for everything else.
//! Client commands talk to the server through `strongroom-api`; `server`,
//! `up` and `down` run or manage the server process itself.

mod args;
mod commands;
mod connection;
mod error;
mod files;
mod output;
mod process;
mod resolve;
mod stdout;
#[cfg(test)]
mod testing;

use std::process::ExitCode;

use clap::Parser as _;

pub use args::Cli;
use args::Command;
pub use error::{EXIT_FAILURE, EXIT_USAGE};

/// Runs the command line of this process and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the async runtime failed: {error}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error::report(&error),
    }
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    if !matches!(cli.command, Command::Server(_)) {
        strongroom_server::init_logging("warn");
    }
    let result = match &cli.command {
        Command::Server(args) => commands::server::run(global, args).await,
        Command::Up(args) => commands::up::run(global, args).await,
        Command::Down(args) => commands::down::run(global, args).await,
        Command::Apply(args) => commands::apply::run(global, args).await,
        Command::Get(args) => commands::get::run(global, args).await,
        Command::Describe(args) => commands::describe::run(global, args).await,
        Command::Delete(args) => commands::delete::run(global, args).await,
        Command::Logs(args) => commands::logs::run(global, args).await,
        Command::Events(args) => commands::events::run(global, args).await,
        Command::Schema => commands::schema::run(),
        Command::Wait(args) => commands::wait::run(global, args).await,
    };
    result.map_err(|error| connection::name_rejected_token_file(error, global))
}
