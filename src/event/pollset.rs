//! A long-lived poll(2) set for servers with many clients: one array of `pollfd` kept in step
//! with the caller's list of connections, so a wakeup costs one poll call and a scan of
//! `revents`, with no allocation, and a client leaves in O(1) (`swap_remove`, mirrored by the
//! caller on its own list).

use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

use rustix::event::PollFlags;

use crate::sys;

pub struct PollSet {
    fds: Vec<libc::pollfd>,
}

impl PollSet {
    pub fn new() -> PollSet {
        PollSet { fds: Vec::new() }
    }

    /// Add an fd (or a disabled slot for `None`); returns its index.
    pub fn push(&mut self, fd: Option<&impl AsRawFd>, events: PollFlags) -> usize {
        self.fds.push(libc::pollfd {
            fd: fd.map_or(-1, |f| f.as_raw_fd()),
            events: events.bits() as i16,
            revents: 0,
        });
        self.fds.len() - 1
    }

    /// What slot `i` waits for; an empty set keeps the fd but asks for nothing (errors and
    /// hang-ups are still reported).
    pub fn set(&mut self, i: usize, events: PollFlags) {
        self.fds[i].events = events.bits() as i16;
    }

    /// Stop polling slot `i` altogether (poll ignores negative fds).
    pub fn disable(&mut self, i: usize) {
        self.fds[i].fd = -1;
        self.fds[i].revents = 0;
    }

    /// Remove slot `i`, moving the last slot into its place (as `Vec::swap_remove`).
    pub fn swap_remove(&mut self, i: usize) {
        self.fds.swap_remove(i);
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
