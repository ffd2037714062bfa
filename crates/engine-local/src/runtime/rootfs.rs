//! The container's root filesystem: an overlayfs mount of the image layers,
//! plus the generated `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`.

use std::io::Read;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::Mode;

use super::RuntimeError;
use super::layout::Bundle;

/// Maximum length of the mount options, terminating NUL included.
///
/// mount(2) copies at most one page of options, and 4096 bytes is the
/// smallest page size Linux uses. With absolute layer paths of about 100
/// bytes this allows about 35 layers. Beyond that the layers are reached
/// through short links `<bundle>/l/<n>`, which raises the estimate to
/// `(4096 - 2 * len(bundle)) / (len(bundle) + 5)` layers, about 50 for a
/// 70-byte bundle path. overlayfs itself stacks at most 500 lower layers.
const MAX_MOUNT_OPTIONS: usize = 4096;

/// Mounts the image layers (lowest first in `layers`) with overlayfs at the bundle's `rootfs/`.
pub(crate) fn mount_overlay(
    bundle: &Bundle,
    layers: &[PathBuf],
    id: &str,
) -> Result<(), RuntimeError> {
    if layers.is_empty() {
        return Err(RuntimeError::failed(
            "creation",
            id,
            "the image has no layers",
        ));
    }
    for dir in [bundle.rootfs(), bundle.upper(), bundle.work()] {
        std::fs::create_dir_all(&dir)
            .map_err(|error| RuntimeError::io("creation", id, &dir, error))?;
    }

    let mut options = overlay_options(layers, bundle);
    if !fits_mount_options(&options, layers) {
        let links = link_layers(bundle, layers, id)?;
        options = overlay_options(&links, bundle);
    }
    if options.len() + 1 > MAX_MOUNT_OPTIONS {
        let message = format!(
            "the overlayfs options for {} layers need {} bytes, more than the {MAX_MOUNT_OPTIONS} \
             bytes mount(2) accepts: use an image with fewer layers or a shorter state_dir",
            layers.len(),
            options.len() + 1
        );
        return Err(RuntimeError::failed("creation", id, message));
    }

    let rootfs = bundle.rootfs();
    nix::mount::mount(
        Some("overlay"),
        &rootfs,
        Some("overlay"),
        MsFlags::empty(),
        Some(options.as_str()),
    )
    .map_err(|errno| RuntimeError::io("creation", id, &rootfs, errno.into()))?;
    tracing::debug!(
        container = id,
        layers = layers.len(),
        "root filesystem mounted"
    );
    Ok(())
}

/// Builds `lowerdir=TOP:…:BOTTOM,upperdir=…,workdir=…`; overlayfs wants the top layer first.
fn overlay_options(lowest_first: &[PathBuf], bundle: &Bundle) -> String {
    let lower: Vec<String> = lowest_first
        .iter()
        .rev()
        .map(|path| path.display().to_string())
        .collect();
    format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.join(":"),
        bundle.upper().display(),
        bundle.work().display()
    )
}

/// Returns whether the options fit and no layer path contains a character that
/// overlayfs would read as a separator.
fn fits_mount_options(options: &str, layers: &[PathBuf]) -> bool {
    let plain = layers.iter().all(|path| {
        let text = path.to_string_lossy();
        !text.contains([',', ':', '\\'])
    });
    plain && options.len() < MAX_MOUNT_OPTIONS
}

/// Creates `<bundle>/l/<n>` links to the layers and returns the link paths, lowest first.
fn link_layers(
    bundle: &Bundle,
    layers: &[PathBuf],
    id: &str,
) -> Result<Vec<PathBuf>, RuntimeError> {
    let dir = bundle.layer_links();
    std::fs::create_dir_all(&dir).map_err(|error| RuntimeError::io("creation", id, &dir, error))?;

    let mut links = Vec::with_capacity(layers.len());
    for (index, layer) in layers.iter().enumerate() {
        let link = dir.join(index.to_string());
        std::os::unix::fs::symlink(layer, &link)
            .map_err(|error| RuntimeError::io("creation", id, &link, error))?;
        links.push(link);
    }
    Ok(links)
}

/// Unmounts the root filesystem; a busy mount is detached lazily. Succeeds when nothing is mounted.
pub(crate) fn unmount(rootfs: &Path, id: &str) -> Result<(), RuntimeError> {
    let result = match nix::mount::umount2(rootfs, MntFlags::empty()) {
        Err(Errno::EBUSY) => {
            tracing::warn!(container = id, path = %rootfs.display(), "root filesystem busy, detaching it lazily");
            nix::mount::umount2(rootfs, MntFlags::MNT_DETACH)
        }
        other => other,
    };
    match result {
        Ok(()) | Err(Errno::EINVAL) | Err(Errno::ENOENT) => Ok(()),
        Err(errno) => Err(RuntimeError::failed(
            "removal",
            id,
            format!("cannot unmount {}: {errno}", rootfs.display()),
        )),
    }
}

