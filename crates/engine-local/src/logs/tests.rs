use std::fs::{self, OpenOptions};
use std::io::Write;

use super::*;

fn append(dir: &Path, file: &str, text: &str) {
    let mut handle = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(file))
        .unwrap();
    handle.write_all(text.as_bytes()).unwrap();
}

fn full(second: u32, text: &str) -> String {
    format!("2024-01-01T00:00:{second:02}.000000001Z stdout F {text}\n")
}

fn texts(batch: &LogBatch) -> Vec<String> {
    batch
        .lines
        .iter()
        .map(|line| format!("{}:{}", line.instance, line.text))
        .collect()
}

fn read(dir: &Path, query: &LogQuery) -> LogBatch {
    read_logs(dir, query).unwrap()
}

fn follow(dir: &Path, batch: &LogBatch) -> LogBatch {
    read(
        dir,
        &LogQuery {
            after: Some(batch.cursor.clone()),
            ..LogQuery::default()
        },
    )
}

#[test]
fn read_logs_merges_instances_by_time() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &(full(1, "a1") + &full(3, "a3")));
    append(dir.path(), "web-1.log", &(full(2, "b2") + &full(4, "b4")));

    let batch = read(dir.path(), &LogQuery::default());
    assert_eq!(
        texts(&batch),
        ["web-0:a1", "web-1:b2", "web-0:a3", "web-1:b4"]
    );
}

#[test]
fn read_logs_orders_times_with_offsets() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log",
        "2024-01-01T02:00:00.5+02:00 stdout F local\n",
    );
    append(
        dir.path(),
        "web-1.log",
        "2024-01-01T00:00:00.1Z stderr F utc\n",
    );

    let batch = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&batch), ["web-1:utc", "web-0:local"]);
    assert_eq!(batch.lines[0].stream, "stderr");
}

#[test]
fn read_logs_joins_partial_records() {
    let dir = tempfile::tempdir().unwrap();
    let text = "2024-01-01T00:00:01Z stdout P hel\n2024-01-01T00:00:01Z stdout P lo \n2024-01-01T00:00:02Z stdout F world\n";
    append(dir.path(), "web-0.log", text);

    let batch = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&batch), ["web-0:hello world"]);
    assert_eq!(batch.lines[0].time, "2024-01-01T00:00:01Z");
}

#[test]
fn read_logs_waits_for_end_of_partial_line() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "one"));
    append(
        dir.path(),
        "web-0.log",
        "2024-01-01T00:00:02Z stdout P two-",
    );

    let first = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&first), ["web-0:one"]);

    append(dir.path(), "web-0.log", "a\n");
    let second = follow(dir.path(), &first);
    assert!(second.lines.is_empty(), "lines {:?}", second.lines);

    append(dir.path(), "web-0.log", "2024-01-01T00:00:02Z stdout F b\n");
    let third = follow(dir.path(), &second);
    assert_eq!(texts(&third), ["web-0:two-ab"]);
}

#[test]
fn read_logs_skips_record_without_line_break() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "done"));
    append(
        dir.path(),
        "web-0.log",
        "2024-01-01T00:00:02Z stdout F still being writ",
    );

    let first = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&first), ["web-0:done"]);

    append(dir.path(), "web-0.log", "ten\n");
    assert_eq!(
        texts(&follow(dir.path(), &first)),
        ["web-0:still being written"]
    );
}

#[test]
fn cursor_returns_only_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "old"));
    let first = read(dir.path(), &LogQuery::default());

    append(dir.path(), "web-0.log", &full(2, "new"));
    append(dir.path(), "web-1.log", &full(3, "other"));
    let second = follow(dir.path(), &first);
    assert_eq!(texts(&second), ["web-0:new", "web-1:other"]);

    let third = follow(dir.path(), &second);
    assert!(third.lines.is_empty(), "lines {:?}", third.lines);
    assert_eq!(third.cursor, second.cursor);
}

#[test]
fn cursor_survives_rotation() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "before"));
    let first = read(dir.path(), &LogQuery::default());

    append(dir.path(), "web-0.log", &full(2, "late in old file"));
    fs::rename(dir.path().join("web-0.log"), dir.path().join("web-0.log.1")).unwrap();
    append(dir.path(), "web-0.log", &full(3, "in new file"));

    let second = follow(dir.path(), &first);
    assert_eq!(
        texts(&second),
        ["web-0:late in old file", "web-0:in new file"]
    );
    assert!(follow(dir.path(), &second).lines.is_empty());
}

#[test]
fn cursor_after_file_rotated_away_reads_remaining_files() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "gone"));
    let first = read(dir.path(), &LogQuery::default());

    fs::remove_file(dir.path().join("web-0.log")).unwrap();
    append(dir.path(), "web-0.log.1", &full(2, "kept"));
    append(dir.path(), "web-0.log", &full(3, "newest"));

    let second = follow(dir.path(), &first);
    assert_eq!(texts(&second), ["web-0:kept", "web-0:newest"]);
}

