//! How failures end the process: message on stderr and exit code.

use std::process::ExitCode;

use strongroom_api::RequestError;

/// Exit code of a failed request or any other runtime failure.
pub const EXIT_FAILURE: u8 = 1;

/// Exit code of a usage error, as clap uses it.
pub const EXIT_USAGE: u8 = 2;

/// A command line that parses but does not make sense, such as --tenant on a tenant.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Prints `error: ...` with its context chain and, for validation failures
/// with several problems, one line per problem; returns the exit code.
pub fn report(error: &anyhow::Error) -> ExitCode {
    if error
        .downcast_ref::<crate::stdout::OutputClosed>()
        .is_some()
    {
        return ExitCode::SUCCESS;
    }
    eprint!("{}", render(error));
    let code = if error.downcast_ref::<UsageError>().is_some() {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    };
    ExitCode::from(code)
}

/// Joins the context chain with `: `, leaving out causes whose text an outer
/// message already contains (many error types print their source themselves).
pub fn message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Returns the text `report` prints: `error: ` and the message on the first
/// line, then the server's per-problem details unless the message already
/// contains each of them.
pub fn render(error: &anyhow::Error) -> String {
    let message = message(error);
    let mut text = format!("error: {message}\n");

    // The server puts a single problem both in the message and in the
    // details, so printing the details would repeat the first line.
    let details = details(error);
    if details
        .iter()
        .all(|detail| message.contains(detail.as_str()))
    {
        return text;
    }
    for detail in details {
        text.push_str(detail);
        text.push('\n');
    }
    text
}

/// The server's per-problem details carried anywhere in the error chain.
fn details(error: &anyhow::Error) -> &[String] {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<RequestError>())
        .and_then(RequestError::api_body)
        .map(|body| body.details.as_slice())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
