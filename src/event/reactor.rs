//! The one reactor every loop of sockcli runs on: readiness through epoll(7) (level-triggered),
//! timers from a min-heap, signals and child exits as ordinary readable fds (the signal
//! self-pipe of [`super::signals`], a pidfd per child).
//!
//! A wake-up costs what is ready, not what is open: sources stay registered while idle, and a
//! [`Watch`] only calls epoll_ctl when what its fd waits for changes. Registration and removal
//! are O(1) (epoll_ctl), timers O(log n).
//!
//! epoll refuses regular files and some character devices (`EPERM`): poll(2) calls those
//! always ready, and so does the reactor — a [`Watch`] on such an fd reports it ready for what
//! it waits for at every wake-up, without blocking.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Instant;

use rustix::buffer::spare_capacity;
use rustix::event::Timespec;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::io::Errno;

/// What a registration stands for; the owner of the reactor gives the numbers their meaning.
pub type Token = usize;

/// What an fd waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interest {
    pub read: bool,
    pub write: bool,
}

impl Interest {
    pub const NONE: Interest = Interest {
        read: false,
        write: false,
    };
    pub const READ: Interest = Interest {
        read: true,
        write: false,
    };
    pub const WRITE: Interest = Interest {
        read: false,
        write: true,
    };

    pub fn is_empty(self) -> bool {
        !self.read && !self.write
    }

    /// Both interests at once (one fd that is the source of one flow and the sink of another).
    #[allow(dead_code)] // for the relay, which is being moved onto the reactor
    pub fn union(self, other: Interest) -> Interest {
        Interest {
            read: self.read || other.read,
            write: self.write || other.write,
        }
    }

    fn flags(self) -> EventFlags {
        let mut f = EventFlags::empty();
        if self.read {
            f |= EventFlags::IN | EventFlags::RDHUP;
        }
        if self.write {
            f |= EventFlags::OUT;
        }
        f
    }
}

/// One fd's readiness from one wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    pub token: Token,
    pub readable: bool,
    pub writable: bool,
    /// An error or hang-up: the next read or write says which.
    pub closed: bool,
}

impl Ready {
    /// Whether this readiness is news for an fd waiting for `want`: errors and hang-ups are
    /// news for any wait (the read or write that follows reports them).
    pub fn serves(&self, want: Interest) -> bool {
        self.closed || (want.read && self.readable) || (want.write && self.writable)
    }
}

pub struct Reactor {
    ep: OwnedFd,
    buf: Vec<epoll::Event>,
    /// fds epoll refused, with what they wait for: ready at every wake-up.
    always: Vec<(Token, Interest)>,
    timers: BinaryHeap<Reverse<(Instant, u64, Token)>>,
    timer_seq: u64,
}

/// Events read per epoll_wait; more ready fds are simply reported by the next call.
const EVENTS_PER_WAIT: usize = 1024;

impl Reactor {
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            ep: epoll::create(CreateFlags::CLOEXEC)?,
            buf: Vec::with_capacity(EVENTS_PER_WAIT),
            always: Vec::new(),
            timers: BinaryHeap::new(),
            timer_seq: 0,
        })
    }

    /// Ask for `token` to come back from [`Reactor::wait`] as a timer at `at`. Timers cannot be
    /// cancelled: the owner ignores one that no longer means anything (re-arming on fire is
    /// how a per-connection idle timeout costs O(log n) per expiry, not per byte).
    pub fn timer(&mut self, at: Instant, token: Token) {
        self.timer_seq += 1;
        self.timers.push(Reverse((at, self.timer_seq, token)));
    }

    /// Timers still armed (for tests and memory bounds).
    #[cfg(test)]
    pub fn timers_armed(&self) -> usize {
        self.timers.len()
    }

    /// Wait until an fd is ready, a timer is due, or `deadline` passes (then nothing is
    /// reported: the caller checks its own deadlines). EINTR reports nothing, so a caller
    /// re-checks its state. Ready fds are appended to `ready`, due timers to `fired`.
    pub fn wait(
        &mut self,
        deadline: Option<Instant>,
        ready: &mut Vec<Ready>,
        fired: &mut Vec<Token>,
    ) -> io::Result<()> {
        let next_timer = self.timers.peek().map(|Reverse((t, _, _))| *t);
        let wake = match (deadline, next_timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let busy = self.always.iter().any(|(_, i)| !i.is_empty());
        let timeout = if busy {
            Some(Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            })
        } else {
            wake.map(|d| {
                // Rounded up to whole milliseconds so we never wake just before the deadline
                // and spin (as mio does).
                let ms = d
                    .saturating_duration_since(Instant::now())
                    .as_nanos()
                    .div_ceil(1_000_000);
                Timespec {
                    tv_sec: (ms / 1000) as i64,
                    tv_nsec: ((ms % 1000) * 1_000_000) as i64,
                }
            })
        };
        self.buf.clear();
        match epoll::wait(&self.ep, spare_capacity(&mut self.buf), timeout.as_ref()) {
            Ok(_) => {}
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        for e in &self.buf {
            let f = e.flags;
            ready.push(Ready {
                token: e.data.u64() as Token,
                readable: f.intersects(EventFlags::IN | EventFlags::RDHUP),
                writable: f.contains(EventFlags::OUT),
                closed: f.intersects(EventFlags::ERR | EventFlags::HUP),
            });
        }
        for &(token, want) in &self.always {
            if !want.is_empty() {
                ready.push(Ready {
                    token,
                    readable: want.read,
                    writable: want.write,
                    closed: false,
                });
            }
        }
        let now = Instant::now();
        while let Some(Reverse((t, _, token))) = self.timers.peek().copied() {
            if t > now {
                break;
            }
            self.timers.pop();
            fired.push(token);
        }
        Ok(())
    }
}

