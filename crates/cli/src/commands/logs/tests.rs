use strongroom_api::{ApiLogBatch, ApiLogLine, LogParams};
use time::macros::datetime;

use super::{format_line, next_params, parse_since};

fn line(instance: &str, text: &str) -> ApiLogLine {
    ApiLogLine {
        instance: instance.to_owned(),
        time: "2026-01-31T09:30:00.000000001Z".to_owned(),
        stream: "stdout".to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn line_prefix_names_the_instance() {
    assert_eq!(
        format_line(&line("web-1", "GET /"), true),
        "[web-1] GET /\n"
    );
    assert_eq!(format_line(&line("web-1", "GET /"), false), "GET /\n");
}

#[test]
fn since_duration_counts_back_from_now() {
    let now = datetime!(2026-01-31 10:00:00 UTC);

    assert_eq!(parse_since("10m", now).unwrap(), "2026-01-31T09:50:00Z");
    assert_eq!(parse_since("90s", now).unwrap(), "2026-01-31T09:58:30Z");
}

#[test]
fn since_time_is_kept() {
    let now = datetime!(2026-01-31 10:00:00 UTC);

    assert_eq!(
        parse_since("2026-01-30T08:00:00+01:00", now).unwrap(),
        "2026-01-30T08:00:00+01:00"
    );
}

#[test]
fn since_garbage_is_a_usage_error() {
    let now = datetime!(2026-01-31 10:00:00 UTC);

    let error = parse_since("yesterday", now).unwrap_err();

    assert!(error.to_string().contains("10m"), "{error}");
}

#[test]
fn follow_continues_after_the_cursor() {
    let first = LogParams {
        instance: Some("web-0".to_owned()),
        since: Some("2026-01-31T09:00:00Z".to_owned()),
        tail: Some(10),
        after: None,
    };
    let batch = ApiLogBatch {
        lines: vec![line("web-0", "x")],
        cursor: "c42".to_owned(),
    };

    let next = next_params(&first, &batch, datetime!(2026-01-31 10:00:00 UTC));

    assert_eq!(next.after.as_deref(), Some("c42"));
    assert_eq!(next.instance.as_deref(), Some("web-0"));
    assert_eq!(next.tail, None);
    assert_eq!(next.since, None);
}

#[test]
fn follow_without_cursor_starts_at_the_poll() {
    let first = LogParams {
        instance: None,
        since: None,
        tail: Some(10),
        after: None,
    };
    let batch = ApiLogBatch::default();

    let next = next_params(&first, &batch, datetime!(2026-01-31 10:00:00 UTC));

    assert_eq!(next.since.as_deref(), Some("2026-01-31T10:00:00Z"));
    assert_eq!(next.tail, None);
    assert_eq!(next.after, None);
}

#[tokio::test]
async fn missing_application_error_names_its_reference() {
    let server = crate::testing::FakeServer::start(&[(
        "GET /api/v1/tenants/nope/applications/web",
        404,
        crate::testing::not_found("application web not found in tenant nope"),
    )])
    .await;

    let error =
        super::has_several_instances(&server.client(), "nope", "web", "application/nope/web")
            .await
            .unwrap_err();

    assert_eq!(
        crate::error::message(&error),
        "get of application/nope/web failed: application web not found in tenant nope"
    );
}
