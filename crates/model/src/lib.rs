//! The bank's application model, `apiVersion: strongroom/v1`.
//!
//! Manifests are YAML files with one or more documents. Each document is one
//! object of a known kind ([`Tenant`], [`Application`]). The v1 format is
//! frozen: a manifest accepted once is accepted, and means the same, in every
//! later release.
//!
//! - [`parse_manifests`] reads the text of one file and [`load_path`] a file
//!   or a directory. Both return valid objects only, or every problem with its
//!   file, line, column and field path. An object read back from the API
//!   reads too: the fields the server sets are left out of it.
//! - [`parse_manifest_documents`] also returns each object's
//!   `metadata.resourceVersion`, the version a write can require.
//! - [`validate()`] checks the semantic rules of an object from any source,
//!   such as an API request body.
//! - [`json_schema`] returns the JSON Schema published for editors and CI.

mod application;
mod duration;
mod load;
mod manifest;
mod meta;
mod path;
mod quantity;
mod schema;
mod status;
mod tenant;
pub mod validate;

pub use application::*;
pub use duration::{Duration, ParseDurationError};
pub use load::{LoadError, load_path};
pub use manifest::{
    Location, ManifestError, ParseOptions, ParsedObject, Problem, parse_manifest_documents,
    parse_manifest_documents_with, parse_manifests,
};
pub use meta::*;
pub use path::FieldPath;
pub use quantity::{Cpu, Memory, ParseQuantityError};
pub use schema::json_schema;
pub use status::*;
pub use tenant::*;
pub use validate::{Violation, validate};

/// The only API version this release reads and writes.
pub const API_VERSION: &str = "strongroom/v1";
