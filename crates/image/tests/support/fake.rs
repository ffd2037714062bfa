//! A fake OCI Distribution registry on loopback, for faults a real registry
//! never produces: altered blobs, wrong digests, transient errors, and
//! authentication challenges. It serves only what a test put into it and
//! records every request.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::sha256;

const TOKEN: &str = "fake-token";

/// Authentication the fake registry demands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Anonymous,
    /// `Basic` challenge; the user and password to accept.
    Basic {
        username: String,
        password: String,
    },
    /// `Bearer` challenge with a token service at `/token`, which requires these Basic credentials.
    Bearer {
        username: String,
        password: String,
    },
}

#[derive(Default)]
struct Content {
    /// (repository, tag or digest) to (media type, body).
    manifests: HashMap<(String, String), (String, Vec<u8>)>,
    blobs: HashMap<String, Vec<u8>>,
    requests: Vec<String>,
    /// Number of requests still to fail with 503 before normal service resumes.
    failures_left: u32,
}

struct Shared {
    content: Mutex<Content>,
    auth: Auth,
    address: String,
}

/// The running fake registry; the server task stops when this is dropped.
pub struct FakeRegistry {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// Digests of an image stored in the fake registry.
#[derive(Debug, Clone)]
pub struct FakeImage {
    pub manifest_digest: String,
    pub config_digest: String,
    pub layer_digests: Vec<String>,
}

impl FakeRegistry {
    /// Starts the server on a free port of 127.0.0.1.
    pub async fn start(auth: Auth) -> FakeRegistry {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared {
            content: Mutex::new(Content::default()),
            auth,
            address,
        });

        let router = axum::Router::new()
            .route("/v2/", axum::routing::get(|| async { StatusCode::OK }))
            .route("/v2/{*path}", axum::routing::get(serve_registry))
            .route("/token", axum::routing::get(serve_token))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        FakeRegistry { shared, task }
    }

    /// Returns `127.0.0.1:<port>`.
    pub fn address(&self) -> &str {
        &self.shared.address
    }

    /// Returns `127.0.0.1:<port>/<name>`.
    pub fn reference(&self, name: &str) -> String {
        format!("{}/{name}", self.address())
    }

