//! The JSON Schema of v1 manifests, for editors and CI.

use schemars::generate::SchemaSettings;

use crate::Object;

/// Returns the JSON Schema (draft 2020-12) of one v1 manifest document.
///
/// It has one `oneOf` branch per kind, selected by `kind`, and rejects unknown
/// fields as the parser does. It checks types, ranges and name patterns but
/// not every semantic rule (unique ports, OCI reference syntax, `min <= desired`):
/// a document it accepts may still be rejected by [`crate::parse_manifests`].
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<Object>();
    schema.insert(
        "title".to_owned(),
        "Strongroom manifest, apiVersion strongroom/v1".into(),
    );
    schema.to_value()
}
