//! The OCI runtime spec (`config.json`) of a container, with hardened defaults.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use nix::sys::resource::{Resource, getrlimit};
use oci_spec::OciSpecError;
use oci_spec::runtime::{
    LinuxBuilder, LinuxCpuBuilder, LinuxDeviceCgroupBuilder, LinuxMemoryBuilder,
    LinuxNamespaceBuilder, LinuxNamespaceType, LinuxPidsBuilder, LinuxResources,
    LinuxResourcesBuilder, LinuxSeccomp, Mount, MountBuilder, PosixRlimit, PosixRlimitBuilder,
    PosixRlimitType, Process, ProcessBuilder, RootBuilder, Spec, SpecBuilder, UserBuilder,
};

use super::layout::Bundle;
use super::user::ResolvedUser;
use super::{ContainerSpec, RuntimeError, capabilities};

/// Annotation prefix of the labels given at creation.
pub(crate) const LABEL_ANNOTATION_PREFIX: &str = "org.strongroom.label.";
/// Annotation holding the image reference.
pub(crate) const IMAGE_ANNOTATION: &str = "org.strongroom.image";
/// Annotation holding the path of the container's log file.
pub(crate) const LOG_PATH_ANNOTATION: &str = "org.strongroom.log-path";

/// Paths the container cannot read: they leak host details or kernel memory.
const MASKED_PATHS: [&str; 10] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths the container can read but not write: they change the host kernel.
const READONLY_PATHS: [&str; 6] = [
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// CFS period for the CPU quota, in microseconds.
const CPU_PERIOD_US: u64 = 100_000;
/// Smallest CFS quota the kernel accepts, in microseconds.
const CPU_MIN_QUOTA_US: i64 = 1_000;
/// Pids limit when the model sets none.
pub(crate) const DEFAULT_PIDS_LIMIT: i64 = 1024;
/// Open files a container requests, capped at this process's hard limit.
const WANTED_NOFILE: u64 = 1_048_576;
/// Processes per user a container requests, capped at this process's hard limit.
const WANTED_NPROC: u64 = 4_194_304;

/// Everything the spec is built from besides the container spec.
pub(crate) struct SpecInputs<'a> {
    pub(crate) container: &'a ContainerSpec,
    pub(crate) bundle: &'a Bundle,
    pub(crate) user: &'a ResolvedUser,
    pub(crate) seccomp: &'a LinuxSeccomp,
}

/// Builds the OCI runtime spec.
pub(crate) fn build(inputs: &SpecInputs<'_>) -> Result<Spec, RuntimeError> {
    let id = &inputs.container.id;
    let error = |error: OciSpecError| {
        RuntimeError::failed("creation", id, format!("invalid OCI runtime spec: {error}"))
    };

    let root = RootBuilder::default()
        .path(inputs.bundle.rootfs())
        .readonly(false)
        .build()
        .map_err(error)?;
    SpecBuilder::default()
        .version("1.0.2")
        .root(root)
        .hostname(inputs.container.hostname.clone())
        .process(process(inputs).map_err(error)?)
        .mounts(mounts(inputs.bundle).map_err(error)?)
        .annotations(annotations(inputs.container))
        .linux(linux(inputs).map_err(error)?)
        .build()
        .map_err(error)
}

fn process(inputs: &SpecInputs<'_>) -> Result<Process, OciSpecError> {
    let container = inputs.container;
    let user = UserBuilder::default()
        .uid(inputs.user.uid)
        .gid(inputs.user.gid)
        .additional_gids(inputs.user.additional_gids.clone())
        .build()?;
    let capabilities = capabilities::process_capabilities()?;
    let cwd = if container.working_dir.is_empty() {
        "/"
    } else {
        &container.working_dir
    };

    ProcessBuilder::default()
        .terminal(false)
        .user(user)
        .args(container.process_args.clone())
        .env(environment(&container.env, inputs.user))
        .cwd(cwd)
        .capabilities(capabilities)
        .rlimits(rlimits()?)
        .no_new_privileges(true)
        .build()
}

/// Adds `PATH` and `HOME` when the image and the model set none, as Docker does.
fn environment(env: &[String], user: &ResolvedUser) -> Vec<String> {
    let mut env = env.to_vec();
    let has = |env: &[String], name: &str| {
        env.iter()
            .any(|entry| entry.starts_with(&format!("{name}=")))
    };
    if !has(&env, "PATH") {
        env.insert(
            0,
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
        );
    }
    if !has(&env, "HOME") {
        let home = user.home.clone().unwrap_or_else(|| "/".to_owned());
        env.push(format!("HOME={home}"));
    }
    env
}

/// `RLIMIT_NOFILE` and `RLIMIT_NPROC`, never above this process's hard limits:
/// raising a hard limit needs `CAP_SYS_RESOURCE`, and the OCI runtime fails
/// at start when it lacks it.
pub(crate) fn rlimits() -> Result<Vec<PosixRlimit>, OciSpecError> {
    let limits = [
        (
            PosixRlimitType::RlimitNofile,
            Resource::RLIMIT_NOFILE,
            WANTED_NOFILE,
        ),
        (
            PosixRlimitType::RlimitNproc,
            Resource::RLIMIT_NPROC,
            WANTED_NPROC,
        ),
    ];
    limits
        .into_iter()
        .map(|(typ, resource, wanted)| {
            let hard = getrlimit(resource).map(|(_, hard)| hard).unwrap_or(wanted);
            let value = wanted.min(hard);
            PosixRlimitBuilder::default()
                .typ(typ)
                .soft(value)
                .hard(value)
                .build()
        })
        .collect()
}

