//! Syntax of OCI image references, as the CNCF Distribution reference grammar writes them.

/// Maximum length of a repository name including the registry host, as in Distribution.
const NAME_MAX_LENGTH: usize = 255;

/// Maximum length of a tag, as in the OCI Distribution specification.
const TAG_MAX_LENGTH: usize = 128;

const EXPECTED: &str = "expected registry-host[:port]/path[:tag][@sha256:digest], \
                        for example 127.0.0.1:5000/samples/httpd:1.0";

/// Checks an image reference such as `registry.bank.example:5000/payments/gateway:2.4.1`.
///
/// The registry host is required: a bank pulls only from registries it names,
/// so a short name never falls back to a public default registry.
pub(crate) fn check_image_reference(reference: &str) -> Result<(), String> {
    check_parts(reference)
        .map_err(|reason| format!("invalid image {reference:?}: {reason}; {EXPECTED}"))
}

fn check_parts(reference: &str) -> Result<(), String> {
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        check_digest(digest)?;
    }

    let (host, path_and_tag) = name_and_tag
        .split_once('/')
        .filter(|(host, _)| looks_like_host(host))
        .ok_or_else(|| "it must start with a registry host and '/'".to_owned())?;
    check_host(host)?;

    // Path components cannot contain ':', so a ':' after the host starts the tag.
    let (path, tag) = match path_and_tag.split_once(':') {
        Some((path, tag)) => (path, Some(tag)),
        None => (path_and_tag, None),
    };
    check_path(path)?;
    if let Some(tag) = tag {
        check_tag(tag)?;
    }

    if host.len() + 1 + path.len() > NAME_MAX_LENGTH {
        return Err(format!(
            "the repository name is longer than {NAME_MAX_LENGTH} characters"
        ));
    }
    Ok(())
}

/// Returns whether the first component names a registry rather than a path,
/// by Distribution's rule: it contains `.` or `:`, or is `localhost`.
fn looks_like_host(component: &str) -> bool {
    component.contains(['.', ':']) || component == "localhost" || component.starts_with('[')
}

fn check_host(host: &str) -> Result<(), String> {
    let invalid = || format!("invalid registry host {host:?}");
    let (name, port) = split_port(host);

    let name_valid = if let Some(address) = name.strip_prefix('[') {
        let address = address.strip_suffix(']').ok_or_else(invalid)?;
        // Distribution leaves out IPv4-mapped forms and zone ids, so only hex digits and ':'.
        let plain = address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        plain && address.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !name.is_empty() && name.split('.').all(is_host_label)
    };
    if !name_valid {
        return Err(invalid());
    }

    if let Some(port) = port {
        let number = port.parse::<u16>().ok().filter(|number| *number > 0);
        if number.is_none() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "invalid registry port {port:?}: expected 1 to 65535"
            ));
        }
    }
    Ok(())
}

/// Splits `host:port`, leaving the colons inside a bracketed IPv6 address alone.
fn split_port(host: &str) -> (&str, Option<&str>) {
    let after_address = match host.find(']') {
        Some(end) => end + 1,
        None => 0,
    };
    match host[after_address..].find(':') {
        Some(colon) => {
            let colon = after_address + colon;
            (&host[..colon], Some(&host[colon + 1..]))
        }
        None => (host, None),
    }
}

fn is_host_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn check_path(path: &str) -> Result<(), String> {
    for component in path.split('/') {
        if !is_path_component(component) {
            return Err(format!(
                "invalid repository path component {component:?}: use lowercase letters and \
                 digits, separated by '.', '_', '__' or dashes"
            ));
        }
    }
    Ok(())
}

/// Returns whether `component` is `[a-z0-9]+` runs joined by `.`, `_`, `__` or `-+`.
fn is_path_component(component: &str) -> bool {
    let is_alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ends_valid = component.starts_with(is_alphanumeric) && component.ends_with(is_alphanumeric);

    // Splitting at letters and digits leaves the separators, and any other character in them.
    let separators_valid = component
        .split(is_alphanumeric)
        .filter(|separator| !separator.is_empty())
        .all(|separator| {
            matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-')
        });
    ends_valid && separators_valid
}

fn check_tag(tag: &str) -> Result<(), String> {
    let valid = tag.len() <= TAG_MAX_LENGTH
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if valid {
        return Ok(());
    }
    Err(format!(
        "invalid tag {tag:?}: use 1 to {TAG_MAX_LENGTH} letters, digits, '_', '.' and '-', \
         not starting with '.' or '-'"
    ))
}

fn check_digest(digest: &str) -> Result<(), String> {
    let hex = digest.strip_prefix("sha256:");
    let valid = hex.is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if valid {
        return Ok(());
    }
    Err(format!(
        "invalid digest {digest:?}: expected sha256: and 64 lowercase hex digits"
    ))
}
