//! What `replay` and `gen` share: a CAN_RAW socket opened for sending on one interface, and
//! the event loop they send from (the reactor with the signal pipe): waits for a deadline or
//! for room in a full queue (ENOBUFS) happen there, so Ctrl-C is noticed during any wait.

use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{ifindex, open};
use crate::can::Frame;
use crate::cmd::usage;
use crate::event::Interrupted;
use crate::event::reactor::{Interest, Reactor, Ready, Token, Watch, watch_read};
use crate::event::signals::Signals;
use crate::sys::can::{self as sock, CanSocket};

/// How long one frame may wait for room in the interface's queue before the send gives up.
const SEND_WAIT: Duration = Duration::from_secs(5);
/// After ENOBUFS on a socket that polls writable (the queue that is full is the device's,
/// not the socket's send buffer, which is what POLLOUT reports), the retry waits this long.
const BACKOFF: Duration = Duration::from_millis(1);
/// The signal pipe's token; sockets use their index.
const SIGNAL: Token = usize::MAX;

/// A CAN_RAW socket bound to one interface, for sending only.
pub struct Tx {
    pub name: String,
    sock: CanSocket,
    /// The interface takes CAN FD frames (MTU 72) and the socket has them enabled.
    fd_ok: bool,
    mtu: u32,
    watch: Watch,
}

impl Tx {
    /// Opens and binds a socket on `name`; `token` is its reactor token (its index).
    pub fn open(name: &str, token: Token) -> Result<Tx> {
        if name == "any" {
            return Err(usage("frames are sent on one interface each, not 'any'"));
        }
        let s = open()?;
        let index = ifindex(name)?;
        let mtu = sock::mtu(name).unwrap_or(sock::CANFD_MTU as u32);
        // Receives nothing: frames others send would only fill its buffer. (Its own frames
        // are not looped back to it either: CAN_RAW_RECV_OWN_MSGS stays off.)
        s.set_filters(&[]).context("cannot set the filters")?;
        let fd_ok = mtu as usize >= sock::CANFD_MTU && s.enable_fd().is_ok();
        s.bind(index)
            .with_context(|| format!("cannot send on {name}"))?;
        if !sock::is_up(name).unwrap_or(true) {
            anyhow::bail!("cannot send on {name}: the interface is down");
        }
        Ok(Tx {
            name: name.to_string(),
            sock: s,
            fd_ok,
            mtu,
            watch: Watch::new(token),
        })
    }

    /// An error unless the interface can carry `f` (a CAN FD frame needs MTU 72).
    pub fn check_fits(&self, f: &Frame) -> Result<()> {
        if f.fd && !self.fd_ok {
            anyhow::bail!(
                "{} is a classic CAN interface (MTU {}), a CAN FD frame does not fit",
                self.name,
                self.mtu
            );
        }
        Ok(())
    }
}

/// The reactor and the signal pipe every wait goes through.
pub struct Events {
    reactor: Reactor,
    signals: Signals,
    _signal_watch: Watch,
    ready: Vec<Ready>,
    fired: Vec<Token>,
}

impl Events {
    pub fn new() -> Result<Events> {
        let signals = Signals::install().context("cannot install signal handlers")?;
        let mut reactor = Reactor::new().context("cannot create the event loop")?;
        let signal_watch =
            watch_read(&mut reactor, signals.fd(), SIGNAL).context("cannot watch for signals")?;
        let ev = Events {
            reactor,
            signals,
            _signal_watch: signal_watch,
            ready: Vec::with_capacity(4),
            fired: Vec::with_capacity(4),
        };
        // A signal that came during setup stops us before the first frame.
        ev.check_signal()?;
        Ok(ev)
    }

    /// The signal pipe, for a reader that waits on its own reactor.
    pub fn signal_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.signals.fd()
    }

    /// `Err(Interrupted)` once SIGINT or SIGTERM has arrived.
    pub fn check_signal(&self) -> Result<()> {
        match self.signals.pending() {
            Some(signal) => Err(Interrupted { signal }.into()),
            None => Ok(()),
        }
    }

    fn wait(&mut self, deadline: Instant) -> Result<()> {
        self.ready.clear();
        self.fired.clear();
        self.reactor
            .wait(Some(deadline), &mut self.ready, &mut self.fired)
            .context("poll failed")?;
        self.check_signal()
    }

    /// Sleeps on the reactor until `at` (the wait is rounded up to whole milliseconds).
    pub fn wait_until(&mut self, at: Instant) -> Result<()> {
        while Instant::now() < at {
            self.wait(at)?;
        }
        Ok(())
    }

    /// Sends `f` on `tx`, waiting out a full queue: first for the socket to poll writable,
    /// then in [`BACKOFF`] steps, for at most [`SEND_WAIT`].
    pub fn send(&mut self, tx: &mut Tx, f: &Frame) -> Result<()> {
        let mut deadline = None;
        let r = loop {
            match tx.sock.send(f) {
                Ok(()) => break Ok(()),
                Err(e)
                    if e.raw_os_error() == Some(libc::ENOBUFS)
                        || e.kind() == io::ErrorKind::WouldBlock =>
                {
                    let now = Instant::now();
                    let first = deadline.is_none();
                    let end = *deadline.get_or_insert(now + SEND_WAIT);
                    if now >= end {
                        break Err(anyhow::Error::new(e).context(format!(
                            "cannot send on {}: the queue stayed full for {} s",
                            tx.name,
                            SEND_WAIT.as_secs()
                        )));
                    }
                    let want = if first {
                        Interest::WRITE
                    } else {
                        Interest::NONE
                    };
                    tx.watch
                        .set(&mut self.reactor, tx.sock.as_fd(), want)
                        .context("cannot watch a CAN socket")?;
                    let until = if first { end } else { now + BACKOFF };
                    if let Err(e) = self.wait(until) {
                        break Err(e);
                    }
                }
                // Down: ENETDOWN. Deleted: the socket is unbound, so its sends find no
                // device (ENXIO; ENODEV on the way).
                Err(e) if e.raw_os_error() == Some(libc::ENETDOWN) => {
                    break Err(anyhow::anyhow!(
                        "sending on {} failed: the interface went down",
                        tx.name
                    ));
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENXIO | libc::ENODEV)) => {
                    break Err(anyhow::anyhow!(
                        "sending on {} failed: the interface is gone",
                        tx.name
                    ));
                }
                Err(e) => {
                    break Err(anyhow::Error::new(e).context(format!("cannot send on {}", tx.name)));
                }
            }
        };
        if deadline.is_some() {
            // A writable socket left in the reactor would wake every later wait at once.
            tx.watch.clear(&mut self.reactor, tx.sock.as_fd());
        }
        r
    }
}

/// Whether an error is the Ctrl-C (or SIGTERM) that stopped a loop.
pub fn is_interrupt(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Interrupted>())
}
