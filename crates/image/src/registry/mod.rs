//! OCI Distribution client for one repository: manifests and blobs, with
//! authentication and bounded retries.

mod auth;
mod error;
mod transport;

use std::sync::Mutex;

use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Response, StatusCode};

use crate::digest::Digest;
use crate::manifest::MANIFEST_ACCEPT;
use crate::options::{Credentials, RegistryOptions};
use crate::reference::Reference;

use auth::{Challenge, TokenResponse, parse_challenge};
pub(crate) use error::RegistryError;
use error::{error_detail, root_cause};
pub(crate) use transport::build_http_client;
use transport::{is_transient_error, is_transient_status, is_unreachable, scheme_for};

/// Upper bound for a manifest body; manifests are small JSON documents, and
/// containerd applies the same 4 MiB limit.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// A fetched manifest body.
#[derive(Debug)]
pub(crate) struct ManifestResponse {
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: Option<String>,
    /// `Docker-Content-Digest` header, when the registry sent one.
    pub(crate) digest_header: Option<String>,
}

/// Authorization sent with each request after the response to a challenge.
#[derive(Debug, Clone)]
enum Authorization {
    Anonymous,
    Basic,
    Bearer(String),
}

/// Client for one repository of one registry, used for one pull.
pub(crate) struct RegistryClient<'a> {
    http: &'a reqwest::Client,
    options: &'a RegistryOptions,
    base_url: String,
    image: String,
    registry: String,
    repository: String,
    credentials: Option<&'a Credentials>,
    authorization: Mutex<Authorization>,
}

impl<'a> RegistryClient<'a> {
    pub(crate) fn new(
        http: &'a reqwest::Client,
        options: &'a RegistryOptions,
        reference: &Reference,
    ) -> Self {
        let host = reference.api_host();
        let credentials = options
            .credentials
            .get(&reference.registry)
            .or_else(|| options.credentials.get(host));
        RegistryClient {
            http,
            options,
            base_url: format!("{}://{host}", scheme_for(&reference.registry, options)),
            image: reference.to_string(),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            credentials,
            authorization: Mutex::new(Authorization::Anonymous),
        }
    }

