//! Read positions in each instance's log files.
//!
//! A position names the file by its inode, not its path, because rotation
//! renames `web-0.log` to `web-0.log.1`: the inode still finds the file, and
//! the reader continues there and then reads the newer files.

use std::collections::BTreeMap;

/// The first unread byte of one instance's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// Inode of the file.
    pub(crate) inode: u64,
    /// Byte offset in that file.
    pub(crate) offset: u64,
    /// Fingerprint of the file's first bytes, see [`super::files::LogFile::fingerprint`].
    pub(crate) fingerprint: u64,
}

/// Positions per instance name, encoded as `web-0@INODE:OFFSET:FINGERPRINT,...`
/// with the fingerprint in hexadecimal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) positions: BTreeMap<String, Position>,
}

/// A cursor string that [`Cursor::encode`] did not produce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid log cursor {cursor:?}: pass the cursor of the previous read unchanged, or none to read from the start"
)]
pub(crate) struct InvalidCursorError {
    /// The rejected text.
    pub(crate) cursor: String,
}

impl Cursor {
    /// Returns the cursor as text for [`strongroom_engine::LogBatch::cursor`].
    pub(crate) fn encode(&self) -> String {
        let entries: Vec<String> = self
            .positions
            .iter()
            .map(|(instance, position)| {
                let Position {
                    inode,
                    offset,
                    fingerprint,
                } = position;
                format!("{instance}@{inode}:{offset}:{fingerprint:x}")
            })
            .collect();
        entries.join(",")
    }

    /// Parses text made by [`Cursor::encode`].
    pub(crate) fn decode(text: &str) -> Result<Cursor, InvalidCursorError> {
        let invalid = || InvalidCursorError {
            cursor: text.to_owned(),
        };
        let mut positions = BTreeMap::new();
        for entry in text.split(',').filter(|entry| !entry.is_empty()) {
            let (instance, position) = entry.split_once('@').ok_or_else(invalid)?;
            let mut numbers = position.split(':');
            let (Some(inode), Some(offset), Some(fingerprint), None) = (
                numbers.next(),
                numbers.next(),
                numbers.next(),
                numbers.next(),
            ) else {
                return Err(invalid());
            };
            if instance.is_empty() {
                return Err(invalid());
            }

            let position = Position {
                inode: inode.parse().map_err(|_| invalid())?,
                offset: offset.parse().map_err(|_| invalid())?,
                fingerprint: u64::from_str_radix(fingerprint, 16).map_err(|_| invalid())?,
            };
            positions.insert(instance.to_owned(), position);
        }
        Ok(Cursor { positions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let mut cursor = Cursor::default();
        let first = Position {
            inode: 12,
            offset: 345,
            fingerprint: 0xab,
        };
        let second = Position {
            inode: 99,
            offset: 0,
            fingerprint: u64::MAX,
        };
        cursor.positions.insert("web-0".into(), first);
        cursor.positions.insert("web-10".into(), second);

        let text = cursor.encode();
        assert_eq!(text, "web-0@12:345:ab,web-10@99:0:ffffffffffffffff");
        assert_eq!(Cursor::decode(&text), Ok(cursor));
    }

    #[test]
    fn empty_cursor_decodes_to_no_positions() {
        assert_eq!(Cursor::decode(""), Ok(Cursor::default()));
        assert_eq!(Cursor::default().encode(), "");
    }

    #[test]
    fn cursor_decode_rejects_garbage() {
        for text in [
            "web-0",
            "web-0@1:2",
            "web-0@x:1:0",
            "web-0@1:-1:0",
            "web-0@1:2:zz",
            "web-0@1:2:3:4",
            "@1:2:3",
            "web-0@1:2:3,junk",
        ] {
            assert!(Cursor::decode(text).is_err(), "text {text:?}");
        }
    }
}
