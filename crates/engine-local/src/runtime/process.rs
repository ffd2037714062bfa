//! Host processes the runtime layer watches: conmon, container and exec processes.

use std::path::Path;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Reads a PID file; `None` when it is missing or contains no positive number.
pub(crate) fn read_pid_file(path: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.trim().parse().ok().filter(|pid| *pid > 0)
}

/// Returns whether `pid` runs; a zombie waiting to be reaped counts as exited.
pub(crate) fn is_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => process_state(&stat).is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// Returns whether `pid` is a conmon for the container `id`, so that a PID reused
/// by an unrelated process is never signalled.
pub(crate) fn is_conmon_of(pid: i32, id: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|byte| *byte == 0).collect();
    let is_conmon = args
        .first()
        .is_some_and(|program| program.ends_with(b"conmon"));
    let has_id = args
        .windows(2)
        .any(|pair| pair[0] == b"-c" && pair[1] == id.as_bytes());
    is_conmon && has_id
}

/// Sends `signal` to `pid`, ignoring a process that is already gone.
pub(crate) fn signal(pid: i32, signal: Signal) {
    if let Err(error) = kill(Pid::from_raw(pid), signal) {
        tracing::debug!(pid, %error, signal = signal.as_str(), "signal not delivered");
    }
}

/// Kills the session led by `leader` and every process descending from it.
///
/// runc starts each exec'd command as a session leader. A background child
/// keeps the session id after the leader exits and it is re-parented to the
/// container's first process, so the session finds it where the process
/// tree no longer does. Members are collected before any is killed.
pub(crate) fn kill_session(leader: i32) {
    let processes = process_table();
    let mut doomed: Vec<i32> = processes
        .iter()
        .filter(|process| process.session == leader)
        .map(|process| process.pid)
        .collect();
    doomed.push(leader);

    let mut index = 0;
    while index < doomed.len() {
        let parent = doomed[index];
        let children = processes.iter().filter(|process| process.parent == parent);
        for child in children {
            if !doomed.contains(&child.pid) {
                doomed.push(child.pid);
            }
        }
        index += 1;
    }
    for pid in doomed {
        signal(pid, Signal::SIGKILL);
    }
}

struct ProcessEntry {
    pid: i32,
    parent: i32,
    session: i32,
}

/// Returns the pid, parent and session of every process on the host.
fn process_table() -> Vec<ProcessEntry> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let fields = fields_after_command(&stat)?;
            Some(ProcessEntry {
                pid,
                parent: fields.get(1)?.parse().ok()?,
                session: fields.get(3)?.parse().ok()?,
            })
        })
        .collect()
}

/// Splits /proc/PID/stat after the command name, which may itself contain spaces and parentheses.
fn fields_after_command(stat: &str) -> Option<Vec<&str>> {
    let end = stat.rfind(')')?;
    Some(stat[end + 1..].split_whitespace().collect())
}

fn process_state(stat: &str) -> Option<char> {
    fields_after_command(stat)?.first()?.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (sleep (x) y) S 4200 4242 4200 0 -1 4194560 100 0 0 0";

    #[test]
    fn stat_fields_skip_command_with_parentheses() {
        assert_eq!(process_state(STAT), Some('S'));
        let fields = fields_after_command(STAT).unwrap();
        assert_eq!(fields[1], "4200");
        assert_eq!(fields[3], "4200");
    }

    #[test]
    fn is_alive_sees_this_process() {
        assert!(is_alive(std::process::id() as i32));
        assert!(!is_alive(i32::MAX));
    }

    #[test]
    fn read_pid_file_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pid");
        std::fs::write(&path, "123\n").unwrap();
        assert_eq!(read_pid_file(&path), Some(123));
        std::fs::write(&path, "x").unwrap();
        assert_eq!(read_pid_file(&path), None);
    }
}
