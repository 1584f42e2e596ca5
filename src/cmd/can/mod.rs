//! `can` (SPEC §8): one file per subcommand — `dump` receives on one CAN_RAW socket per
//! interface argument (as candump does) and prints candump's formats or writes pcap; `send`
//! writes frames parsed from cansend's syntax (`every`: cyclically, through the BCM);
//! `replay` plays a candump -L log back (canplayer) and `gen` generates load (cangen), both
//! sending through `tx`. Frames and formats are in `crate::can`, the socket in `sys::can`.

mod dump;
mod every;
mod input;
// `gen` is a reserved word in Rust 2024.
mod r#gen;
mod replay;
mod send;
mod tx;

use std::io;

use anyhow::{Context, Result};

use crate::cli::can::{CanArgs, CanCommand};
use crate::exit::Code;

pub fn run(args: &CanArgs) -> Result<Code> {
    match &args.command {
        CanCommand::Dump(a) => dump::run(a),
        CanCommand::Send(a) => match a.every {
            Some(every) => every::run(a, every),
            None => send::run(a),
        },
        CanCommand::Replay(a) => replay::run(a),
        CanCommand::Gen(a) => r#gen::run(a),
    }
}

pub(crate) use crate::can::link::{ifindex, open};

/// A closed stdout (`| head`) ends a dump quietly: `Ok(false)`.
pub(crate) fn write_result(r: io::Result<()>) -> Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("write failed"),
    }
}