    fn content(&self) -> std::sync::MutexGuard<'_, Content> {
        self.shared.content.lock().unwrap()
    }

    /// Stores a blob under its digest and returns the digest.
    pub fn add_blob(&self, body: Vec<u8>) -> String {
        let digest = sha256(&body);
        self.content().blobs.insert(digest.clone(), body);
        digest
    }

    /// Serves `body` under `digest`, whatever its real digest is.
    pub fn replace_blob(&self, digest: &str, body: Vec<u8>) {
        self.content().blobs.insert(digest.to_owned(), body);
    }

    /// Stores a manifest under `tag` and under its digest, and returns the digest.
    pub fn add_manifest(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        body: Vec<u8>,
    ) -> String {
        let digest = sha256(&body);
        let mut content = self.content();
        for key in [tag, digest.as_str()] {
            content.manifests.insert(
                (repository.to_owned(), key.to_owned()),
                (media_type.to_owned(), body.clone()),
            );
        }
        digest
    }

    /// Serves `body` for `repository` at `key` (a tag or digest), whatever its real digest is.
    pub fn replace_manifest(&self, repository: &str, key: &str, media_type: &str, body: Vec<u8>) {
        let entry = (media_type.to_owned(), body);
        self.content()
            .manifests
            .insert((repository.to_owned(), key.to_owned()), entry);
    }

    /// Stores a single-layer linux/amd64 OCI image whose layer contains `files`
    /// (path and content), gzip-compressed, and tags it.
    pub fn add_image(&self, repository: &str, tag: &str, files: &[(&str, &[u8])]) -> FakeImage {
        self.add_image_for(repository, tag, "amd64", files)
    }

    /// Like [`FakeRegistry::add_image`], for another architecture.
    pub fn add_image_for(
        &self,
        repository: &str,
        tag: &str,
        architecture: &str,
        files: &[(&str, &[u8])],
    ) -> FakeImage {
        let archive = tar_archive(files);
        let diff_id = sha256(&archive);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&archive).unwrap();
        let layer = encoder.finish().unwrap();
        let layer_size = layer.len();
        let layer_digest = self.add_blob(layer);

        let config = serde_json::to_vec(&json!({
            "architecture": architecture,
            "os": "linux",
            "config": { "Cmd": ["/bin/sh"], "Env": ["PATH=/bin"] },
            "rootfs": { "type": "layers", "diff_ids": [diff_id] },
        }))
        .unwrap();
        let config_size = config.len();
        let config_digest = self.add_blob(config);

        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size },
            "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size }],
        }))
        .unwrap();
        let manifest_digest = self.add_manifest(
            repository,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            manifest,
        );
        FakeImage {
            manifest_digest,
            config_digest,
            layer_digests: vec![layer_digest],
        }
    }

    /// Makes the next `count` requests fail with 503 Service Unavailable.
    pub fn fail_next(&self, count: u32) {
        self.content().failures_left = count;
    }

    /// Returns the requests received so far, as `GET /path`.
    pub fn requests(&self) -> Vec<String> {
        self.content().requests.clone()
    }

    /// Returns how many requests asked for a blob.
    pub fn blob_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.contains("/blobs/"))
            .count()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.content().requests.clear();
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Returns an uncompressed tar archive of regular files.
pub fn tar_archive(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o755);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(content.len() as u64);
        header.set_mtime(1_600_000_000);
        builder.append_data(&mut header, path, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

async fn serve_registry(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    {
        let mut content = shared.content.lock().unwrap();
        content.requests.push(format!("GET /v2/{path}"));
        if content.failures_left > 0 {
            content.failures_left -= 1;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    if let Some(challenge) = check_auth(&shared, &headers, &path) {
        return challenge;
    }

    let content = shared.content.lock().unwrap();
    if let Some((repository, key)) = path.rsplit_once("/manifests/") {
        return match content
            .manifests
            .get(&(repository.to_owned(), key.to_owned()))
        {
            Some((media_type, body)) => {
                ([(header::CONTENT_TYPE, media_type.clone())], body.clone()).into_response()
            }
            None => distribution_error(
                StatusCode::NOT_FOUND,
                "MANIFEST_UNKNOWN",
                "manifest unknown",
            ),
        };
    }
    if let Some((_, digest)) = path.rsplit_once("/blobs/") {
        return match content.blobs.get(digest) {
            Some(body) => body.clone().into_response(),
            None => distribution_error(
                StatusCode::NOT_FOUND,
                "BLOB_UNKNOWN",
                "blob unknown to registry",
            ),
        };
    }
    StatusCode::NOT_FOUND.into_response()
}

/// Returns the 401 challenge when the request lacks the required authorization.
fn check_auth(shared: &Shared, headers: &HeaderMap, path: &str) -> Option<Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let (expected, challenge) = match &shared.auth {
        Auth::Anonymous => return None,
        Auth::Basic { username, password } => (
            basic_header(username, password),
            r#"Basic realm="fake registry""#.to_owned(),
        ),
        Auth::Bearer { .. } => {
            let repository = path
                .split("/manifests/")
                .next()
                .unwrap()
                .split("/blobs/")
                .next()
                .unwrap();
            let challenge = format!(
                r#"Bearer realm="http://{}/token",service="fake-registry",scope="repository:{repository}:pull""#,
                shared.address
            );
            (format!("Bearer {TOKEN}"), challenge)
        }
    };
    if authorization == expected {
        return None;
    }
    let mut response = distribution_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required",
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge.parse().unwrap());
    Some(response)
}

async fn serve_token(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared
        .content
        .lock()
        .unwrap()
        .requests
        .push("GET /token".to_owned());
    let Auth::Bearer { username, password } = &shared.auth else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if authorization != Some(basic_header(username, password).as_str()) {
        return distribution_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "invalid credentials",
        );
    }
    axum::Json(json!({ "token": TOKEN })).into_response()
}

fn basic_header(username: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

fn distribution_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "code": code, "message": message }] });
    (status, axum::Json(body)).into_response()
}
