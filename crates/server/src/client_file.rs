//! `DATA_DIR/client.json`: where the CLI finds the running server.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Contents of `client.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientFile {
    /// Base URL of the API, for example `http://127.0.0.1:7470`.
    pub url: String,
    /// Path of the administrator token file.
    pub token_file: PathBuf,
}

/// Failure to read or write `client.json`.
#[derive(Debug, thiserror::Error)]
pub enum ClientFileError {
    /// The file cannot be read or written.
    #[error("cannot {operation} client file {}: {source}", path.display())]
    Io {
        /// `read` or `write`.
        operation: &'static str,
        /// The file.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// The file is not valid JSON of the expected shape.
    #[error(
        "client file {} is invalid: {source}; delete it and restart the server",
        path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: serde_json::Error,
    },
}

impl ClientFile {
    /// Reads the file; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<ClientFile>, ClientFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ClientFileError::Io {
                    operation: "read",
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| ClientFileError::Invalid {
                path: path.to_owned(),
                source,
            })
    }

    /// Writes the file through a temporary file and a rename, so readers never see half of it.
    pub fn write(&self, path: &Path) -> Result<(), ClientFileError> {
        let io_error = |source| ClientFileError::Io {
            operation: "write",
            path: path.to_owned(),
            source,
        };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|source| ClientFileError::Invalid {
                path: path.to_owned(),
                source,
            })?;
        text.push('\n');

        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(io_error)?;
        std::fs::rename(&temporary, path).map_err(io_error)
    }
}
