//! Manifest files: YAML text to validated objects, or every problem with its place.

mod de;
mod document;
mod problem;
pub(crate) mod tree;

use std::collections::HashMap;

use crate::{Kind, Object};
use document::read_document;
pub use problem::{ManifestError, Problem};
use tree::{is_empty_document, load_documents};

/// Parses and validates every document of one manifest file.
///
/// `source` names the file in problems. Empty documents are skipped. Nothing
/// is returned unless the whole file is valid: the error lists the first
/// problem of each malformed document, every semantic problem, and objects
/// defined twice.
pub fn parse_manifests(source: &str, text: &str) -> Result<Vec<Object>, ManifestError> {
    let file = parse_file(source, text);
    let mut problems = file.problems;
    problems.extend(find_duplicates(&file.objects));
    problems.sort_by_key(|problem| (problem.line, problem.column));

    if !problems.is_empty() {
        return Err(ManifestError { problems });
    }
    Ok(file
        .objects
        .into_iter()
        .map(|parsed| parsed.object)
        .collect())
}

/// The objects and problems of one file.
pub(crate) struct ParsedFile {
    pub(crate) objects: Vec<ParsedObject>,
    pub(crate) problems: Vec<Problem>,
}

/// A valid object with where it was read, to report objects defined twice.
pub(crate) struct ParsedObject {
    pub(crate) object: Object,
    /// Problem at the object's `metadata.name`, ready to take a message.
    name_place: Problem,
}

/// Parses every document of a file without checking for objects defined twice.
pub(crate) fn parse_file(source: &str, text: &str) -> ParsedFile {
    let documents = load_documents(text);
    let mut file = ParsedFile {
        objects: Vec::new(),
        problems: Vec::new(),
    };

    for (index, tree) in documents.trees.iter().enumerate() {
        if is_empty_document(tree) {
            continue;
        }
        match read_document(tree) {
            Ok((object, name_marker)) => {
                let path = "metadata.name".to_owned();
                let name_place = Problem::at(source, index, name_marker, path, String::new());
                file.objects.push(ParsedObject { object, name_place });
            }
            Err(findings) => file.problems.extend(findings.into_iter().map(|finding| {
                Problem::at(
                    source,
                    index,
                    finding.marker,
                    finding.path.to_string(),
                    finding.message,
                )
            })),
        }
    }

    if let Some(error) = documents.syntax_error {
        let message = format!("invalid YAML: {}", error.info());
        let document = documents.trees.len();
        file.problems.push(Problem::at(
            source,
            document,
            *error.marker(),
            String::new(),
            message,
        ));
    }
    file
}

/// Returns a problem for each object whose kind, tenant and name an earlier object already has.
pub(crate) fn find_duplicates(objects: &[ParsedObject]) -> Vec<Problem> {
    let mut first_places: HashMap<(Kind, Option<&str>, &str), &Problem> = HashMap::new();
    let mut problems = Vec::new();
    for parsed in objects {
        let metadata = parsed.object.metadata();
        let key = (
            parsed.object.kind(),
            metadata.tenant.as_deref(),
            metadata.name.as_str(),
        );
        let Some(first) = first_places.get(&key) else {
            first_places.insert(key, &parsed.name_place);
            continue;
        };

        let tenant = match &metadata.tenant {
            Some(tenant) => format!(" in tenant {tenant:?}"),
            None => String::new(),
        };
        let message = format!(
            "duplicate {} {:?}{tenant}: first defined at {}:{}:{}; remove or rename one of them",
            key.0, metadata.name, first.source, first.line, first.column
        );
        problems.push(Problem {
            message,
            ..parsed.name_place.clone()
        });
    }
    problems
}
