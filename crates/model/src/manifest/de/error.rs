//! The error of the typed pass, in the words a manifest author reads.

use std::fmt;

use saphyr::Marker;
use serde::de::{Expected, Unexpected};

use crate::FieldPath;

/// Mismatch between a document and the model's types, with its place once known.
#[derive(Debug)]
pub(crate) struct TypeError {
    pub(crate) message: String,
    pub(crate) path: Option<FieldPath>,
    pub(crate) marker: Option<Marker>,
    /// Set by `missing_field`, so that the path can name the absent field.
    missing_field: Option<&'static str>,
}

impl TypeError {
    pub(crate) fn new(message: String) -> TypeError {
        TypeError {
            message,
            path: None,
            marker: None,
            missing_field: None,
        }
    }

    /// Records where the error happened, unless a deeper value already did.
    ///
    /// A missing field has no node of its own, so its path is the field's and
    /// its marker is left for the caller to find from the nearest present parent.
    pub(crate) fn locate(mut self, path: &FieldPath, marker: Marker) -> TypeError {
        if self.path.is_some() {
            return self;
        }
        match self.missing_field {
            Some(field) => self.path = Some(path.key(field)),
            None => {
                self.path = Some(path.clone());
                self.marker = Some(marker);
            }
        }
        self
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TypeError {}

impl serde::de::Error for TypeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        TypeError::new(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        let expected = expected.to_string();
        let found = describe_unexpected(&unexpected);
        let hint = if expected == "a string" && is_plain_scalar(&unexpected) {
            "; write the value in quotes to pass it as text"
        } else {
            ""
        };
        TypeError::new(format!("expected {expected}, found {found}{hint}"))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        let found = describe_unexpected(&unexpected);
        TypeError::new(format!("invalid value {found}: expected {expected}"))
    }

    fn invalid_length(length: usize, expected: &dyn Expected) -> Self {
        TypeError::new(format!("invalid length {length}: expected {expected}"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let allowed = expected.join(", ");
        TypeError::new(format!(
            "unknown value {variant:?}: expected one of {allowed}"
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let message = if expected.is_empty() {
            format!("unknown field `{field}`: this mapping takes no fields")
        } else {
            let allowed = expected.join(", ");
            format!("unknown field `{field}`: allowed fields are {allowed}")
        };
        TypeError::new(message)
    }

    fn missing_field(field: &'static str) -> Self {
        let mut error = TypeError::new(format!("missing required field `{field}`"));
        error.missing_field = Some(field);
        error
    }

    fn duplicate_field(field: &'static str) -> Self {
        TypeError::new(format!("field `{field}` is given twice: keep one"))
    }
}

/// Describes a value the way YAML names it: `null` rather than serde's "unit value".
fn describe_unexpected(unexpected: &Unexpected<'_>) -> String {
    match unexpected {
        Unexpected::Unit | Unexpected::Option => "null".to_owned(),
        Unexpected::Float(number) => format!("number `{number}`"),
        Unexpected::Seq => "a sequence".to_owned(),
        Unexpected::Map => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

fn is_plain_scalar(unexpected: &Unexpected<'_>) -> bool {
    matches!(
        unexpected,
        Unexpected::Bool(_)
            | Unexpected::Signed(_)
            | Unexpected::Unsigned(_)
            | Unexpected::Float(_)
    )
}
