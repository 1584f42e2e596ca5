//! Opening CAN_RAW sockets for the `can` subcommands and the `can:IFACE` endpoint: the one
//! message for a kernel without SocketCAN, interface names to indexes, and a socket bound
//! for sending and receiving on one interface.

use std::io;

use anyhow::{Context, Result};

use crate::cmd::usage;
use crate::sys::can::{self as sock, CanSocket};
use crate::sys::iface;

/// The one line for a kernel without SocketCAN (exit 1, documented in `can --help`).
pub fn no_can(e: io::Error) -> anyhow::Error {
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
pub fn open() -> Result<CanSocket> {
    CanSocket::open().map_err(no_can)
}

/// The index of CAN interface `name` (0 for `any`); an unknown name is a usage error.
pub fn ifindex(name: &str) -> Result<u32> {
    if name == "any" {
        return Ok(0);
    }
    iface::if_index(name).map_err(|_| usage(format!("no such CAN interface '{name}'")))
}

/// What [`bound`] opens: the socket, bound to one interface.
pub struct Bound {
    pub sock: CanSocket,
    /// The interface carries CAN FD (MTU 72) and the socket has it enabled.
    pub fd: bool,
    pub mtu: u32,
}

/// A socket bound to interface `name` (not `any`: a frame is sent on one interface), CAN FD
/// on when the interface carries it. `receive` false: a sender that never reads gets an empty
/// filter, so frames others send do not fill its buffer (its own are not looped back to it
/// either: CAN_RAW_RECV_OWN_MSGS stays off). An interface that is down is an error (exit 1):
/// `cannot VERB NAME: the interface is down`, VERB being e.g. "send on".
pub fn bound(name: &str, receive: bool, verb: &str) -> Result<Bound> {
    if name == "any" {
        return Err(usage(format!(
            "cannot {verb} 'any': frames are sent on one interface each"
        )));
    }
    let sock = open()?;
    let index = ifindex(name)?;
    let mtu = sock::mtu(name).unwrap_or(sock::CANFD_MTU as u32);
    if !receive {
        sock.set_filters(&[]).context("cannot set the filters")?;
    }
    let fd = mtu as usize >= sock::CANFD_MTU && sock.enable_fd().is_ok();
    sock.bind(index)
        .with_context(|| format!("cannot {verb} {name}"))?;
    if !sock::is_up(name).unwrap_or(true) {
        anyhow::bail!("cannot {verb} {name}: the interface is down");
    }
    Ok(Bound { sock, fd, mtu })
}
