//! `WWW-Authenticate` challenges (RFC 7235) and the Docker token protocol.

use std::collections::BTreeMap;

/// A parsed authentication challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Basic realm="..."`: send the configured credentials with each request.
    Basic,
    /// `Bearer realm=...,service=...,scope=...`: obtain a token from `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses the first challenge of a `WWW-Authenticate` header value.
pub(crate) fn parse_challenge(header: &str) -> Result<Challenge, String> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Ok(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(format!("unsupported authentication scheme {scheme:?}"));
    }

    let parameters = parse_parameters(rest)?;
    let realm = parameters
        .get("realm")
        .cloned()
        .ok_or("the Bearer challenge has no realm")?;
    Ok(Challenge::Bearer {
        realm,
        service: parameters.get("service").cloned(),
        scope: parameters.get("scope").cloned(),
    })
}

/// Parses `name=value` or `name="quoted value"` pairs separated by commas.
/// Parameter names are case-insensitive and returned in lowercase.
fn parse_parameters(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut parameters = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        if chars.peek().is_none() {
            return Ok(parameters);
        }

        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if chars.next() != Some('=') {
            return Err(format!("parameter {:?} has no value", name.trim()));
        }
        let value = if chars.next_if_eq(&'"').is_some() {
            read_quoted(&mut chars)?
        } else {
            std::iter::from_fn(|| chars.next_if(|c| *c != ','))
                .collect::<String>()
                .trim()
                .to_owned()
        };
        parameters.insert(name.trim().to_ascii_lowercase(), value);
    }
}

fn read_quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut value = String::new();
    loop {
        match chars.next() {
            Some('"') => return Ok(value),
            Some('\\') => value.push(chars.next().ok_or("the header ends inside an escape")?),
            Some(c) => value.push(c),
            None => return Err("a quoted value is not closed".to_owned()),
        }
    }
}

/// Body of a token service response. Docker sends `token`, OAuth2 sends `access_token`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TokenResponse {
    token: Option<String>,
    access_token: Option<String>,
}

impl TokenResponse {
    pub(crate) fn into_token(self) -> Option<String> {
        self.token
            .or(self.access_token)
            .filter(|token| !token.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_challenge_bearer_with_all_parameters() {
        let header = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull""#;
        assert_eq!(
            parse_challenge(header).unwrap(),
            Challenge::Bearer {
                realm: "https://auth.example/token".to_owned(),
                service: Some("registry.example".to_owned()),
                scope: Some("repository:team/app:pull".to_owned()),
            }
        );
    }

    #[test]
    fn parse_challenge_keeps_commas_and_escapes_in_quotes() {
        let header = r#"bearer Realm="http://127.0.0.1:1/token",scope="repository:a:pull,push",service="s\"x""#;
        let Challenge::Bearer {
            realm,
            service,
            scope,
        } = parse_challenge(header).unwrap()
        else {
            panic!("expected a Bearer challenge");
        };
        assert_eq!(realm, "http://127.0.0.1:1/token");
        assert_eq!(scope.as_deref(), Some("repository:a:pull,push"));
        assert_eq!(service.as_deref(), Some("s\"x"));
    }

    #[test]
    fn parse_challenge_basic() {
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#).unwrap(),
            Challenge::Basic
        );
    }

    #[test]
    fn parse_challenge_rejects_invalid_headers() {
        assert!(
            parse_challenge("Negotiate abc")
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(
            parse_challenge("Bearer service=x")
                .unwrap_err()
                .contains("no realm")
        );
        assert!(
            parse_challenge(r#"Bearer realm="open"#)
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_challenge("Bearer realm")
                .unwrap_err()
                .contains("no value")
        );
    }

    #[test]
    fn token_response_accepts_both_fields() {
        let docker: TokenResponse = serde_json::from_str(r#"{"token":"a"}"#).unwrap();
        assert_eq!(docker.into_token().as_deref(), Some("a"));
        let oauth: TokenResponse = serde_json::from_str(r#"{"access_token":"b"}"#).unwrap();
        assert_eq!(oauth.into_token().as_deref(), Some("b"));
        let empty: TokenResponse = serde_json::from_str(r#"{"token":""}"#).unwrap();
        assert_eq!(empty.into_token(), None);
    }
}
