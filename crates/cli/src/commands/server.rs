//! `strongroom server`: the API server and control plane in the foreground.

use anyhow::Context as _;
use strongroom_server::{ServerConfig, init_logging, run_server};

use crate::args::{EngineArgs, GlobalArgs, ServerArgs};

/// Runs the server until SIGTERM or SIGINT.
pub async fn run(global: &GlobalArgs, args: &ServerArgs) -> anyhow::Result<()> {
    init_logging("info");
    let config = server_config(global, args);
    run_server(config)
        .await
        .context("the Strongroom server failed")
}

/// The server settings that the command line selects.
pub fn server_config(global: &GlobalArgs, args: &ServerArgs) -> ServerConfig {
    let mut config = engine_config(global, &args.engine);
    config.listen = args.listen;
    config
}

/// The server settings with the engine tools of the command line and the default listen address.
pub fn engine_config(global: &GlobalArgs, engine: &EngineArgs) -> ServerConfig {
    let mut config = ServerConfig::new(&global.data_dir);
    config.runtime = engine.runtime.clone();
    config.conmon = engine.conmon.clone();
    config.cni_bin_dir = engine.cni_bin_dir.clone();
    config
}
