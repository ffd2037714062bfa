//! Image builders driving third-party tools: umoci builds images in an OCI
//! layout, skopeo pushes them, buildah builds and pushes with its own code.
//!
//! Every command gets an empty `registries.conf`, so no tool can resolve a
//! short name against a default registry, and an explicit accept-anything
//! signature policy, so the tests do not depend on the host's policy.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::{run, unique_name};

/// Manifest format to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OCI image manifest or index.
    Oci,
    /// Docker schema 2 manifest or manifest list.
    Docker,
}

/// Layer compression to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

/// Files that configure the containers tools for a hermetic run.
struct ToolConfig {
    registries_conf: PathBuf,
    policy: PathBuf,
}

impl ToolConfig {
    fn write(dir: &Path) -> ToolConfig {
        let registries_conf = dir.join("registries.conf");
        let policy = dir.join("policy.json");
        std::fs::write(&registries_conf, "unqualified-search-registries = []\n").unwrap();
        std::fs::write(
            &policy,
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .unwrap();
        ToolConfig {
            registries_conf,
            policy,
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("CONTAINERS_REGISTRIES_CONF", &self.registries_conf);
        command
    }

    fn skopeo(&self) -> Command {
        let mut command = self.command("skopeo");
        command.arg("--policy").arg(&self.policy);
        command
    }
}

/// An OCI image layout in a temporary directory, filled with umoci.
pub struct Layout {
    dir: tempfile::TempDir,
    path: PathBuf,
    tools: ToolConfig,
}

impl Layout {
    /// Creates an empty layout with `umoci init`.
    pub fn new() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oci");
        let tools = ToolConfig::write(dir.path());
        run(Command::new("umoci").arg("init").arg("--layout").arg(&path));
        Layout { dir, path, tools }
    }

    /// Returns a new empty directory inside the layout's temporary directory.
    pub fn scratch_dir(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(unique_name(name));
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    fn image(&self, tag: &str) -> String {
        format!("{}:{tag}", self.path.display())
    }

    /// Creates an image without layers, for `linux/<architecture>`.
    pub fn new_image(&self, tag: &str, architecture: &str) {
        run(Command::new("umoci").args(["new", "--image", &self.image(tag)]));
        self.configure(tag, &["--os", "linux", "--architecture", architecture]);
    }

    /// Changes the image config with `umoci config`.
    pub fn configure(&self, tag: &str, arguments: &[&str]) {
        run(Command::new("umoci")
            .args(["config", "--image", &self.image(tag)])
            .args(arguments));
    }

    /// Adds a layer with the content of `source` at `target`.
    pub fn insert(&self, tag: &str, source: &Path, target: &str) {
        run(Command::new("umoci")
            .args(["insert", "--image", &self.image(tag)])
            .arg(source)
            .arg(target));
    }

    /// Adds a layer that replaces the directory `target` with `source` (an opaque directory).
    pub fn insert_opaque(&self, tag: &str, source: &Path, target: &str) {
        run(Command::new("umoci")
            .args(["insert", "--opaque", "--image", &self.image(tag)])
            .arg(source)
            .arg(target));
    }

    /// Adds a layer that removes `target` (a whiteout).
    pub fn insert_whiteout(&self, tag: &str, target: &str) {
        run(Command::new("umoci").args([
            "insert",
            "--whiteout",
            "--image",
            &self.image(tag),
            target,
        ]));
    }

    /// Adds an uncompressed tar archive as a layer, verbatim.
    pub fn add_raw_layer(&self, tag: &str, archive: &[u8]) {
        let path = self.scratch_dir("raw-layer").join("layer.tar");
        std::fs::write(&path, archive).unwrap();
        run(Command::new("umoci")
            .args(["raw", "add-layer", "--image", &self.image(tag)])
            .arg(&path));
    }

    /// Pushes an image with skopeo to `destination` (`host:port/repository:tag`).
    pub fn push(&self, tag: &str, destination: &str, format: Format, compression: Compression) {
        let mut command = self.tools.skopeo();
        command.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        command.args(format_arguments(format));
        if compression == Compression::Zstd {
            command.args(["--dest-compress-format", "zstd"]);
        }
        run(command
            .arg(format!("oci:{}", self.image(tag)))
            .arg(format!("docker://{destination}")));
    }

    /// Pushes an image with uncompressed layers. skopeo 1.9 always compresses
    /// layers it sends to a registry, so skopeo writes the uncompressed image
    /// to a `dir:` directory and this helper uploads those files unchanged
    /// with the OCI Distribution push API.
    pub async fn push_uncompressed(
        &self,
        tag: &str,
        registry: &str,
        repository: &str,
        reference: &str,
        format: Format,
    ) {
        let exported = self.scratch_dir("uncompressed");
        let mut command = self.tools.skopeo();
        command
            .args(["copy", "--quiet", "--dest-decompress"])
            .args(format_arguments(format));
        run(command
            .arg(format!("oci:{}", self.image(tag)))
            .arg(format!("dir:{}", exported.display())));

        let manifest = std::fs::read(exported.join("manifest.json")).unwrap();
        let parsed: Value = serde_json::from_slice(&manifest).unwrap();
        let mut digests = vec![parsed["config"]["digest"].as_str().unwrap().to_owned()];
        for layer in parsed["layers"].as_array().unwrap() {
            assert!(
                layer["mediaType"].as_str().unwrap().ends_with(".tar"),
                "skopeo did not decompress: {layer}"
            );
            digests.push(layer["digest"].as_str().unwrap().to_owned());
        }

        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for digest in &digests {
            let blob =
                std::fs::read(exported.join(digest.strip_prefix("sha256:").unwrap())).unwrap();
            upload_blob(&client, registry, repository, digest, blob).await;
        }
        let media_type = match format {
            Format::Oci => "application/vnd.oci.image.manifest.v1+json",
            Format::Docker => "application/vnd.docker.distribution.manifest.v2+json",
        };
        put_manifest(
            &client, registry, repository, reference, media_type, manifest,
        )
        .await;
    }

    /// Writes an index of the tagged images, each labelled with its
    /// architecture, and pushes it with `skopeo copy --all`.
    pub fn push_index(
        &self,
        name: &str,
        entries: &[(&str, &str)],
        destination: &str,
        format: Format,
    ) {
        let index_path = self.path.join("index.json");
        let mut layout_index: Value =
            serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
        let manifests: Vec<Value> = entries
            .iter()
            .map(|(tag, architecture)| {
                let mut descriptor = tagged_descriptor(&layout_index, tag);
                descriptor.as_object_mut().unwrap().remove("annotations");
                descriptor["platform"] = json!({ "os": "linux", "architecture": architecture });
                descriptor
            })
            .collect();
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        });

        let body = serde_json::to_vec(&index).unwrap();
        let digest = super::sha256(&body);
        std::fs::write(
            self.path
                .join("blobs/sha256")
                .join(digest.strip_prefix("sha256:").unwrap()),
            &body,
        )
        .unwrap();
        layout_index["manifests"]
            .as_array_mut()
            .unwrap()
            .push(json!({
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": digest,
                "size": body.len(),
                "annotations": { "org.opencontainers.image.ref.name": name },
            }));
        std::fs::write(&index_path, serde_json::to_vec(&layout_index).unwrap()).unwrap();

        let mut command = self.tools.skopeo();
        command
            .args(["copy", "--quiet", "--all", "--dest-tls-verify=false"])
            .args(format_arguments(format));
        run(command
            .arg(format!("oci:{}", self.image(name)))
            .arg(format!("docker://{destination}")));
    }
}

