//! The capabilities a container keeps.

use std::collections::HashSet;

use oci_spec::OciSpecError;
use oci_spec::runtime::{Capability, LinuxCapabilitiesBuilder};

/// Capabilities every container keeps; all others are dropped.
///
/// This is the `default_capabilities` list of Podman 4.3 as Debian ships it
/// (`/usr/share/containers/containers.conf` of golang-github-containers-common
/// 0.50.1) without `SYS_CHROOT`:
///
/// - `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`: an image's entrypoint that
///   starts as root often fixes ownership and modes of its data files.
/// - `SETUID`, `SETGID`, `SETPCAP`, `SETFCAP`: the same entrypoints drop to an
///   unprivileged user (su-exec, gosu, setpriv) and trim their own sets.
/// - `KILL`: a process supervisor in the container signals its children
///   when they run as another user.
/// - `NET_BIND_SERVICE`: servers bind ports below 1024.
///
/// Older Podman releases also granted the following, which stay dropped.
/// `SYS_CHROOT` is rarely needed and part of known escape chains.
/// `AUDIT_WRITE` writes to the host's audit log, which must only contain the
/// platform's records. `MKNOD` creates device nodes. `NET_RAW` opens raw
/// sockets, which allow address spoofing on the tenant bridge.
///
/// The set goes into the bounding, effective and permitted sets. The
/// inheritable and ambient sets stay empty, so a process running as a
/// non-root user has no effective capabilities after `execve`.
pub const DEFAULT_CAPABILITIES: [Capability; 10] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fowner,
    Capability::Fsetid,
    Capability::Kill,
    Capability::NetBindService,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setpcap,
    Capability::Setfcap,
];

/// Names as the kernel and seccomp profiles spell them, for example `CAP_CHOWN`.
pub(crate) fn default_capability_names() -> Vec<String> {
    DEFAULT_CAPABILITIES
        .iter()
        .map(|capability| format!("CAP_{capability}"))
        .collect()
}

/// Builds the process capabilities of the OCI runtime spec.
pub(crate) fn process_capabilities() -> Result<oci_spec::runtime::LinuxCapabilities, OciSpecError> {
    let granted: HashSet<Capability> = DEFAULT_CAPABILITIES.into_iter().collect();
    LinuxCapabilitiesBuilder::default()
        .bounding(granted.clone())
        .effective(granted.clone())
        .permitted(granted)
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_capability_names_use_kernel_spelling() {
        let names = default_capability_names();
        assert!(
            names.contains(&"CAP_NET_BIND_SERVICE".to_owned()),
            "{names:?}"
        );
        assert!(names.contains(&"CAP_DAC_OVERRIDE".to_owned()), "{names:?}");
        assert_eq!(names.len(), 10);
    }
}
