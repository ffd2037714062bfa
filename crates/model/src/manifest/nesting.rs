//! The nesting depth check that runs before the marked tree is built.

use std::collections::HashMap;

use saphyr::Marker;
use saphyr_parser::{Event, Parser};

/// Maximum depth of mappings and sequences nested in one document.
///
/// Manifests nest about six levels deep, so 64 leaves ample room. The limit
/// protects the steps after the check, which all recurse once per level:
/// saphyr's loader, the field path index, the deserializer and the drop of
/// the tree. A document of 800 block-nested mappings overflowed the 2 MiB
/// stack of a tokio worker thread.
pub(crate) const MAX_NESTING_DEPTH: usize = 64;

/// The first node of a YAML stream that is nested deeper than [`MAX_NESTING_DEPTH`].
pub(crate) struct TooDeep {
    /// Start of the mapping, sequence or alias past the limit.
    pub(crate) marker: Marker,
    /// Index of the document that contains it, counting from 0.
    pub(crate) document: usize,
    /// End of the last document completed before that node, at the start of
    /// the stream if there is none.
    pub(crate) complete_end: Marker,
}

/// A mapping or sequence whose end event has not come yet.
struct OpenCollection {
    anchor: usize,
    /// Depth of the collection itself, 1 for a document's root.
    depth: usize,
    /// Deepest level reached inside it so far, aliases expanded.
    deepest: usize,
}

/// Scans the events of `text` and returns the first node nested deeper than
/// [`MAX_NESTING_DEPTH`], counting the levels each alias expands to.
///
/// Returns `None` at the first syntax error too: the loader stops at the same
/// place and reports it, and every node before it is within the limit.
pub(crate) fn find_too_deep(text: &str) -> Option<TooDeep> {
    let mut open: Vec<OpenCollection> = Vec::new();
    // Height of each anchored collection: 1 plus the levels nested inside it.
    let mut anchor_heights: HashMap<usize, usize> = HashMap::new();
    let mut complete_end = Marker::new(0, 1, 0);
    let mut complete_documents = 0;

    for result in Parser::new_from_str(text) {
        let (event, span) = result.ok()?;
        let reached = match event {
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let depth = open.len() + 1;
                open.push(OpenCollection {
                    anchor,
                    depth,
                    deepest: depth,
                });
                depth
            }
            Event::MappingEnd | Event::SequenceEnd => {
                close_collection(&mut open, &mut anchor_heights);
                continue;
            }
            Event::Alias(anchor) => open.len() + anchor_heights.get(&anchor).copied().unwrap_or(0),
            Event::DocumentEnd => {
                complete_end = span.end;
                complete_documents += 1;
                continue;
            }
            // The loader resolves aliases within one document only.
            Event::DocumentStart(_) => {
                anchor_heights.clear();
                continue;
            }
            _ => continue,
        };

        if reached > MAX_NESTING_DEPTH {
            return Some(TooDeep {
                marker: span.start,
                document: complete_documents,
                complete_end,
            });
        }
        if let Some(innermost) = open.last_mut() {
            innermost.deepest = innermost.deepest.max(reached);
        }
    }
    None
}

/// Pops the innermost open collection, records its height if it has an
/// anchor, and carries its deepest level to the collection around it.
fn close_collection(open: &mut Vec<OpenCollection>, anchor_heights: &mut HashMap<usize, usize>) {
    let Some(closed) = open.pop() else {
        return;
    };

    // Anchor id 0 means the collection has no anchor.
    if closed.anchor != 0 {
        let height = closed.deepest - closed.depth + 1;
        anchor_heights.insert(closed.anchor, height);
    }
    if let Some(parent) = open.last_mut() {
        parent.deepest = parent.deepest.max(closed.deepest);
    }
}

/// Returns the text before `marker`, whose index counts characters.
pub(crate) fn text_before(text: &str, marker: Marker) -> &str {
    let end = text
        .char_indices()
        .nth(marker.index())
        .map_or(text.len(), |(byte, _)| byte);
    &text[..end]
}

#[cfg(test)]
mod tests;
