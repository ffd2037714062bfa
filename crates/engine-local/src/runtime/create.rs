//! Creating and starting a container.

use std::path::Path;

use super::conmon::{self, Created, Launch};
use super::error::{CreateFailure, classify_create_failure, runtime_message};
use super::layout::{Bundle, validate_id};
use super::spec::SpecInputs;
use super::user::ResolvedUser;
use super::{ContainerInfo, ContainerRuntime, ContainerSpec, ContainerState, RuntimeError};
use super::{remove, rootfs, spec};

/// Largest `/etc/passwd` or `/etc/group` read from an image.
const MAX_ACCOUNT_FILE_BYTES: u64 = 4 * 1024 * 1024;

pub(crate) async fn create_and_start(
    runtime: &ContainerRuntime,
    spec: &ContainerSpec,
) -> Result<ContainerInfo, RuntimeError> {
    let id = spec.id.as_str();
    validate_id(id)?;
    let bundle = runtime.layout.bundle(id);
    claim_bundle_dir(&bundle, id)?;
    tracing::info!(container = id, image = %spec.image.reference, "creating container");

    match prepare_and_start(runtime, spec, &bundle).await {
        Ok(pid) => {
            tracing::info!(container = id, pid, "container started");
            Ok(ContainerInfo {
                id: id.to_owned(),
                labels: spec.labels.clone(),
                state: ContainerState::Running { pid },
            })
        }
        Err(error) => {
            tracing::warn!(container = id, %error, "container creation failed, removing what was created");
            if let Err(cleanup) = remove::remove(runtime, id).await {
                tracing::error!(container = id, error = %cleanup, "cleanup after failed creation failed");
            }
            Err(error)
        }
    }
}

/// Creates the bundle directory; an existing one belongs to a container with the same id.
fn claim_bundle_dir(bundle: &Bundle, id: &str) -> Result<(), RuntimeError> {
    match std::fs::create_dir(&bundle.dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(RuntimeError::failed(
                "creation",
                id,
                "a container with this id already exists: remove it first or choose another id",
            ))
        }
        Err(error) => Err(RuntimeError::io("creation", id, &bundle.dir, error)),
    }
}

/// Runs every step of creation; the caller cleans up when one fails.
async fn prepare_and_start(
    runtime: &ContainerRuntime,
    spec: &ContainerSpec,
    bundle: &Bundle,
) -> Result<i32, RuntimeError> {
    let id = spec.id.as_str();
    remove_stale_exit_file(runtime, id)?;

    rootfs::mount_overlay(bundle, &spec.image.layers, id)?;
    let user = resolve_user(spec, &bundle.rootfs())?;
    rootfs::write_etc_files(bundle, &spec.hostname, id)?;
    write_config(runtime, spec, bundle, &user)?;
    create_log_dir(&spec.log_path, id)?;

    let log_path = std::path::absolute(&spec.log_path)
        .map_err(|error| RuntimeError::io("creation", id, &spec.log_path, error))?;
    let launch = Launch {
        conmon: &runtime.config.conmon,
        oci: &runtime.oci,
        id,
        bundle,
        log_path: &log_path,
        exit_dir: &runtime.layout.exit_dir(),
    };
    let pid = match conmon::create(&launch).await? {
        Created::Pid(pid) => pid,
        Created::Failed(stderr) => return Err(classify(runtime, spec, &stderr)),
    };

    runtime.oci.start(id).await?;
    Ok(pid)
}

fn remove_stale_exit_file(runtime: &ContainerRuntime, id: &str) -> Result<(), RuntimeError> {
    let path = runtime.layout.exit_file(id);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(RuntimeError::io("creation", id, &path, error)),
    }
}

fn resolve_user(spec: &ContainerSpec, rootfs: &Path) -> Result<ResolvedUser, RuntimeError> {
    let read = |path: &str| {
        rootfs::read_file_in_root(rootfs, path, MAX_ACCOUNT_FILE_BYTES).map_err(|error| {
            RuntimeError::io("creation", &spec.id, &rootfs.join(&path[1..]), error)
        })
    };
    let passwd = read("/etc/passwd")?;
    let group = read("/etc/group")?;

    super::user::resolve_user(&spec.user, passwd.as_deref(), group.as_deref()).map_err(|reason| {
        RuntimeError::UserNotFound {
            user: spec.user.clone(),
            image: spec.image.reference.clone(),
            reason,
        }
    })
}

fn write_config(
    runtime: &ContainerRuntime,
    spec: &ContainerSpec,
    bundle: &Bundle,
    user: &ResolvedUser,
) -> Result<(), RuntimeError> {
    let inputs = SpecInputs {
        container: spec,
        bundle,
        user,
        seccomp: &runtime.seccomp,
    };
    let oci_spec = spec::build(&inputs)?;
    let json = serde_json::to_vec_pretty(&oci_spec).map_err(|error| {
        RuntimeError::failed(
            "creation",
            &spec.id,
            format!("cannot serialize config.json: {error}"),
        )
    })?;

    let path = bundle.config();
    std::fs::write(&path, json)
        .map_err(|error| RuntimeError::io("creation", &spec.id, &path, error))
}

fn create_log_dir(log_path: &Path, id: &str) -> Result<(), RuntimeError> {
    let Some(dir) = log_path.parent() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|error| RuntimeError::io("creation", id, dir, error))
}

fn classify(runtime: &ContainerRuntime, spec: &ContainerSpec, stderr: &str) -> RuntimeError {
    let message = runtime_message(stderr);
    classify_create_failure(CreateFailure {
        id: &spec.id,
        image: &spec.image.reference,
        runtime: runtime.oci.binary(),
        state_dir: runtime.layout.state_dir(),
        message: &message,
    })
}