#[test]
fn cursor_after_truncation_reads_from_start() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log",
        &(full(1, "a long first line") + &full(2, "second")),
    );
    let first = read(dir.path(), &LogQuery::default());

    fs::write(dir.path().join("web-0.log"), full(3, "x")).unwrap();
    assert_eq!(texts(&follow(dir.path(), &first)), ["web-0:x"]);
}

#[test]
fn partial_line_continues_across_rotation() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log.1",
        "2024-01-01T00:00:01Z stdout P split \n",
    );
    append(
        dir.path(),
        "web-0.log",
        "2024-01-01T00:00:01Z stdout F line\n",
    );

    let batch = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&batch), ["web-0:split line"]);
}

#[test]
fn tail_keeps_last_lines_of_each_instance() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log",
        &(full(1, "a1") + &full(2, "a2") + &full(3, "a3")),
    );
    append(dir.path(), "web-1.log", &full(4, "b1"));

    let batch = read(
        dir.path(),
        &LogQuery {
            tail: Some(2),
            ..LogQuery::default()
        },
    );
    assert_eq!(texts(&batch), ["web-0:a2", "web-0:a3", "web-1:b1"]);
}

#[test]
fn tail_reads_rotated_files_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log.2", &full(1, "oldest"));
    append(dir.path(), "web-0.log.1", &full(2, "older"));
    append(dir.path(), "web-0.log", &full(3, "current"));

    let two = read(
        dir.path(),
        &LogQuery {
            tail: Some(2),
            ..LogQuery::default()
        },
    );
    assert_eq!(texts(&two), ["web-0:older", "web-0:current"]);

    let all = read(
        dir.path(),
        &LogQuery {
            tail: Some(10),
            ..LogQuery::default()
        },
    );
    assert_eq!(
        texts(&all),
        ["web-0:oldest", "web-0:older", "web-0:current"]
    );
}

#[test]
fn tail_cursor_continues_after_newest_line() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log.1", &full(1, "older"));
    append(dir.path(), "web-0.log", &full(2, "current"));
    let first = read(
        dir.path(),
        &LogQuery {
            tail: Some(1),
            ..LogQuery::default()
        },
    );

    append(dir.path(), "web-0.log", &full(3, "next"));
    assert_eq!(texts(&follow(dir.path(), &first)), ["web-0:next"]);
}

#[test]
fn since_drops_older_lines() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log",
        &(full(1, "early") + &full(5, "late")),
    );

    let query = LogQuery {
        since: Some("2024-01-01T00:00:03Z".into()),
        ..LogQuery::default()
    };
    assert_eq!(texts(&read(dir.path(), &query)), ["web-0:late"]);
}

#[test]
fn instance_filter_reads_one_instance() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "a"));
    append(dir.path(), "web-1.log", &full(2, "b"));

    let query = LogQuery {
        instance: Some("web-1".into()),
        ..LogQuery::default()
    };
    let batch = read(dir.path(), &query);
    assert_eq!(texts(&batch), ["web-1:b"]);
    assert!(!batch.cursor.contains("web-0"), "cursor {}", batch.cursor);
}

#[test]
fn malformed_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    append(
        dir.path(),
        "web-0.log",
        &(full(1, "a") + "not a record\n" + &full(2, "b")),
    );

    let first = read(dir.path(), &LogQuery::default());
    assert_eq!(texts(&first), ["web-0:a", "web-0:b"]);
    assert!(follow(dir.path(), &first).lines.is_empty());
}

#[test]
fn missing_log_dir_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let batch = read(&dir.path().join("absent"), &LogQuery::default());
    assert!(batch.lines.is_empty());
    assert_eq!(batch.cursor, "");
}

#[test]
fn invalid_cursor_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let query = LogQuery {
        after: Some("garbage".into()),
        ..LogQuery::default()
    };
    let error = read_logs(dir.path(), &query).unwrap_err();
    assert!(
        matches!(error, LogReadError::InvalidCursor(_)),
        "error {error}"
    );
}

#[test]
fn invalid_since_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let query = LogQuery {
        since: Some("yesterday".into()),
        ..LogQuery::default()
    };
    let error = read_logs(dir.path(), &query).unwrap_err();
    assert!(
        matches!(error, LogReadError::InvalidSince { .. }),
        "error {error}"
    );
}

#[test]
fn read_logs_rejects_unknown_instance() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), "web-0.log", &full(1, "a1"));
    append(dir.path(), "web-1.log", &full(2, "b2"));
    let query = LogQuery {
        instance: Some("web-9".to_owned()),
        ..LogQuery::default()
    };

    let error = read_logs(dir.path(), &query).unwrap_err();
    assert!(matches!(error, LogReadError::UnknownInstance { .. }));
    assert_eq!(
        error.to_string(),
        "instance web-9 has no logs; instances with logs: web-0, web-1"
    );
}

