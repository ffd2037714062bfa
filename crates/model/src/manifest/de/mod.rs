//! A serde deserializer over saphyr's marked YAML tree.
//!
//! Reading from the tree rather than from text gives every error the field
//! path and the line and column of the value at fault. Scalars keep the types
//! that YAML 1.2's core schema gives them: a quoted `"8080"` is a string and
//! never becomes a number, and a plain `8080` never becomes a string.

mod access;
mod error;

use saphyr::{MarkedYaml, Scalar, YamlData};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::FieldPath;
use crate::manifest::tree::describe;
use access::{MappingAccess, SequenceAccess};
pub(crate) use error::TypeError;

/// Deserializes one document, passing over the keys in `ignored`.
pub(crate) fn from_document<T: DeserializeOwned>(
    document: &MarkedYaml<'_>,
    ignored: IgnoredKeys,
) -> Result<T, TypeError> {
    let deserializer = NodeDeserializer {
        node: document,
        path: FieldPath::root(),
        ignored,
    };
    T::deserialize(deserializer)
}

/// Keys to pass over although the types do not declare them, listed by the
/// field path of the mapping that contains them (`""` for the document itself).
#[derive(Clone, Copy)]
pub(crate) struct IgnoredKeys(pub(crate) &'static [(&'static str, &'static [&'static str])]);

impl IgnoredKeys {
    /// Returns the keys to pass over in the mapping at `path`.
    fn at(self, path: &FieldPath) -> &'static [&'static str] {
        let path = path.to_string();
        self.0
            .iter()
            .find(|(mapping, _)| *mapping == path)
            .map_or(&[], |(_, keys)| keys)
    }
}

/// Deserializes one node of the tree.
pub(crate) struct NodeDeserializer<'a, 'input> {
    pub(crate) node: &'a MarkedYaml<'input>,
    pub(crate) path: FieldPath,
    /// Keys to pass over in this node's mappings and in those below it.
    pub(crate) ignored: IgnoredKeys,
}

impl<'a, 'input> NodeDeserializer<'a, 'input> {
    fn error(&self, message: String) -> TypeError {
        TypeError::new(message).locate(&self.path, self.node.span.start)
    }

    /// Returns the node's data, rejecting what the model never accepts.
    fn data(&self) -> Result<&'a YamlData<'input, MarkedYaml<'input>>, TypeError> {
        match &self.node.data {
            YamlData::Tagged(tag, _) => {
                Err(self.error(format!("YAML tag `{tag}` is not supported: remove the tag")))
            }
            YamlData::BadValue => Err(self.error(
                "invalid value for its YAML tag: remove the tag or fix the value".to_owned(),
            )),
            YamlData::Alias(_) | YamlData::Representation(..) => {
                Err(self
                    .error("unresolved YAML alias or scalar: write the value in place".to_owned()))
            }
            data => Ok(data),
        }
    }

    fn mismatch(&self, expected: &str) -> TypeError {
        let found = describe(self.node);
        self.error(format!("expected {expected}, found {found}"))
    }

    /// Reads an integer in `min..=max`, the range of the Rust field's type.
    fn integer(&self, min: i128, max: i128) -> Result<i64, TypeError> {
        let expected = format!("an integer from {min} to {max}");
        match self.data()? {
            YamlData::Value(Scalar::Integer(number))
                if (min..=max).contains(&i128::from(*number)) =>
            {
                Ok(*number)
            }
            YamlData::Value(Scalar::Integer(number)) => {
                Err(self.error(format!("expected {expected}, found `{number}`")))
            }
            YamlData::Value(Scalar::String(text)) if text.parse::<i64>().is_ok() => Err(self
                .error(format!(
                    "expected {expected}, found string {text:?}; remove the quotes to pass a number"
                ))),
            _ => Err(self.mismatch(&expected)),
        }
    }

    fn located<T>(&self, result: Result<T, TypeError>) -> Result<T, TypeError> {
        result.map_err(|error| error.locate(&self.path, self.node.span.start))
    }
}

macro_rules! deserialize_integer {
    ($method:ident, $visit:ident, $type:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
            let number = self.integer(i128::from(<$type>::MIN), i128::from(<$type>::MAX))?;
            // The range check above makes the conversion lossless.
            let number =
                <$type>::try_from(number).expect("integer checked against the type's range");
            self.located(visitor.$visit(number))
        }
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_, '_> {
    type Error = TypeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        let result = match self.data()? {
            YamlData::Value(Scalar::Null) => visitor.visit_unit(),
            YamlData::Value(Scalar::Boolean(value)) => visitor.visit_bool(*value),
            YamlData::Value(Scalar::Integer(value)) => visitor.visit_i64(*value),
            YamlData::Value(Scalar::FloatingPoint(value)) => visitor.visit_f64(value.into_inner()),
            YamlData::Value(Scalar::String(value)) => visitor.visit_str(value),
            YamlData::Sequence(items) => {
                visitor.visit_seq(SequenceAccess::new(items, &self.path, self.ignored))
            }
            YamlData::Mapping(entries) => {
                visitor.visit_map(MappingAccess::new(entries, &self.path, self.ignored))
            }
            _ => unreachable!("data() rejects tags, aliases and bad values"),
        };
        self.located(result)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::Boolean(value)) => self.located(visitor.visit_bool(*value)),
            _ => Err(self.mismatch("true or false")),
        }
    }

    deserialize_integer!(deserialize_i8, visit_i8, i8);
    deserialize_integer!(deserialize_i16, visit_i16, i16);
    deserialize_integer!(deserialize_i32, visit_i32, i32);
    deserialize_integer!(deserialize_i64, visit_i64, i64);
    deserialize_integer!(deserialize_u8, visit_u8, u8);
    deserialize_integer!(deserialize_u16, visit_u16, u16);
    deserialize_integer!(deserialize_u32, visit_u32, u32);
    deserialize_integer!(deserialize_u64, visit_u64, u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::Integer(value)) => self.located(visitor.visit_i64(*value)),
            YamlData::Value(Scalar::FloatingPoint(value)) => {
                self.located(visitor.visit_f64(value.into_inner()))
            }
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::Null) => self.located(visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::Null) => self.located(visitor.visit_unit()),
            _ => Err(self.mismatch("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Sequence(items) => self.located(visitor.visit_seq(SequenceAccess::new(
                items,
                &self.path,
                self.ignored,
            ))),
            _ => Err(self.mismatch("a sequence")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _length: usize,
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _length: usize,
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Mapping(entries) => {
                let access = MappingAccess::new(entries, &self.path, self.ignored);
                self.located(visitor.visit_map(access))
            }
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Mapping(_) => self.deserialize_map(visitor),
            _ => Err(self.mismatch(&format!("a mapping with fields {}", fields.join(", ")))),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::String(value)) => {
                let variant: de::value::StrDeserializer<'_, TypeError> =
                    value.as_ref().into_deserializer();
                self.located(visitor.visit_enum(variant))
            }
            _ => Err(self.mismatch(&format!("one of {}", variants.join(", ")))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        match self.data()? {
            YamlData::Value(Scalar::String(value)) => self.located(visitor.visit_str(value)),
            _ => Err(self.mismatch("a field name")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf
    }
}