/// Returns whether `path` is a mount point in this process's mount namespace.
pub(crate) fn is_mount_point(path: &Path) -> std::io::Result<bool> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
    let wanted = path.to_string_lossy();
    Ok(mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .any(|mount_point| unescape_mountinfo(mount_point) == wanted))
}

/// Undoes the octal escapes (`\040` for a space) of /proc/self/mountinfo.
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let octal = bytes.get(index + 1..index + 4).and_then(|digits| {
            let text = std::str::from_utf8(digits).ok()?;
            u8::from_str_radix(text, 8).ok()
        });
        match (bytes[index], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                index += 4;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a file of the container's root filesystem, resolving symbolic
/// links inside `root` so that an image cannot make the host read its own
/// files. Returns `None` when the file does not exist.
pub(crate) fn read_file_in_root(
    root: &Path,
    path: &str,
    max_bytes: u64,
) -> std::io::Result<Option<String>> {
    let root_dir = std::fs::File::open(root)?;
    let how = OpenHow::new()
        .flags(OFlag::O_RDONLY | OFlag::O_CLOEXEC)
        .mode(Mode::empty())
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let fd = match nix::fcntl::openat2(&root_dir, path, how) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) | Err(Errno::ENOTDIR) => return Ok(None),
        Err(errno) => return Err(errno.into()),
    };

    let mut text = String::new();
    std::fs::File::from(fd)
        .take(max_bytes)
        .read_to_string(&mut text)?;
    Ok(Some(text))
}

/// Writes the files bind-mounted over `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`.
pub(crate) fn write_etc_files(
    bundle: &Bundle,
    hostname: &str,
    id: &str,
) -> Result<(), RuntimeError> {
    let hosts = format!(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n"
    );
    let files = [
        (bundle.hosts(), hosts),
        (bundle.hostname(), format!("{hostname}\n")),
        (bundle.resolv_conf(), host_resolv_conf()),
    ];
    for (path, content) in files {
        std::fs::write(&path, content)
            .map_err(|error| RuntimeError::io("creation", id, &path, error))?;
    }
    Ok(())
}

/// Returns the host's resolver configuration for the container.
///
/// A systemd-resolved host points `/etc/resolv.conf` at a loopback stub that
/// the container's network namespace cannot reach. In that case the upstream
/// servers in `/run/systemd/resolve/resolv.conf` are used, as Podman does.
fn host_resolv_conf() -> String {
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    if only_loopback_nameservers(&host)
        && let Ok(upstream) = std::fs::read_to_string("/run/systemd/resolve/resolv.conf")
    {
        return upstream;
    }
    host
}

fn only_loopback_nameservers(resolv_conf: &str) -> bool {
    let servers: Vec<&str> = resolv_conf
        .lines()
        .filter_map(|line| line.trim().strip_prefix("nameserver"))
        .map(str::trim)
        .collect();
    !servers.is_empty()
        && servers
            .iter()
            .all(|server| server.starts_with("127.") || *server == "::1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        Bundle {
            dir: PathBuf::from("/s/containers/c1"),
        }
    }

    #[test]
    fn overlay_options_put_top_layer_first() {
        let layers = [PathBuf::from("/layers/base"), PathBuf::from("/layers/app")];
        assert_eq!(
            overlay_options(&layers, &bundle()),
            "lowerdir=/layers/app:/layers/base,upperdir=/s/containers/c1/upper,workdir=/s/containers/c1/work"
        );
    }

    #[test]
    fn fits_mount_options_rejects_separators_in_paths() {
        let layers = [PathBuf::from("/layers/a:b")];
        assert!(!fits_mount_options("lowerdir=/layers/a:b", &layers));
    }

    #[test]
    fn fits_mount_options_rejects_a_full_page() {
        let layers = [PathBuf::from("/l")];
        assert!(!fits_mount_options(&"x".repeat(MAX_MOUNT_OPTIONS), &layers));
        assert!(fits_mount_options("lowerdir=/l", &layers));
    }

    #[test]
    fn unescape_mountinfo_decodes_octal() {
        assert_eq!(unescape_mountinfo("/a\\040b"), "/a b");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }

    #[test]
    fn only_loopback_nameservers_detects_stub_resolver() {
        assert!(only_loopback_nameservers(
            "nameserver 127.0.0.53\noptions edns0\n"
        ));
        assert!(!only_loopback_nameservers(
            "nameserver 10.0.0.2\nnameserver 127.0.0.1\n"
        ));
        assert!(!only_loopback_nameservers("# empty\n"));
    }

    #[test]
    fn read_file_in_root_keeps_absolute_links_inside() {
        let root = tempfile::tempdir().unwrap();
        let etc = root.path().join("etc");
        std::fs::create_dir(&etc).unwrap();
        std::fs::write(etc.join("real"), "inside\n").unwrap();
        std::os::unix::fs::symlink("/etc/real", etc.join("passwd")).unwrap();

        let text = read_file_in_root(root.path(), "/etc/passwd", 1024).unwrap();
        assert_eq!(text.as_deref(), Some("inside\n"));
        assert_eq!(
            read_file_in_root(root.path(), "/etc/group", 1024).unwrap(),
            None
        );
    }
}