fn partial(second: u32, text: &str) -> String {
    format!("2024-01-01T00:00:{second:02}.000000001Z stdout P {text}\n")
}

fn tail(count: usize) -> LogQuery {
    LogQuery {
        tail: Some(count),
        ..LogQuery::default()
    }
}

#[test]
fn endless_partial_line_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let piece = "x".repeat(8 * 1024);
    let pieces_per_line = read::MAX_LINE_BYTES / piece.len();
    let text: String = (0..pieces_per_line * 2 + 1)
        .map(|_| partial(1, &piece))
        .collect();
    append(dir.path(), "web-0.log", &text);

    let first = read(dir.path(), &LogQuery::default());
    assert_eq!(first.lines.len(), 2);
    assert_eq!(first.lines[0].text.len(), read::MAX_LINE_BYTES);
    assert_eq!(first.lines[1].text.len(), read::MAX_LINE_BYTES);

    append(dir.path(), "web-0.log", &full(2, "end"));
    let second = follow(dir.path(), &first);
    assert_eq!(second.lines.len(), 1);
    assert_eq!(second.lines[0].text, format!("{piece}end"));
}

#[test]
fn tail_of_partial_stream_returns_capped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let piece = "y".repeat(8 * 1024);
    let records = read::MAX_LINE_BYTES / piece.len() * 5;
    let text: String = (0..records).map(|_| partial(1, &piece)).collect();
    append(dir.path(), "web-0.log", &text);

    let batch = read(dir.path(), &tail(3));
    assert_eq!(batch.lines.len(), 3);
    for line in &batch.lines {
        assert_eq!(line.text.len(), read::MAX_LINE_BYTES);
    }
}

#[test]
fn tail_reads_window_at_end_of_large_file() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..100_000)
        .map(|n| full(1, &format!("line {n}")))
        .collect();
    append(dir.path(), "web-0.log", &text);
    append(dir.path(), "web-0.log", &full(2, "last"));

    let mut files = files::open_instance_files(dir.path(), "web-0").unwrap();
    let chunks = read::tail_chunks("web-0", &mut files, 2).unwrap();
    let read_bytes: usize = chunks.iter().map(|chunk| chunk.data.len()).sum();
    assert!(read_bytes < 1024 * 1024, "read {read_bytes} bytes");

    let batch = read(dir.path(), &tail(2));
    assert_eq!(texts(&batch), ["web-0:line 99999", "web-0:last"]);
}

#[test]
fn tail_window_drops_line_begun_before_window() {
    let dir = tempfile::tempdir().unwrap();
    // 128 KiB of partial records: longer than the first window, shorter than the cap.
    let piece = "z".repeat(4 * 1024);
    let mut text: String = (0..32).map(|_| partial(1, &piece)).collect();
    text += &full(1, "end of long line");
    text += &full(2, "short");
    append(dir.path(), "web-0.log", &text);

    let batch = read(dir.path(), &tail(2));
    assert_eq!(batch.lines.len(), 2);
    let long = &batch.lines[0].text;
    assert_eq!(long.len(), 32 * piece.len() + "end of long line".len());
    assert!(long.starts_with(&piece), "line starts {:?}", &long[..16]);
    assert!(long.ends_with("end of long line"));
    assert_eq!(batch.lines[1].text, "short");
}

#[test]
fn tail_window_spans_rotated_files() {
    let dir = tempfile::tempdir().unwrap();
    let older: String = (0..10_000).map(|n| full(1, &format!("old {n}"))).collect();
    append(dir.path(), "web-0.log.1", &older);
    append(dir.path(), "web-0.log", &full(2, "new"));

    let batch = read(dir.path(), &tail(3));
    assert_eq!(
        texts(&batch),
        ["web-0:old 9998", "web-0:old 9999", "web-0:new"]
    );

    append(dir.path(), "web-0.log", &full(3, "next"));
    assert_eq!(texts(&follow(dir.path(), &batch)), ["web-0:next"]);
}

#[test]
fn window_chunks_start_at_record_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let first = full(1, "first");
    let second = full(2, "second");
    append(dir.path(), "web-0.log", &(first.clone() + &second));
    let mut files = files::open_instance_files(dir.path(), "web-0").unwrap();

    // Windows that start exactly at, just before and just after the boundary.
    for (window, offset, data) in [
        (second.len(), first.len(), second.as_str()),
        (second.len() + 1, first.len(), second.as_str()),
        (second.len() - 1, first.len() + second.len(), ""),
    ] {
        let chunks = read::window_chunks(&mut files, window as u64).unwrap();
        assert_eq!(chunks.len(), 1, "window {window}");
        assert_eq!(chunks[0].offset, offset as u64, "window {window}");
        assert_eq!(chunks[0].data, data.as_bytes(), "window {window}");
    }
}