    /// Fetches the manifest for a tag or digest.
    pub(crate) async fn get_manifest(
        &self,
        tag_or_digest: &str,
    ) -> Result<ManifestResponse, RegistryError> {
        let url = format!(
            "{}/v2/{}/manifests/{tag_or_digest}",
            self.base_url, self.repository
        );
        let timeout = self.options.request_timeout;
        let response = self
            .send(&url, |request| {
                request.header(ACCEPT, MANIFEST_ACCEPT).timeout(timeout)
            })
            .await?;
        let response = self.check_status(&url, response, None).await?;

        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE.as_str());
        let digest_header = header("docker-content-digest");
        let body = read_limited(response, &url, "manifest", MAX_MANIFEST_BYTES).await?;
        Ok(ManifestResponse {
            body,
            content_type,
            digest_header,
        })
    }

    /// Starts the download of a blob; the caller streams and verifies the body.
    pub(crate) async fn get_blob(&self, digest: &Digest) -> Result<Response, RegistryError> {
        let url = self.blob_url(digest);
        let response = self.send(&url, |request| request).await?;
        self.check_status(&url, response, Some(digest)).await
    }

    /// Returns the URL of a blob, for messages.
    pub(crate) fn blob_url(&self, digest: &Digest) -> String {
        format!("{}/v2/{}/blobs/{digest}", self.base_url, self.repository)
    }

    /// Sends a GET request and, after a 401, responds to the authentication challenge once.
    async fn send(
        &self,
        url: &str,
        customize: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, RegistryError> {
        let build = || self.authorize(customize(self.http.get(url)));
        let response = self.send_retrying(url, build).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }

        self.answer_challenge(&response).await?;
        self.send_retrying(url, build).await
    }

    /// Sends a request built by `build`, retrying transient failures with
    /// exponential backoff. The last attempt's response is returned whatever
    /// its status.
    async fn send_retrying(
        &self,
        url: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, RegistryError> {
        let max_retries = self.options.max_retries;
        let mut retries = 0;
        loop {
            let reason = match build().send().await {
                Ok(response) if is_transient_status(response.status()) && retries < max_retries => {
                    format!("HTTP {}", response.status())
                }
                Ok(response) => return Ok(response),
                Err(error) if is_transient_error(&error) && retries < max_retries => {
                    root_cause(&error)
                }
                Err(error) => return Err(transport_error(url, &error)),
            };

            retries += 1;
            let delay = self
                .options
                .retry_backoff
                .saturating_mul(1 << (retries - 1).min(16));
            tracing::warn!(url, retry = retries, max_retries, %reason, ?delay, "registry request failed, retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Responds to a 401 challenge: switches to Basic credentials or obtains a
    /// Bearer token, for all further requests of this client.
    async fn answer_challenge(&self, response: &Response) -> Result<(), RegistryError> {
        let header = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok());
        let Some(header) = header else {
            let detail = "HTTP 401 without a WWW-Authenticate challenge".to_owned();
            return Err(RegistryError::Unauthorized {
                registry: self.registry.clone(),
                image: self.image.clone(),
                detail,
            });
        };
        let challenge =
            parse_challenge(header).map_err(|reason| RegistryError::InvalidChallenge {
                registry: self.registry.clone(),
                challenge: header.to_owned(),
                reason,
            })?;

        let authorization = match challenge {
            Challenge::Basic if self.credentials.is_some() => Authorization::Basic,
            Challenge::Basic => {
                return Err(RegistryError::CredentialsRequired {
                    registry: self.registry.clone(),
                    image: self.image.clone(),
                });
            }
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => Authorization::Bearer(
                self.fetch_token(&realm, service.as_deref(), scope.as_deref())
                    .await?,
            ),
        };
        *self
            .authorization
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = authorization;
        Ok(())
    }

    /// Obtains a pull token from the token service named in a Bearer challenge.
    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
    ) -> Result<String, RegistryError> {
        let token_error = |reason: String| RegistryError::Token {
            realm: realm.to_owned(),
            reason,
        };
        let mut url = reqwest::Url::parse(realm)
            .map_err(|error| token_error(format!("invalid realm URL: {error}")))?;
        // Credentials must not travel in clear text to a realm of a registry reached over TLS.
        let allowed = url.scheme() == "https"
            || (url.scheme() == "http" && self.base_url.starts_with("http:"));
        if !allowed {
            return Err(token_error(format!(
                "scheme {:?} is not allowed for this registry",
                url.scheme()
            )));
        }

        let default_scope = format!("repository:{}:pull", self.repository);
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            query.append_pair("scope", scope.unwrap_or(&default_scope));
        }

        let timeout = self.options.request_timeout;
        let build = || {
            let request = self.http.get(url.clone()).timeout(timeout);
            match self.credentials {
                Some(credentials) => {
                    request.basic_auth(&credentials.username, Some(&credentials.password))
                }
                None => request,
            }
        };
        let response = self.send_retrying(realm, build).await?;
        let status = response.status();
        let body = read_limited(response, realm, "token response", MAX_MANIFEST_BYTES).await?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let detail = format!(
                "token service returned HTTP {status}: {}",
                error_detail(&body)
            );
            return Err(RegistryError::Unauthorized {
                registry: self.registry.clone(),
                image: self.image.clone(),
                detail,
            });
        }
        if !status.is_success() {
            return Err(token_error(format!(
                "HTTP {status}: {}",
                error_detail(&body)
            )));
        }

        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|error| token_error(format!("invalid token response: {error}")))?;
        parsed
            .into_token()
            .ok_or_else(|| token_error("the response contains no token".to_owned()))
    }

    /// Returns the response when it succeeded, else the error its status means.
    async fn check_status(
        &self,
        url: &str,
        response: Response,
        blob: Option<&Digest>,
    ) -> Result<Response, RegistryError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }

        // The error body only feeds the message, so a short prefix is enough.
        let body = read_limited(response, url, "error body", 64 << 10)
            .await
            .unwrap_or_default();
        let detail = error_detail(&body);
        let registry = self.registry.clone();
        let image = self.image.clone();
        match (status, blob) {
            (StatusCode::NOT_FOUND, None) => Err(RegistryError::NotFound { image, registry }),
            (StatusCode::NOT_FOUND, Some(digest)) => Err(RegistryError::BlobNotFound {
                digest: digest.to_string(),
                image,
                registry,
            }),
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => {
                Err(RegistryError::Unauthorized {
                    registry,
                    image,
                    detail: format!("HTTP {status}: {detail}"),
                })
            }
            _ => Err(RegistryError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                detail,
            }),
        }
    }

    fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        let authorization = self
            .authorization
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        match (authorization, self.credentials) {
            (Authorization::Bearer(token), _) => request.bearer_auth(token),
            (Authorization::Basic, Some(credentials)) => {
                request.basic_auth(&credentials.username, Some(&credentials.password))
            }
            _ => request,
        }
    }
}

async fn read_limited(
    mut response: Response,
    url: &str,
    subject: &str,
    limit: u64,
) -> Result<Vec<u8>, RegistryError> {
    let mut body = Vec::new();
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|error| RegistryError::Transport {
                url: url.to_owned(),
                reason: root_cause(&error),
            })?;
        let Some(chunk) = chunk else { return Ok(body) };
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(RegistryError::TooLarge {
                subject: subject.to_owned(),
                url: url.to_owned(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
}

/// Converts a transport failure, naming `host:port` when the server could not be reached.
fn transport_error(url: &str, error: &reqwest::Error) -> RegistryError {
    let reason = root_cause(error);
    if !is_unreachable(error) {
        return RegistryError::Transport {
            url: url.to_owned(),
            reason,
        };
    }

    let address = match reqwest::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    };
    RegistryError::Unreachable { address, reason }
}
