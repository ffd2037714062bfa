//! Async HTTP client of the API v1.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use strongroom_model::Kind;

use crate::{
    ApiErrorBody, ApiEvent, ApiList, ApiLogBatch, ApiObject, ApplyRequest, ApplyResponse,
    ClientBuildError, EventParams, Health, LogParams, RequestError, VersionInfo,
};

/// Default time a request may take, connection included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Time to wait for the TCP connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum length, in characters, of an unexpected response body quoted in an error.
const BODY_EXCERPT_CHARS: usize = 200;

/// Client of one Strongroom server, authenticated with a bearer token.
///
/// Proxy settings from the environment are ignored: the server is usually
/// on loopback, and a token must not travel through a proxy that no operator configured for it.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    /// The base URL as given, without a trailing `/`, for messages.
    display_url: String,
    token: String,
    timeout: Duration,
}

impl Client {
    /// Creates a client of the server at `base_url` with the default request timeout.
    pub fn new(base_url: &str, token: impl Into<String>) -> Result<Client, ClientBuildError> {
        Client::with_timeout(base_url, token, DEFAULT_REQUEST_TIMEOUT)
    }

    /// Creates a client whose requests fail after `timeout`.
    pub fn with_timeout(
        base_url: &str,
        token: impl Into<String>,
        timeout: Duration,
    ) -> Result<Client, ClientBuildError> {
        let base = parse_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .build()
            .map_err(ClientBuildError::Http)?;
        let display_url = base_url.trim_end_matches('/').to_owned();
        Ok(Client {
            http,
            base,
            display_url,
            token: token.into(),
            timeout,
        })
    }

    /// Returns the server's base URL as given.
    pub fn base_url(&self) -> &str {
        &self.display_url
    }

    /// Checks that the server serves requests.
    pub async fn healthz(&self) -> Result<Health, RequestError> {
        self.send(Method::GET, self.url(&["healthz"], &[]), |r| r)
            .await
    }

    /// Returns the server's version.
    pub async fn version(&self) -> Result<VersionInfo, RequestError> {
        self.send(Method::GET, self.url(&["version"], &[]), |r| r)
            .await
    }

    /// Returns the JSON Schema of the application model.
    pub async fn schema(&self) -> Result<serde_json::Value, RequestError> {
        self.send(Method::GET, self.url(&["schema"], &[]), |r| r)
            .await
    }

    /// Validates all files of `request` and applies every object in one transaction.
    pub async fn apply(&self, request: &ApplyRequest) -> Result<ApplyResponse, RequestError> {
        let url = self.url(&["apply"], &[]);
        self.send(Method::POST, url, |r| r.json(request)).await
    }

    /// Lists objects of `kind`: of one tenant, or of all tenants when `tenant` is absent.
    pub async fn list(
        &self,
        kind: Kind,
        tenant: Option<&str>,
    ) -> Result<Vec<ApiObject>, RequestError> {
        let url = match (kind.is_tenant_scoped(), tenant) {
            (true, Some(tenant)) => self.url(&["tenants", tenant, kind.plural()], &[]),
            _ => self.url(&[kind.plural()], &[]),
        };
        let list: ApiList<ApiObject> = self.send(Method::GET, url, |r| r).await?;
        Ok(list.items)
    }

