//! Results and settings of reading a manifest file.

use std::fmt;

use saphyr::Marker;

use crate::Object;

/// One valid object of a manifest file, with the resource version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedObject {
    /// The validated object. Server-set fields and `status` are not part of it.
    pub object: Object,
    /// `metadata.resourceVersion` as written, an integer as its decimal text;
    /// `None` when absent or empty. A manifest read back from the API carries
    /// it, and a write can require that the stored object still has it.
    pub resource_version: Option<String>,
    /// Place of the object's `metadata.name`.
    pub location: Location,
}

/// A place in a manifest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name as given to the parser, for example `examples/web.yaml`.
    pub source: String,
    /// Index of the document in the file, counting from 0 and including empty documents.
    pub document: usize,
    /// Line, counting from 1.
    pub line: usize,
    /// Column in characters, counting from 1.
    pub column: usize,
}

impl Location {
    pub(crate) fn at(source: &str, document: usize, marker: Marker) -> Location {
        Location {
            source: source.to_owned(),
            document,
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

/// Writes `FILE:LINE:COLUMN`, the form compilers use, so editors can jump to it.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.source, self.line, self.column)
    }
}

/// Settings of [`crate::parse_manifest_documents_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Tenant given to tenant-scoped objects that leave out `metadata.tenant`,
    /// for example the tenant named by a request path. With `None`, such
    /// objects are rejected.
    pub default_tenant: Option<String>,
}
