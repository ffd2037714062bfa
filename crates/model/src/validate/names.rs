//! Rules for the names and keys that manifests use.

/// Maximum length of an object name, a tenant name or a network zone.
pub const NAME_MAX_LENGTH: usize = 40;

/// Maximum length of a port name, as for IANA service names.
const PORT_NAME_MAX_LENGTH: usize = 15;

/// Maximum length of a label value and of the name part of a label or annotation key, as in Kubernetes.
const QUALIFIED_NAME_MAX_LENGTH: usize = 63;

/// Maximum length of the prefix of a label or annotation key, a DNS subdomain.
const KEY_PREFIX_MAX_LENGTH: usize = 253;

/// Checks an object name, a tenant name or a network zone, called `description` in the message.
///
/// Names end up in host names, container ids and Kubernetes object names, so
/// they follow DNS label rules within a shorter length.
pub(crate) fn check_name(description: &str, value: &str) -> Result<(), String> {
    let valid = value.len() <= NAME_MAX_LENGTH
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && !value.ends_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        return Ok(());
    }
    Err(format!(
        "invalid {description} {value:?}: use 1 to {NAME_MAX_LENGTH} lowercase letters, digits and '-', \
         starting with a letter and ending with a letter or digit"
    ))
}

/// Checks a port name: an IANA service name such as `http` or `grpc-admin`.
pub(crate) fn check_port_name(value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= PORT_NAME_MAX_LENGTH
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && value.bytes().any(|b| b.is_ascii_lowercase())
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if valid {
        return Ok(());
    }
    Err(format!(
        "invalid port name {value:?}: use 1 to {PORT_NAME_MAX_LENGTH} lowercase letters, digits \
         and single '-' between them, with at least one letter"
    ))
}

/// Checks an environment variable name such as `JAVA_OPTS`.
pub(crate) fn check_env_name(value: &str) -> Result<(), String> {
    let valid = value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        return Ok(());
    }
    Err(format!(
        "invalid environment variable name {value:?}: use letters, digits and '_', \
         not starting with a digit"
    ))
}

/// Checks a label or annotation key: an optional DNS subdomain prefix and `/`,
/// then a name, as Kubernetes qualified names are written (`app.bank.example/tier`).
pub(crate) fn check_qualified_key(description: &str, key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_valid = prefix.is_none_or(is_dns_subdomain);
    if prefix_valid && !name.is_empty() && is_qualified_name_part(name) {
        return Ok(());
    }
    Err(format!(
        "invalid {description} key {key:?}: use an optional DNS subdomain prefix and '/', then 1 to \
         {QUALIFIED_NAME_MAX_LENGTH} letters, digits, '-', '_' and '.', starting and ending with \
         a letter or digit"
    ))
}

/// Checks a label value: empty, or like the name part of a key.
///
/// Labels become Kubernetes labels on that engine, which rejects other values.
pub(crate) fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_qualified_name_part(value) {
        return Ok(());
    }
    Err(format!(
        "invalid label value {value:?}: use at most {QUALIFIED_NAME_MAX_LENGTH} letters, digits, \
         '-', '_' and '.', starting and ending with a letter or digit, or leave it empty"
    ))
}

fn is_qualified_name_part(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    value.len() <= QUALIFIED_NAME_MAX_LENGTH
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Returns whether `value` is a DNS subdomain: dot-separated labels of
/// lowercase letters, digits and `-`, each starting and ending with a letter or digit.
pub(crate) fn is_dns_subdomain(value: &str) -> bool {
    !value.is_empty() && value.len() <= KEY_PREFIX_MAX_LENGTH && value.split('.').all(is_dns_label)
}

fn is_dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes.len() <= 63
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Checks an HTTP header name: an RFC 9110 token.
pub(crate) fn check_header_name(name: &str) -> Result<(), String> {
    let is_token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.is_empty() && name.bytes().all(is_token_char) {
        return Ok(());
    }
    Err(format!(
        "invalid HTTP header name {name:?}: use letters, digits and !#$%&'*+-.^_`|~"
    ))
}

/// Checks an HTTP header value: no control characters other than tab.
pub(crate) fn check_header_value(value: &str) -> Result<(), String> {
    if value.chars().all(|c| c == '\t' || !c.is_control()) {
        return Ok(());
    }
    Err(format!(
        "invalid HTTP header value {value:?}: remove line breaks and other control characters"
    ))
}
