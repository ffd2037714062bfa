use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

use super::*;

/// Builds layer archives entry by entry, writing names verbatim so that
/// tests can produce the malicious paths `tar::Builder` itself refuses.
struct ArchiveBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl ArchiveBuilder {
    fn new() -> Self {
        ArchiveBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(name: &str, kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        let field = &mut header.as_old_mut().name;
        field[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(1234);
        header.set_gid(5678);
        header.set_mtime(1_600_000_000);
        header.set_size(size);
        header
    }

    fn append(&mut self, mut header: tar::Header, data: &[u8]) -> &mut Self {
        header.set_cksum();
        self.builder.append(&header, data).unwrap();
        self
    }

    fn dir(&mut self, name: &str, mode: u32) -> &mut Self {
        self.append(Self::header(name, tar::EntryType::Directory, mode, 0), b"")
    }

    fn file(&mut self, name: &str, mode: u32, data: &[u8]) -> &mut Self {
        self.append(
            Self::header(name, tar::EntryType::Regular, mode, data.len() as u64),
            data,
        )
    }

    fn link(&mut self, kind: tar::EntryType, name: &str, target: &str) -> &mut Self {
        let mut header = Self::header(name, kind, 0o777, 0);
        header.set_link_name_literal(target).unwrap();
        self.append(header, b"")
    }

    fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.link(tar::EntryType::Symlink, name, target)
    }

    fn hard_link(&mut self, name: &str, target: &str) -> &mut Self {
        self.link(tar::EntryType::Link, name, target)
    }

    fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        self.builder
            .append_pax_extensions(records.iter().copied())
            .unwrap();
        self
    }

    fn finish(&mut self) -> Vec<u8> {
        let builder = std::mem::replace(&mut self.builder, tar::Builder::new(Vec::new()));
        builder.into_inner().unwrap()
    }
}

/// A layer store in a temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("layers")).unwrap();
        Fixture { dir }
    }

    fn layers(&self) -> PathBuf {
        self.dir.path().join("layers")
    }

    fn unpack_blob(
        &self,
        blob: &[u8],
        diff_id: &Digest,
        limits: &UnpackLimits,
    ) -> Result<PathBuf, UnpackError> {
        let path = self.dir.path().join("blob");
        std::fs::write(&path, blob).unwrap();
        unpack_layer(&path, &self.layers(), &Digest::of(blob), diff_id, limits)
    }

    fn unpack(&self, archive: &[u8]) -> Result<PathBuf, UnpackError> {
        self.unpack_blob(archive, &Digest::of(archive), &UnpackLimits::default())
    }

    /// Returns the names in the layers directory, temporaries included.
    fn layer_entries(&self) -> Vec<String> {
        std::fs::read_dir(self.layers())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

fn assert_unsafe(result: Result<PathBuf, UnpackError>, expected_reason: &str) {
    match result {
        Err(error @ UnpackError::UnsafePath { .. }) => {
            assert!(error.to_string().contains(expected_reason), "{error}");
            assert_eq!(error.kind(), PullErrorKind::InvalidImage);
        }
        other => panic!("expected an unsafe path error, got {other:?}"),
    }
}

#[test]
fn unpack_layer_writes_entries_with_metadata() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .dir("/", 0o751)
        .dir("bin/", 0o750)
        .file("bin/tool", 0o4755, b"#!/bin/sh\n")
        .symlink("bin/sh", "/bin/busybox")
        .hard_link("bin/tool-link", "bin/tool")
        .file("etc/implicit/config", 0o640, b"key=value\n")
        .finish();

    let layer = fixture.unpack(&archive).unwrap();

    assert_eq!(layer, fixture.layers().join(Digest::of(&archive).hex()));
    let tool = std::fs::metadata(layer.join("bin/tool")).unwrap();
    assert_eq!(
        std::fs::read(layer.join("bin/tool")).unwrap(),
        b"#!/bin/sh\n"
    );
    assert_eq!(
        tool.permissions().mode() & 0o7777,
        0o4755,
        "set-user-ID must survive the owner change"
    );
    assert_eq!((tool.uid(), tool.gid()), (1234, 5678));
    assert_eq!(tool.mtime(), 1_600_000_000);
    assert_eq!(tool.nlink(), 2);
    assert_eq!(
        std::fs::metadata(layer.join("bin/tool-link"))
            .unwrap()
            .ino(),
        tool.ino()
    );

    let link = std::fs::symlink_metadata(layer.join("bin/sh")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(
        std::fs::read_link(layer.join("bin/sh")).unwrap(),
        Path::new("/bin/busybox")
    );
    assert_eq!((link.uid(), link.gid()), (1234, 5678));

    let root = std::fs::metadata(&layer).unwrap();
    assert_eq!(
        root.permissions().mode() & 0o7777,
        0o751,
        "the '/' entry describes the layer root"
    );
    let bin = std::fs::metadata(layer.join("bin")).unwrap();
    assert_eq!(bin.permissions().mode() & 0o7777, 0o750);
    assert_eq!(
        bin.mtime(),
        1_600_000_000,
        "directory mtimes are applied after their content"
    );
    assert_eq!(
        std::fs::read(layer.join("etc/implicit/config")).unwrap(),
        b"key=value\n"
    );
    assert_eq!(
        fixture.layer_entries(),
        vec![Digest::of(&archive).hex().to_owned()]
    );
}

#[test]
fn unpack_layer_turns_whiteouts_into_overlay_form() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .file("etc/.wh.removed", 0o644, b"")
        .dir("opaque/", 0o755)
        .file("opaque/.wh..wh..opq", 0o644, b"")
        .file("opaque/kept", 0o644, b"new")
        .file("implicit/.wh..wh..opq", 0o644, b"")
        .file(".wh..wh.plnk", 0o644, b"")
        .finish();

    let layer = fixture.unpack(&archive).unwrap();

    let whiteout = std::fs::symlink_metadata(layer.join("etc/removed")).unwrap();
    assert!(whiteout.file_type().is_char_device());
    assert_eq!(whiteout.rdev(), 0);
    assert!(!layer.join("etc/.wh.removed").exists());
    assert_eq!(
        xattr::get(layer.join("opaque"), "trusted.overlay.opaque").unwrap(),
        Some(b"y".to_vec())
    );
    assert!(!layer.join("opaque/.wh..wh..opq").exists());
    assert_eq!(std::fs::read(layer.join("opaque/kept")).unwrap(), b"new");
    assert_eq!(
        xattr::get(layer.join("implicit"), "trusted.overlay.opaque").unwrap(),
        Some(b"y".to_vec())
    );
    assert!(!layer.join(".wh..wh.plnk").exists());
}

