//! The `strongroom` binary: the CLI and, with `strongroom server`, the server.

fn main() -> std::process::ExitCode {
    strongroom_cli::main()
}
