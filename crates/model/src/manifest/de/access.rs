//! Walks mappings and sequences for serde, one child at a time with its path.

use saphyr::{AnnotatedMapping, MarkedYaml};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess};

use super::{IgnoredKeys, NodeDeserializer, TypeError};
use crate::FieldPath;
use crate::manifest::tree::key_text;

pub(super) struct MappingAccess<'a, 'input> {
    entries: std::vec::IntoIter<(&'a MarkedYaml<'input>, &'a MarkedYaml<'input>)>,
    path: &'a FieldPath,
    ignored: IgnoredKeys,
    /// Keys of this mapping to pass over.
    skipped: &'static [&'static str],
    /// The value of the key last read, with its path.
    pending: Option<(&'a MarkedYaml<'input>, FieldPath)>,
}

impl<'a, 'input> MappingAccess<'a, 'input> {
    pub(super) fn new(
        entries: &'a AnnotatedMapping<'input, MarkedYaml<'input>>,
        path: &'a FieldPath,
        ignored: IgnoredKeys,
    ) -> Self {
        let entries: Vec<_> = entries.iter().collect();
        MappingAccess {
            entries: entries.into_iter(),
            path,
            ignored,
            skipped: ignored.at(path),
            pending: None,
        }
    }
}

impl<'de> MapAccess<'de> for MappingAccess<'_, '_> {
    type Error = TypeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TypeError> {
        let (key, value) = loop {
            let Some((key, value)) = self.entries.next() else {
                return Ok(None);
            };
            if !self.skipped.contains(&key_text(key).as_str()) {
                break (key, value);
            }
        };

        let path = self.path.key(&key_text(key));
        let deserializer = NodeDeserializer {
            node: key,
            path: path.clone(),
            ignored: self.ignored,
        };
        let key_value = seed.deserialize(deserializer)?;
        self.pending = Some((value, path));
        Ok(Some(key_value))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, TypeError> {
        let (node, path) = self
            .pending
            .take()
            .ok_or_else(|| TypeError::new("a value was read before its key".to_owned()))?;
        let marker = node.span.start;
        let deserializer = NodeDeserializer {
            node,
            path: path.clone(),
            ignored: self.ignored,
        };
        seed.deserialize(deserializer)
            .map_err(|error| error.locate(&path, marker))
    }
}

pub(super) struct SequenceAccess<'a, 'input> {
    items: std::iter::Enumerate<std::slice::Iter<'a, MarkedYaml<'input>>>,
    path: &'a FieldPath,
    ignored: IgnoredKeys,
}

impl<'a, 'input> SequenceAccess<'a, 'input> {
    pub(super) fn new(
        items: &'a [MarkedYaml<'input>],
        path: &'a FieldPath,
        ignored: IgnoredKeys,
    ) -> Self {
        SequenceAccess {
            items: items.iter().enumerate(),
            path,
            ignored,
        }
    }
}

impl<'de> SeqAccess<'de> for SequenceAccess<'_, '_> {
    type Error = TypeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TypeError> {
        let Some((index, node)) = self.items.next() else {
            return Ok(None);
        };
        let path = self.path.index(index);
        let marker = node.span.start;
        let deserializer = NodeDeserializer {
            node,
            path: path.clone(),
            ignored: self.ignored,
        };
        let item = seed
            .deserialize(deserializer)
            .map_err(|error| error.locate(&path, marker))?;
        Ok(Some(item))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}