#[test]
fn unpack_layer_applies_pax_xattrs_except_overlay_ones() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .pax(&[
            ("SCHILY.xattr.user.origin", b"bank"),
            ("SCHILY.xattr.trusted.overlay.redirect", b"/etc"),
        ])
        .file("data", 0o644, b"x")
        .finish();

    let layer = fixture.unpack(&archive).unwrap();

    assert_eq!(
        xattr::get(layer.join("data"), "user.origin").unwrap(),
        Some(b"bank".to_vec())
    );
    assert_eq!(
        xattr::get(layer.join("data"), "trusted.overlay.redirect").unwrap(),
        None
    );
}

#[test]
fn unpack_layer_later_entry_replaces_earlier() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .dir("path/", 0o755)
        .file("path/inner", 0o644, b"")
        .file("path", 0o600, b"file now")
        .symlink("other", "/etc")
        .file("other", 0o644, b"not through the link")
        .finish();

    let layer = fixture.unpack(&archive).unwrap();

    assert_eq!(std::fs::read(layer.join("path")).unwrap(), b"file now");
    assert!(
        std::fs::symlink_metadata(layer.join("other"))
            .unwrap()
            .is_file()
    );
}

#[test]
fn unpack_layer_rejects_absolute_path() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .file("/etc/evil", 0o644, b"x")
        .finish();
    assert_unsafe(fixture.unpack(&archive), "absolute paths are not allowed");
    assert!(
        fixture.layer_entries().is_empty(),
        "the temporary directory must be removed"
    );
}

#[test]
fn unpack_layer_rejects_parent_components() {
    let fixture = Fixture::new();
    for name in ["../escape", "a/../../escape", "a/b/../../.."] {
        let archive = ArchiveBuilder::new().file(name, 0o644, b"x").finish();
        assert_unsafe(fixture.unpack(&archive), "'..' components are not allowed");
    }
    assert!(!fixture.dir.path().join("escape").exists());
    assert!(fixture.layer_entries().is_empty());
}

#[test]
fn unpack_layer_never_writes_through_symlink() {
    let fixture = Fixture::new();
    let outside = fixture.dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let archive = ArchiveBuilder::new()
        .symlink("escape", outside.to_str().unwrap())
        .file("escape/planted", 0o644, b"x")
        .finish();

    assert_unsafe(fixture.unpack(&archive), "parent escape is a symlink");
    assert!(!outside.join("planted").exists());

    let relative = ArchiveBuilder::new()
        .symlink("up", "../..")
        .dir("up/dir/", 0o755)
        .finish();
    assert_unsafe(fixture.unpack(&relative), "parent up is a symlink");
    assert!(fixture.layer_entries().is_empty());
}

#[test]
fn unpack_layer_rejects_hard_links_leaving_layer() {
    let fixture = Fixture::new();
    let cases = [
        (
            ArchiveBuilder::new()
                .hard_link("passwd", "../../../etc/passwd")
                .finish(),
            "'..' components",
        ),
        (
            ArchiveBuilder::new()
                .hard_link("passwd", "/etc/passwd")
                .finish(),
            "absolute paths",
        ),
        (
            ArchiveBuilder::new()
                .hard_link("passwd", "etc/passwd")
                .finish(),
            "does not exist in this layer",
        ),
        (
            ArchiveBuilder::new()
                .hard_link("passwd", "missing")
                .finish(),
            "missing is not in this layer",
        ),
        (
            ArchiveBuilder::new()
                .symlink("etc", "/etc")
                .hard_link("passwd", "etc/passwd")
                .finish(),
            "parent etc is a symlink",
        ),
        (
            ArchiveBuilder::new()
                .dir("d/", 0o755)
                .hard_link("alias", "d")
                .finish(),
            "hard link to a directory",
        ),
    ];
    for (archive, reason) in cases {
        assert_unsafe(fixture.unpack(&archive), reason);
    }
}

