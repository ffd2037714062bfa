//! Problems found in manifest files and the error that lists them.

use std::fmt;

use saphyr::Marker;

/// One problem in a manifest file, with its place in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name as given to the parser, for example `examples/web.yaml`.
    pub source: String,
    /// Line, counting from 1.
    pub line: usize,
    /// Column in characters, counting from 1.
    pub column: usize,
    /// Index of the document in the file, counting from 0 and including empty documents.
    pub document: usize,
    /// Field at fault, for example `spec.instances.min`; empty for YAML syntax errors.
    pub path: String,
    /// Description of the fault and of the allowed values.
    pub message: String,
}

impl Problem {
    pub(crate) fn at(
        source: &str,
        document: usize,
        marker: Marker,
        path: String,
        message: String,
    ) -> Problem {
        Problem {
            source: source.to_owned(),
            line: marker.line(),
            column: marker.col() + 1,
            document,
            path,
            message,
        }
    }
}

/// Writes `FILE:LINE:COLUMN: PATH: MESSAGE`, the form compilers use, so editors can jump to it.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.source, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Rejection of manifests: every problem found, one per line when displayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestError {
    /// The problems in the order of the files, then of their lines.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}
