//! `strongroom apply -f FILE|DIR [--dry-run]`.

use anyhow::Context as _;
use strongroom_api::{ApplyRequest, ApplyResponse};

use crate::args::{ApplyArgs, GlobalArgs};
use crate::connection::connect;
use crate::files::{describe_paths, read_manifest_files};
use crate::output::object_reference;
use crate::stdout::emit;

/// Sends every file in one apply request and prints what happened to each object.
pub async fn run(global: &GlobalArgs, args: &ApplyArgs) -> anyhow::Result<()> {
    let paths = describe_paths(&args.files);
    let files = read_manifest_files(&args.files)?;
    let client = connect(global)?;

    let request = ApplyRequest {
        files,
        dry_run: args.dry_run,
    };
    let response = client
        .apply(&request)
        .await
        .with_context(|| format!("apply of {paths} failed"))?;
    emit(&render(&response))
}

/// One line per object, for example `application/retail/web configured`.
pub fn render(response: &ApplyResponse) -> String {
    let suffix = if response.dry_run { " (dry run)" } else { "" };
    response
        .results
        .iter()
        .map(|result| {
            format!(
                "{} {}{suffix}\n",
                object_reference(&result.object),
                result.action
            )
        })
        .collect()
}