fn format_arguments(format: Format) -> &'static [&'static str] {
    match format {
        Format::Oci => &["--format", "oci"],
        Format::Docker => &["--format", "v2s2"],
    }
}

fn tagged_descriptor(layout_index: &Value, tag: &str) -> Value {
    layout_index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("tag {tag} not in the layout"))
        .clone()
}

async fn upload_blob(
    client: &reqwest::Client,
    registry: &str,
    repository: &str,
    digest: &str,
    blob: Vec<u8>,
) {
    let start = client
        .post(format!("http://{registry}/v2/{repository}/blobs/uploads/"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 202, "upload start for {digest}");
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let location = if location.starts_with('/') {
        format!("http://{registry}{location}")
    } else {
        location
    };
    assert!(
        location.starts_with(&format!("http://{registry}/")),
        "upload location {location} leaves the registry"
    );

    let separator = if location.contains('?') { '&' } else { '?' };
    let finish = client
        .put(format!("{location}{separator}digest={digest}"))
        .body(blob)
        .send()
        .await
        .unwrap();
    assert_eq!(finish.status(), 201, "upload of {digest}");
}

async fn put_manifest(
    client: &reqwest::Client,
    registry: &str,
    repository: &str,
    reference: &str,
    media_type: &str,
    manifest: Vec<u8>,
) {
    let response = client
        .put(format!(
            "http://{registry}/v2/{repository}/manifests/{reference}"
        ))
        .header("content-type", media_type)
        .body(manifest)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        201,
        "manifest push: {}",
        response.text().await.unwrap_or_default()
    );
}

/// buildah with vfs storage in a temporary directory.
pub struct Buildah {
    dir: tempfile::TempDir,
    tools: ToolConfig,
}

impl Buildah {
    pub fn new() -> Buildah {
        let dir = tempfile::tempdir().unwrap();
        let tools = ToolConfig::write(dir.path());
        Buildah { dir, tools }
    }

    fn command(&self) -> Command {
        let mut command = self.tools.command("buildah");
        command
            .arg("--root")
            .arg(self.dir.path().join("root"))
            .arg("--runroot")
            .arg(self.dir.path().join("runroot"))
            .args(["--storage-driver", "vfs"]);
        command
    }

    /// Builds an image from scratch holding the content of `rootfs`, and
    /// returns its local name.
    pub fn build(&self, rootfs: &Path, command: &str) -> String {
        let container = run(self.command().args(["from", "scratch"]))
            .trim()
            .to_owned();
        run(self
            .command()
            .args(["copy", &container])
            .arg(format!("{}/", rootfs.display()))
            .arg("/"));
        run(self.command().args([
            "config", "--os", "linux", "--arch", "amd64", "--cmd", command, &container,
        ]));
        let name = unique_name("localhost/strongroom-test");
        run(self
            .command()
            .args(["commit", "--quiet", &container, &name]));
        run(self.command().args(["rm", &container]));
        name
    }

    /// Pushes a local image to `destination` (`host:port/repository:tag`).
    pub fn push(&self, image: &str, destination: &str, format: Format) {
        let format = match format {
            Format::Oci => "oci",
            Format::Docker => "v2s2",
        };
        run(self
            .command()
            .args([
                "push",
                "--quiet",
                "--tls-verify=false",
                "--format",
                format,
                image,
            ])
            .arg(format!("docker://{destination}")));
    }
}

impl Drop for Buildah {
    fn drop(&mut self) {
        // buildah removes its containers first, so that nothing it mounted
        // stays mounted when the temporary directory is removed.
        let _ = self.command().args(["rm", "--all"]).output();
        let _ = self.command().args(["rmi", "--all", "--force"]).output();
    }
}