    /// Returns one object.
    pub async fn get(
        &self,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, RequestError> {
        let url = self.object_url(kind, tenant, name)?;
        self.send(Method::GET, url, |r| r).await
    }

    /// Creates or replaces one object from its manifest (YAML or JSON).
    ///
    /// When the manifest carries `metadata.resourceVersion`, the write
    /// succeeds only if the stored object still has that version.
    pub async fn put(
        &self,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
        manifest: &str,
    ) -> Result<ApiObject, RequestError> {
        let url = self.object_url(kind, tenant, name)?;
        let manifest = manifest.to_owned();
        self.send(Method::PUT, url, |r| {
            r.header(CONTENT_TYPE, "application/yaml").body(manifest)
        })
        .await
    }

    /// Requests deletion of one object and returns it as marked for deletion.
    pub async fn delete(
        &self,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<ApiObject, RequestError> {
        let url = self.object_url(kind, tenant, name)?;
        self.send(Method::DELETE, url, |r| r).await
    }

    /// Lists recorded events, oldest first.
    pub async fn events(&self, params: &EventParams) -> Result<Vec<ApiEvent>, RequestError> {
        let url = self.url(&["events"], &params.query_pairs());
        let list: ApiList<ApiEvent> = self.send(Method::GET, url, |r| r).await?;
        Ok(list.items)
    }

    /// Reads what an application's instances wrote to stdout and stderr.
    pub async fn logs(
        &self,
        tenant: &str,
        app: &str,
        params: &LogParams,
    ) -> Result<ApiLogBatch, RequestError> {
        let segments = ["tenants", tenant, "applications", app, "logs"];
        let url = self.url(&segments, &params.query_pairs());
        self.send(Method::GET, url, |r| r).await
    }

    fn object_url(
        &self,
        kind: Kind,
        tenant: Option<&str>,
        name: &str,
    ) -> Result<Url, RequestError> {
        if !kind.is_tenant_scoped() {
            return Ok(self.url(&[kind.plural(), name], &[]));
        }
        match tenant {
            Some(tenant) => Ok(self.url(&["tenants", tenant, kind.plural(), name], &[])),
            None => Err(RequestError::MissingTenant {
                kind,
                name: name.to_owned(),
            }),
        }
    }

    /// Builds `BASE/api/v1/SEGMENTS?QUERY`, percent-encoding every segment.
    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v1"]).extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends one authenticated request; `with_body` adds the body, if any.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        with_body: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> Result<T, RequestError> {
        let method_name = method_name(&method);
        let request = with_body(
            self.http
                .request(method, url.clone())
                .bearer_auth(&self.token),
        );

        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(method_name, &url, e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(method_name, &url, e))?;

        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| RequestError::InvalidResponse {
                method: method_name,
                url: url.to_string(),
                status: status.as_u16(),
                message: format!("{e}: {}", excerpt(&bytes)),
            });
        }
        Err(error_from_body(method_name, &url, status.as_u16(), &bytes))
    }

    fn transport_error(
        &self,
        method: &'static str,
        url: &Url,
        error: reqwest::Error,
    ) -> RequestError {
        if error.is_timeout() {
            return RequestError::Timeout {
                method,
                url: url.to_string(),
                timeout: self.timeout,
            };
        }
        if error.is_connect() && is_connection_refused(&error) {
            return RequestError::NotRunning {
                url: self.display_url.clone(),
            };
        }
        RequestError::Transport {
            method,
            url: url.to_string(),
            source: error.without_url(),
        }
    }
}

/// Reads an error response: the API's error body, or an excerpt of whatever came back.
fn error_from_body(method: &'static str, url: &Url, status: u16, bytes: &[u8]) -> RequestError {
    match serde_json::from_slice::<ApiErrorBody>(bytes) {
        Ok(body) => RequestError::Api {
            method,
            url: url.to_string(),
            status,
            body,
        },
        Err(_) => RequestError::InvalidResponse {
            method,
            url: url.to_string(),
            status,
            message: format!("expected an API error body, got: {}", excerpt(bytes)),
        },
    }
}

fn parse_base_url(base_url: &str) -> Result<Url, ClientBuildError> {
    let invalid = |message: String| ClientBuildError::InvalidUrl {
        url: base_url.to_owned(),
        message,
    };
    let url = Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(format!(
            "scheme {} is not http or https",
            url.scheme()
        )));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid("the URL has no host".to_owned()));
    }
    Ok(url)
}

fn is_connection_refused(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = cause.source();
    }
    false
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "request",
    }
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return "empty body".to_owned();
    }
    let mut excerpt: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
    if text.chars().count() > BODY_EXCERPT_CHARS {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests;
