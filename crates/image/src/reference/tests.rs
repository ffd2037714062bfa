use super::*;

fn digest() -> Digest {
    Digest::parse(&format!("sha256:{}", "0f".repeat(32))).unwrap()
}

#[test]
fn parse_registry_with_port_and_tag() {
    let reference = Reference::parse("127.0.0.1:5000/team/app:v1.2").unwrap();
    assert_eq!(reference.registry, "127.0.0.1:5000");
    assert_eq!(reference.repository, "team/app");
    assert_eq!(reference.tag.as_deref(), Some("v1.2"));
    assert_eq!(reference.digest, None);
    assert_eq!(reference.canonical(), "127.0.0.1:5000/team/app:v1.2");
}

#[test]
fn parse_defaults_tag_to_latest() {
    let reference = Reference::parse("registry.bank.example/app").unwrap();
    assert_eq!(reference.tag.as_deref(), Some("latest"));
    assert_eq!(reference.manifest_reference(), "latest");
}

#[test]
fn parse_digest_only_has_no_tag() {
    let text = format!("localhost:5000/app@{}", digest());
    let reference = Reference::parse(&text).unwrap();
    assert_eq!(reference.registry, "localhost:5000");
    assert_eq!(reference.tag, None);
    assert_eq!(reference.digest, Some(digest()));
    assert_eq!(reference.manifest_reference(), digest().to_string());
    assert_eq!(reference.to_string(), text);
}

#[test]
fn parse_tag_and_digest_prefers_digest() {
    let reference = Reference::parse(&format!("localhost/app:v1@{}", digest())).unwrap();
    assert_eq!(reference.registry, "localhost");
    assert_eq!(reference.tag.as_deref(), Some("v1"));
    assert_eq!(reference.manifest_reference(), digest().to_string());
    assert_eq!(reference.canonical(), format!("localhost/app@{}", digest()));
}

#[test]
fn parse_without_registry_uses_docker_hub() {
    let single = Reference::parse("busybox").unwrap();
    assert_eq!(single.registry, "docker.io");
    assert_eq!(single.repository, "library/busybox");
    assert_eq!(single.api_host(), "registry-1.docker.io");

    let nested = Reference::parse("team/app:1").unwrap();
    assert_eq!(nested.registry, "docker.io");
    assert_eq!(nested.repository, "team/app");
}

#[test]
fn parse_ipv6_registry() {
    let reference = Reference::parse("[::1]:5000/app:1").unwrap();
    assert_eq!(reference.registry, "[::1]:5000");
    assert_eq!(reference.api_host(), "[::1]:5000");
}

#[test]
fn parse_rejects_invalid_references() {
    let cases = [
        ("", "empty"),
        ("127.0.0.1:5000/App", "component \"App\""),
        ("127.0.0.1:5000/app:", "tag \"\""),
        ("127.0.0.1:5000/app:-bad", "tag \"-bad\""),
        ("127.0.0.1:99999/app", "port \"99999\""),
        ("127.0.0.1:5000/app@sha256:1234", "invalid digest"),
        (
            "127.0.0.1:5000/app@md5:1234",
            "unsupported digest algorithm",
        ),
        ("127.0.0.1:5000//app", "component \"\""),
        ("127.0.0.1:5000/a..b", "component \"a..b\""),
        ("bad_host.example/app", "host \"bad_host.example\""),
        ("[::1/app", "closing ']'"),
    ];
    for (text, expected) in cases {
        let error = Reference::parse(text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expected), "{text:?}: {message}");
        assert!(
            message.starts_with("invalid image reference"),
            "{text:?}: {message}"
        );
    }
}

#[test]
fn valid_path_component_separators() {
    for valid in ["a", "a.b", "a_b", "a__b", "a---b", "a1-b2"] {
        assert!(valid_path_component(valid), "{valid}");
    }
    for invalid in ["", "-a", "a-", "a___b", "a._b", "A"] {
        assert!(!valid_path_component(invalid), "{invalid}");
    }
}
