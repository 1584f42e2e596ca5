//! sockcli: a netcat-style network multitool. The binary is a thin `main`; everything lives
//! in this library so that the fuzz targets (`fuzz/`) can reach the parsers. Only [`main`] and
//! the [`fuzzing`] entry points are public.

#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod can;
mod cli;
mod cmd;
mod conv;
mod digits;
mod endpoint;
mod event;
mod exit;
mod json;
mod proxy;
mod sniff;
mod sock;
mod tls;
// The only module with `unsafe` (each block with a SAFETY line): thin wrappers of syscalls.
#[allow(unsafe_code)]
mod sys;

pub mod fuzzing;

use std::io::Write;
use std::process::ExitCode;

/// Parses the command line, runs the subcommand, and turns an error into one line on stderr
/// and a documented exit code.
pub fn main() -> ExitCode {
    let cli = match cli::parse_from(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cmd::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            let code = exit::classify(&err);
            // Interrupted sessions already shut down cleanly; the exit status says why.
            if !matches!(code, exit::Code::Interrupted | exit::Code::Terminated) {
                let _ = writeln!(std::io::stderr().lock(), "sockcli: {}", exit::render(&err));
            }
            code.into()
        }
    }
}

/// Help and version go to stdout with exit 0; a usage error is one line on stderr, exit 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = e.print();
        return exit::Code::Usage.into();
    }
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("invalid usage");
    let mut first = first.strip_prefix("error: ").unwrap_or(first).to_string();
    // A conflict with a group lists the members on the indented lines that follow.
    if first.ends_with(':') {
        let items: Vec<&str> = lines
            .take_while(|l| l.starts_with("  "))
            .map(str::trim)
            .collect();
        first = format!("{} {}", first, items.join(", "));
    }
    eprintln!("sockcli: {first} (see 'sockcli --help')");
    exit::Code::Usage.into()
}