#[test]
fn unpack_layer_links_symlink_itself() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .symlink("link", "/etc/passwd")
        .hard_link("alias", "link")
        .finish();

    let layer = fixture.unpack(&archive).unwrap();

    let alias = std::fs::symlink_metadata(layer.join("alias")).unwrap();
    assert!(alias.file_type().is_symlink());
    assert_eq!(
        alias.ino(),
        std::fs::symlink_metadata(layer.join("link")).unwrap().ino()
    );
}

#[test]
fn unpack_layer_rejects_diff_id_mismatch() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new().file("data", 0o644, b"x").finish();
    let claimed = Digest::of(b"something else");

    let error = fixture
        .unpack_blob(&archive, &claimed, &UnpackLimits::default())
        .unwrap_err();

    assert!(
        matches!(error, UnpackError::DiffIdMismatch { .. }),
        "{error}"
    );
    assert_eq!(error.kind(), PullErrorKind::DigestMismatch);
    let message = error.to_string();
    assert!(message.contains(&claimed.to_string()), "{message}");
    assert!(
        message.contains(&Digest::of(&archive).to_string()),
        "{message}"
    );
    assert!(fixture.layer_entries().is_empty());
}

#[test]
fn unpack_layer_enforces_size_limit() {
    let fixture = Fixture::new();
    let archive = ArchiveBuilder::new()
        .file("big", 0o644, &[0u8; 64 << 10])
        .finish();
    let limits = UnpackLimits {
        max_layer_bytes: 32 << 10,
        ..UnpackLimits::default()
    };

    let error = fixture
        .unpack_blob(&archive, &Digest::of(&archive), &limits)
        .unwrap_err();

    assert!(
        matches!(error, UnpackError::TooLarge { limit: 32768, .. }),
        "{error}"
    );
    assert!(fixture.layer_entries().is_empty());
}

#[test]
fn unpack_layer_enforces_entry_limit() {
    let fixture = Fixture::new();
    let mut builder = ArchiveBuilder::new();
    for index in 0..5 {
        builder.file(&format!("file{index}"), 0o644, b"");
    }
    let archive = builder.finish();
    let limits = UnpackLimits {
        max_layer_entries: 4,
        ..UnpackLimits::default()
    };

    let error = fixture
        .unpack_blob(&archive, &Digest::of(&archive), &limits)
        .unwrap_err();

    assert!(
        matches!(error, UnpackError::TooManyEntries { limit: 4, .. }),
        "{error}"
    );
}

#[test]
fn unpack_layer_detects_compression_from_content() {
    let archive = ArchiveBuilder::new()
        .file("data", 0o644, b"compressed")
        .finish();
    let diff_id = Digest::of(&archive);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&archive).unwrap();
    let zstd = zstd::encode_all(&archive[..], 3).unwrap();

    for (name, blob) in [("gzip", gzip.finish().unwrap()), ("zstd", zstd)] {
        let fixture = Fixture::new();
        let layer = fixture
            .unpack_blob(&blob, &diff_id, &UnpackLimits::default())
            .unwrap();
        assert_eq!(
            std::fs::read(layer.join("data")).unwrap(),
            b"compressed",
            "{name}"
        );
    }
}

#[test]
fn unpack_layer_rejects_corrupt_archive() {
    let fixture = Fixture::new();
    let mut archive = ArchiveBuilder::new().file("data", 0o644, b"x").finish();
    archive[148] ^= 0xff;

    let error = fixture.unpack(&archive).unwrap_err();

    assert!(matches!(error, UnpackError::Archive { .. }), "{error}");
    assert!(fixture.layer_entries().is_empty());
}

#[test]
fn unpack_layer_accepts_archive_without_end_blocks() {
    let fixture = Fixture::new();
    let complete = ArchiveBuilder::new()
        .file("etc/.wh.gone", 0o644, b"")
        .file("data", 0o644, b"new\n")
        .finish();
    // Cut after the last file's data, as umoci 0.4.7 writes its layers.
    let truncated = &complete[..3 * 512 + 4];

    let layer = fixture.unpack(truncated).unwrap();

    assert_eq!(std::fs::read(layer.join("data")).unwrap(), b"new\n");
    assert!(
        std::fs::symlink_metadata(layer.join("etc/gone"))
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(layer, fixture.layers().join(Digest::of(truncated).hex()));
}

#[test]
fn unpack_layer_rejects_archive_cut_inside_data() {
    let fixture = Fixture::new();
    let complete = ArchiveBuilder::new()
        .file("data", 0o644, &[7u8; 1000])
        .finish();
    let truncated = &complete[..512 + 600];

    let error = fixture.unpack(truncated).unwrap_err();

    assert!(matches!(error, UnpackError::Archive { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("ends inside the data of its last entry"),
        "{error}"
    );
    assert!(fixture.layer_entries().is_empty());
}
