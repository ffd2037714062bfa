//! The JSON Schema of v1 manifests, for editors and CI.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::Object;

/// Returns the JSON Schema (draft 2020-12) of one v1 manifest document.
///
/// It has one `oneOf` branch per kind, selected by `kind`, and rejects unknown
/// fields as the parser does. It checks types, ranges and name patterns but
/// not every semantic rule (unique ports, OCI reference syntax, `min <= desired`):
/// a document it accepts may still be rejected by [`crate::parse_manifests`].
///
/// The fields that the server sets on objects it returns are allowed and
/// marked `readOnly`, so that an object read back from the API validates.
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<Object>();
    schema.insert(
        "title".to_owned(),
        "Strongroom manifest, apiVersion strongroom/v1".into(),
    );
    let mut schema = schema.to_value();
    add_server_set_fields(&mut schema);
    schema
}

/// Adds the server-set metadata to `ObjectMeta` and `status` to every kind's branch.
///
/// The Rust types leave these fields out because they are not desired state,
/// so the generated schema lacks them.
fn add_server_set_fields(schema: &mut Value) {
    if let Some(properties) = properties(&mut schema["$defs"]["ObjectMeta"]) {
        properties.extend(server_set_metadata());
    }

    let branches = schema["oneOf"].as_array_mut().into_iter().flatten();
    for branch in branches {
        if let Some(properties) = properties(branch) {
            properties.insert("status".to_owned(), status_schema());
        }
    }
}

fn properties(schema: &mut Value) -> Option<&mut Map<String, Value>> {
    schema.get_mut("properties")?.as_object_mut()
}

fn server_set_metadata() -> Map<String, Value> {
    let ignored = |description: &str| {
        json!({
            "description": format!("{description} Set by the server; ignored when applied."),
            "readOnly": true,
            "type": ["string", "integer", "number", "boolean", "null"]
        })
    };
    let mut fields = Map::new();
    fields.insert("uid".to_owned(), ignored("Unique id given at creation."));
    fields.insert(
        "resourceVersion".to_owned(),
        json!({
            "description": "Version of the object when it was read from the API. Set by the \
                server. When applied, the write fails with a conflict unless the stored \
                object still has this version; leave it out to write any version.",
            "readOnly": true,
            "type": ["string", "integer"]
        }),
    );
    fields.insert(
        "generation".to_owned(),
        ignored("Number that grows when the spec changes."),
    );
    fields.insert(
        "creationTimestamp".to_owned(),
        ignored("When the object was created (RFC 3339)."),
    );
    fields.insert(
        "deletionTimestamp".to_owned(),
        ignored("When deletion was requested (RFC 3339)."),
    );
    fields
}

fn status_schema() -> Value {
    json!({
        "description": "Observed state. Set by the server; ignored when applied.",
        "readOnly": true,
        "type": ["object", "null"]
    })
}
