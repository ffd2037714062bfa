//! Times shown as ages: `45s`, `12m`, `3h`, `5d`.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Returns how long before `now` the RFC 3339 time `timestamp` was, or `-` when it cannot be read.
pub fn age(timestamp: &str, now: OffsetDateTime) -> String {
    match OffsetDateTime::parse(timestamp, &Rfc3339) {
        Ok(time) => format_age(now - time),
        Err(_) => "-".to_owned(),
    }
}

/// Formats a duration in its largest sensible unit, rounding down.
pub fn format_age(elapsed: time::Duration) -> String {
    let seconds = elapsed.whole_seconds().max(0);
    match seconds {
        0..120 => format!("{seconds}s"),
        120..7_200 => format!("{}m", seconds / 60),
        7_200..172_800 => format!("{}h", seconds / 3_600),
        _ => format!("{}d", seconds / 86_400),
    }
}
