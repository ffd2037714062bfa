//! Reading one instance's log files into whole lines.

use std::io;
use std::path::Path;

use strongroom_engine::LogLine;

use super::cursor::Position;
use super::files::{LogFile, open_instance_files};
use super::record::parse_record;

/// Bytes of text at which a line joined from partial records is returned
/// as a line of its own, so that output without a line break still shows.
/// The rest of the output continues in the next line. A joined line can
/// exceed this by the text of one record, which conmon 2.1 fills from pipe
/// reads of up to 8 KiB.
pub(crate) const MAX_LINE_BYTES: usize = 256 * 1024;

/// Bytes that `tail` reads first from the end of an instance's files.
pub(super) const TAIL_WINDOW_BYTES: u64 = 64 * 1024;

/// Lines of one instance and where to continue.
#[derive(Debug, Default)]
pub(crate) struct InstanceLog {
    /// Whole lines in file order.
    pub(crate) lines: Vec<LogLine>,
    /// First byte after the last whole line; `None` when the instance has no files.
    pub(crate) end: Option<Position>,
}

/// Data read from one file, starting at `offset`.
pub(super) struct Chunk {
    /// Index of the file in the instance's files, oldest first.
    pub(super) file: usize,
    pub(super) offset: u64,
    pub(super) data: Vec<u8>,
}

/// Reads the lines of `instance` after `start`, or all lines when `start` is `None`.
///
/// With `tail` and no `start`, only a window at the end of the files is
/// read, large enough to hold the last `tail` lines.
pub(crate) fn read_instance(
    dir: &Path,
    instance: &str,
    start: Option<Position>,
    tail: Option<usize>,
) -> io::Result<InstanceLog> {
    let mut files = open_instance_files(dir, instance)?;
    let chunks = match (start, tail) {
        (Some(start), _) => chunks_after(&mut files, start)?,
        (None, Some(tail)) => tail_chunks(instance, &mut files, tail)?,
        (None, None) => all_chunks(&mut files, 0, 0)?,
    };

    let (mut lines, end) = assemble(instance, &chunks, files.len());
    if let Some(tail) = tail {
        let skip = lines.len().saturating_sub(tail);
        lines.drain(..skip);
    }
    let end = match end {
        Some((index, offset)) => {
            let file = &mut files[index];
            Some(Position {
                inode: file.inode,
                offset,
                fingerprint: file.fingerprint(offset)?,
            })
        }
        None => start,
    };
    Ok(InstanceLog { lines, end })
}

/// Reads from `start` on: the rest of the file it names, then every newer file.
///
/// When no file matches the position any more, every file is read: the
/// lines between the old position and the oldest remaining file were
/// rotated away, or the file was truncated and written again.
fn chunks_after(files: &mut [LogFile], start: Position) -> io::Result<Vec<Chunk>> {
    let mut found = None;
    for (index, file) in files.iter_mut().enumerate() {
        if file.inode == start.inode
            && file.len >= start.offset
            && file.fingerprint(start.offset)? == start.fingerprint
        {
            found = Some(index);
            break;
        }
    }
    match found {
        Some(index) => all_chunks(files, index, start.offset),
        None => all_chunks(files, 0, 0),
    }
}

/// Reads file `first` from `offset`, then every newer file whole.
fn all_chunks(files: &mut [LogFile], first: usize, offset: u64) -> io::Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    for (index, file) in files.iter_mut().enumerate().skip(first) {
        let offset = if index == first { offset } else { 0 };
        chunks.push(Chunk {
            file: index,
            offset,
            data: file.read_from(offset)?,
        });
    }
    Ok(chunks)
}

/// Reads a window at the end of the files, growing it until it contains more
/// than `tail` lines or covers every file, so that `tail` does not read
/// whole files of gigabytes.
///
/// The window starts at a record boundary, but that record may continue a
/// line that began before the window. So the window needs one line more
/// than `tail`, and the caller keeps the last `tail` lines.
pub(super) fn tail_chunks(
    instance: &str,
    files: &mut [LogFile],
    tail: usize,
) -> io::Result<Vec<Chunk>> {
    let total: u64 = files.iter().map(|file| file.len).sum();
    let mut window = TAIL_WINDOW_BYTES;
    loop {
        if window >= total {
            return all_chunks(files, 0, 0);
        }
        let chunks = window_chunks(files, window)?;
        let (lines, _) = assemble(instance, &chunks, files.len());
        if lines.len() > tail {
            return Ok(chunks);
        }
        window = window.saturating_mul(4);
    }
}

/// Reads the last `window` bytes of the files, newest file last, each chunk
/// starting at a record boundary.
pub(super) fn window_chunks(files: &mut [LogFile], window: u64) -> io::Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    let mut remaining = window;
    for (index, file) in files.iter_mut().enumerate().rev() {
        if remaining == 0 {
            break;
        }
        let start = file.len.saturating_sub(remaining);
        remaining -= file.len - start;
        if start == 0 {
            let data = file.read_from(0)?;
            chunks.push(Chunk {
                file: index,
                offset: 0,
                data,
            });
            continue;
        }

        // Reading from the byte before the window finds the first record
        // boundary even when the window starts exactly at one.
        let data = file.read_from(start - 1)?;
        if let Some(newline) = data.iter().position(|byte| *byte == b'\n') {
            chunks.push(Chunk {
                file: index,
                offset: start + newline as u64,
                data: data[newline + 1..].to_vec(),
            });
        }
    }
    chunks.reverse();
    Ok(chunks)
}

/// Joins partial records into lines of at most about [`MAX_LINE_BYTES`]. Returns them with the file index and
/// offset of the first byte after the last whole line, `None` without chunks.
fn assemble(
    instance: &str,
    chunks: &[Chunk],
    file_count: usize,
) -> (Vec<LogLine>, Option<(usize, u64)>) {
    let mut lines = Vec::new();
    let mut pending: Option<LogLine> = None;
    let mut end = None;

    for chunk in chunks {
        // Without a pending partial line everything before this chunk is consumed, and
        // naming this file keeps the position valid after older files are rotated away.
        let mut offset = chunk.offset;
        if pending.is_none() {
            end = Some((chunk.file, offset));
        }
        let newest = chunk.file + 1 == file_count;

        for segment in chunk.data.split_inclusive(|byte| *byte == b'\n') {
            // The newest file may end in a record conmon is still writing; read it next time.
            if !segment.ends_with(b"\n") && newest {
                break;
            }
            offset += segment.len() as u64;
            let text = String::from_utf8_lossy(segment.strip_suffix(b"\n").unwrap_or(segment));

            let Some(record) = parse_record(&text) else {
                tracing::debug!(
                    instance,
                    offset,
                    "skipped a log line that is not a CRI log record"
                );
                if pending.is_none() {
                    end = Some((chunk.file, offset));
                }
                continue;
            };
            let line = pending.get_or_insert_with(|| LogLine {
                instance: instance.to_owned(),
                time: record.time.to_owned(),
                stream: record.stream.to_owned(),
                text: String::new(),
            });
            line.text.push_str(record.text);
            if !record.partial || line.text.len() >= MAX_LINE_BYTES {
                lines.extend(pending.take());
                end = Some((chunk.file, offset));
            }
        }
    }
    (lines, end)
}
