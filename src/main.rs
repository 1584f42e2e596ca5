//! sockcli: a netcat-style network multitool. The work is in the library (`src/lib.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    sockcli::main()
}
