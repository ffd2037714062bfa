//! Options of the image store: registry access and unpack limits.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Options of an [`crate::ImageStore`].
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Registry access settings.
    pub registries: RegistryOptions,
    /// Limits on untrusted layer archives.
    pub limits: UnpackLimits,
}

/// Registry access settings: transport, credentials, timeouts and retries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Registries (`host` or `host:port`) reached over plain HTTP. Loopback
    /// registries (`localhost`, `127.0.0.0/8`, `[::1]`) always use plain HTTP.
    pub insecure_registries: Vec<String>,
    /// Basic credentials per registry (`host` or `host:port`), used for
    /// Basic challenges and to obtain Bearer tokens.
    pub credentials: BTreeMap<String, Credentials>,
    /// Maximum time to establish a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Maximum time for a whole manifest or token request.
    pub request_timeout: Duration,
    /// Maximum time without receiving data while downloading a blob. Blob
    /// downloads have no total limit, because layers may be gigabytes large.
    pub read_timeout: Duration,
    /// Retries after a transient failure (connection error, timeout, HTTP
    /// 408, 429 or 5xx) before the pull fails.
    pub max_retries: u32,
    /// Wait before the first retry; it doubles with each further retry.
    pub retry_backoff: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure_registries: Vec::new(),
            credentials: BTreeMap::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(60),
            max_retries: 3,
            retry_backoff: Duration::from_millis(250),
        }
    }
}

/// User name and password for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or access token.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Limits on one layer archive, which comes from an untrusted source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnpackLimits {
    /// Maximum uncompressed size of one layer archive in bytes; the compressed
    /// blob may not be larger either.
    pub max_layer_bytes: u64,
    /// Maximum number of archive entries in one layer.
    pub max_layer_entries: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        UnpackLimits {
            max_layer_bytes: 8 << 30,
            max_layer_entries: 1_000_000,
        }
    }
}
