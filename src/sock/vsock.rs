//! AF_VSOCK stream sockets (issue 14 §3): between a VM and its host, or within one kernel
//! over the loopback transport (CID 1). Addresses are socket2's `SockAddr::vsock`.
//!
//! # Platform notes
//! Linux only. Connecting needs a transport for the CID: `vsock_loopback` for CID 1,
//! `vmw_vsock_virtio_transport` in a guest, `vhost_vsock` on a host with guests; without one
//! the kernel refuses at once (ENODEV) or the connect waits until `-w` (exit 4).

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::event::reactor::{self, Interest, Reactor, Watch};

/// VMADDR_CID_ANY and VMADDR_PORT_ANY: `-1U`, never a real CID or port.
pub const ANY: u32 = u32::MAX;

/// Connect to `cid`:`port` without blocking the caller past `deadline` (TimedOut) or a byte
/// on `interrupt` (Interrupted).
pub fn connect(
    cid: u32,
    port: u32,
    deadline: Option<Instant>,
    interrupt: BorrowedFd<'_>,
) -> io::Result<Socket> {
    let (sock, done) = begin_connect(cid, port)?;
    if done {
        return Ok(sock);
    }
    const INTERRUPT: usize = 0;
    const SOCK: usize = 1;
    let mut r = Reactor::new()?;
    let _i = reactor::watch_read(&mut r, interrupt, INTERRUPT)?;
    let mut w = Watch::new(SOCK);
    w.set(&mut r, sock.as_fd(), Interest::WRITE)?;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(io::ErrorKind::TimedOut.into());
        }
        ready.clear();
        r.wait(deadline, &mut ready, &mut fired)?;
        if ready.iter().any(|e| e.token == INTERRUPT) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        if ready.iter().any(|e| e.token == SOCK) {
            w.clear(&mut r, sock.as_fd());
            return match sock.take_error()? {
                Some(e) => Err(e),
                None => Ok(sock),
            };
        }
    }
}

/// Start a non-blocking connect: the socket, and whether it connected at once (else wait
/// for it to be writable, then `take_error`).
pub fn begin_connect(cid: u32, port: u32) -> io::Result<(Socket, bool)> {
    let sock = Socket::new(Domain::VSOCK, Type::STREAM.nonblocking().cloexec(), None)?;
    match sock.connect(&SockAddr::vsock(cid, port)) {
        Ok(()) => Ok((sock, true)),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok((sock, false)),
        Err(e) => Err(e),
    }
}

/// A listening socket on `port` of every local CID, non-blocking.
pub fn listen(port: u32, backlog: Option<i32>) -> io::Result<Socket> {
    let sock = Socket::new(Domain::VSOCK, Type::STREAM.nonblocking().cloexec(), None)?;
    sock.bind(&SockAddr::vsock(ANY, port))?;
    sock.listen(backlog.unwrap_or(128))?;
    Ok(sock)
}

/// `vsock:CID:PORT`, `*` for VMADDR_CID_ANY.
pub fn display(cid: u32, port: u32) -> String {
    match cid {
        ANY => format!("vsock:*:{port}"),
        _ => format!("vsock:{cid}:{port}"),
    }
}

/// A CID or port as typed: a decimal number below 2^32 - 1 (that value means "any").
pub fn number(s: &str, what: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid vsock {what} '{s}' (expected a number 0-4294967294)"
        ));
    }
    match s.parse::<u64>() {
        Ok(n) if n < u64::from(ANY) => Ok(n as u32),
        _ => Err(format!("vsock {what} {s} out of range 0-4294967294")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_display() {
        assert_eq!(number("1", "CID"), Ok(1));
        assert_eq!(number("4294967294", "port"), Ok(u32::MAX - 1));
        assert_eq!(
            number("4294967295", "CID").unwrap_err(),
            "vsock CID 4294967295 out of range 0-4294967294"
        );
        assert!(number("-1", "port").is_err());
        assert!(number("", "port").is_err());
        assert_eq!(display(ANY, 5), "vsock:*:5");
        assert_eq!(display(3, 5000), "vsock:3:5000");
    }
}
