//! `strongroom schema`.

use anyhow::Context as _;

use crate::stdout::emit;

/// Prints the JSON Schema of manifests, pretty; it needs no server.
pub fn run() -> anyhow::Result<()> {
    let schema = strongroom_model::json_schema();
    let text =
        serde_json::to_string_pretty(&schema).context("formatting the JSON Schema failed")?;
    emit(&format!("{text}\n"))
}
