//! Runs one CNI plugin as the CNI specification 1.0.0 describes: parameters in `CNI_*`
//! environment variables, the plugin's network configuration on stdin, and a result or an
//! error object as JSON on stdout.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::command::{self, ToolError};

/// The CNI specification version of the configurations this layer writes.
pub(super) const CNI_VERSION: &str = "1.0.0";

/// Name of the container's interface, the same in every container.
const INTERFACE_NAME: &str = "eth0";

/// The operations of the CNI protocol that this layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// Attach the container.
    Add,
    /// Detach the container.
    Del,
    /// Verify the attachment.
    Check,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Add => "ADD",
            Operation::Del => "DEL",
            Operation::Check => "CHECK",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The runtime parameters of one plugin call.
#[derive(Debug, Clone)]
pub(super) struct Invocation<'a> {
    /// Directory of the plugin binaries, also passed as `CNI_PATH`.
    pub(super) bin_dir: &'a Path,
    /// `CNI_CONTAINERID`.
    pub(super) container_id: &'a str,
    /// `CNI_NETNS`; `None` when the namespace no longer exists, which DEL allows.
    pub(super) netns: Option<PathBuf>,
}

/// Failure of a plugin call.
#[derive(Debug, thiserror::Error)]
pub(super) enum CniError {
    /// The plugin returned a CNI error object.
    #[error(
        "CNI plugin {plugin} {operation} failed with code {code}: {msg}{}",
        details_suffix(.details)
    )]
    Plugin {
        /// Plugin type, for example `bridge`.
        plugin: String,
        /// The operation.
        operation: Operation,
        /// CNI error code; 1 to 99 are defined by the specification, 100 and above by plugins.
        code: u32,
        /// The plugin's message.
        msg: String,
        /// The plugin's details, possibly empty.
        details: String,
    },
    /// The plugin could not run, timed out, or exited without a CNI error object.
    #[error("CNI plugin {plugin} {operation} failed: {source}")]
    Exec {
        /// Plugin type.
        plugin: String,
        /// The operation.
        operation: Operation,
        /// The cause.
        source: ToolError,
    },
    /// The plugin succeeded but its output is not a CNI result.
    #[error("CNI plugin {plugin} {operation} returned an invalid result: {message}")]
    InvalidResult {
        /// Plugin type.
        plugin: String,
        /// The operation.
        operation: Operation,
        /// The parse error or the missing part.
        message: String,
    },
}

fn details_suffix(details: &str) -> String {
    if details.is_empty() {
        String::new()
    } else {
        format!(" ({details})")
    }
}

/// The error object a plugin writes to stdout when it fails.
#[derive(Debug, Deserialize)]
struct ErrorObject {
    code: u32,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    details: String,
}

/// Runs plugin `plugin` for ADD with `config` on stdin and returns its result.
pub(super) async fn add(
    plugin: &str,
    invocation: &Invocation<'_>,
    config: &Value,
) -> Result<Value, CniError> {
    let stdout = invoke(plugin, Operation::Add, invocation, config).await?;
    serde_json::from_slice(&stdout).map_err(|error| CniError::InvalidResult {
        plugin: plugin.to_owned(),
        operation: Operation::Add,
        message: error.to_string(),
    })
}

/// Runs plugin `plugin` for `operation` with `config` on stdin and returns its stdout.
pub(super) async fn invoke(
    plugin: &str,
    operation: Operation,
    invocation: &Invocation<'_>,
    config: &Value,
) -> Result<Vec<u8>, CniError> {
    let exec_error = |source| CniError::Exec {
        plugin: plugin.to_owned(),
        operation,
        source,
    };
    let program =
        plugin_path(invocation.bin_dir, plugin).map_err(|message| CniError::InvalidResult {
            plugin: plugin.to_owned(),
            operation,
            message,
        })?;
    let netns = invocation
        .netns
        .as_deref()
        .map(Path::as_os_str)
        .unwrap_or_default();

    let mut command = command::command(&program);
    command
        .env("CNI_COMMAND", operation.as_str())
        .env("CNI_CONTAINERID", invocation.container_id)
        .env("CNI_NETNS", netns)
        .env("CNI_IFNAME", INTERFACE_NAME)
        .env("CNI_PATH", invocation.bin_dir)
        .env_remove("CNI_ARGS");
    let description = command::describe(&command);
    let input = serde_json::to_vec(config).expect("a JSON value always serializes");
    let output = command::execute(command, Some(&input))
        .await
        .map_err(exec_error)?;

    if !output.status.success() {
        return Err(
            parse_error_object(plugin, operation, &output.stdout).unwrap_or_else(|| {
                exec_error(ToolError::Failed {
                    command: description,
                    status: output.status,
                    stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
                })
            }),
        );
    }
    Ok(output.stdout)
}

/// Parses the CNI error object that a failed plugin wrote to stdout, when it wrote one.
pub(super) fn parse_error_object(
    plugin: &str,
    operation: Operation,
    stdout: &[u8],
) -> Option<CniError> {
    let object: ErrorObject = serde_json::from_slice(stdout).ok()?;
    Some(CniError::Plugin {
        plugin: plugin.to_owned(),
        operation,
        code: object.code,
        msg: object.msg,
        details: object.details,
    })
}

/// Returns the path of a plugin binary; a plugin type is a file name, never a path.
fn plugin_path(bin_dir: &Path, plugin: &str) -> Result<PathBuf, String> {
    if plugin.is_empty() || plugin.contains('/') || plugin.starts_with('.') {
        return Err(format!(
            "invalid plugin type {plugin:?}: expected a file name"
        ));
    }
    Ok(bin_dir.join(plugin))
}

/// Checks that `plugin` is in `bin_dir` and supports [`CNI_VERSION`], with the VERSION
/// operation of the CNI protocol.
pub(super) fn check_plugin(bin_dir: &Path, plugin: &str) -> Result<(), String> {
    let program = plugin_path(bin_dir, plugin)?;
    if !program.is_file() {
        return Err(format!(
            "CNI plugin {plugin} not found in {}: install containernetworking-plugins or set \
             the CNI plugin directory",
            bin_dir.display()
        ));
    }
    let versions = supported_versions(&program).map_err(|message| {
        format!(
            "CNI plugin {} does not answer VERSION: {message}",
            program.display()
        )
    })?;
    if !versions.iter().any(|version| version == CNI_VERSION) {
        return Err(format!(
            "CNI plugin {} supports CNI versions {versions:?} but not {CNI_VERSION}: install \
             containernetworking-plugins 1.0 or later",
            program.display()
        ));
    }
    Ok(())
}

/// Runs the VERSION operation; it is quick and runs once at startup, so it blocks.
fn supported_versions(program: &Path) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct VersionResult {
        #[serde(rename = "supportedVersions")]
        supported_versions: Vec<String>,
    }

    let output = std::process::Command::new(program)
        .env("CNI_COMMAND", "VERSION")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    }
    let result: VersionResult =
        serde_json::from_slice(&output.stdout).map_err(|error| error.to_string())?;
    Ok(result.supported_versions)
}
