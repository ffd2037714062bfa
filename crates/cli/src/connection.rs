//! Server URL and bearer token of client commands.

use std::path::PathBuf;

use anyhow::Context as _;
use strongroom_api::{Client, RequestError};
use strongroom_server::{ClientFile, DataDir};

use crate::args::GlobalArgs;

/// URL used when neither --server nor DATA_DIR/client.json names one.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:7470";

/// The server URL and token file a command uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Base URL of the API.
    pub url: String,
    /// File with the bearer token.
    pub token_file: PathBuf,
}

impl Connection {
    /// Resolves the connection: options and environment first, then
    /// `DATA_DIR/client.json`, then the defaults.
    pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Connection> {
        let data_dir = DataDir::new(&global.data_dir);
        let client_file = if global.server.is_some() && global.token_file.is_some() {
            None
        } else {
            ClientFile::read(&data_dir.client_file())?
        };

        let url = global
            .server
            .clone()
            .or_else(|| client_file.as_ref().map(|f| f.url.clone()))
            .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned());
        let token_file = global
            .token_file
            .clone()
            .or_else(|| client_file.map(|f| f.token_file))
            .unwrap_or_else(|| data_dir.admin_token());
        Ok(Connection { url, token_file })
    }

    /// Reads the token and returns a client of the server.
    pub fn client(&self) -> anyhow::Result<Client> {
        let token = std::fs::read_to_string(&self.token_file).with_context(|| {
            format!(
                "cannot read the administrator token from {}; the server creates it on first \
                 start: start it with `strongroom up`, or pass --token-file (reading it needs \
                 the permissions of the user that runs the server)",
                self.token_file.display()
            )
        })?;
        let token = token.trim();
        if token.is_empty() {
            anyhow::bail!(
                "token file {} is empty; pass --token-file with the administrator token file \
                 of the server",
                self.token_file.display()
            );
        }
        Ok(Client::new(&self.url, token)?)
    }
}

/// Resolves the connection and returns a client, for commands that talk to the server.
pub fn connect(global: &GlobalArgs) -> anyhow::Result<Client> {
    Connection::resolve(global)?.client()
}

/// Adds the token file this client read to a 401 failure, because the
/// server's own message can only name the server's token file.
pub fn name_rejected_token_file(error: anyhow::Error, global: &GlobalArgs) -> anyhow::Error {
    let unauthorized = error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<RequestError>())
        .any(|cause| cause.status() == Some(401));
    if !unauthorized {
        return error;
    }
    match Connection::resolve(global) {
        Ok(connection) => error.context(format!(
            "the server rejected the token read from {}",
            connection.token_file.display()
        )),
        Err(_) => error,
    }
}

#[cfg(test)]
mod tests;
