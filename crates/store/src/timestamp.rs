use time::OffsetDateTime;

use crate::error::StoreFault;

/// Returns the current time as stored: Unix time in microseconds.
pub(crate) fn now_micros() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    // Unix microseconds fit in an i64 until the year 294 247.
    i64::try_from(nanos / 1_000).unwrap_or(i64::MAX)
}

/// Converts a stored timestamp back to a time.
pub(crate) fn from_micros(micros: i64, row: &str) -> Result<OffsetDateTime, StoreFault> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).map_err(|error| {
        StoreFault::Corrupt {
            row: row.to_owned(),
            problem: format!("timestamp {micros} is out of range: {error}"),
        }
    })
}
