//! An opened endpoint as a session's end sees it: the fds it reads and writes, what it is
//! called in logs, the addresses of its connection, its child, and what must be cleaned up
//! when it goes. `endpoint::open` makes them; sessions and the `pair -k` engine use them.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::process::Child;
use std::rc::Rc;

use socket2::Socket;

use super::can_codec::CanLink;
use super::session::End;
use super::stdio::NonBlocking;
use crate::sock::UnixPathGuard;
use crate::tls::link::Link;

/// The addresses of the connection on the other end, exported to `exec:` children as
/// `SOCKCLI_PEER_ADDR/PORT` and `SOCKCLI_LOCAL_ADDR/PORT` (as ncat and socat do).
#[derive(Debug, Clone, Copy, Default)]
pub struct Addrs {
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
}

/// What a session reads and writes for one end.
pub enum Io {
    /// A socket read and written (TCP, UDP, unix, a child's socketpair end).
    Socket(Socket),
    /// One fd read and written that is not a socket (a pty master, `fd:N`).
    Duplex(OwnedFd),
    /// Separate fds (a file read, a file written); `None` for a direction that does not exist.
    Split {
        rd: Option<OwnedFd>,
        wr: Option<OwnedFd>,
    },
    /// The process's stdin and stdout, non-blocking until dropped.
    Stdio {
        stdin: NonBlocking<'static>,
        stdout: NonBlocking<'static>,
    },
}

/// An opened endpoint.
pub struct Opened {
    pub io: Io,
    pub dgram: bool,
    /// What `-v` calls it: an address, a path, a command.
    pub label: String,
    pub addrs: Addrs,
    /// The `exec:`/`sh:` child, to be reaped after the session.
    pub child: Option<Child>,
    /// This end is a child's stdin/stdout: the child may stop reading or exit at any time.
    pub is_child: bool,
    /// A CAN socket, and whether its interface carries CAN FD.
    pub can: Option<CanLink>,
    /// A TLS end: the pump between the TCP socket and `io` (one end of a socketpair), for the
    /// loop to drive ([`crate::tls::hub::Hub`]).
    pub tls: Option<Box<crate::tls::pump::Pump>>,
    /// A TLS end whose keys the session's flows use: `io` is then the TCP socket itself.
    pub link: Option<Rc<RefCell<Link>>>,
    /// Things removed or closed when the end goes: a unix socket path, a pty link, the pty's
    /// slave (kept open so the master never sees a hang-up between two users of the port).
    _keep: Vec<Keep>,
}

pub enum Keep {
    Path(#[allow(dead_code)] UnixPathGuard),
    Link(PathBuf),
    Fd(#[allow(dead_code)] OwnedFd),
}

impl Drop for Keep {
    fn drop(&mut self) {
        if let Keep::Link(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Opened {
    pub fn new(io: Io, dgram: bool, label: String, addrs: Addrs) -> Opened {
        Opened {
            io,
            dgram,
            label,
            addrs,
            child: None,
            is_child: false,
            can: None,
            tls: None,
            link: None,
            _keep: Vec::new(),
        }
    }

    /// Something to clean up when this end goes.
    pub fn keep(&mut self, k: Option<Keep>) {
        self._keep.extend(k);
    }

    /// The session's view of this end.
    pub fn end(&self) -> io::Result<End<'_>> {
        Ok(match &self.io {
            Io::Socket(s) => {
                let mut e = End::socket(s.as_fd(), self.dgram);
                e.reader_may_leave = self.is_child;
                e.can = self.can;
                e.tls = self.link.as_ref();
                e
            }
            Io::Duplex(fd) => {
                let mut e = End::duplex(fd.as_fd())?;
                // A pty never ends by itself (we hold its slave): the other side decides.
                e.keyboard = rustix::termios::isatty(fd.as_fd());
                e
            }
            Io::Split { rd, wr } => End::split(
                rd.as_ref().map(|f| f.as_fd()),
                wr.as_ref().map(|f| f.as_fd()),
            )?,
            Io::Stdio { stdin, stdout } => {
                let mut e = End::split(Some(stdin.as_fd()), Some(stdout.as_fd()))?;
                e.keyboard = rustix::termios::isatty(stdin.as_fd());
                e
            }
        })
    }
}