/// How a [`Watch`]'s fd is known to the reactor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registered {
    No,
    Epoll,
    /// epoll refused it (a regular file): listed in `Reactor::always`.
    Always,
}

/// One fd's registration: remembers what it waits for so that an unchanged wait costs nothing.
/// An empty wait takes the fd out of epoll altogether, because epoll reports hang-ups and
/// errors even for an empty event mask, which would spin a loop on a stdin at EOF that nobody
/// wants to read yet. Call [`Watch::clear`] before closing the fd: a duplicate held elsewhere
/// (a child's stdin) would otherwise keep the registration alive.
#[derive(Debug)]
pub struct Watch {
    pub token: Token,
    current: Interest,
    state: Registered,
}

impl Watch {
    pub fn new(token: Token) -> Watch {
        Watch {
            token,
            current: Interest::NONE,
            state: Registered::No,
        }
    }

    /// What the fd currently waits for.
    #[allow(dead_code)] // for the relay, which is being moved onto the reactor
    pub fn interest(&self) -> Interest {
        self.current
    }

    /// Make the fd wait for `want` (nothing, for an empty interest).
    pub fn set(&mut self, r: &mut Reactor, fd: BorrowedFd<'_>, want: Interest) -> io::Result<()> {
        if want == self.current && self.state != Registered::No {
            return Ok(());
        }
        if want.is_empty() {
            self.clear(r, fd);
            return Ok(());
        }
        let data = EventData::new_u64(self.token as u64);
        match self.state {
            Registered::Epoll => epoll::modify(&r.ep, fd, data, want.flags())?,
            Registered::Always => set_always(r, self.token, want),
            Registered::No => match epoll::add(&r.ep, fd, data, want.flags()) {
                Ok(()) => self.state = Registered::Epoll,
                Err(Errno::PERM) => {
                    r.always.push((self.token, want));
                    self.state = Registered::Always;
                }
                Err(e) => return Err(e.into()),
            },
        }
        self.current = want;
        Ok(())
    }

    /// Take the fd out of the reactor (it stays open).
    pub fn clear(&mut self, r: &mut Reactor, fd: BorrowedFd<'_>) {
        match self.state {
            // Fails only if the fd was already closed, which removed it anyway.
            Registered::Epoll => drop(epoll::delete(&r.ep, fd)),
            Registered::Always => r.always.retain(|(t, _)| *t != self.token),
            Registered::No => {}
        }
        self.state = Registered::No;
        self.current = Interest::NONE;
    }
}

fn set_always(r: &mut Reactor, token: Token, want: Interest) {
    if let Some(e) = r.always.iter_mut().find(|(t, _)| *t == token) {
        e.1 = want;
    }
}