fn mounts(bundle: &Bundle) -> Result<Vec<Mount>, OciSpecError> {
    let read_only_file = ["rbind", "ro", "nosuid", "nodev", "noexec"];
    Ok(vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"])?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        )?,
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        )?,
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        )?,
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        )?,
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &["nosuid", "noexec", "nodev", "relatime", "ro"],
        )?,
        bind("/etc/hosts", &bundle.hosts(), &read_only_file)?,
        bind("/etc/hostname", &bundle.hostname(), &read_only_file)?,
        bind("/etc/resolv.conf", &bundle.resolv_conf(), &read_only_file)?,
    ])
}

fn mount(
    destination: &str,
    typ: &str,
    source: &str,
    options: &[&str],
) -> Result<Mount, OciSpecError> {
    MountBuilder::default()
        .destination(destination)
        .typ(typ)
        .source(source)
        .options(
            options
                .iter()
                .map(|option| (*option).to_owned())
                .collect::<Vec<_>>(),
        )
        .build()
}

fn bind(destination: &str, source: &Path, options: &[&str]) -> Result<Mount, OciSpecError> {
    MountBuilder::default()
        .destination(destination)
        .typ("bind")
        .source(source)
        .options(
            options
                .iter()
                .map(|option| (*option).to_owned())
                .collect::<Vec<_>>(),
        )
        .build()
}

fn annotations(container: &ContainerSpec) -> HashMap<String, String> {
    let mut annotations: HashMap<String, String> = container
        .labels
        .iter()
        .map(|(key, value)| (format!("{LABEL_ANNOTATION_PREFIX}{key}"), value.clone()))
        .collect();
    annotations.insert(
        IMAGE_ANNOTATION.to_owned(),
        container.image.reference.clone(),
    );
    annotations.insert(
        LOG_PATH_ANNOTATION.to_owned(),
        container.log_path.display().to_string(),
    );
    annotations
}

/// Returns the labels stored in the annotations of a spec.
pub(crate) fn labels(spec: &Spec) -> BTreeMap<String, String> {
    spec.annotations()
        .iter()
        .flatten()
        .filter_map(|(key, value)| {
            key.strip_prefix(LABEL_ANNOTATION_PREFIX)
                .map(|label| (label.to_owned(), value.clone()))
        })
        .collect()
}

/// Returns an annotation of a spec.
pub(crate) fn annotation<'a>(spec: &'a Spec, key: &str) -> Option<&'a str> {
    spec.annotations().as_ref()?.get(key).map(String::as_str)
}

fn linux(inputs: &SpecInputs<'_>) -> Result<oci_spec::runtime::Linux, OciSpecError> {
    let namespace = |typ| LinuxNamespaceBuilder::default().typ(typ).build();
    let network = LinuxNamespaceBuilder::default()
        .typ(LinuxNamespaceType::Network)
        .path(inputs.container.netns_path.clone())
        .build()?;
    let namespaces = vec![
        namespace(LinuxNamespaceType::Pid)?,
        namespace(LinuxNamespaceType::Mount)?,
        namespace(LinuxNamespaceType::Ipc)?,
        namespace(LinuxNamespaceType::Uts)?,
        network,
    ];

    LinuxBuilder::default()
        .namespaces(namespaces)
        .cgroups_path(format!("/strongroom/{}", inputs.container.id))
        .resources(resources(&inputs.container.resources)?)
        .seccomp(inputs.seccomp.clone())
        .masked_paths(MASKED_PATHS.map(str::to_owned).to_vec())
        .readonly_paths(READONLY_PATHS.map(str::to_owned).to_vec())
        .build()
}

/// CPU quota, memory (swap equal to memory, so no swap) and pids limits,
/// and a device cgroup that denies every device the runtime does not add.
fn resources(resources: &strongroom_model::Resources) -> Result<LinuxResources, OciSpecError> {
    let deny_all_devices = LinuxDeviceCgroupBuilder::default()
        .allow(false)
        .access("rwm")
        .build()?;
    let pids_limit = resources.pids.map_or(DEFAULT_PIDS_LIMIT, i64::from);
    let mut builder = LinuxResourcesBuilder::default()
        .devices(vec![deny_all_devices])
        .pids(LinuxPidsBuilder::default().limit(pids_limit).build()?);

    if let Some(cpu) = resources.cpu.filter(|cpu| cpu.millicores > 0) {
        let quota = cpu_quota_us(cpu.millicores);
        builder = builder.cpu(
            LinuxCpuBuilder::default()
                .quota(quota)
                .period(CPU_PERIOD_US)
                .build()?,
        );
    }
    if let Some(memory) = resources.memory {
        let bytes = i64::try_from(memory.bytes).unwrap_or(i64::MAX);
        builder = builder.memory(
            LinuxMemoryBuilder::default()
                .limit(bytes)
                .swap(bytes)
                .build()?,
        );
    }
    builder.build()
}

/// Converts millicores to a CFS quota per [`CPU_PERIOD_US`], at least the kernel's 1 ms minimum.
fn cpu_quota_us(millicores: u64) -> i64 {
    let quota = millicores.saturating_mul(CPU_PERIOD_US) / 1000;
    i64::try_from(quota)
        .unwrap_or(i64::MAX)
        .max(CPU_MIN_QUOTA_US)
}

#[cfg(test)]
mod tests;
