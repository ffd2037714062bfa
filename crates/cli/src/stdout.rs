//! Writing results to stdout.

use std::io::{ErrorKind, Write as _};

/// stdout was closed by its reader, for example `strongroom events | head`.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct OutputClosed;

/// Writes `text` to stdout and flushes it.
///
/// A closed pipe returns [`OutputClosed`], which ends the command quietly
/// with success, as when a reader such as `head` has read enough.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(error) => Err(anyhow::Error::new(error).context("writing to stdout failed")),
    }
}
