//! YAML text to saphyr's marked tree, and where each field path sits in it.

use std::collections::HashMap;

use saphyr::{MarkedYaml, Marker, Scalar, ScanError, YamlData, YamlLoader};
use saphyr_parser::Parser;

use crate::FieldPath;
use crate::manifest::nesting::{TooDeep, find_too_deep, text_before};

/// The documents of one YAML stream.
pub(crate) struct Documents<'input> {
    /// Every document read completely, empty ones included, in stream order.
    pub(crate) trees: Vec<MarkedYaml<'input>>,
    /// The first syntax error. Nothing after it is read, so it belongs to the
    /// document that follows the last complete one.
    pub(crate) syntax_error: Option<ScanError>,
    /// The first node nested deeper than the limit. Nothing from its document
    /// on is read.
    pub(crate) too_deep: Option<TooDeep>,
}

/// Parses all documents of `text`, keeping those completed before a syntax
/// error or before a node nested too deep.
pub(crate) fn load_documents(text: &str) -> Documents<'_> {
    // The loader recurses once per nesting level, so a document nested too
    // deep must never reach it.
    let Some(too_deep) = find_too_deep(text) else {
        return load_stream(text);
    };

    let mut documents = load_stream(text_before(text, too_deep.complete_end));
    if documents.syntax_error.is_none() {
        documents.too_deep = Some(too_deep);
    }
    documents
}

fn load_stream(text: &str) -> Documents<'_> {
    let mut parser = Parser::new_from_str(text);
    let mut loader = YamlLoader::<MarkedYaml>::default();
    let parse_result = parser.load(&mut loader, true);

    // The loader stops taking events at its own first error (a duplicate key,
    // an alias expanding too far), which comes before any later syntax error.
    let syntax_error = loader.error().cloned().or(parse_result.err());
    Documents {
        trees: loader.into_documents(),
        syntax_error,
        too_deep: None,
    }
}

/// Returns whether a document is empty: no content, or a lone null.
pub(crate) fn is_empty_document(tree: &MarkedYaml<'_>) -> bool {
    matches!(
        tree.data,
        YamlData::BadValue | YamlData::Value(Scalar::Null)
    )
}

/// Returns the text of a mapping key as it appears in a field path.
pub(crate) fn key_text(key: &MarkedYaml<'_>) -> String {
    match &key.data {
        YamlData::Value(Scalar::String(text)) => text.to_string(),
        YamlData::Value(Scalar::Integer(number)) => number.to_string(),
        YamlData::Value(Scalar::FloatingPoint(number)) => number.to_string(),
        YamlData::Value(Scalar::Boolean(value)) => value.to_string(),
        YamlData::Value(Scalar::Null) => "null".to_owned(),
        _ => "?".to_owned(),
    }
}

/// Names the YAML type and value of a node for messages: `string "abc"`, `integer `3``.
pub(crate) fn describe(node: &MarkedYaml<'_>) -> String {
    match &node.data {
        YamlData::Value(Scalar::Null) => "null".to_owned(),
        YamlData::Value(Scalar::Boolean(value)) => format!("boolean `{value}`"),
        YamlData::Value(Scalar::Integer(value)) => format!("integer `{value}`"),
        YamlData::Value(Scalar::FloatingPoint(value)) => format!("number `{value}`"),
        YamlData::Value(Scalar::String(value)) => format!("string {value:?}"),
        YamlData::Sequence(_) => "a sequence".to_owned(),
        YamlData::Mapping(_) => "a mapping".to_owned(),
        _ => "an unsupported YAML node".to_owned(),
    }
}

/// Index from the field paths of one document to their positions in the text.
pub(crate) struct Locations {
    /// Path text to the start of the value and, for mapping values, of the key.
    places: HashMap<String, Place>,
}

#[derive(Clone, Copy)]
struct Place {
    value: Marker,
    key: Option<Marker>,
    is_collection: bool,
}

impl Locations {
    /// Indexes every node of a document tree by its field path.
    pub(crate) fn of_document(tree: &MarkedYaml<'_>) -> Locations {
        let mut locations = Locations {
            places: HashMap::new(),
        };
        locations.add(tree, &FieldPath::root(), None);
        locations
    }

    fn add(&mut self, node: &MarkedYaml<'_>, path: &FieldPath, key: Option<Marker>) {
        let is_collection = matches!(node.data, YamlData::Mapping(_) | YamlData::Sequence(_));
        let place = Place {
            value: node.span.start,
            key,
            is_collection,
        };
        self.places.insert(path.to_string(), place);

        match &node.data {
            YamlData::Mapping(entries) => {
                for (key, value) in entries {
                    self.add(value, &path.key(&key_text(key)), Some(key.span.start));
                }
            }
            YamlData::Sequence(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.add(item, &path.index(index), None);
                }
            }
            _ => {}
        }
    }

    /// Returns where the value at `path` starts, or its key for a mapping or
    /// sequence, whose first item may sit on a later line.
    ///
    /// A path that is absent from the text (a missing field, a default) points
    /// at the key of its nearest present parent, the line a reader would edit.
    pub(crate) fn find(&self, path: &FieldPath) -> Marker {
        if let Some(place) = self.places.get(&path.to_string()) {
            return match place.key {
                Some(key) if place.is_collection => key,
                _ => place.value,
            };
        }
        let mut current = path.parent();
        while let Some(parent) = current {
            if let Some(place) = self.places.get(&parent.to_string()) {
                return place.key.unwrap_or(place.value);
            }
            current = parent.parent();
        }
        Marker::new(0, 1, 0)
    }
}
