//! The log files of an application's instances, current and rotated.
//!
//! The runtime layer writes `INSTANCE.log` and rotates it into
//! `INSTANCE.log.1`, `INSTANCE.log.2` and so on, the highest number being
//! the oldest.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One opened log file.
#[derive(Debug)]
pub(crate) struct LogFile {
    /// Inode, which stays the same when the file is rotated.
    pub(crate) inode: u64,
    /// Size when it was opened.
    pub(crate) len: u64,
    file: File,
}

/// Bytes at the start of a file that identify it in a cursor.
const FINGERPRINT_BYTES: u64 = 64;

impl LogFile {
    /// Returns a hash of the file's first bytes before `offset`, at most 64.
    ///
    /// Log files are only appended to, so bytes before a read position never
    /// change: a file with the cursor's inode but another fingerprint is a
    /// new file that reuses a deleted file's inode, or a truncated one.
    pub(crate) fn fingerprint(&mut self, offset: u64) -> io::Result<u64> {
        let length = usize::try_from(offset.min(FINGERPRINT_BYTES)).unwrap_or_default();
        let mut head = vec![0; length];
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_exact(&mut head)?;
        Ok(fnv1a(&head))
    }

    /// Reads the file from `offset` to its end.
    pub(crate) fn read_from(&mut self, offset: u64) -> io::Result<Vec<u8>> {
        self.file.seek(SeekFrom::Start(offset))?;
        let mut data = Vec::new();
        self.file.read_to_end(&mut data)?;
        Ok(data)
    }
}

/// FNV-1a, 64 bits: a hash whose values stay the same across Rust releases,
/// because cursors outlive the process that made them.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Lists the names of the instances that have log files in `dir`.
pub(crate) fn instance_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = BTreeSet::new();
    for file_name in file_names(dir)? {
        let stem = match file_name.rsplit_once('.') {
            Some((stem, number)) if number.parse::<u32>().is_ok() => stem,
            _ => file_name.as_str(),
        };
        if let Some(instance) = stem.strip_suffix(".log").filter(|name| !name.is_empty()) {
            names.insert(instance.to_owned());
        }
    }
    Ok(names.into_iter().collect())
}

/// Opens the log files of `instance`, oldest first.
///
/// All files are opened before any is read, so that a rotation while the
/// caller reads does not change which data each handle reads.
pub(crate) fn open_instance_files(dir: &Path, instance: &str) -> io::Result<Vec<LogFile>> {
    let mut ranked: Vec<(u32, PathBuf)> = file_names(dir)?
        .into_iter()
        .filter_map(|name| Some((rotation_rank(&name, instance)?, dir.join(name))))
        .collect();
    ranked.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));

    let mut files = Vec::with_capacity(ranked.len());
    for (_, path) in ranked {
        match File::open(&path) {
            Ok(file) => {
                let metadata = file.metadata()?;
                files.push(LogFile {
                    inode: metadata.ino(),
                    len: metadata.len(),
                    file,
                });
            }
            // Rotation removed the oldest file since the directory was listed.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(files)
}

/// Returns 0 for `INSTANCE.log`, N for `INSTANCE.log.N`, `None` for other files.
fn rotation_rank(file_name: &str, instance: &str) -> Option<u32> {
    let rest = file_name.strip_prefix(instance)?.strip_prefix(".log")?;
    if rest.is_empty() {
        return Some(0);
    }
    let number = rest.strip_prefix('.')?;
    number.parse().ok().filter(|rank| *rank > 0)
}

fn file_names(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut names = Vec::new();
    for entry in entries {
        if let Ok(name) = entry?.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fingerprint_covers_bytes_before_offset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web-0.log"), "abcdef").unwrap();
        std::fs::write(dir.path().join("web-1.log"), "abcxyz").unwrap();
        let mut first = open_instance_files(dir.path(), "web-0").unwrap().remove(0);
        let mut second = open_instance_files(dir.path(), "web-1").unwrap().remove(0);

        assert_eq!(
            first.fingerprint(3).unwrap(),
            second.fingerprint(3).unwrap()
        );
        assert_ne!(
            first.fingerprint(6).unwrap(),
            second.fingerprint(6).unwrap()
        );
    }

    #[test]
    fn rotation_rank_orders_current_and_rotated() {
        assert_eq!(rotation_rank("web-1.log", "web-1"), Some(0));
        assert_eq!(rotation_rank("web-1.log.1", "web-1"), Some(1));
        assert_eq!(rotation_rank("web-1.log.12", "web-1"), Some(12));
    }

    #[test]
    fn rotation_rank_skips_other_files() {
        for name in [
            "web-10.log",
            "web-1.log.0",
            "web-1.log.x",
            "web-1.logx",
            "web-1.txt",
            "web-1.log.",
        ] {
            assert_eq!(rotation_rank(name, "web-1"), None, "name {name:?}");
        }
    }

    #[test]
    fn instance_names_come_from_current_and_rotated_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "web-0.log",
            "web-0.log.1",
            "web-1.log.2",
            "web-10.log",
            "notes.txt",
            ".log",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        assert_eq!(
            instance_names(dir.path()).unwrap(),
            ["web-0", "web-1", "web-10"]
        );
    }

    #[test]
    fn instance_names_of_missing_dir_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            instance_names(&dir.path().join("absent"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn open_instance_files_lists_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["web-0.log", "web-0.log.1", "web-0.log.2", "web-00.log"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }

        let mut files = open_instance_files(dir.path(), "web-0").unwrap();
        let contents: Vec<String> = files
            .iter_mut()
            .map(|file| String::from_utf8(file.read_from(0).unwrap()).unwrap())
            .collect();
        assert_eq!(contents, ["web-0.log.2", "web-0.log.1", "web-0.log"]);
    }
}
