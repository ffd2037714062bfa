//! The control plane of a running server: store, engine, [`Platform`], and
//! the reconcile loop and event recorder running beside the HTTP API.

use std::sync::Arc;

use strongroom_control::{Platform, PlatformConfig};
use strongroom_engine::tokio_mpsc::{UnboundedReceiver, unbounded_channel};
use strongroom_engine::{Engine, EngineEvent};
use strongroom_engine_local::{EngineStartError, LocalEngine, LocalEngineConfig};
use strongroom_image::ImageStore;
use strongroom_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{DataDir, ServerConfig};

/// An engine and the receiving end of the events it reports.
pub type EngineParts = (Arc<dyn Engine>, UnboundedReceiver<EngineEvent>);

/// The running control plane and the tasks to stop with it.
pub struct PlatformHandle {
    platform: Platform,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Failure to start the control plane.
#[derive(Debug, thiserror::Error)]
pub enum StartPlatformError {
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] strongroom_store::OpenError),
    /// The image store cannot be opened.
    #[error(transparent)]
    Images(#[from] strongroom_image::OpenError),
    /// The local engine cannot start.
    #[error(transparent)]
    Engine(#[from] EngineStartError),
}

impl PlatformHandle {
    /// Builds the platform over `store` and `engine` and starts its
    /// reconcile loop and event recorder.
    pub fn start(store: Store, engine: EngineParts, config: PlatformConfig) -> PlatformHandle {
        let (engine, events) = engine;
        let platform = Platform::new(store, engine, config);
        let (stop, stopped) = watch::channel(false);

        let reconciler = {
            let platform = platform.clone();
            let shutdown = wait_for_stop(stopped.clone());
            tokio::spawn(async move { platform.run_reconciler(shutdown).await })
        };
        let recorder = {
            let platform = platform.clone();
            let shutdown = wait_for_stop(stopped);
            tokio::spawn(async move { platform.run_event_recorder(events, shutdown).await })
        };
        PlatformHandle {
            platform,
            stop,
            tasks: vec![reconciler, recorder],
        }
    }

    /// Returns the request handling of the platform.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// Stops the reconcile loop and the event recorder, after the pass that
    /// runs, and closes the store.
    ///
    /// Running containers are left alone: they outlive the control plane.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "a control-plane task ended abnormally");
            }
        }
        self.platform.store().close().await;
    }
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    // An error means the sender is gone, which also means stop.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Creates the local engine over the data directory of `config`, with the
/// image store in `DATA_DIR/images`, engine state in `DATA_DIR/engine` and
/// instance logs in `DATA_DIR/logs`.
pub async fn local_engine(config: ServerConfig) -> Result<EngineParts, StartPlatformError> {
    let (engine, events) = create_local_engine(&config).await?;
    Ok((Arc::new(engine), events))
}

async fn create_local_engine(
    config: &ServerConfig,
) -> Result<(LocalEngine, UnboundedReceiver<EngineEvent>), StartPlatformError> {
    let data_dir = DataDir::new(&config.data_dir);
    let images = ImageStore::open(data_dir.images())?;
    let (sender, events) = unbounded_channel();

    let mut engine_config = LocalEngineConfig::new(data_dir.engine(), Arc::new(images), sender);
    engine_config.log_dir = data_dir.logs();
    engine_config.runtime = config.runtime.clone();
    engine_config.conmon = config.conmon.clone();
    engine_config.cni_bin_dir = config.cni_bin_dir.clone();
    tracing::info!(?engine_config, "starting the local engine");

    let engine = LocalEngine::new(engine_config).await?;
    Ok((engine, events))
}

/// Failure of [`purge_engine`].
#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    /// The engine cannot be created.
    #[error(transparent)]
    Start(#[from] StartPlatformError),
    /// The engine failed to remove what it created.
    #[error(transparent)]
    Engine(#[from] strongroom_engine::EngineError),
}

/// Removes every container, network, image and file the local engine
/// created under the data directory of `config`, without a running server.
pub async fn purge_engine(config: &ServerConfig) -> Result<(), PurgeError> {
    let (engine, _events) = create_local_engine(config).await?;
    engine.purge_with_images().await?;
    Ok(())
}
