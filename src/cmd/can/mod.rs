//! `can` (SPEC §8): one file per subcommand — `dump` receives on one CAN_RAW socket per
//! interface argument (as candump does) and prints candump's formats or writes pcap; `send`
//! writes frames parsed from cansend's syntax; `replay` plays a candump -L log back
//! (canplayer); `gen` generates load (cangen), both sending through `tx`. Frames and formats
//! are in `crate::can`, the socket in `sys::can`; what the subcommands share (opening a
//! socket, naming an interface, the no-AF_CAN message) is here.

mod dump;
mod input;
// `gen` is a reserved word in Rust 2024.
mod r#gen;
mod replay;
mod send;
mod tx;

use std::io;

use anyhow::{Context, Result};

use crate::cli::can::{CanArgs, CanCommand};
use crate::cmd::usage;
use crate::exit::Code;
use crate::sys::can::CanSocket;
use crate::sys::packet;

pub fn run(args: &CanArgs) -> Result<Code> {
    match &args.command {
        CanCommand::Dump(a) => dump::run(a),
        CanCommand::Send(a) => send::run(a),
        CanCommand::Replay(a) => replay::run(a),
        CanCommand::Gen(a) => r#gen::run(a),
    }
}

/// The one line for a kernel without SocketCAN (exit 1, documented in `can --help`).
pub(crate) fn no_can(e: io::Error) -> anyhow::Error {
    match e.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => anyhow::anyhow!(
            "this kernel has no AF_CAN sockets: the 'can' kernel module is missing or not loaded (modprobe can can-raw)"
        ),
        Some(libc::EPROTONOSUPPORT) => anyhow::anyhow!(
            "this kernel has no CAN_RAW sockets: the 'can-raw' kernel module is missing or not loaded (modprobe can-raw)"
        ),
        _ => anyhow::Error::new(e).context("cannot open a CAN socket"),
    }
}

/// A CAN_RAW socket, or the no-AF_CAN line.
pub(crate) fn open() -> Result<CanSocket> {
    CanSocket::open().map_err(no_can)
}

/// The index of CAN interface `name` (0 for `any`).
pub(crate) fn ifindex(name: &str) -> Result<u32> {
    if name == "any" {
        return Ok(0);
    }
    packet::if_index(name).map_err(|_| usage(format!("no such CAN interface '{name}'")))
}

/// A closed stdout (`| head`) ends a dump quietly: `Ok(false)`.
pub(crate) fn write_result(r: io::Result<()>) -> Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("write failed"),
    }
}
