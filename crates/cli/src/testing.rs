//! A loopback HTTP server with canned responses, for tests of commands that call the API.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use strongroom_api::Client;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Largest request head the server reads; the client's GET requests are far smaller.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Responses of [`FakeServer`] by request line without the query, for example `GET /api/v1/events`.
type Routes = BTreeMap<String, (u16, Value)>;

/// A server on 127.0.0.1 that returns a canned status and JSON body for each
/// known request line and 404 for any other request. Dropping it stops it.
pub struct FakeServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Starts the server with the responses for `(method and path, status, body)`.
    pub async fn start(answers: &[(&str, u16, Value)]) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Routes> = Arc::new(
            answers
                .iter()
                .map(|(line, status, body)| ((*line).to_owned(), (*status, body.clone())))
                .collect(),
        );
        let requests = Arc::new(Mutex::new(Vec::new()));

        let log = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(respond(stream, routes.clone(), log.clone()));
            }
        });
        FakeServer {
            url,
            requests,
            task,
        }
    }

    /// Returns a client of this server.
    pub fn client(&self) -> Client {
        Client::new(&self.url, "test-token").unwrap()
    }

    /// Returns the request lines received so far, with their queries.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Returns the body of a 404 response, as the API server writes it.
pub fn not_found(message: &str) -> Value {
    json!({"code": "NotFound", "message": message})
}

async fn respond(mut stream: TcpStream, routes: Arc<Routes>, requests: Arc<Mutex<Vec<String>>>) {
    let Some(request_line) = read_request_line(&mut stream).await else {
        return;
    };
    requests.lock().unwrap().push(request_line.clone());

    let route = request_line.split('?').next().unwrap_or_default();
    let (status, body) = routes
        .get(route)
        .cloned()
        .unwrap_or_else(|| (404, not_found(&format!("no route {route}"))));
    let body = body.to_string();
    let response = format!(
        "HTTP/1.1 {status} Fake\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

/// Reads the request head and returns its first line without the HTTP version.
async fn read_request_line(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < MAX_HEAD_BYTES {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    let first = text.lines().next()?;
    let (line, _version) = first.rsplit_once(' ')?;
    Some(line.to_owned())
}
