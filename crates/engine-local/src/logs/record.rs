//! One record of the CRI log format that conmon writes (`k8s-file`).
//!
//! A record is `TIME STREAM TAG TEXT`: an RFC 3339 time with nanoseconds,
//! `stdout` or `stderr`, the tag `F` for a full line or `P` for a partial
//! line that the next record continues, then the text without its line
//! break. Tags may carry more flags after a `:`, which are ignored here.

/// A parsed record, borrowing from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    /// When the text was written, as written in the file.
    pub(crate) time: &'a str,
    /// `stdout` or `stderr`.
    pub(crate) stream: &'a str,
    /// Whether the next record continues this line.
    pub(crate) partial: bool,
    /// The text.
    pub(crate) text: &'a str,
}

/// Parses one line of a log file, without its line break; `None` when it is not a record.
pub(crate) fn parse_record(line: &str) -> Option<Record<'_>> {
    let (time, rest) = line.split_once(' ')?;
    let (stream, rest) = rest.split_once(' ')?;
    if time.is_empty() || !matches!(stream, "stdout" | "stderr") {
        return None;
    }

    // The text may be empty, and conmon then may or may not write the space after the tag.
    let (tag, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let partial = match tag.split(':').next() {
        Some("P") => true,
        Some("F") => false,
        _ => return None,
    };
    Some(Record {
        time,
        stream,
        partial,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_record_reads_full_line() {
        let record = parse_record("2024-01-01T00:00:00.123456789Z stdout F hello world").unwrap();
        assert_eq!(record.time, "2024-01-01T00:00:00.123456789Z");
        assert_eq!(record.stream, "stdout");
        assert!(!record.partial);
        assert_eq!(record.text, "hello world");
    }

    #[test]
    fn parse_record_reads_partial_stderr() {
        let record = parse_record("2024-01-01T00:00:00.1+02:00 stderr P part one ").unwrap();
        assert_eq!(record.stream, "stderr");
        assert!(record.partial);
        assert_eq!(record.text, "part one ");
    }

    #[test]
    fn parse_record_accepts_empty_text() {
        for line in [
            "2024-01-01T00:00:00Z stdout F",
            "2024-01-01T00:00:00Z stdout F ",
        ] {
            let record = parse_record(line).unwrap();
            assert_eq!(record.text, "", "line {line:?}");
        }
    }

    #[test]
    fn parse_record_ignores_extra_tag_flags() {
        let record = parse_record("2024-01-01T00:00:00Z stdout F:x text").unwrap();
        assert!(!record.partial);
        assert_eq!(record.text, "text");
    }

    #[test]
    fn parse_record_rejects_malformed_lines() {
        for line in [
            "",
            "garbage",
            "2024-01-01T00:00:00Z stdout",
            "2024-01-01T00:00:00Z stdin F text",
            "2024-01-01T00:00:00Z stdout X text",
            " stdout F text",
        ] {
            assert_eq!(parse_record(line), None, "line {line:?}");
        }
    }
}
