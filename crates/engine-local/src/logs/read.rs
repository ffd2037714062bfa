//! Reading one instance's log files into whole lines.

use std::io;
use std::path::Path;

use strongroom_engine::LogLine;

use super::cursor::Position;
use super::files::{LogFile, open_instance_files};
use super::record::parse_record;

/// Lines of one instance and where to continue.
#[derive(Debug, Default)]
pub(crate) struct InstanceLog {
    /// Whole lines in file order.
    pub(crate) lines: Vec<LogLine>,
    /// First byte after the last whole line; `None` when the instance has no files.
    pub(crate) end: Option<Position>,
}

/// Data read from one file, starting at `offset`.
struct Chunk {
    /// Index of the file in the instance's files, oldest first.
    file: usize,
    offset: u64,
    data: Vec<u8>,
}

/// Reads the lines of `instance` after `start`, or all lines when `start` is `None`.
///
/// With `tail` and no `start`, older rotated files are read only until they
/// hold enough lines.
pub(crate) fn read_instance(
    dir: &Path,
    instance: &str,
    start: Option<Position>,
    tail: Option<usize>,
) -> io::Result<InstanceLog> {
    let mut files = open_instance_files(dir, instance)?;
    let chunks = match (start, tail) {
        (Some(start), _) => chunks_after(&mut files, start)?,
        (None, Some(tail)) => newest_chunks(&mut files, tail)?,
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

/// Reads whole files, newest first, until they hold at least `tail` whole lines.
fn newest_chunks(files: &mut [LogFile], tail: usize) -> io::Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    let mut whole_lines = 0;
    for (index, file) in files.iter_mut().enumerate().rev() {
        let data = file.read_from(0)?;
        whole_lines += count_whole_lines(&data);
        chunks.push(Chunk {
            file: index,
            offset: 0,
            data,
        });
        if whole_lines >= tail {
            break;
        }
    }
    chunks.reverse();
    Ok(chunks)
}

fn count_whole_lines(data: &[u8]) -> usize {
    data.split(|byte| *byte == b'\n')
        .filter(|line| {
            parse_record(&String::from_utf8_lossy(line)).is_some_and(|record| !record.partial)
        })
        .count()
}

/// Joins partial records into lines. Returns them with the file index and
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
            if !record.partial {
                lines.extend(pending.take());
                end = Some((chunk.file, offset));
            }
        }
    }
    (lines, end)
}
