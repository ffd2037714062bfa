//! Field paths such as `spec.ports[0].name`, shared by the parser and the validator.

use std::fmt;

/// The position of a value inside one manifest document, for example
/// `spec.instances.min` or `metadata.labels["app.kubernetes.io/name"]`.
///
/// Map keys that are not plain identifiers (letters, digits, `_` and `-`) are
/// written in brackets and quotes, so that a key containing `.` stays one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    Key(String),
    Index(usize),
}

impl FieldPath {
    /// Returns the path of the document itself.
    pub fn root() -> FieldPath {
        FieldPath::default()
    }

    /// Returns the path of the value under `key` of this mapping.
    pub fn key(&self, key: &str) -> FieldPath {
        self.with(Segment::Key(key.to_owned()))
    }

    /// Returns the path of the item at `index` of this sequence.
    pub fn index(&self, index: usize) -> FieldPath {
        self.with(Segment::Index(index))
    }

    /// Returns the path one level up, or `None` for the document itself.
    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.segments.split_last()?;
        Some(FieldPath {
            segments: rest.to_vec(),
        })
    }

    /// Returns whether this is the path of the document itself.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    fn with(&self, segment: Segment) -> FieldPath {
        let mut segments = self.segments.clone();
        segments.push(segment);
        FieldPath { segments }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_plain_key(key) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{key:?}]")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
