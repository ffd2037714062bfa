//! `run_server`: open the store, start the control plane and serve the API until a signal.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::fcntl::{Flock, FlockArg};
use strongroom_control::PlatformConfig;
use strongroom_store::Store;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::auth::{AdminToken, AdminTokenError};
use crate::client_file::{ClientFile, ClientFileError};
use crate::config::{DataDir, ServerConfig};
use crate::platform::{EngineParts, PlatformHandle, StartPlatformError, local_engine};
use crate::routes::router;
use crate::state::AppState;

/// Failure of [`run_server`].
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory cannot be created.
    #[error("cannot create data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// Another server has locked the data directory.
    #[error(
        "another Strongroom server is running on data directory {}; \
         stop it with `strongroom down` or choose another --data-dir",
        path.display()
    )]
    AlreadyRunning {
        /// The data directory.
        path: PathBuf,
    },
    /// The lock file cannot be opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// The administrator token cannot be loaded or created.
    #[error(transparent)]
    AdminToken(#[from] AdminTokenError),
    /// The store, image store, engine or control plane did not start.
    #[error(transparent)]
    Platform(#[from] StartPlatformError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {address}: {source}; pass another address with --listen")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Cause.
        source: io::Error,
    },
    /// `client.json` cannot be written.
    #[error(transparent)]
    ClientFile(#[from] ClientFileError),
    /// The pid file cannot be written.
    #[error("cannot write pid file {}: {source}", path.display())]
    PidFile {
        /// The pid file.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// Serving HTTP failed.
    #[error("serving the API on {address} failed: {source}")]
    Serve {
        /// The listen address.
        address: SocketAddr,
        /// Cause.
        source: io::Error,
    },
}

/// Runs the server with the local engine until SIGTERM or SIGINT.
///
/// On a signal the server stops accepting requests, finishes those in
/// flight, stops the reconcile loop and returns. Containers keep running:
/// they outlive the control plane, which adopts them again when it starts.
pub async fn run_server(config: ServerConfig) -> Result<(), ServeError> {
    serve(config, local_engine, shutdown_signal()).await
}

/// Runs the server with the engine that `create_engine` returns until `shutdown` completes.
///
/// The engine is created only after the data directory is locked, so two
/// servers never drive the same containers.
pub async fn serve<F, Fut>(
    config: ServerConfig,
    create_engine: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError>
where
    F: FnOnce(ServerConfig) -> Fut,
    Fut: Future<Output = Result<EngineParts, StartPlatformError>>,
{
    let data_dir = DataDir::new(&config.data_dir);
    create_data_dir(data_dir.root())?;
    let _lock = lock_data_dir(&data_dir)?;
    let token = AdminToken::load_or_create(data_dir.root())?;

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| ServeError::Bind {
        address: config.listen,
        source,
    })?;

    let store = Store::open(data_dir.database())
        .await
        .map_err(StartPlatformError::from)?;
    let engine = create_engine(config.clone()).await?;
    let platform = PlatformHandle::start(store, engine, PlatformConfig::default());
    let state = AppState::new(Arc::new(platform.platform().clone()), token.clone());

    // The client file and the pid file are written only once the server
    // accepts connections, so a CLI that finds them finds a server.
    let url = client_url(address);
    ClientFile {
        url: url.clone(),
        token_file: token.path().to_owned(),
    }
    .write(&data_dir.client_file())?;
    write_pid_file(&data_dir.pid_file())?;
    tracing::info!(
        url,
        listen = %address,
        data_dir = %data_dir.root().display(),
        "Strongroom server started"
    );

    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServeError::Serve { address, source });

    tracing::info!("stopping the control plane; containers keep running");
    platform.stop().await;
    remove_pid_file(&data_dir.pid_file());
    tracing::info!("Strongroom server stopped");
    served
}

fn create_data_dir(path: &Path) -> Result<(), ServeError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| ServeError::DataDir {
            path: path.to_owned(),
            source,
        })
}

/// Takes an exclusive lock that the kernel releases when the process ends, even by SIGKILL.
fn lock_data_dir(data_dir: &DataDir) -> Result<Flock<File>, ServeError> {
    let path = data_dir.lock_file();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ServeError::Lock {
            path: path.clone(),
            source,
        })?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(lock),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(ServeError::AlreadyRunning {
            path: data_dir.root().to_owned(),
        }),
        Err((_, errno)) => Err(ServeError::Lock {
            path,
            source: errno.into(),
        }),
    }
}

/// Returns the URL a client on this host uses; an unspecified address is reached over loopback.
pub fn client_url(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, address.port()))
}

fn write_pid_file(path: &Path) -> Result<(), ServeError> {
    std::fs::write(path, format!("{}\n", std::process::id())).map_err(|source| {
        ServeError::PidFile {
            path: path.to_owned(),
            source,
        }
    })
}

/// Removes the pid file if it still names this process; `strongroom up` may have replaced it.
fn remove_pid_file(path: &Path) {
    let ours = std::fs::read_to_string(path)
        .is_ok_and(|text| text.trim() == std::process::id().to_string());
    if ours && let Err(error) = std::fs::remove_file(path) {
        tracing::warn!(path = %path.display(), %error, "removing the pid file failed");
    }
}

/// Completes on the first SIGTERM or SIGINT.
async fn shutdown_signal() {
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("installing signal handlers failed; stop the server with SIGKILL");
        return std::future::pending().await;
    };
    let name = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "received signal; stopping");
}
