//! The event loop's parts: waiting with a deadline, the epoll [`reactor`], signal delivery as a
//! pollable fd, stdin/stdout as pollable non-blocking fds, one-direction transfers
//! ([`flow::Flow`]), the stdio ↔ socket relay built from them, and the many-client
//! [`server`].

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
pub mod signals;
pub mod stdio;
pub mod tty;

use std::fmt;
use std::io;
use std::time::Instant;

use rustix::event::{PollFd, Timespec, poll};

/// poll(2) until something is ready or `deadline` passes. A signal (EINTR) returns `Ok(0)` so
/// the caller re-checks its state. The wait is rounded up to whole milliseconds' worth of
/// nanoseconds so we never wake just before the deadline and spin (as mio does).
pub fn poll_until(fds: &mut [PollFd<'_>], deadline: Option<Instant>) -> io::Result<usize> {
    let timeout = deadline.map(|d| {
        let left = d.saturating_duration_since(Instant::now());
        let ms = left.as_nanos().div_ceil(1_000_000);
        Timespec {
            tv_sec: (ms / 1000) as i64,
            tv_nsec: ((ms % 1000) * 1_000_000) as i64,
        }
    });
    match poll(fds, timeout.as_ref()) {
        Ok(n) => Ok(n),
        Err(rustix::io::Errno::INTR) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

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
