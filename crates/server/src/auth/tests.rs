use std::os::unix::fs::PermissionsExt;

use super::{AdminToken, AdminTokenError};

#[test]
fn token_is_created_once_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();

    let first = AdminToken::load_or_create(dir.path()).unwrap();
    let second = AdminToken::load_or_create(dir.path()).unwrap();

    let mode = std::fs::metadata(first.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(first.token, second.token);
    assert_eq!(first.token.len(), 64);
    assert!(first.token.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn tokens_differ_between_data_dirs() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();

    let first = AdminToken::load_or_create(one.path()).unwrap();
    let second = AdminToken::load_or_create(two.path()).unwrap();

    assert_ne!(first.token, second.token);
}

#[test]
fn token_readable_by_others_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let token = AdminToken::load_or_create(dir.path()).unwrap();
    std::fs::set_permissions(token.path(), std::fs::Permissions::from_mode(0o644)).unwrap();

    let error = AdminToken::load_or_create(dir.path()).unwrap_err();

    assert!(
        matches!(error, AdminTokenError::TooOpen { mode: 0o644, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("chmod 600"), "{error}");
}

#[test]
fn malformed_token_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("admin.token");
    std::fs::write(&path, "short\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    let error = AdminToken::load_or_create(dir.path()).unwrap_err();

    assert!(
        matches!(error, AdminTokenError::Malformed { .. }),
        "{error:?}"
    );
}

#[test]
fn matches_only_the_exact_token() {
    let token = AdminToken::new("ab".repeat(32), "/nonexistent/admin.token");

    assert!(token.matches(&"ab".repeat(32)));
    assert!(!token.matches(&"ab".repeat(31)));
    assert!(!token.matches(&format!("{}ac", "ab".repeat(31))));
    assert!(!token.matches(""));
}

#[test]
fn debug_output_hides_the_token() {
    let token = AdminToken::new("ab".repeat(32), "/nonexistent/admin.token");

    let debug = format!("{token:?}");

    assert!(!debug.contains(&"ab".repeat(32)), "{debug}");
}
