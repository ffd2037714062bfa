//! `strongroom up`: start the server in the background and wait until it responds.

use std::ffi::OsString;
use std::fs::{DirBuilder, File, OpenOptions};
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use strongroom_api::Client;
use strongroom_server::{ClientFile, DEFAULT_LISTEN, DataDir, client_url};

use crate::args::{GlobalArgs, ServerArgs};
use crate::process::{is_strongroom_server, read_pid_file, tail_lines};
use crate::stdout::emit;

/// Maximum wait for the new server to respond.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Interval between two checks whether the server responds.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Log lines shown when the server does not start.
const LOG_TAIL_LINES: usize = 30;

/// Starts `strongroom server` detached from this terminal, unless one is running already.
pub async fn run(global: &GlobalArgs, args: &ServerArgs) -> anyhow::Result<()> {
    let data_dir = DataDir::new(&global.data_dir);
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir.root())
        .with_context(|| format!("cannot create data directory {}", data_dir.root().display()))?;

    if let Some(running) = running_server(&data_dir).await {
        return report_running(&running, args.listen, &data_dir);
    }

    // A client file left by an earlier server would point the wait below at the wrong URL.
    remove_if_present(&data_dir.client_file())?;
    let mut child = spawn_server(args, &data_dir)?;
    let pid = child.id();
    std::fs::write(data_dir.pid_file(), format!("{pid}\n"))
        .with_context(|| format!("cannot write pid file {}", data_dir.pid_file().display()))?;

    let url = wait_until_responding(&mut child, &data_dir).await?;
    emit(&format!(
        "Strongroom server started (pid {pid}) at {url}\ndata in {}, log in {}\n",
        data_dir.root().display(),
        data_dir.server_log().display()
    ))
}

/// A server that already serves the data directory.
#[derive(Debug)]
struct RunningServer {
    /// Its process id, when `up` started it and the pid file names it.
    pid: Option<i32>,
    /// Its URL from the client file, when the file exists.
    url: Option<String>,
}

/// Returns the server that already serves this data directory, if any.
async fn running_server(data_dir: &DataDir) -> Option<RunningServer> {
    let url = ClientFile::read(&data_dir.client_file())
        .ok()
        .flatten()
        .map(|file| file.url);
    if let Some(pid) = read_pid_file(&data_dir.pid_file())
        && is_strongroom_server(pid)
    {
        return Some(RunningServer {
            pid: Some(pid),
            url,
        });
    }

    // A server started in the foreground with `strongroom server` also responds here.
    let url = url?;
    responds(&url).await.then_some(RunningServer {
        pid: None,
        url: Some(url),
    })
}

/// Prints that the server runs already, or fails when it listens on another
/// address than `--listen` requests, because `up` would not change it.
fn report_running(
    running: &RunningServer,
    listen: SocketAddr,
    data_dir: &DataDir,
) -> anyhow::Result<()> {
    let pid = running.pid.map(|pid| format!("pid {pid}"));
    let description = match (&pid, &running.url) {
        (Some(pid), Some(url)) => format!("({pid}) at {url}"),
        (Some(pid), None) => format!("({pid})"),
        (None, Some(url)) => format!("at {url}"),
        (None, None) => String::new(),
    };

    // The default address counts as not given, because clap fills it in.
    if let Some(url) = &running.url
        && listen != DEFAULT_LISTEN
        && !serves_address(url, listen)
    {
        bail!(
            "Strongroom server is already running {description}; stop it with \
             `strongroom down` to start it on {listen}"
        );
    }
    emit(&format!(
        "Strongroom server is already running {description}; data in {}\n",
        data_dir.root().display()
    ))
}

/// Returns whether a server at `url` listens on `listen`. Port 0 requests
/// any free port, so every port of the same address matches it.
fn serves_address(url: &str, listen: SocketAddr) -> bool {
    let requested = client_url(listen);
    if listen.port() != 0 {
        return url == requested;
    }
    url.rsplit_once(':')
        .zip(requested.rsplit_once(':'))
        .is_some_and(|((url_host, _), (requested_host, _))| url_host == requested_host)
}

fn spawn_server(args: &ServerArgs, data_dir: &DataDir) -> anyhow::Result<Child> {
    let program = std::env::current_exe().context("cannot find the path of this program")?;
    let log = open_log(data_dir)?;
    let log_err = log
        .try_clone()
        .context("cannot open the server log twice")?;

    let mut command = Command::new(&program);
    command
        .args(server_arguments(args, data_dir))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group keeps the server out of the terminal's
        // job control, so Ctrl-C in this shell does not reach it.
        .process_group(0);
    command
        .spawn()
        .with_context(|| format!("cannot start {} server", program.display()))
}

/// Returns the arguments of `strongroom server` that carry the options given to `up`.
fn server_arguments(args: &ServerArgs, data_dir: &DataDir) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = vec!["--data-dir".into(), data_dir.root().into()];
    arguments.push("server".into());
    arguments.extend(["--listen".into(), args.listen.to_string().into()]);
    arguments.extend(["--runtime".into(), args.engine.runtime.clone().into()]);
    arguments.extend(["--conmon".into(), args.engine.conmon.clone().into()]);
    arguments.extend([
        "--cni-bin-dir".into(),
        args.engine.cni_bin_dir.clone().into(),
    ]);
    arguments
}

fn open_log(data_dir: &DataDir) -> anyhow::Result<File> {
    let path = data_dir.server_log();
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open server log {}", path.display()))
}

/// Waits until the server has written its client file and responds there; returns its URL.
async fn wait_until_responding(child: &mut Child, data_dir: &DataDir) -> anyhow::Result<String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child
            .try_wait()
            .context("cannot check the server process")?
        {
            let _ = std::fs::remove_file(data_dir.pid_file());
            bail!(
                "the server exited during start ({status}); last lines of {}:\n{}",
                data_dir.server_log().display(),
                tail_lines(&data_dir.server_log(), LOG_TAIL_LINES)
            );
        }
        if let Ok(Some(client_file)) = ClientFile::read(&data_dir.client_file())
            && responds(&client_file.url).await
        {
            return Ok(client_file.url);
        }
        if Instant::now() >= deadline {
            bail!(
                "the server (pid {}) did not respond within {}s; it may still be starting: \
                 check with `strongroom get tenants`, stop it with `strongroom down`; \
                 last lines of {}:\n{}",
                child.id(),
                START_TIMEOUT.as_secs(),
                data_dir.server_log().display(),
                tail_lines(&data_dir.server_log(), LOG_TAIL_LINES)
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Returns whether the health endpoint at `url` responds; it needs no token.
async fn responds(url: &str) -> bool {
    let Ok(client) = Client::with_timeout(url, "", Duration::from_secs(2)) else {
        return false;
    };
    client.healthz().await.is_ok()
}

fn remove_if_present(path: &std::path::Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", path.display())),
    }
}

#[cfg(test)]
mod tests;