/// A pidfd for a child: readable once it has exited, so child exits arrive as events. `None`
/// on kernels without pidfd_open (before 5.3): the caller then reaps on SIGCHLD wake-ups.
pub fn child_exit_fd(pid: u32) -> Option<OwnedFd> {
    let pid = rustix::process::Pid::from_raw(pid as i32)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

/// Register an fd that waits for reading for its whole life (a listener, the signal pipe, a
/// pidfd) and hand back its watch.
pub fn watch_read(r: &mut Reactor, fd: impl AsFd, token: Token) -> io::Result<Watch> {
    let mut w = Watch::new(token);
    w.set(r, fd.as_fd(), Interest::READ)?;
    Ok(w)
}

/// Block until one fd is ready for `want` (or in error) or `deadline` passes: a wait outside
/// any loop (EAGAIN in a write that must finish, a reader thread). `Ok(false)` at the deadline
/// and on a signal, so the caller retries or gives up.
pub fn wait_one(fd: BorrowedFd<'_>, want: Interest, deadline: Option<Instant>) -> io::Result<bool> {
    let mut r = Reactor::new()?;
    let mut w = Watch::new(0);
    w.set(&mut r, fd, want)?;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    r.wait(deadline, &mut ready, &mut fired)?;
    Ok(!ready.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn soon(ms: u64) -> Option<Instant> {
        Some(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn reports_only_what_is_ready_and_follows_interest_changes() {
        let mut r = Reactor::new().unwrap();
        let (a, mut b) = UnixStream::pair().unwrap();
        let (c, _d) = UnixStream::pair().unwrap();
        let mut wa = watch_read(&mut r, &a, 7).unwrap();
        let _wc = watch_read(&mut r, &c, 9).unwrap();
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        r.wait(soon(20), &mut ready, &mut fired).unwrap();
        assert!(ready.is_empty() && fired.is_empty());
        b.write_all(b"x").unwrap();
        r.wait(soon(1000), &mut ready, &mut fired).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].token, 7);
        assert!(ready[0].readable && !ready[0].closed);
        // Writable interest on a socket with room is reported at once; read readiness too.
        ready.clear();
        wa.set(&mut r, a.as_fd(), Interest::WRITE).unwrap();
        r.wait(soon(1000), &mut ready, &mut fired).unwrap();
        assert_eq!(ready.len(), 1);
        assert!(ready[0].writable && !ready[0].readable);
        // No interest: nothing reported even after the peer hangs up.
        ready.clear();
        wa.set(&mut r, a.as_fd(), Interest::NONE).unwrap();
        drop(b);
        r.wait(soon(20), &mut ready, &mut fired).unwrap();
        assert!(ready.is_empty(), "{ready:?}");
        wa.set(&mut r, a.as_fd(), Interest::READ).unwrap();
        r.wait(soon(1000), &mut ready, &mut fired).unwrap();
        assert!(ready[0].readable);
        assert!(ready[0].serves(Interest::READ));
    }

    #[test]
    fn regular_files_are_always_ready() {
        let mut r = Reactor::new().unwrap();
        let f = tempfile::tempfile().unwrap();
        let mut w = Watch::new(3);
        w.set(&mut r, f.as_fd(), Interest::READ).unwrap();
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        let t = Instant::now();
        r.wait(soon(5000), &mut ready, &mut fired).unwrap();
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].token, 3);
        w.clear(&mut r, f.as_fd());
        ready.clear();
        r.wait(soon(10), &mut ready, &mut fired).unwrap();
        assert!(ready.is_empty());
    }

    #[test]
    fn timers_fire_in_order_and_bound_the_wait() {
        let mut r = Reactor::new().unwrap();
        let t0 = Instant::now();
        r.timer(t0 + Duration::from_millis(30), 2);
        r.timer(t0 + Duration::from_millis(10), 1);
        r.timer(t0 + Duration::from_secs(60), 3);
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        while fired.len() < 2 && t0.elapsed() < Duration::from_secs(5) {
            r.wait(None, &mut ready, &mut fired).unwrap();
        }
        assert_eq!(fired, [1, 2]);
        assert!(t0.elapsed() >= Duration::from_millis(30));
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!(r.timers_armed(), 1);
    }

    #[test]
    fn a_child_exit_is_a_readable_event() {
        let mut r = Reactor::new().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let Some(fd) = child_exit_fd(child.id()) else {
            let _ = child.wait();
            eprintln!("skipped: no pidfd_open on this kernel");
            child.wait().unwrap();
            return;
        };
        let _w = watch_read(&mut r, &fd, 5).unwrap();
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        r.wait(soon(5000), &mut ready, &mut fired).unwrap();
        assert_eq!(ready.first().map(|e| e.token), Some(5));
        assert!(child.try_wait().unwrap().is_some());
    }

    #[test]
    fn wait_one_waits_for_the_fd_or_the_deadline() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let t = Instant::now();
        assert!(!wait_one(a.as_fd(), Interest::READ, soon(30)).unwrap());
        assert!(t.elapsed() >= Duration::from_millis(30));
        assert!(wait_one(a.as_fd(), Interest::WRITE, soon(5000)).unwrap());
        b.write_all(b"x").unwrap();
        assert!(wait_one(a.as_fd(), Interest::READ, None).unwrap());
    }

    #[test]
    fn only_the_ready_fd_among_thousands_is_reported() {
        let mut r = Reactor::new().unwrap();
        let mut keep = Vec::new();
        for i in 0..2000 {
            let (a, b) = UnixStream::pair().unwrap();
            watch_read(&mut r, &a, i).unwrap();
            keep.push((a, b));
        }
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        (&keep[1234].1).write_all(b"!").unwrap();
        r.wait(soon(1000), &mut ready, &mut fired).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].token, 1234);
    }
}
