//! `strongroom down [--purge]`: stop the background server, and with --purge remove everything.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use strongroom_server::{DataDir, purge_engine};

use crate::args::{DownArgs, GlobalArgs};
use crate::commands::server::engine_config;
use crate::process::{is_alive, is_strongroom_server, read_pid_file};
use crate::stdout::emit;

/// Maximum wait for the server to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Interval between two checks whether the server exited.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Entries of a data directory; `--purge` deletes only a directory that has one of them.
const DATA_DIR_MARKERS: [&str; 7] = [
    "strongroom.db",
    "admin.token",
    "client.json",
    "server.pid",
    "server.lock",
    "engine",
    "images",
];

/// Stops the server named by the pid file; containers keep running unless --purge is given.
pub async fn run(global: &GlobalArgs, args: &DownArgs) -> anyhow::Result<()> {
    let data_dir = DataDir::new(&global.data_dir);
    stop_server(&data_dir).await?;
    if args.purge {
        purge(global, args, &data_dir).await?;
    }
    Ok(())
}

async fn stop_server(data_dir: &DataDir) -> anyhow::Result<()> {
    let pid_file = data_dir.pid_file();
    let Some(pid) = read_pid_file(&pid_file) else {
        return emit(&format!(
            "no Strongroom server is running on data directory {}\n",
            data_dir.root().display()
        ));
    };
    if !is_strongroom_server(pid) {
        // The process is gone, or the kernel reused its pid for another program.
        remove_pid_file(&pid_file)?;
        return emit(&format!(
            "no Strongroom server is running on data directory {} (removed the stale pid file)\n",
            data_dir.root().display()
        ));
    }

    kill(Pid::from_raw(pid), Signal::SIGTERM)
        .with_context(|| format!("sending SIGTERM to the server (pid {pid}) failed"))?;
    let deadline = Instant::now() + STOP_TIMEOUT;
    while is_alive(pid) {
        if Instant::now() >= deadline {
            bail!(
                "the server (pid {pid}) did not stop within {}s after SIGTERM; see {}",
                STOP_TIMEOUT.as_secs(),
                data_dir.server_log().display()
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    remove_pid_file(&pid_file)?;
    emit(&format!(
        "Strongroom server stopped (pid {pid}); containers keep running\n"
    ))
}

/// Removes the engine's containers, networks and files, then the data directory.
async fn purge(global: &GlobalArgs, args: &DownArgs, data_dir: &DataDir) -> anyhow::Result<()> {
    let root = data_dir.root();
    if !root.exists() {
        return emit(&format!(
            "nothing to purge: {} does not exist\n",
            root.display()
        ));
    }
    check_is_data_dir(root)?;

    let config = engine_config(global, &args.engine);
    purge_engine(&config)
        .await
        .with_context(|| format!("purge of the platform in {} failed", root.display()))?;
    std::fs::remove_dir_all(root)
        .with_context(|| format!("cannot remove data directory {}", root.display()))?;
    emit(&format!(
        "purged the platform: removed its containers, networks and data directory {}\n",
        root.display()
    ))
}

/// Refuses to delete a directory that does not look like a Strongroom data directory,
/// so that a mistyped --data-dir never deletes unrelated files.
fn check_is_data_dir(root: &Path) -> anyhow::Result<()> {
    if root.parent().is_none() {
        bail!(
            "refusing to purge {}: it is the root directory",
            root.display()
        );
    }
    if DATA_DIR_MARKERS
        .iter()
        .any(|marker| root.join(marker).exists())
    {
        return Ok(());
    }
    bail!(
        "refusing to purge {}: it does not look like a Strongroom data directory \
         (it has none of {})",
        root.display(),
        DATA_DIR_MARKERS.join(", ")
    )
}

fn remove_pid_file(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => {
            Err(error).with_context(|| format!("cannot remove pid file {}", path.display()))
        }
    }
}
