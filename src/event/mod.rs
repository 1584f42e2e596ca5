//! The event loop's parts: the one epoll [`reactor`] every loop runs on; signal delivery as a
//! pollable fd; stdin/stdout as pollable non-blocking fds; one-direction transfers
//! ([`flow::Flow`], with the [`shaper`] stage for framing and taps); the two-ended
//! [`session`] state machine and its ends ([`end`]); the stdio ↔ socket [`relay`] of `connect`
//! and `listen`; the many-client [`server`] of `listen -k` and the [`forward`] engine of
//! `pair -k`.

pub mod can_codec;
pub mod child;
pub mod end;
pub mod flow;
pub mod forward;
pub mod frame;
pub mod hexdump;
pub mod log;
pub mod pcap_tap;
pub mod progress;
pub mod reactor;
pub mod relay;
pub mod server;
pub mod session;
pub mod shape;
pub mod shaper;
pub mod signals;
pub mod stdio;
pub mod step;
pub mod tty;
pub mod tunnel;

use std::fmt;
use std::os::fd::BorrowedFd;
use std::time::Instant;

use reactor::{Interest, Reactor, Watch};
use signals::Signals;

/// The earliest of several optional deadlines.
pub fn earliest(deadlines: &[Option<Instant>]) -> Option<Instant> {
    deadlines.iter().flatten().min().copied()
}

/// A timeout expired (exit code 4). `what` names the flag, e.g. `idle timeout (-i 5s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeout {
    pub what: String,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} expired", self.what)
    }
}

impl std::error::Error for Timeout {}

/// A session was ended by SIGINT or SIGTERM after a clean shutdown (exit 130/143).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub signal: i32,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.signal == libc::SIGTERM {
            "SIGTERM"
        } else {
            "SIGINT"
        };
        write!(f, "interrupted by {name}")
    }
}

impl std::error::Error for Interrupted {}

/// Wait until `fd` is ready for `want`, on a reactor of its own (nothing else runs yet: a
/// one-client accept, a blocking proxy dialogue, a one-session TLS handshake). A signal ends
/// the wait ([`Interrupted`], exit 130/143), `deadline` too ([`Timeout`] naming `what`, exit 4).
pub fn wait_ready(
    fd: BorrowedFd<'_>,
    want: Interest,
    deadline: Option<Instant>,
    signals: &Signals,
    what: &dyn Fn() -> String,
) -> anyhow::Result<()> {
    const SIG: usize = 0;
    const FD: usize = 1;
    let mut r = Reactor::new()?;
    let _sig = reactor::watch_read(&mut r, signals.fd(), SIG)?;
    let mut w = Watch::new(FD);
    w.set(&mut r, fd, want)?;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Timeout { what: what() }.into());
        }
        ready.clear();
        r.wait(deadline, &mut ready, &mut fired)?;
        if ready.iter().any(|e| e.token == SIG)
            && let Some(signal) = signals.pending()
        {
            return Err(Interrupted { signal }.into());
        }
        if ready.iter().any(|e| e.token == FD) {
            w.clear(&mut r, fd);
            return Ok(());
        }
    }
}
