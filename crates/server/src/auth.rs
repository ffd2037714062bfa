//! Identity of the caller: the administrator token and the extractor that checks it.
//!
//! There is one local administrator for now. Every handler that needs an
//! identity takes a [`Caller`], so accounts and permissions can grow behind
//! this one extractor.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use strongroom_control::Identity;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// File name of the administrator token in the data directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

/// Random bytes in a token, stored hex-encoded in the file.
const TOKEN_BYTES: usize = 32;

/// Account name of the local administrator.
const ADMIN_USER: &str = "admin";

/// The local administrator's bearer token and the file it is kept in.
#[derive(Clone)]
pub struct AdminToken {
    token: String,
    path: PathBuf,
}

/// Failure to load or create the administrator token.
#[derive(Debug, thiserror::Error)]
pub enum AdminTokenError {
    /// The token file cannot be read or written.
    #[error("cannot {operation} administrator token file {}: {source}", path.display())]
    Io {
        /// `read` or `create`.
        operation: &'static str,
        /// Token file.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// The token file exists but does not hold a token.
    #[error(
        "administrator token file {} does not contain {} hex digits; \
         delete it to have a new token created",
        path.display(), TOKEN_BYTES * 2
    )]
    Malformed {
        /// Token file.
        path: PathBuf,
    },
    /// Other users can read the token file.
    #[error(
        "administrator token file {} is accessible by other users (mode {mode:o}); \
         run `chmod 600 {}`",
        path.display(), path.display()
    )]
    TooOpen {
        /// Token file.
        path: PathBuf,
        /// Permission bits found.
        mode: u32,
    },
    /// The system random number generator failed.
    #[error("generating an administrator token failed: {0}")]
    Random(getrandom::Error),
}

impl AdminToken {
    /// Returns a token with a known value, for tests and embedding.
    pub fn new(token: impl Into<String>, path: impl Into<PathBuf>) -> AdminToken {
        AdminToken {
            token: token.into(),
            path: path.into(),
        }
    }

    /// Reads `DATA_DIR/admin.token`, creating it with a new random token
    /// (mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<AdminToken, AdminTokenError> {
        let path = data_dir.join(ADMIN_TOKEN_FILE);
        match fs::metadata(&path) {
            Ok(metadata) => AdminToken::load(path, metadata.permissions().mode()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => AdminToken::create(path),
            Err(source) => Err(AdminTokenError::Io {
                operation: "read",
                path,
                source,
            }),
        }
    }

    fn load(path: PathBuf, mode: u32) -> Result<AdminToken, AdminTokenError> {
        if mode & 0o077 != 0 {
            return Err(AdminTokenError::TooOpen {
                path,
                mode: mode & 0o777,
            });
        }
        let text = fs::read_to_string(&path).map_err(|source| AdminTokenError::Io {
            operation: "read",
            path: path.clone(),
            source,
        })?;
        let token = text.trim();
        if token.len() != TOKEN_BYTES * 2 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AdminTokenError::Malformed { path });
        }
        Ok(AdminToken {
            token: token.to_owned(),
            path,
        })
    }

    fn create(path: PathBuf) -> Result<AdminToken, AdminTokenError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(AdminTokenError::Random)?;
        let token = hex::encode(bytes);

        // create_new with mode 0600 so the token is never readable by others,
        // not even between creating the file and changing its mode.
        let io_error = |source| AdminTokenError::Io {
            operation: "create",
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(io_error)?;
        writeln!(file, "{token}")
            .and_then(|()| file.sync_all())
            .map_err(io_error)?;
        tracing::info!(path = %path.display(), "created administrator token");
        Ok(AdminToken { token, path })
    }

    /// Returns the token file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns whether `candidate` is the token, in time independent of where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        self.token.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminToken")
            .field("token", &"<redacted>")
            .field("path", &self.path)
            .finish()
    }
}

/// The authenticated identity of the request's sender.
#[derive(Debug, Clone)]
pub struct Caller(pub Identity);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token);

        match token {
            Some(token) if state.admin_token().matches(token) => Ok(Caller(Identity {
                user: ADMIN_USER.to_owned(),
            })),
            _ => Err(ApiError::Unauthorized {
                token_file: state.admin_token().path().to_owned(),
            }),
        }
    }
}

/// Returns the token of an `Authorization: Bearer TOKEN` value. The scheme
/// name is case-insensitive (RFC 9110, section 11.1), so `bearer` is accepted too.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests;
