use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CPU amount in millicores: `250m`, `0.5` (500 millicores) or `2` (2000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpu {
    /// Thousandths of one core.
    pub millicores: u64,
}

/// A memory amount in bytes: `1048576`, `64Mi`, `1Gi`, `500M`, `1G`, `128Ki`, `1k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory {
    /// Bytes.
    pub bytes: u64,
}

/// Rejection of a CPU or memory amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: expected {expected}")]
pub struct ParseQuantityError {
    /// `CPU` or `memory`.
    pub what: &'static str,
    /// The rejected text.
    pub value: String,
    /// What the text may look like.
    pub expected: &'static str,
}

const CPU_EXPECTED: &str = "cores such as 2 or 0.5, or millicores such as 250m";
const MEMORY_EXPECTED: &str =
    "bytes with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T, such as 64Mi";

impl FromStr for Cpu {
    type Err = ParseQuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseQuantityError {
            what: "CPU",
            value: text.to_owned(),
            expected: CPU_EXPECTED,
        };
        if let Some(millis) = text.strip_suffix('m') {
            let millicores = parse_digits(millis).ok_or_else(error)?;
            return Ok(Cpu { millicores });
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        // A trailing '.' without digits is rejected, as the JSON Schema pattern does.
        if fraction.len() > 3
            || fraction.is_empty() && text.contains('.')
            || whole.is_empty() && fraction.is_empty()
        {
            return Err(error());
        }
        let whole = if whole.is_empty() {
            0
        } else {
            parse_digits(whole).ok_or_else(error)?
        };
        let fraction_millis = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<3}");
            parse_digits(&padded).ok_or_else(error)?
        };
        let millicores = whole
            .checked_mul(1000)
            .and_then(|m| m.checked_add(fraction_millis));
        Ok(Cpu {
            millicores: millicores.ok_or_else(error)?,
        })
    }
}

impl FromStr for Memory {
    type Err = ParseQuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseQuantityError {
            what: "memory",
            value: text.to_owned(),
            expected: MEMORY_EXPECTED,
        };
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, suffix) = text.split_at(split);
        let number = parse_digits(digits).ok_or_else(error)?;
        let factor: u64 = match suffix {
            "" => 1,
            "k" => 1_000,
            "M" => 1_000_000,
            "G" => 1_000_000_000,
            "T" => 1_000_000_000_000,
            "Ki" => 1 << 10,
            "Mi" => 1 << 20,
            "Gi" => 1 << 30,
            "Ti" => 1 << 40,
            _ => return Err(error()),
        };
        let bytes = number.checked_mul(factor).ok_or_else(error)?;
        Ok(Memory { bytes })
    }
}

fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millicores.is_multiple_of(1000) {
            write!(f, "{}", self.millicores / 1000)
        } else {
            write!(f, "{}m", self.millicores)
        }
    }
}

/// Memory suffixes from the largest factor down, binary and decimal mixed.
const MEMORY_UNITS: [(&str, u64); 8] = [
    ("Ti", 1 << 40),
    ("T", 1_000_000_000_000),
    ("Gi", 1 << 30),
    ("G", 1_000_000_000),
    ("Mi", 1 << 20),
    ("M", 1_000_000),
    ("Ki", 1 << 10),
    ("k", 1_000),
];

/// Writes the amount with the largest suffix that divides it exactly, so
/// `64Mi` and `8G` read back as written.
impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (suffix, size) in MEMORY_UNITS {
            if self.bytes >= size && self.bytes.is_multiple_of(size) {
                return write!(f, "{}{suffix}", self.bytes / size);
            }
        }
        write!(f, "{}", self.bytes)
    }
}

/// Reads a quantity written either as a string or as a plain number.
struct QuantityVisitor<T> {
    expected: &'static str,
    target: PhantomData<T>,
}

impl<T> QuantityVisitor<T> {
    fn parse<E>(&self, text: &str) -> Result<T, E>
    where
        T: FromStr,
        T::Err: fmt::Display,
        E: serde::de::Error,
    {
        text.parse().map_err(E::custom)
    }
}

impl<T> Visitor<'_> for QuantityVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.expected)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        self.parse(text)
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<T, E> {
        self.parse(&number.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<T, E> {
        if number < 0 {
            return Err(E::invalid_value(Unexpected::Signed(number), &self));
        }
        self.parse(&number.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<T, E> {
        if !number.is_finite() || number < 0.0 {
            return Err(E::invalid_value(Unexpected::Float(number), &self));
        }
        self.parse(&number.to_string())
    }
}

fn deserialize_quantity<'de, D, T>(deserializer: D, expected: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_any(QuantityVisitor {
        expected,
        target: PhantomData,
    })
}

impl<'de> Deserialize<'de> for Cpu {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_quantity(deserializer, CPU_EXPECTED)
    }
}

impl<'de> Deserialize<'de> for Memory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_quantity(deserializer, MEMORY_EXPECTED)
    }
}

impl Serialize for Cpu {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Serialize for Memory {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for Cpu {
    fn schema_name() -> Cow<'static, str> {
        "Cpu".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "pattern": "^([0-9]+m|[0-9]*\\.?[0-9]{1,3}|[0-9]+)$",
            "description": "Cores such as 2 or 0.5, or millicores such as 250m."
        })
    }
}

impl JsonSchema for Memory {
    fn schema_name() -> Cow<'static, str> {
        "Memory".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "integer"],
            "pattern": "^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$",
            "description": "Bytes with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T, such as 64Mi."
        })
    }
}
