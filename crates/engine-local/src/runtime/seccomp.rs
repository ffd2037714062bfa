//! The default seccomp profile of every container.
//!
//! Debian's golang-github-containers-common package ships Moby's profile format at
//! `/usr/share/containers/seccomp.json`: an `archMap`, and `syscalls` rules
//! whose `includes` and `excludes` select them by capability, architecture
//! and minimum kernel. [`profile_for`] turns it into the OCI `linux.seccomp`
//! form for this machine's architecture and the granted capabilities. When
//! the file is missing, a smaller deny-list profile built into the binary
//! applies instead.
//!
//! The profile of golang-github-containers-common 0.50.1 allows `mount`,
//! `unshare`, `ptrace` and similar calls for every container, because the
//! dropped capabilities make them fail. It denies calls such as `bpf`,
//! `kexec_load` and `init_module` unless the matching capability is granted.

use std::path::Path;

use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder,
    LinuxSeccompOperator, LinuxSyscall,
};
use serde::Deserialize;

use super::RuntimeError;

/// Path of the profile in Debian's golang-github-containers-common package.
pub(crate) const CONTAINERS_COMMON_PROFILE: &str = "/usr/share/containers/seccomp.json";

/// A profile in Moby's format, as containers-common ships it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MobyProfile {
    default_action: LinuxSeccompAction,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    arch_map: Vec<ArchMapEntry>,
    #[serde(default)]
    syscalls: Vec<MobyRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMapEntry {
    architecture: String,
    #[serde(default)]
    sub_architectures: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MobyRule {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    action: LinuxSeccompAction,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default)]
    args: Option<Vec<MobyArg>>,
    #[serde(default)]
    includes: MobyFilter,
    #[serde(default)]
    excludes: MobyFilter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MobyFilter {
    #[serde(default)]
    caps: Vec<String>,
    #[serde(default)]
    arches: Vec<String>,
    #[serde(default)]
    min_kernel: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MobyArg {
    index: usize,
    value: u64,
    #[serde(default)]
    value_two: u64,
    op: LinuxSeccompOperator,
}

/// The machine a profile is converted for.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Architecture as Go names it in `includes.arches`: `amd64`, `arm64`, …
    pub(crate) go_arch: String,
    /// Architecture as libseccomp names it in `archMap`: `SCMP_ARCH_X86_64`, …
    pub(crate) seccomp_arch: Option<String>,
    /// Kernel version as (major, minor).
    pub(crate) kernel: (u32, u32),
    /// Granted capabilities, for example `CAP_CHOWN`.
    pub(crate) capabilities: Vec<String>,
}

impl Target {
    /// Describes this machine with the given capabilities.
    pub(crate) fn this_machine(capabilities: Vec<String>) -> Target {
        let (go_arch, seccomp_arch) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", Some("SCMP_ARCH_X86_64")),
            "aarch64" => ("arm64", Some("SCMP_ARCH_AARCH64")),
            "s390x" => ("s390x", Some("SCMP_ARCH_S390X")),
            other => (other, None),
        };
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        Target {
            go_arch: go_arch.to_owned(),
            seccomp_arch: seccomp_arch.map(str::to_owned),
            kernel: parse_kernel_version(&release).unwrap_or((0, 0)),
            capabilities,
        }
    }
}

/// Loads the containers-common profile at `path` for `target`, or the
/// built-in profile when the file does not exist.
pub(crate) fn load(path: &Path, target: &Target) -> Result<LinuxSeccomp, RuntimeError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(
                path = %path.display(),
                "seccomp profile not found, using the built-in deny-list profile: install containers-common for the full profile"
            );
            return Ok(builtin_profile(target));
        }
        Err(error) => {
            return Err(RuntimeError::Setup {
                message: format!("cannot read seccomp profile {}: {error}", path.display()),
            });
        }
    };
    profile_for(&text, target).map_err(|message| RuntimeError::Setup {
        message: format!(
            "invalid seccomp profile {}: {message}: reinstall containers-common",
            path.display()
        ),
    })
}

/// Converts a profile in Moby's format into the OCI form for `target`.
pub(crate) fn profile_for(text: &str, target: &Target) -> Result<LinuxSeccomp, String> {
    let profile: MobyProfile = serde_json::from_str(text).map_err(|error| error.to_string())?;
    let architectures = architectures(&profile.arch_map, target)?;

    let mut syscalls = Vec::new();
    for rule in &profile.syscalls {
        if !applies(rule, target) {
            continue;
        }
        let mut names = rule.names.clone();
        names.extend(rule.name.clone());
        if !names.is_empty() {
            syscalls.push(syscall(names, rule));
        }
    }

    Ok(seccomp(
        profile.default_action,
        profile.default_errno_ret,
        architectures,
        syscalls,
    ))
}

/// Selects the native architecture and its sub-architectures from `archMap`.
fn architectures(arch_map: &[ArchMapEntry], target: &Target) -> Result<Vec<Arch>, String> {
    let Some(native) = &target.seccomp_arch else {
        return Ok(Vec::new());
    };
    let Some(entry) = arch_map.iter().find(|entry| &entry.architecture == native) else {
        return Ok(Vec::new());
    };
    std::iter::once(&entry.architecture)
        .chain(&entry.sub_architectures)
        .map(|name| {
            serde_json::from_value(serde_json::Value::String(name.clone()))
                .map_err(|_| format!("unknown architecture {name}"))
        })
        .collect()
}

