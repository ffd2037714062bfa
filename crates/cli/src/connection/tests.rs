use std::path::PathBuf;

use strongroom_server::ClientFile;

use super::{Connection, DEFAULT_SERVER_URL};
use crate::args::GlobalArgs;

fn global(data_dir: &std::path::Path) -> GlobalArgs {
    GlobalArgs {
        data_dir: data_dir.to_owned(),
        server: None,
        token_file: None,
    }
}

#[test]
fn defaults_without_client_file() {
    let dir = tempfile::tempdir().unwrap();

    let connection = Connection::resolve(&global(dir.path())).unwrap();

    assert_eq!(connection.url, DEFAULT_SERVER_URL);
    assert_eq!(connection.token_file, dir.path().join("admin.token"));
}

#[test]
fn client_file_names_url_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let file = ClientFile {
        url: "http://127.0.0.1:40001".to_owned(),
        token_file: PathBuf::from("/elsewhere/admin.token"),
    };
    file.write(&dir.path().join("client.json")).unwrap();

    let connection = Connection::resolve(&global(dir.path())).unwrap();

    assert_eq!(connection.url, "http://127.0.0.1:40001");
    assert_eq!(
        connection.token_file,
        PathBuf::from("/elsewhere/admin.token")
    );
}

#[test]
fn options_win_over_client_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = ClientFile {
        url: "http://127.0.0.1:40001".to_owned(),
        token_file: PathBuf::from("/elsewhere/admin.token"),
    };
    file.write(&dir.path().join("client.json")).unwrap();
    let mut args = global(dir.path());
    args.server = Some("http://127.0.0.1:40002".to_owned());

    let connection = Connection::resolve(&args).unwrap();

    assert_eq!(connection.url, "http://127.0.0.1:40002");
    assert_eq!(
        connection.token_file,
        PathBuf::from("/elsewhere/admin.token")
    );
}

#[test]
fn unreadable_token_error_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection {
        url: DEFAULT_SERVER_URL.to_owned(),
        token_file: dir.path().join("missing.token"),
    };

    let error = connection.client().unwrap_err();

    let message = format!("{error:#}");
    assert!(message.contains("missing.token"), "{message}");
    assert!(message.contains("strongroom up"), "{message}");
}

#[test]
fn empty_token_file_is_reported_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("tok-empty");
    std::fs::write(&token_file, "\n").unwrap();
    let connection = Connection {
        url: DEFAULT_SERVER_URL.to_owned(),
        token_file: token_file.clone(),
    };

    let error = connection.client().unwrap_err();

    let expected = format!("token file {} is empty", token_file.display());
    assert!(error.to_string().contains(&expected), "{error}");
}

#[test]
fn unauthorized_error_names_the_token_file_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = global(dir.path());
    args.server = Some(DEFAULT_SERVER_URL.to_owned());
    args.token_file = Some(PathBuf::from("/tmp/x/tok-bad"));
    let rejected = strongroom_api::RequestError::Api {
        method: "GET",
        url: format!("{DEFAULT_SERVER_URL}/api/v1/tenants"),
        status: 401,
        body: strongroom_api::ApiErrorBody {
            code: "Unauthorized".to_owned(),
            message: "missing or invalid bearer token".to_owned(),
            details: Vec::new(),
        },
    };

    let error = super::name_rejected_token_file(rejected.into(), &args);

    let message = format!("{error:#}");
    assert!(
        message.contains("rejected the token read from /tmp/x/tok-bad"),
        "{message}"
    );
}
