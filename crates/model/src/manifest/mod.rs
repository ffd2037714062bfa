//! Manifest files: YAML text to validated objects, or every problem with its place.

mod de;
mod document;
mod nesting;
mod parsed;
mod problem;
mod server_set;
pub(crate) mod tree;

use std::collections::HashMap;

use crate::{Kind, Object};
use document::read_document;
use nesting::MAX_NESTING_DEPTH;
pub use parsed::{Location, ParseOptions, ParsedObject};
pub use problem::{ManifestError, Problem};
use tree::{is_empty_document, load_documents};

/// Parses and validates every document of one manifest file.
///
/// `source` names the file in problems. Empty documents are skipped. Nothing
/// is returned unless the whole file is valid: the error lists the first
/// problem of each malformed document, every semantic problem, and objects
/// defined twice.
///
/// An object read back from the API parses too: its server-set metadata
/// (`uid`, `resourceVersion`, `generation`, `creationTimestamp`,
/// `deletionTimestamp`) and its `status` are checked for their types and
/// left out. [`parse_manifest_documents`] also returns the resource versions.
pub fn parse_manifests(source: &str, text: &str) -> Result<Vec<Object>, ManifestError> {
    let parsed = parse_manifest_documents(source, text)?;
    Ok(parsed.into_iter().map(|parsed| parsed.object).collect())
}

/// Parses and validates every document of one manifest file as
/// [`parse_manifests`] does, and returns each object with its
/// `metadata.resourceVersion` and place.
pub fn parse_manifest_documents(
    source: &str,
    text: &str,
) -> Result<Vec<ParsedObject>, ManifestError> {
    parse_manifest_documents_with(source, text, &ParseOptions::default())
}

/// Parses and validates every document of one manifest file as
/// [`parse_manifest_documents`] does, with `options`.
pub fn parse_manifest_documents_with(
    source: &str,
    text: &str,
    options: &ParseOptions,
) -> Result<Vec<ParsedObject>, ManifestError> {
    let file = parse_file(source, text, options);
    let mut problems = file.problems;
    problems.extend(find_duplicates(&file.objects));
    problems.sort_by_key(|problem| (problem.line, problem.column));

    if !problems.is_empty() {
        return Err(ManifestError { problems });
    }
    Ok(file.objects)
}

/// The objects and problems of one file.
pub(crate) struct ParsedFile {
    pub(crate) objects: Vec<ParsedObject>,
    pub(crate) problems: Vec<Problem>,
}

/// Parses every document of a file without checking for objects defined twice.
pub(crate) fn parse_file(source: &str, text: &str, options: &ParseOptions) -> ParsedFile {
    let documents = load_documents(text);
    let mut file = ParsedFile {
        objects: Vec::new(),
        problems: Vec::new(),
    };

    for (index, tree) in documents.trees.iter().enumerate() {
        if is_empty_document(tree) {
            continue;
        }
        match read_document(tree, options.default_tenant.as_deref()) {
            Ok(read) => file.objects.push(ParsedObject {
                object: read.object,
                resource_version: read.resource_version,
                location: Location::at(source, index, read.name_marker),
            }),
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
    if let Some(too_deep) = documents.too_deep {
        let message = format!(
            "mappings and sequences nested more than {MAX_NESTING_DEPTH} levels deep, \
             counting the levels that aliases expand to: flatten the document"
        );
        file.problems.push(Problem::at(
            source,
            too_deep.document,
            too_deep.marker,
            String::new(),
            message,
        ));
    }
    file
}

/// Returns a problem for each object whose kind, tenant and name an earlier object already has.
pub(crate) fn find_duplicates(objects: &[ParsedObject]) -> Vec<Problem> {
    let mut first_places: HashMap<(Kind, Option<&str>, &str), &Location> = HashMap::new();
    let mut problems = Vec::new();
    for parsed in objects {
        let metadata = parsed.object.metadata();
        let key = (
            parsed.object.kind(),
            metadata.tenant.as_deref(),
            metadata.name.as_str(),
        );
        let Some(first) = first_places.get(&key) else {
            first_places.insert(key, &parsed.location);
            continue;
        };

        let tenant = match &metadata.tenant {
            Some(tenant) => format!(" in tenant {tenant:?}"),
            None => String::new(),
        };
        let location = &parsed.location;
        problems.push(Problem {
            source: location.source.clone(),
            line: location.line,
            column: location.column,
            document: location.document,
            path: "metadata.name".to_owned(),
            message: format!(
                "duplicate {} {:?}{tenant}: first defined at {first}; remove or rename one of them",
                key.0, metadata.name
            ),
        });
    }
    problems
}