/// Applies Moby's selection: a rule is skipped when an excluded architecture
/// or capability matches, or when a required one is missing.
fn applies(rule: &MobyRule, target: &Target) -> bool {
    let excludes = &rule.excludes;
    if excludes.arches.contains(&target.go_arch) {
        return false;
    }
    if excludes
        .caps
        .iter()
        .any(|cap| target.capabilities.contains(cap))
    {
        return false;
    }

    let includes = &rule.includes;
    if !includes.arches.is_empty() && !includes.arches.contains(&target.go_arch) {
        return false;
    }
    if !includes
        .caps
        .iter()
        .all(|cap| target.capabilities.contains(cap))
    {
        return false;
    }
    match includes
        .min_kernel
        .as_deref()
        .and_then(parse_kernel_version)
    {
        Some(min_kernel) => target.kernel >= min_kernel,
        None => true,
    }
}

fn syscall(names: Vec<String>, rule: &MobyRule) -> LinuxSyscall {
    let mut syscall = LinuxSyscall::default();
    syscall.set_names(names);
    syscall.set_action(rule.action);
    syscall.set_errno_ret(rule.errno_ret);

    let args: Vec<LinuxSeccompArg> = rule
        .args
        .iter()
        .flatten()
        .map(|arg| seccomp_arg(arg.index, arg.value, arg.value_two, arg.op))
        .collect();
    if !args.is_empty() {
        syscall.set_args(Some(args));
    }
    syscall
}

fn seccomp_arg(
    index: usize,
    value: u64,
    value_two: u64,
    op: LinuxSeccompOperator,
) -> LinuxSeccompArg {
    LinuxSeccompArgBuilder::default()
        .index(index)
        .value(value)
        .value_two(value_two)
        .op(op)
        .build()
        .expect("every field of a seccomp argument is set")
}

fn seccomp(
    default_action: LinuxSeccompAction,
    default_errno_ret: Option<u32>,
    architectures: Vec<Arch>,
    syscalls: Vec<LinuxSyscall>,
) -> LinuxSeccomp {
    let mut seccomp = LinuxSeccomp::default();
    seccomp.set_default_action(default_action);
    seccomp.set_default_errno_ret(default_errno_ret);
    if !architectures.is_empty() {
        seccomp.set_architectures(Some(architectures));
    }
    seccomp.set_syscalls(Some(syscalls));
    seccomp
}

/// Syscalls the built-in profile rejects with EPERM: they load kernel code,
/// change mounts, namespaces, the clock or the machine's state, or inspect
/// other processes and the kernel.
const BUILTIN_DENIED: &[&str] = &[
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "query_module",
    "quotactl",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "syslog",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "vm86",
    "vm86old",
];

const EPERM: u32 = libc::EPERM as u32;
const ENOSYS: u32 = libc::ENOSYS as u32;
const CLONE_NEWUSER: u64 = libc::CLONE_NEWUSER as u64;

/// Builds the fallback profile: allow by default, deny [`BUILTIN_DENIED`].
///
/// `clone` with `CLONE_NEWUSER` is denied because a new user namespace hands
/// out a full capability set inside it. `clone3` fails with ENOSYS because
/// its flags sit in memory that seccomp cannot inspect; C libraries then
/// fall back to `clone`.
pub(crate) fn builtin_profile(target: &Target) -> LinuxSeccomp {
    let mut denied = LinuxSyscall::default();
    denied.set_names(
        BUILTIN_DENIED
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
    );
    denied.set_action(LinuxSeccompAction::ScmpActErrno);
    denied.set_errno_ret(Some(EPERM));

    let mut clone_new_user = LinuxSyscall::default();
    clone_new_user.set_names(vec!["clone".to_owned()]);
    clone_new_user.set_action(LinuxSeccompAction::ScmpActErrno);
    clone_new_user.set_errno_ret(Some(EPERM));
    let flags = seccomp_arg(
        0,
        CLONE_NEWUSER,
        CLONE_NEWUSER,
        LinuxSeccompOperator::ScmpCmpMaskedEq,
    );
    clone_new_user.set_args(Some(vec![flags]));

    let mut clone3 = LinuxSyscall::default();
    clone3.set_names(vec!["clone3".to_owned()]);
    clone3.set_action(LinuxSeccompAction::ScmpActErrno);
    clone3.set_errno_ret(Some(ENOSYS));

    let architectures = builtin_architectures(target);
    seccomp(
        LinuxSeccompAction::ScmpActAllow,
        None,
        architectures,
        vec![denied, clone_new_user, clone3],
    )
}

fn builtin_architectures(target: &Target) -> Vec<Arch> {
    match target.go_arch.as_str() {
        "amd64" => vec![Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32],
        "arm64" => vec![Arch::ScmpArchAarch64, Arch::ScmpArchArm],
        _ => Vec::new(),
    }
}

/// Parses `6.1.0-13-amd64` or `4.8` into (major, minor).
fn parse_kernel_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests;
