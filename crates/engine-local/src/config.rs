//! Settings of the local engine.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use strongroom_engine::EventSender;

use crate::host::ImageSource;
use crate::network::NetworkError;
use crate::runtime::RuntimeError;

/// runc as Debian 12 installs it.
pub const DEFAULT_RUNC: &str = "/usr/sbin/runc";
/// crun as Debian 12 installs it; it needs a host with cgroup v2 only.
pub const DEFAULT_CRUN: &str = "/usr/bin/crun";
/// conmon as Debian 12 installs it.
pub const DEFAULT_CONMON: &str = "/usr/bin/conmon";
/// The CNI plugins of Debian's containernetworking-plugins.
pub const DEFAULT_CNI_BIN_DIR: &str = "/usr/lib/cni";
/// A log file is rotated at this size: 10 MiB.
pub const DEFAULT_LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated log files kept per instance.
pub const DEFAULT_LOG_MAX_FILES: u32 = 5;

/// Settings of a [`crate::LocalEngine`].
#[derive(Clone)]
pub struct LocalEngineConfig {
    /// Engine state: `runtime/` (bundles, OCI runtime state) and `network/` (CNI state).
    pub data_dir: PathBuf,
    /// Instance logs, as `LOG_DIR/TENANT/APP/INSTANCE.log`; by default `data_dir/logs`.
    pub log_dir: PathBuf,
    /// OCI runtime binary: [`DEFAULT_RUNC`], or [`DEFAULT_CRUN`] where the cgroup layout allows.
    pub runtime: PathBuf,
    /// conmon binary.
    pub conmon: PathBuf,
    /// Directory of the CNI plugin binaries.
    pub cni_bin_dir: PathBuf,
    /// A log file is rotated when it reaches this many bytes.
    pub log_max_bytes: u64,
    /// Rotated log files kept per instance.
    pub log_max_files: u32,
    /// Source of images: a [`strongroom_image::ImageStore`] in production.
    pub images: Arc<dyn ImageSource>,
    /// Receives the engine's events.
    pub events: EventSender,
}

impl LocalEngineConfig {
    /// Returns the settings with Debian's paths and the default log rotation.
    pub fn new(
        data_dir: impl Into<PathBuf>,
        images: Arc<dyn ImageSource>,
        events: EventSender,
    ) -> Self {
        let data_dir = data_dir.into();
        LocalEngineConfig {
            log_dir: data_dir.join("logs"),
            data_dir,
            runtime: PathBuf::from(DEFAULT_RUNC),
            conmon: PathBuf::from(DEFAULT_CONMON),
            cni_bin_dir: PathBuf::from(DEFAULT_CNI_BIN_DIR),
            log_max_bytes: DEFAULT_LOG_MAX_BYTES,
            log_max_files: DEFAULT_LOG_MAX_FILES,
            images,
            events,
        }
    }

    /// Returns the state directory of the runtime layer.
    pub fn runtime_dir(&self) -> PathBuf {
        self.data_dir.join("runtime")
    }

    /// Returns the state directory of the network layer.
    pub fn network_dir(&self) -> PathBuf {
        self.data_dir.join("network")
    }
}

impl fmt::Debug for LocalEngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEngineConfig")
            .field("data_dir", &self.data_dir)
            .field("log_dir", &self.log_dir)
            .field("runtime", &self.runtime)
            .field("conmon", &self.conmon)
            .field("cni_bin_dir", &self.cni_bin_dir)
            .field("log_max_bytes", &self.log_max_bytes)
            .field("log_max_files", &self.log_max_files)
            .finish_non_exhaustive()
    }
}

/// Failure to start the local engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineStartError {
    /// A state directory could not be created.
    #[error("cannot create engine directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The runtime layer could not be set up.
    #[error("starting the local engine failed: {0}")]
    Runtime(#[from] RuntimeError),
    /// The network layer could not be set up.
    #[error("starting the local engine failed: {0}")]
    Network(#[from] NetworkError),
    /// Existing containers could not be listed for adoption.
    #[error(
        "listing existing containers failed: {source}: check the OCI runtime and the state under {path}"
    )]
    ListContainers {
        /// The runtime layer's state directory.
        path: PathBuf,
        /// Cause.
        source: RuntimeError,
    },
    /// The HTTP client of the health checks could not be built.
    #[error("building the HTTP client for health checks failed: {0}")]
    HttpClient(#[from] reqwest::Error),
}
