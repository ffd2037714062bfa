//! Integer query parameters, parsed here rather than by serde so that a bad
//! value is reported with the parameter's name, the value and the allowed range.

use std::fmt::Display;

use crate::error::ApiError;

/// Parses the query parameter `name` as an integer from `min` to `max`.
/// Returns `None` when the parameter is absent or empty.
pub fn parse<T>(name: &str, value: Option<&str>, min: T, max: T) -> Result<Option<T>, ApiError>
where
    T: Copy + Display + Into<i128> + TryFrom<i128>,
{
    let Some(text) = value.filter(|text| !text.is_empty()) else {
        return Ok(None);
    };

    // i128 contains every value of the parameter types, so a number outside
    // the range is reported as such rather than as a parse error.
    let parsed = text
        .parse::<i128>()
        .ok()
        .filter(|number| (min.into()..=max.into()).contains(number))
        .and_then(|number| T::try_from(number).ok());
    match parsed {
        Some(number) => Ok(Some(number)),
        None => Err(ApiError::bad_request(format!(
            "invalid value {text:?} in query parameter {name}: expected an integer from {min} to {max}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parse_accepts_bounds_and_absence() {
        assert_eq!(parse("limit", Some("1"), 1u32, 10).unwrap(), Some(1));
        assert_eq!(parse("limit", Some("10"), 1u32, 10).unwrap(), Some(10));
        assert_eq!(parse("limit", None, 1u32, 10).unwrap(), None);
        assert_eq!(parse("limit", Some(""), 1u32, 10).unwrap(), None);
    }

    #[test]
    fn parse_rejects_out_of_range_values() {
        for text in [
            "-1",
            "0",
            "11",
            "99999999999999999999999999999999999999999",
            "ten",
        ] {
            let error = parse("limit", Some(text), 1u32, 10).unwrap_err();

            let message = error.to_string();
            assert!(message.contains("limit"), "{message}");
            assert!(message.contains(&format!("{text:?}")), "{message}");
            assert!(message.contains("from 1 to 10"), "{message}");
        }
    }
}
