//! A long-lived poll(2) set for servers with many clients: one array of `pollfd` kept in step
//! with the caller's list of connections, so a wakeup costs one poll call and a scan of
//! `revents`, with no allocation, and a client leaves in O(1) (`swap_remove`, mirrored by the
//! caller on its own list).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant;

use rustix::event::PollFlags;

use crate::sys;

pub struct PollSet {
    fds: Vec<libc::pollfd>,
    /// The fd of each slot (-1: none), kept while the slot is switched off.
    real: Vec<RawFd>,
}

impl PollSet {
    pub fn new() -> PollSet {
        PollSet {
            fds: Vec::new(),
            real: Vec::new(),
        }
    }

    /// Add an fd (or a disabled slot for `None`); returns its index.
    pub fn push(&mut self, fd: Option<&impl AsRawFd>, events: PollFlags) -> usize {
        self.real.push(fd.map_or(-1, |f| f.as_raw_fd()));
        self.fds.push(libc::pollfd {
            fd: -1,
            events: 0,
            revents: 0,
        });
        self.set(self.fds.len() - 1, events);
        self.fds.len() - 1
    }

    /// What slot `i` waits for. An empty set switches the slot off (poll ignores negative
    /// fds): poll reports hang-ups and errors even for no events, which would spin the loop on
    /// a stdin at EOF that nobody wants to read yet.
    pub fn set(&mut self, i: usize, events: PollFlags) {
        let f = &mut self.fds[i];
        f.events = events.bits() as i16;
        f.fd = if events.is_empty() { -1 } else { self.real[i] };
    }

    /// Remove slot `i`, moving the last slot into its place (as `Vec::swap_remove`).
    pub fn swap_remove(&mut self, i: usize) {
        self.fds.swap_remove(i);
        self.real.swap_remove(i);
    }

    /// Whether anything (readiness, error or hang-up) was reported for slot `i`.
    pub fn ready(&self, i: usize) -> bool {
        self.fds[i].revents != 0
    }

    /// Wait until something is ready or `deadline` passes; EINTR counts as "nothing ready".
    pub fn wait(&mut self, deadline: Option<Instant>) -> io::Result<usize> {
        for f in &mut self.fds {
            f.revents = 0;
        }
        let timeout = deadline.map_or(-1, |d| {
            let left = d.saturating_duration_since(Instant::now());
            // Rounded up, so we never wake just before the deadline and spin.
            i32::try_from(left.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
        });
        match sys::poll_raw(&mut self.fds, timeout) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    #[test]
    fn reports_readiness_and_follows_swap_remove() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (c, _d) = UnixStream::pair().unwrap();
        let mut set = PollSet::new();
        set.push(None::<&UnixStream>, PollFlags::IN);
        set.push(Some(&a), PollFlags::IN);
        set.push(Some(&c), PollFlags::IN);
        let soon = Some(Instant::now() + Duration::from_millis(20));
        assert_eq!(set.wait(soon).unwrap(), 0);
        b.write_all(b"x").unwrap();
        assert_eq!(set.wait(soon).unwrap(), 1);
        assert!(set.ready(1) && !set.ready(2) && !set.ready(0));
        set.swap_remove(1);
        assert_eq!(set.fds.len(), 2);
        assert_eq!(set.fds[1].fd, c.as_raw_fd());
        assert_eq!(set.wait(soon).unwrap(), 0);
    }
}
