//! Image references: `registry[:port]/repository[:tag][@sha256:digest]`.

use std::fmt;

use crate::digest::Digest;

/// Registry assumed when a reference names none, as Docker does.
const DOCKER_HUB: &str = "docker.io";
/// Host that serves the Docker Hub API.
const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";
const DEFAULT_TAG: &str = "latest";
const MAX_NAME_LENGTH: usize = 255;
const MAX_TAG_LENGTH: usize = 128;

/// A parsed and normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry host with optional port, such as `127.0.0.1:5000` or `docker.io`.
    pub registry: String,
    /// Repository path inside the registry, such as `library/busybox`.
    pub repository: String,
    /// Tag; `latest` when the reference names neither tag nor digest.
    pub tag: Option<String>,
    /// Manifest digest; when present it wins over the tag.
    pub digest: Option<Digest>,
}

/// Failure to parse an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {reference:?}: {reason}")]
pub struct ReferenceError {
    /// The text that failed to parse.
    pub reference: String,
    /// Reason for the rejection, with the allowed form.
    pub reason: String,
}

impl Reference {
    /// Parses `registry[:port]/repository[:tag][@sha256:digest]`.
    ///
    /// A reference without a registry (no `.` or `:` in its first component,
    /// and not `localhost`) is taken as a Docker Hub reference, with
    /// `library/` added to single-component repositories.
    pub fn parse(text: &str) -> Result<Reference, ReferenceError> {
        let invalid = |reason: String| ReferenceError {
            reference: text.to_owned(),
            reason,
        };

        let (rest, digest) = match text.rsplit_once('@') {
            Some((rest, digest)) => {
                let digest = Digest::parse(digest).map_err(|error| invalid(error.to_string()))?;
                (rest, Some(digest))
            }
            None => (text, None),
        };

        let (name, tag) = split_tag(rest);
        if let Some(tag) = tag {
            check_tag(tag).map_err(invalid)?;
        }

        let (registry, repository) = split_registry(name).map_err(invalid)?;
        check_repository(&repository).map_err(invalid)?;

        let tag = match (tag, &digest) {
            (Some(tag), _) => Some(tag.to_owned()),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_TAG.to_owned()),
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Returns the `host[:port]` that serves the registry API.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    /// Returns the tag or digest to request from the registry, the digest first.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.clone(),
            (None, None) => DEFAULT_TAG.to_owned(),
        }
    }

    /// Returns the same repository pinned to `digest`, without a tag.
    pub fn with_digest(&self, digest: &Digest) -> Reference {
        Reference {
            tag: None,
            digest: Some(digest.clone()),
            ..self.clone()
        }
    }

    /// Returns the normalised reference that identifies the requested content:
    /// the digest form when a digest is present, since it wins over the tag.
    pub fn canonical(&self) -> String {
        format!("{}/{}{}", self.registry, self.repository, self.suffix())
    }

    fn suffix(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => format!("@{digest}"),
            (None, Some(tag)) => format!(":{tag}"),
            (None, None) => format!(":{DEFAULT_TAG}"),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Splits a trailing `:tag` off, unless the last `:` belongs to a registry port.
fn split_tag(text: &str) -> (&str, Option<&str>) {
    match text.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (text, None),
    }
}

fn split_registry(name: &str) -> Result<(String, String), String> {
    if name.is_empty() {
        return Err("the repository name is empty".to_owned());
    }

    let (first, rest) = match name.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    let names_registry = first.contains('.') || first.contains(':') || first == "localhost";
    match rest {
        Some(repository) if names_registry => {
            check_registry(first)?;
            Ok((first.to_owned(), repository.to_owned()))
        }
        Some(_) => Ok((DOCKER_HUB.to_owned(), name.to_owned())),
        None => Ok((DOCKER_HUB.to_owned(), format!("library/{name}"))),
    }
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = match registry.strip_prefix('[') {
        Some(bracketed) => {
            let (address, after) = bracketed
                .split_once(']')
                .ok_or_else(|| format!("registry {registry:?} lacks the closing ']'"))?;
            address
                .parse::<std::net::Ipv6Addr>()
                .map_err(|_| format!("registry {registry:?} is not a valid IPv6 address"))?;
            (None, after.strip_prefix(':'))
        }
        None => match registry.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        },
    };

    if let Some(host) = host {
        let valid_label = |label: &str| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !host.split('.').all(valid_label) {
            return Err(format!("registry host {host:?} is not a valid host name"));
        }
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!(
            "registry port {port:?} is not a number from 0 to 65535"
        ));
    }
    Ok(())
}

/// Checks the repository against the OCI Distribution grammar: components of
/// lowercase letters and digits separated by `.`, `_`, `__` or runs of `-`.
fn check_repository(repository: &str) -> Result<(), String> {
    if repository.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "the repository is longer than {MAX_NAME_LENGTH} characters"
        ));
    }

    for component in repository.split('/') {
        if !valid_path_component(component) {
            return Err(format!(
                "repository component {component:?} is invalid: use lowercase letters and digits, \
                 separated by '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

fn valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alphanumeric(first) || !alphanumeric(last) {
        return false;
    }

    // Between alphanumeric runs: one '.', one or two '_', or any number of '-'.
    let mut index = 0;
    while index < bytes.len() {
        if alphanumeric(bytes[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && !alphanumeric(bytes[index]) {
            index += 1;
        }
        let separator = &component[start..index];
        let valid = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

fn check_tag(tag: &str) -> Result<(), String> {
    let valid_first = tag
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let valid_rest = tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if tag.len() > MAX_TAG_LENGTH || !valid_first || !valid_rest {
        return Err(format!(
            "tag {tag:?} is invalid: use up to {MAX_TAG_LENGTH} letters, digits, '_', '.' or '-', \
             not starting with '.' or '-'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
