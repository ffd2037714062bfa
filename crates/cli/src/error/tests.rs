use anyhow::Context as _;
use strongroom_api::{ApiErrorBody, RequestError};

use super::render;

/// Returns a 400 response of the server, as the CLI receives it after `apply of FILE failed`.
fn invalid(message: &str, details: &[&str]) -> anyhow::Error {
    let error = RequestError::Api {
        method: "POST",
        url: "http://127.0.0.1:7470/api/v1/apply".to_owned(),
        status: 400,
        body: ApiErrorBody {
            code: "Invalid".to_owned(),
            message: message.to_owned(),
            details: details.iter().map(|detail| (*detail).to_owned()).collect(),
        },
    };
    Err::<(), _>(error)
        .context("apply of bad.yaml failed")
        .unwrap_err()
}

#[test]
fn single_problem_prints_one_line() {
    let problem = "Application retial/web: tenant retial does not exist; apply the tenant first";
    let error = invalid(&format!("nothing was applied: {problem}"), &[problem]);

    let text = render(&error);

    assert_eq!(
        text,
        format!("error: apply of bad.yaml failed: nothing was applied: {problem}\n")
    );
}

#[test]
fn several_problems_print_one_line_each() {
    let problems = [
        "Application retail/web: tenant retail does not exist",
        "Application retail/api: tenant retail does not exist",
    ];
    let error = invalid(
        &format!("nothing was applied: {} (and 1 more problem)", problems[0]),
        &problems,
    );

    let text = render(&error);

    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("error: apply of bad.yaml failed: "),
        "{text}"
    );
    assert_eq!(lines[1], problems[0]);
    assert_eq!(lines[2], problems[1]);
}

#[test]
fn detail_absent_from_message_is_printed() {
    let error = invalid(
        "manifest bad.yaml is invalid",
        &["bad.yaml:3:5: spec.instances.min: must be 0 or more"],
    );

    let text = render(&error);

    assert_eq!(
        text,
        "error: apply of bad.yaml failed: manifest bad.yaml is invalid\n\
         bad.yaml:3:5: spec.instances.min: must be 0 or more\n"
    );
}

#[test]
fn error_without_details_prints_one_line() {
    let error = anyhow::anyhow!("cannot read manifest file web.yaml").context("apply failed");

    assert_eq!(
        render(&error),
        "error: apply failed: cannot read manifest file web.yaml\n"
    );
}
