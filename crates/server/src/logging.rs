//! Log output of the server and CLI: `tracing` events to stderr.

use tracing_subscriber::EnvFilter;

/// Environment variable with the log filter, in `RUST_LOG` syntax, for
/// example `info,strongroom_control=debug`.
pub const LOG_FILTER_ENV: &str = "STRONGROOM_LOG";

/// Environment variable that selects the log format: `text` (default) or `json`.
pub const LOG_FORMAT_ENV: &str = "STRONGROOM_LOG_FORMAT";

/// Installs the global subscriber: filter from `STRONGROOM_LOG`, else `default_filter`.
///
/// Calling it again does nothing, so tests and embedders may call it freely.
pub fn init_logging(default_filter: &str) {
    let filter =
        EnvFilter::try_from_env(LOG_FILTER_ENV).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json =
        std::env::var(LOG_FORMAT_ENV).is_ok_and(|format| format.eq_ignore_ascii_case("json"));

    // Colours only on a terminal: `strongroom up` sends stderr to server.log.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // An error means a subscriber is already installed, which is fine.
    drop(result);
}
