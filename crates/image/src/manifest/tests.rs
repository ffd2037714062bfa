use super::*;

fn digest(seed: &str) -> String {
    Digest::of(seed.as_bytes()).to_string()
}

fn amd64() -> Platform {
    Platform {
        os: "linux".to_owned(),
        architecture: "amd64".to_owned(),
    }
}

fn image_manifest(media_type: Option<&str>, layer_type: &str) -> String {
    let media_type = media_type
        .map(|value| format!(r#""mediaType":"{value}","#))
        .unwrap_or_default();
    format!(
        r#"{{"schemaVersion":2,{media_type}
            "config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":10}},
            "layers":[{{"mediaType":"{layer_type}","digest":"{}","size":20}}]}}"#,
        digest("config"),
        digest("layer"),
    )
}

fn index(entries: &[(&str, &str, &str)]) -> ImageIndex {
    let manifests: Vec<String> = entries
        .iter()
        .map(|(os, architecture, seed)| {
            format!(
                r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{}","size":5,
                    "platform":{{"os":"{os}","architecture":"{architecture}"}}}}"#,
                digest(seed)
            )
        })
        .collect();
    let body = format!(
        r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
        manifests.join(",")
    );
    serde_json::from_str(&body).unwrap()
}

#[test]
fn parse_manifest_by_content_type() {
    let body = image_manifest(None, "application/vnd.oci.image.layer.v1.tar+gzip");
    let parsed = parse_manifest(
        "m",
        Some("application/vnd.oci.image.manifest.v1+json"),
        body.as_bytes(),
    )
    .unwrap();
    assert!(matches!(parsed, Manifest::Image(_)));
}

#[test]
fn parse_manifest_generic_content_type() {
    let body = image_manifest(
        Some(DOCKER_MANIFEST),
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
    );
    let parsed = parse_manifest(
        "m",
        Some("application/json; charset=utf-8"),
        body.as_bytes(),
    )
    .unwrap();
    assert!(matches!(parsed, Manifest::Image(_)));
}

#[test]
fn parse_manifest_by_shape_without_media_type() {
    let body = br#"{"schemaVersion":2,"manifests":[]}"#;
    assert!(matches!(
        parse_manifest("m", None, body).unwrap(),
        Manifest::Index(_)
    ));
    let body = image_manifest(None, "application/vnd.oci.image.layer.v1.tar");
    assert!(matches!(
        parse_manifest("m", None, body.as_bytes()).unwrap(),
        Manifest::Image(_)
    ));
}

#[test]
fn parse_manifest_rejects_schema1_and_unknown_types() {
    let body = br#"{"schemaVersion":1,"name":"x"}"#;
    let schema1 = parse_manifest("m", Some(DOCKER_SCHEMA1_SIGNED), body).unwrap_err();
    assert!(schema1.to_string().contains("Docker schema 1"), "{schema1}");

    let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#;
    let unknown = parse_manifest("m", None, body).unwrap_err();
    assert!(
        matches!(unknown, ManifestError::UnsupportedMediaType { .. }),
        "{unknown}"
    );
}

#[test]
fn parse_manifest_rejects_invalid_json() {
    let error = parse_manifest("manifest latest", None, b"{not json").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("manifest latest is not valid JSON"),
        "{error}"
    );
}

#[test]
fn select_platform_picks_host_entry() {
    let index = index(&[("linux", "arm64", "arm"), ("linux", "amd64", "amd")]);
    let entry = select_platform("app", &index, &amd64()).unwrap();
    assert_eq!(entry.digest().to_string(), digest("amd"));
}

#[test]
fn select_platform_lists_available_platforms() {
    let index = index(&[("linux", "arm64", "arm"), ("windows", "amd64", "win")]);
    let error = select_platform("app:1", &index, &amd64()).unwrap_err();
    assert_eq!(error.kind(), PullErrorKind::WrongPlatform);
    assert_eq!(
        error.to_string(),
        "image app:1 has no variant for linux/amd64; it is built for linux/arm64, windows/amd64"
    );
}

#[test]
fn layer_descriptors_accept_known_media_types() {
    for layer_type in LAYER_MEDIA_TYPES {
        let body = image_manifest(None, layer_type);
        let Manifest::Image(manifest) = parse_manifest("m", None, body.as_bytes()).unwrap() else {
            panic!("expected an image manifest");
        };
        let layers = layer_descriptors("app", &manifest).unwrap();
        assert_eq!(
            layers[0].digest.to_string(),
            digest("layer"),
            "{layer_type}"
        );
        assert_eq!(layers[0].size, 20);
    }
}

#[test]
fn layer_descriptors_reject_unknown_media_type() {
    let body = image_manifest(None, "application/vnd.oci.image.layer.v1.tar+encrypted");
    let Manifest::Image(manifest) = parse_manifest("m", None, body.as_bytes()).unwrap() else {
        panic!("expected an image manifest");
    };
    let error = layer_descriptors("app", &manifest).unwrap_err();
    assert!(error.to_string().contains("tar+encrypted"), "{error}");
}

#[test]
fn config_descriptor_rejects_artifacts() {
    let body = image_manifest(None, "application/vnd.oci.image.layer.v1.tar").replace(
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.cncf.helm.config.v1+json",
    );
    let Manifest::Image(manifest) = parse_manifest("m", None, body.as_bytes()).unwrap() else {
        panic!("expected an image manifest");
    };
    let error = config_descriptor("chart", &manifest).unwrap_err();
    assert!(
        error.to_string().contains("is not a container image"),
        "{error}"
    );
}

#[test]
fn parse_config_reads_runtime_defaults() {
    let body = format!(
        r#"{{"architecture":"amd64","os":"linux",
            "config":{{"User":"1000:1000","Env":["PATH=/bin"],"Entrypoint":["/bin/app"],"Cmd":["serve"],"WorkingDir":"/srv"}},
            "rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#,
        digest("diff")
    );
    let parsed = parse_config("app", body.as_bytes(), &amd64()).unwrap();
    assert_eq!(parsed.config.user, "1000:1000");
    assert_eq!(parsed.config.env, vec!["PATH=/bin".to_owned()]);
    assert_eq!(parsed.config.entrypoint, vec!["/bin/app".to_owned()]);
    assert_eq!(parsed.config.cmd, vec!["serve".to_owned()]);
    assert_eq!(parsed.config.working_dir, "/srv");
    assert_eq!(parsed.diff_ids, vec![Digest::of(b"diff")]);
}

#[test]
fn parse_config_rejects_other_architecture() {
    let body = r#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let error = parse_config("127.0.0.1:5000/app:1", body.as_bytes(), &amd64()).unwrap_err();
    assert_eq!(error.kind(), PullErrorKind::WrongPlatform);
    assert_eq!(
        error.to_string(),
        "image 127.0.0.1:5000/app:1 is built for linux/arm64; this host runs linux/amd64"
    );
}

#[test]
fn platform_host_uses_go_names() {
    let host = Platform::host();
    assert_eq!(host.os, "linux");
    if cfg!(target_arch = "x86_64") {
        assert_eq!(host.architecture, "amd64");
    }
}
