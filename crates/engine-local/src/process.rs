//! The process an instance runs, from the image configuration and the model.
//!
//! The rules are those of Kubernetes: `command` replaces the image's
//! ENTRYPOINT and `args` replaces its CMD; when only `command` is given, the
//! image's CMD is dropped too.

use strongroom_image::Image;
use strongroom_model::ApplicationSpec;

/// Program, environment, working directory and user of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Process {
    /// Program and arguments.
    pub(crate) args: Vec<String>,
    /// `NAME=value` entries.
    pub(crate) env: Vec<String>,
    /// Absolute working directory.
    pub(crate) working_dir: String,
    /// User from the image; empty means root.
    pub(crate) user: String,
}

/// Neither the model nor the image names a program to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no command to run: image {image} has no entrypoint or cmd; set spec.command")]
pub(crate) struct NoCommandError {
    /// Image reference.
    pub(crate) image: String,
}

/// Resolves the process of an instance of `spec` running `image`.
pub(crate) fn resolve_process(
    spec: &ApplicationSpec,
    image: &Image,
) -> Result<Process, NoCommandError> {
    let config = &image.config;
    let args = resolve_args(spec, &config.entrypoint, &config.cmd);
    if args.is_empty() {
        return Err(NoCommandError {
            image: image.reference.clone(),
        });
    }

    let working_dir = spec
        .working_dir
        .clone()
        .or_else(|| Some(config.working_dir.clone()).filter(|dir| !dir.is_empty()))
        .unwrap_or_else(|| "/".to_owned());
    Ok(Process {
        args,
        env: merge_env(&config.env, spec),
        working_dir,
        user: config.user.clone(),
    })
}

fn resolve_args(spec: &ApplicationSpec, entrypoint: &[String], cmd: &[String]) -> Vec<String> {
    match (&spec.command, &spec.args) {
        (None, None) => [entrypoint, cmd].concat(),
        (None, Some(args)) => [entrypoint, args.as_slice()].concat(),
        (Some(command), None) => command.clone(),
        (Some(command), Some(args)) => [command.as_slice(), args.as_slice()].concat(),
    }
}

/// Returns the image's environment with the model's variables set over it by
/// name: a variable the image also sets keeps its position, new ones follow.
fn merge_env(image_env: &[String], spec: &ApplicationSpec) -> Vec<String> {
    let mut env: Vec<String> = image_env.to_vec();
    for var in &spec.env {
        let entry = format!("{}={}", var.name, var.value);
        let existing = env.iter().position(|item| env_name(item) == var.name);
        match existing {
            Some(index) => env[index] = entry,
            None => env.push(entry),
        }
    }
    env
}

fn env_name(entry: &str) -> &str {
    entry.split_once('=').map_or(entry, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use strongroom_image::ImageConfig;
    use strongroom_model::EnvVar;

    use super::*;

    fn spec() -> ApplicationSpec {
        crate::testing::sample_spec(3)
    }

    fn image(entrypoint: &[&str], cmd: &[&str]) -> Image {
        Image {
            reference: "127.0.0.1:5000/web:1".into(),
            manifest_digest: "sha256:00".into(),
            config: ImageConfig {
                user: "www".into(),
                env: vec!["PATH=/bin".into(), "MODE=image".into()],
                entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
                cmd: cmd.iter().map(|s| s.to_string()).collect(),
                working_dir: "/www".into(),
            },
            layers: Vec::new(),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn args_without_overrides_are_entrypoint_then_cmd() {
        let process =
            resolve_process(&spec(), &image(&["/bin/busybox"], &["httpd", "-f"])).unwrap();
        assert_eq!(process.args, strings(&["/bin/busybox", "httpd", "-f"]));
    }

    #[test]
    fn args_override_replaces_cmd_only() {
        let mut spec = spec();
        spec.args = Some(strings(&["sleep", "60"]));
        let process = resolve_process(&spec, &image(&["/bin/busybox"], &["httpd"])).unwrap();
        assert_eq!(process.args, strings(&["/bin/busybox", "sleep", "60"]));
    }

    #[test]
    fn command_override_drops_image_cmd() {
        let mut spec = spec();
        spec.command = Some(strings(&["/bin/sh"]));
        let process = resolve_process(&spec, &image(&["/bin/busybox"], &["httpd"])).unwrap();
        assert_eq!(process.args, strings(&["/bin/sh"]));
    }

    #[test]
    fn command_and_args_override_both() {
        let mut spec = spec();
        spec.command = Some(strings(&["/bin/sh", "-c"]));
        spec.args = Some(strings(&["echo hi"]));
        let process = resolve_process(&spec, &image(&["/bin/busybox"], &["httpd"])).unwrap();
        assert_eq!(process.args, strings(&["/bin/sh", "-c", "echo hi"]));
    }

    #[test]
    fn empty_args_are_rejected() {
        let error = resolve_process(&spec(), &image(&[], &[])).unwrap_err();
        assert_eq!(error.image, "127.0.0.1:5000/web:1");
    }

    #[test]
    fn env_model_overrides_image_by_name() {
        let mut spec = spec();
        spec.env = vec![
            EnvVar {
                name: "MODE".into(),
                value: "model".into(),
            },
            EnvVar {
                name: "EXTRA".into(),
                value: String::new(),
            },
        ];
        let process = resolve_process(&spec, &image(&["/bin/busybox"], &[])).unwrap();
        assert_eq!(process.env, strings(&["PATH=/bin", "MODE=model", "EXTRA="]));
    }

    #[test]
    fn working_dir_prefers_model_then_image_then_root() {
        let mut spec = spec();
        let mut image = image(&["/bin/busybox"], &[]);
        assert_eq!(resolve_process(&spec, &image).unwrap().working_dir, "/www");

        spec.working_dir = Some("/srv".into());
        assert_eq!(resolve_process(&spec, &image).unwrap().working_dir, "/srv");

        spec.working_dir = None;
        image.config.working_dir = String::new();
        assert_eq!(resolve_process(&spec, &image).unwrap().working_dir, "/");
    }

    #[test]
    fn user_comes_from_image() {
        let process = resolve_process(&spec(), &image(&["/bin/busybox"], &[])).unwrap();
        assert_eq!(process.user, "www");
    }
}
