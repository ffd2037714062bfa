//! The background server process: its pid file and what `/proc` reports about it.

use std::path::Path;

/// Reads a pid file; `None` when it is absent or contains no positive number.
pub fn read_pid_file(path: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.trim().parse::<i32>().ok().filter(|pid| *pid > 0)
}

/// Returns whether `pid` is a live `strongroom server` process.
///
/// The check reads `/proc/PID/cmdline`: the program's file name must be the
/// name of this binary (or `strongroom`) and one argument must be `server`,
/// so a pid that the kernel reused for another program is never signalled.
pub fn is_strongroom_server(pid: i32) -> bool {
    if !is_alive(pid) {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    is_server_cmdline(&cmdline, &own_program_name())
}

/// Returns whether a NUL-separated command line runs `program` with the `server` command.
pub fn is_server_cmdline(cmdline: &[u8], program: &str) -> bool {
    let mut args = cmdline.split(|b| *b == 0).filter(|a| !a.is_empty());
    let Some(argv0) = args.next() else {
        return false;
    };
    let argv0 = String::from_utf8_lossy(argv0);
    let name = Path::new(argv0.as_ref())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ours = name == program || name == "strongroom";
    ours && args.any(|arg| arg == b"server")
}

/// Returns whether `pid` exists and has not exited; a zombie counts as exited.
pub fn is_alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X") | None)
}

fn own_program_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "strongroom".to_owned())
}

/// Returns the last `count` lines of a text file, or an empty string.
pub fn tail_lines(path: &Path, count: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(count);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests;
