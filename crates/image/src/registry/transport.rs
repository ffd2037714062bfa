//! HTTP client setup, scheme choice and the classification of transient failures.

use std::net::{IpAddr, Ipv6Addr};

use reqwest::StatusCode;

use crate::options::RegistryOptions;

/// Builds the HTTP client shared by all pulls of a store.
///
/// Proxies from the environment are ignored, because registries of a bank's
/// production zone are reached directly and an inherited `HTTPS_PROXY` would
/// silently send image traffic elsewhere.
pub(crate) fn build_http_client(options: &RegistryOptions) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .user_agent(concat!("strongroom/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Returns `http` for loopback and configured insecure registries, `https` otherwise.
pub(crate) fn scheme_for(registry: &str, options: &RegistryOptions) -> &'static str {
    let host = host_without_port(registry);
    let listed = options
        .insecure_registries
        .iter()
        .any(|entry| entry == registry || entry == host);
    if listed || is_loopback(host) {
        "http"
    } else {
        "https"
    }
}

fn host_without_port(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry
            .split_once(']')
            .map_or(registry, |(host, _)| &registry[..=host.len()]);
    }
    registry.split_once(':').map_or(registry, |(host, _)| host)
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    if let Some(bracketed) = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return bracketed
            .parse::<Ipv6Addr>()
            .is_ok_and(|address| address.is_loopback());
    }
    host.parse::<IpAddr>()
        .is_ok_and(|address| address.is_loopback())
}

/// Returns true for HTTP statuses worth retrying: the server or a proxy in
/// front of it is overloaded or restarting.
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// Returns true for transport failures worth retrying.
pub(crate) fn is_transient_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
}

/// Returns true when the registry could not be reached at all.
pub(crate) fn is_unreachable(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_for_loopback_is_http() {
        let options = RegistryOptions::default();
        for registry in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "[::1]",
        ] {
            assert_eq!(scheme_for(registry, &options), "http", "{registry}");
        }
    }

    #[test]
    fn scheme_for_other_hosts_is_https() {
        let options = RegistryOptions::default();
        for registry in [
            "registry.bank.example",
            "registry.bank.example:5000",
            "10.0.0.1:5000",
            "[::2]:5000",
            "docker.io",
        ] {
            assert_eq!(scheme_for(registry, &options), "https", "{registry}");
        }
    }

    #[test]
    fn scheme_for_insecure_registries_is_http() {
        let options = RegistryOptions {
            insecure_registries: vec![
                "registry.test.example".to_owned(),
                "build.example:5000".to_owned(),
            ],
            ..RegistryOptions::default()
        };
        assert_eq!(scheme_for("registry.test.example:443", &options), "http");
        assert_eq!(scheme_for("registry.test.example", &options), "http");
        assert_eq!(scheme_for("build.example:5000", &options), "http");
        assert_eq!(scheme_for("build.example:5001", &options), "https");
    }

    #[test]
    fn is_transient_status_classes() {
        assert!(is_transient_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
        assert!(!is_transient_status(StatusCode::UNAUTHORIZED));
    }
}
