//! Settings of the server and the files it keeps in its data directory.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "/var/lib/strongroom";

/// Default listen address: loopback only, so nothing outside the host reaches the API by default.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 7470);

/// Default OCI runtime binary: runc where Debian 12 installs it.
pub const DEFAULT_RUNTIME: &str = strongroom_engine_local::DEFAULT_RUNC;

/// Default conmon binary.
pub const DEFAULT_CONMON: &str = strongroom_engine_local::DEFAULT_CONMON;

/// Default directory of the CNI plugins (Debian's containernetworking-plugins).
pub const DEFAULT_CNI_BIN_DIR: &str = strongroom_engine_local::DEFAULT_CNI_BIN_DIR;

/// Settings of [`run_server`](crate::run_server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Directory of the store, images, engine state, token and client file.
    pub data_dir: PathBuf,
    /// Address the HTTP API listens on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// OCI runtime binary, for example `/usr/bin/runc`.
    pub runtime: PathBuf,
    /// conmon binary.
    pub conmon: PathBuf,
    /// Directory of the CNI plugin binaries.
    pub cni_bin_dir: PathBuf,
}

impl ServerConfig {
    /// Returns the defaults over `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            listen: DEFAULT_LISTEN,
            runtime: PathBuf::from(DEFAULT_RUNTIME),
            conmon: PathBuf::from(DEFAULT_CONMON),
            cni_bin_dir: PathBuf::from(DEFAULT_CNI_BIN_DIR),
        }
    }
}

/// The files of a data directory that the server and the CLI share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Names the data directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// Returns the directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns the SQLite database of the store.
    pub fn database(&self) -> PathBuf {
        self.root.join("strongroom.db")
    }

    /// Returns the directory of image blobs and unpacked layers.
    pub fn images(&self) -> PathBuf {
        self.root.join("images")
    }

    /// Returns the directory of the local engine: bundles, runtime state, CNI state.
    pub fn engine(&self) -> PathBuf {
        self.root.join("engine")
    }

    /// Returns the directory of instance logs.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Returns the file with the administrator's bearer token.
    pub fn admin_token(&self) -> PathBuf {
        self.root.join(crate::auth::ADMIN_TOKEN_FILE)
    }

    /// Returns the file where the running server writes its URL and token file for the CLI.
    pub fn client_file(&self) -> PathBuf {
        self.root.join("client.json")
    }

    /// Returns the file with the process id of the running server.
    pub fn pid_file(&self) -> PathBuf {
        self.root.join("server.pid")
    }

    /// Returns the file the running server locks, so that two servers never share a data directory.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("server.lock")
    }

    /// Returns the file with the output of a server started in the background by `strongroom up`.
    pub fn server_log(&self) -> PathBuf {
        self.root.join("server.log")
    }
}
