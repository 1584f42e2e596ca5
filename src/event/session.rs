//! A session joins two ends, each direction a [`Flow`]: end 0 → end 1 and end 1 → end 0 at
//! once, half-close propagated, the four timeouts, and the rules for when it is over. It is a
//! plain state machine: the reactor tells it what is ready ([`Session::on_ready`]), it says
//! what each fd waits for ([`Session::update`]) and when it wants to be woken
//! ([`Session::next_wake`]), and [`Session::check`] says whether it ended and how. [`run`]
//! drives one session to its end; the many-client `pair -k` drives thousands on one reactor.
//!
//! Roles, as `connect` has them: end 0 is the side whose EOF `--eof` and `-q` act on (stdin in
//! `connect`/`listen`, the first endpoint in `pair`); a keyboard on end 0 does not keep a
//! session open once the other side is done.

use std::cell::RefCell;
use std::io;
use std::os::fd::BorrowedFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::can_codec::CanLink;
use super::flow::{Flow, FlowError, Side, Wait};
use super::hexdump::Dir;
use super::progress::Progress;
use super::reactor::{Interest, Reactor, Ready, Token, Watch};
use super::signals::Signals;
use super::stdio::Kind;
use super::{Interrupted, Timeout};
use crate::tls::link::Link;

/// What to do when end 0 reaches EOF (`--eof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EofMode {
    /// shutdown(SHUT_WR): the peer sees EOF, we keep reading until it closes.
    #[default]
    HalfClose,
    /// Leave the write side open.
    Keep,
    /// Close both directions once everything read from end 0 was sent.
    Close,
}

/// The session's rules (the relay flags).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub eof: EofMode,
    /// `-i`: no traffic either way for this long.
    pub idle: Option<Duration>,
    /// `--timeout`: the whole session ends here.
    pub deadline: Option<Instant>,
    /// `-q`: after end 0's EOF.
    pub quit_after: Option<Duration>,
    /// After EOF towards a datagram end, replies are awaited until this passes without one.
    pub linger: Duration,
    pub progress: bool,
    /// `--pcap`: each direction's EOF becomes a FIN in the capture (end 0 is the client).
    pub pcap: Option<std::sync::Arc<super::pcap_tap::PcapSink>>,
}

/// One side of a session: the fd read from and the fd written to (one socket for both, or
/// stdin and stdout). Borrowed: the caller owns the fds and closes them after the session.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    rd: Option<(BorrowedFd<'a>, Kind)>,
    wr: Option<(BorrowedFd<'a>, Kind)>,
    /// rd and wr are one fd: one registration serves both.
    one_fd: bool,
    /// ... and it is a socket: half-close is shutdown(SHUT_WR).
    socket: bool,
    pub dgram: bool,
    /// rd never ends by itself (a person typing, a pty whose slave we hold open): once the
    /// other side is done, nobody waits for it.
    pub keyboard: bool,
    /// A reader that may stop reading (an `exec:` child that closed its stdin): a broken pipe
    /// writing to it ends that direction quietly; the child's exit status tells the rest.
    pub reader_may_leave: bool,
    /// A CAN socket (`can:IFACE`): frames cross to the other end through a CAN codec.
    pub can: Option<CanLink>,
    /// A TLS end whose records the session's flows seal and open (the fd is its TCP socket).
    pub tls: Option<&'a Rc<RefCell<Link>>>,
}

impl<'a> End<'a> {
    /// A socket (stream or datagram), read and written.
    pub fn socket(fd: BorrowedFd<'a>, dgram: bool) -> End<'a> {
        End {
            rd: Some((fd, Kind::Socket)),
            wr: Some((fd, Kind::Socket)),
            one_fd: true,
            socket: true,
            dgram,
            keyboard: false,
            reader_may_leave: false,
            can: None,
            tls: None,
        }
    }

    /// Separate fds for reading and writing (stdin/stdout; a file read or written), either
    /// possibly absent. Kinds are asked of the fds.
    pub fn split(rd: Option<BorrowedFd<'a>>, wr: Option<BorrowedFd<'a>>) -> io::Result<End<'a>> {
        let with_kind = |fd: Option<BorrowedFd<'a>>| -> io::Result<_> {
            fd.map(|f| Kind::of(f).map(|k| (f, k))).transpose()
        };
        Ok(End {
            rd: with_kind(rd)?,
            wr: with_kind(wr)?,
            one_fd: false,
            socket: false,
            dgram: false,
            keyboard: false,
            reader_may_leave: false,
            can: None,
            tls: None,
        })
    }

    /// One fd read and written that is not a socket (a pty master, an inherited terminal).
    pub fn duplex(fd: BorrowedFd<'a>) -> io::Result<End<'a>> {
        let kind = Kind::of(fd)?;
        Ok(End {
            rd: Some((fd, kind)),
            wr: Some((fd, kind)),
            one_fd: true,
            socket: false,
            dgram: false,
            keyboard: false,
            reader_may_leave: false,
            can: None,
            tls: None,
        })
    }

    pub fn rd_kind(&self) -> Option<Kind> {
        self.rd.map(|(_, k)| k)
    }

    pub fn wr_kind(&self) -> Option<Kind> {
        self.wr.map(|(_, k)| k)
    }

    /// The peer sees EOF: shutdown(SHUT_WR) on a stream socket; nothing for other fds (the
    /// caller closes them when the session is over).
    fn half_close(&self) {
        if self.socket
            && !self.dgram
            && let Some((fd, _)) = self.wr
        {
            // ENOTCONN means the peer is already gone; the read side reports what happened.
            let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Write);
        }
    }
}

/// Why a session failed; `end` says which end's fd failed, `write` whether writing to it.
#[derive(Debug)]
pub enum SessionError {
    Timeout(Timeout),
    Interrupted(Interrupted),
    Io {
        end: usize,
        write: bool,
        err: io::Error,
    },
    Setup(io::Error),
}

/// Bytes each direction delivered: `[0]` end 0 → end 1, `[1]` end 1 → end 0.
pub type Stats = [u64; 2];

/// Registrations per session: end e's read fd is `base + 2e`, its write fd `base + 2e + 1`
/// (unused for a socket, whose one registration serves both).
pub const TOKENS: usize = 4;

pub struct Session {
    /// What the session remembers of its ends (their fds are passed to each call).
    ends: [Traits; 2],
    dirs: [Option<Flow>; 2],
    rules: Rules,
    watches: [Watch; 4],
    ready: [Option<Ready>; 4],
    eof_at: [Option<Instant>; 2],
    last_activity: Instant,
    progress: Option<Progress>,
    base: Token,
}

impl Session {
    /// `dirs[0]` moves end 0 → end 1, `dirs[1]` end 1 → end 0; `None` switches a direction
    /// off (`--send-only`, a file that is only read). Tokens `base..base + TOKENS` are the
    /// session's.
    pub fn new(ends: &[End<'_>; 2], dirs: [Option<Flow>; 2], rules: Rules, base: Token) -> Self {
        let now = Instant::now();
        Session {
            ends: [Traits::of(&ends[0]), Traits::of(&ends[1])],
            dirs,
            progress: rules.progress.then(|| Progress::new(now)),
            rules,
            watches: std::array::from_fn(|i| Watch::new(base + i)),
            ready: [None; 4],
            eof_at: [None; 2],
            last_activity: now,
            base,
        }
    }

    pub fn stats(&self) -> Stats {
        [0, 1].map(|d| self.dirs[d].as_ref().map_or(0, |f| f.bytes))
    }

    pub fn owns(&self, token: Token) -> bool {
        (self.base..self.base + TOKENS).contains(&token)
    }

    /// The token an end's fd is registered under for reading (`write` false) or writing.
    fn token_slot(&self, end: usize, write: bool) -> usize {
        if write && !self.ends[end].one_fd {
            2 * end + 1
        } else {
            2 * end
        }
    }

    /// Note readiness the reactor reported for one of this session's tokens.
    pub fn on_ready(&mut self, ev: Ready) {
        if self.owns(ev.token) {
            self.ready[ev.token - self.base] = Some(ev);
        }
    }

    /// Tell the reactor what every fd waits for now.
    pub fn update(&mut self, r: &mut Reactor, ends: &[End<'_>; 2]) -> io::Result<()> {
        let mut want = [Interest::NONE; 4];
        for d in 0..2 {
            let Some(w) = self.dirs[d].as_ref().and_then(Flow::interest) else {
                continue;
            };
            let slot = match w {
                Wait::Src => self.token_slot(d, false),
                Wait::Dst => self.token_slot(1 - d, true),
            };
            let i = match w {
                Wait::Src => Interest::READ,
                Wait::Dst => Interest::WRITE,
            };
            want[slot] = want[slot].union(i);
        }
        for (slot, i) in want.into_iter().enumerate() {
            if let Some(fd) = fd_of(ends, slot) {
                self.watches[slot].set(r, fd, i)?;
            }
        }
        Ok(())
    }

    /// Take every fd out of the reactor (before the caller closes them).
    pub fn deregister(&mut self, r: &mut Reactor, ends: &[End<'_>; 2]) {
        for slot in 0..4 {
            if let Some(fd) = fd_of(ends, slot) {
                self.watches[slot].clear(r, fd);
            }
        }
    }

    /// Move bytes in every direction whose fd was reported ready. `scratch` is shared by all
    /// sessions of a loop.
    pub fn pump(&mut self, ends: &[End<'_>; 2], scratch: &mut [u8]) -> Result<(), SessionError> {
        let ready = std::mem::take(&mut self.ready);
        let mut moved = 0;
        for d in 0..2 {
            let Some(w) = self.dirs[d].as_ref().and_then(Flow::interest) else {
                continue;
            };
            let (slot, i) = match w {
                Wait::Src => (self.token_slot(d, false), Interest::READ),
                Wait::Dst => (self.token_slot(1 - d, true), Interest::WRITE),
            };
            if !ready[slot].is_some_and(|e| e.serves(i)) {
                continue;
            }
            moved += self.pump_dir(ends, d, scratch)?;
        }
        if moved > 0 {
            self.last_activity = Instant::now();
        }
        Ok(())
    }

    fn pump_dir(
        &mut self,
        ends: &[End<'_>; 2],
        d: usize,
        scratch: &mut [u8],
    ) -> Result<u64, SessionError> {
        let (Some((src, _)), Some((dst, _))) = (ends[d].rd, ends[1 - d].wr) else {
            return Ok(0);
        };
        let Some(flow) = self.dirs[d].as_mut() else {
            return Ok(0);
        };
        let lenient = ends[1 - d].reader_may_leave;
        // A child that exits with our bytes unread resets its socket: its output was already
        // read, so for the direction out of it that is its EOF (its exit status decides).
        let src_leaves = ends[d].reader_may_leave;
        match flow.pump(src, dst, scratch) {
            Err(FlowError {
                side: Side::Read,
                err,
            }) if src_leaves && err.kind() == io::ErrorKind::ConnectionReset => {
                self.dirs[d] = None;
                return Ok(0);
            }
            Err(FlowError {
                side: Side::Write,
                err,
            }) if lenient
                && matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) =>
            {
                self.dirs[d] = None;
                return Ok(0);
            }
            other => other,
        }
        .map_err(|FlowError { side, err }| match side {
            Side::Read => SessionError::Io {
                end: d,
                write: false,
                err,
            },
            Side::Write => SessionError::Io {
                end: 1 - d,
                write: true,
                err,
            },
        })
    }

    fn done(&self, d: usize) -> bool {
        self.dirs[d].as_ref().is_none_or(Flow::done)
    }

    /// Apply EOFs and the timeouts; `Some` once the session is over.
    pub fn check(&mut self, ends: &[End<'_>; 2], now: Instant) -> Option<Result<(), SessionError>> {
        for d in 0..2 {
            if self.eof_at[d].is_some() || self.dirs[d].is_none() || !self.done(d) {
                continue;
            }
            self.eof_at[d] = Some(now);
            self.last_activity = self.last_activity.max(now);
            if d == 1 || self.rules.eof == EofMode::HalfClose {
                ends[1 - d].half_close();
                if let Some(p) = &self.rules.pcap {
                    p.fin(if d == 0 { Dir::Sent } else { Dir::Received });
                }
            }
            if d == 0 && self.rules.eof == EofMode::Close {
                return Some(Ok(()));
            }
        }
        let stats = self.stats();
        if let Some(p) = self.progress.as_mut() {
            p.tick(now, stats[0], stats[1]);
        }
        // Over when both directions are done: a peer that half-closed may still be reading
        // what we send (nc.openbsd does the same). A person typing is not kept waiting once
        // the other side is gone (as with ncat).
        let (done0, done1) = (self.done(0), self.done(1));
        if done0 && done1 {
            return Some(Ok(()));
        }
        if (done1 && self.dirs[1].is_some() && self.ends[0].keyboard)
            || (done0 && self.dirs[0].is_some() && self.ends[1].keyboard)
        {
            return Some(Ok(()));
        }
        if self.rules.deadline.is_some_and(|d| now >= d) {
            return Some(Err(timeout("session timeout (--timeout)")));
        }
        if self.quit_deadline().is_some_and(|d| now >= d) {
            return Some(Err(timeout("quit-after timeout (-q)")));
        }
        if let Some(at) = self.linger_deadline() {
            // After EOF towards a datagram end, the session ends normally once replies stop.
            if now >= at {
                return Some(Ok(()));
            }
        } else if self
            .rules
            .idle
            .is_some_and(|i| now >= self.last_activity + i)
        {
            return Some(Err(timeout("idle timeout (-i)")));
        }
        None
    }

    fn quit_deadline(&self) -> Option<Instant> {
        self.eof_at[0]
            .zip(self.rules.quit_after)
            .map(|(t, q)| t + q)
    }

    /// A datagram end has no FIN: once the other direction towards it ended, replies are
    /// awaited until `-i` (or the linger time) passes without one.
    fn linger_deadline(&self) -> Option<Instant> {
        (0..2)
            .find_map(|d| {
                let eof = self.eof_at[d]?;
                (self.ends[1 - d].dgram && !self.done(1 - d)).then_some(eof)
            })
            .map(|eof| self.last_activity.max(eof) + self.rules.idle.unwrap_or(self.rules.linger))
    }

    /// When [`Session::check`] must run again even if nothing is ready.
    pub fn next_wake(&self) -> Option<Instant> {
        let idle = match self.linger_deadline() {
            Some(l) => Some(l),
            None => self.rules.idle.map(|i| self.last_activity + i),
        };
        let tick = self.progress.as_ref().map(Progress::due);
        [self.rules.deadline, self.quit_deadline(), idle, tick]
            .into_iter()
            .flatten()
            .min()
    }

    /// The last progress line (exact counts), however the session ended.
    pub fn finish_progress(&self) {
        if let Some(p) = &self.progress {
            let s = self.stats();
            p.finish(Instant::now(), s[0], s[1]);
        }
    }

    /// On SIGINT/SIGTERM: deliver what was already read, and what the sources already hold,
    /// for at most `until`, so Ctrl-C never loses data we have.
    pub fn drain(
        &mut self,
        r: &mut Reactor,
        ends: &[End<'_>; 2],
        scratch: &mut [u8],
        until: Instant,
    ) {
        let mut last_read = [false; 2];
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        while Instant::now() < until {
            let mut waiting = false;
            for (d, read_once) in last_read.iter_mut().enumerate() {
                let Some(flow) = self.dirs[d].as_ref() else {
                    continue;
                };
                if flow.held() == 0 && !*read_once && !flow.src_eof() {
                    // One last non-blocking pass over what the source already holds.
                    *read_once = true;
                    if self.pump_dir(ends, d, scratch).is_err() {
                        self.dirs[d] = None;
                        continue;
                    }
                }
                let held = self.dirs[d].as_ref().map_or(0, Flow::held);
                waiting |= held > 0;
            }
            if !waiting {
                return;
            }
            // Only the sinks of what is held are waited for.
            let mut want = [Interest::NONE; 4];
            for d in 0..2 {
                if self.dirs[d].as_ref().is_some_and(|f| f.held() > 0) {
                    want[self.token_slot(1 - d, true)] = Interest::WRITE;
                }
            }
            for (slot, i) in want.into_iter().enumerate() {
                if let Some(fd) = fd_of(ends, slot)
                    && self.watches[slot].set(r, fd, i).is_err()
                {
                    return;
                }
            }
            ready.clear();
            if r.wait(Some(until), &mut ready, &mut fired).is_err() {
                return;
            }
            for d in 0..2 {
                let slot = self.token_slot(1 - d, true);
                let ok = ready
                    .iter()
                    .any(|e| e.token == self.base + slot && e.serves(Interest::WRITE));
                if ok
                    && self.dirs[d].as_ref().is_some_and(|f| f.held() > 0)
                    && self.pump_dir(ends, d, scratch).is_err()
                {
                    self.dirs[d] = None;
                }
            }
        }
    }
}

/// The fd registered under a session's token `slot` (see [`TOKENS`]).
fn fd_of<'a>(ends: &[End<'a>; 2], slot: usize) -> Option<BorrowedFd<'a>> {
    let end = &ends[slot / 2];
    match slot % 2 {
        0 => end.rd.or(end.wr).map(|(fd, _)| fd),
        _ if end.one_fd => None,
        _ => end.wr.map(|(fd, _)| fd),
    }
}

/// The facts about an end a session keeps between calls.
#[derive(Debug, Clone, Copy)]
struct Traits {
    one_fd: bool,
    dgram: bool,
    keyboard: bool,
}

impl Traits {
    fn of(e: &End<'_>) -> Traits {
        Traits {
            one_fd: e.one_fd,
            dgram: e.dgram,
            keyboard: e.keyboard,
        }
    }
}

fn timeout(what: &str) -> SessionError {
    SessionError::Timeout(Timeout {
        what: what.to_string(),
    })
}

/// The signal pipe's token in a loop of its own; sessions start at [`FIRST`].
const SIG: Token = 0;
pub const FIRST: Token = 1;
/// Scratch buffer shared by both directions of a session.
const SCRATCH: usize = 256 * 1024;
/// On a signal, how long we still try to deliver what was already received.
const FLUSH_ON_SIGNAL: Duration = Duration::from_secs(2);

/// Drive one session (created with base [`FIRST`]) to its end on a reactor of its own.
pub fn run(
    session: &mut Session,
    ends: &[End<'_>; 2],
    signals: &Signals,
) -> Result<(), SessionError> {
    run_reaping(session, ends, signals, &mut || {})
}

/// [`run`], calling `reap` whenever the signal pipe wakes the loop without SIGINT/SIGTERM
/// (a SIGCHLD): an `exec:` child that exits mid-session is reaped at once, not left a zombie.
pub fn run_reaping(
    session: &mut Session,
    ends: &[End<'_>; 2],
    signals: &Signals,
    reap: &mut dyn FnMut(),
) -> Result<(), SessionError> {
    run_with(session, ends, signals, reap, None)
}

/// Other sources a session's loop drives beside it (the TLS pumps behind its ends): they
/// register on the loop's reactor and get the wake-ups of the tokens they own.
pub trait Aux {
    fn attach(&mut self, r: &mut Reactor);
    fn owns(&self, t: Token) -> bool;
    fn on_ready(&mut self, r: &mut Reactor, e: Ready);
    /// A source failed: the session ends (after delivering what its sources already hold),
    /// and the caller reports the failure.
    fn failed(&self) -> bool;
}

/// [`run_reaping`] with `aux` on the same reactor.
pub fn run_with(
    session: &mut Session,
    ends: &[End<'_>; 2],
    signals: &Signals,
    reap: &mut dyn FnMut(),
    mut aux: Option<&mut dyn Aux>,
) -> Result<(), SessionError> {
    let mut r = Reactor::new().map_err(SessionError::Setup)?;
    if let Some(a) = aux.as_deref_mut() {
        a.attach(&mut r);
    }
    let mut sig =
        super::reactor::watch_read(&mut r, signals.fd(), SIG).map_err(SessionError::Setup)?;
    let mut scratch = vec![0u8; SCRATCH];
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let result = loop {
        if aux.as_deref().is_some_and(|a| a.failed()) {
            session.drain(&mut r, ends, &mut scratch, Instant::now() + FLUSH_ON_SIGNAL);
            break Ok(());
        }
        if let Some(end) = session.check(ends, Instant::now()) {
            break end;
        }
        if let Err(e) = session.update(&mut r, ends) {
            break Err(SessionError::Setup(e));
        }
        ready.clear();
        if let Err(e) = r.wait(session.next_wake(), &mut ready, &mut fired) {
            break Err(SessionError::Setup(e));
        }
        if ready.iter().any(|e| e.token == SIG) {
            if let Some(signal) = signals.pending() {
                session.drain(&mut r, ends, &mut scratch, Instant::now() + FLUSH_ON_SIGNAL);
                break Err(SessionError::Interrupted(Interrupted { signal }));
            }
            reap();
        }
        for e in &ready {
            match aux.as_deref_mut() {
                Some(a) if a.owns(e.token) => a.on_ready(&mut r, *e),
                _ => session.on_ready(*e),
            }
        }
        if let Err(e) = session.pump(ends, &mut scratch) {
            break Err(e);
        }
    };
    session.deregister(&mut r, ends);
    sig.clear(&mut r, signals.fd());
    session.finish_progress();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsFd;
    use std::os::unix::net::{UnixDatagram, UnixStream};

    /// Drive a session to its end on a reactor (no signals), bounded to 10 s.
    fn drive(s: &mut Session, ends: &[End<'_>; 2]) -> Result<(), SessionError> {
        let mut r = Reactor::new().unwrap();
        let mut scratch = vec![0u8; 4096];
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        let limit = Instant::now() + Duration::from_secs(10);
        while Instant::now() < limit {
            if let Some(end) = s.check(ends, Instant::now()) {
                s.deregister(&mut r, ends);
                return end;
            }
            s.update(&mut r, ends).unwrap();
            ready.clear();
            let wake = s.next_wake().map_or(limit, |w| w.min(limit));
            r.wait(Some(wake), &mut ready, &mut fired).unwrap();
            for e in &ready {
                s.on_ready(*e);
            }
            s.pump(ends, &mut scratch)?;
        }
        panic!("session did not end within 10 s");
    }

    fn pair() -> (UnixStream, UnixStream) {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        (a, b)
    }

    fn flows(ends: &[End<'_>; 2]) -> [Option<Flow>; 2] {
        [0, 1].map(|d| {
            Some(Flow::new(
                ends[d].rd_kind().unwrap(),
                ends[1 - d].wr_kind().unwrap(),
                ends[d].dgram,
                ends[1 - d].dgram,
            ))
        })
    }

    #[test]
    fn half_close_travels_and_the_session_ends_when_both_directions_are_done() {
        let (a, mut a_peer) = pair();
        let (b, mut b_peer) = pair();
        let ends = [End::socket(a.as_fd(), false), End::socket(b.as_fd(), false)];
        let mut s = Session::new(&ends, flows(&ends), Rules::default(), 0);
        // b's peer answers only after it saw EOF: the half-close must reach it.
        let server = std::thread::spawn(move || {
            let mut got = Vec::new();
            b_peer.read_to_end(&mut got).unwrap();
            b_peer.write_all(&[&got[..], b" back"].concat()).unwrap();
        });
        a_peer.write_all(b"request").unwrap();
        a_peer.shutdown(std::net::Shutdown::Write).unwrap();
        drive(&mut s, &ends).unwrap();
        server.join().unwrap();
        drop(a);
        let mut reply = Vec::new();
        a_peer.read_to_end(&mut reply).unwrap();
        assert_eq!(reply, b"request back");
        assert_eq!(s.stats(), [7, 12]);
    }

    #[test]
    fn eof_close_ends_at_end_zero_eof_without_waiting_for_the_other_side() {
        let (a, a_peer) = pair();
        let (b, _b_peer) = pair();
        let ends = [End::socket(a.as_fd(), false), End::socket(b.as_fd(), false)];
        let rules = Rules {
            eof: EofMode::Close,
            ..Rules::default()
        };
        let mut s = Session::new(&ends, flows(&ends), rules, 0);
        a_peer.shutdown(std::net::Shutdown::Write).unwrap();
        let t = Instant::now();
        drive(&mut s, &ends).unwrap();
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn idle_timeout_is_an_error_and_quit_after_counts_from_end_zero_eof() {
        let (a, a_peer) = pair();
        let (b, _b_peer) = pair();
        let ends = [End::socket(a.as_fd(), false), End::socket(b.as_fd(), false)];
        let rules = Rules {
            idle: Some(Duration::from_millis(100)),
            ..Rules::default()
        };
        let mut s = Session::new(&ends, flows(&ends), rules, 0);
        let t = Instant::now();
        match drive(&mut s, &ends) {
            Err(SessionError::Timeout(t)) => assert!(t.what.contains("idle"), "{}", t.what),
            other => panic!("{other:?}"),
        }
        assert!(t.elapsed() >= Duration::from_millis(100));
        let rules = Rules {
            quit_after: Some(Duration::from_millis(50)),
            ..Rules::default()
        };
        let mut s = Session::new(&ends, flows(&ends), rules, 0);
        a_peer.shutdown(std::net::Shutdown::Write).unwrap();
        match drive(&mut s, &ends) {
            Err(SessionError::Timeout(t)) => assert!(t.what.contains("-q"), "{}", t.what),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_datagram_end_lingers_for_replies_then_ends_normally() {
        let (a, a_peer) = pair();
        let (d, d_peer) = UnixDatagram::pair().unwrap();
        d.set_nonblocking(true).unwrap();
        let ends = [End::socket(a.as_fd(), false), End::socket(d.as_fd(), true)];
        let rules = Rules {
            linger: Duration::from_millis(150),
            ..Rules::default()
        };
        let mut s = Session::new(&ends, flows(&ends), rules, 0);
        (&a_peer).write_all(b"q").unwrap();
        a_peer.shutdown(std::net::Shutdown::Write).unwrap();
        let t = Instant::now();
        drive(&mut s, &ends).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(150));
        let mut buf = [0u8; 8];
        assert_eq!(d_peer.recv(&mut buf).unwrap(), 1);
    }

    #[test]
    fn a_keyboard_does_not_keep_the_session_once_the_other_side_is_done() {
        let (a, _typist) = pair();
        let (b, b_peer) = pair();
        let mut e0 = End::socket(a.as_fd(), false);
        e0.keyboard = true;
        let ends = [e0, End::socket(b.as_fd(), false)];
        let mut s = Session::new(&ends, flows(&ends), Rules::default(), 0);
        drop(b_peer);
        drive(&mut s, &ends).unwrap();
    }

    #[test]
    fn a_reader_that_leaves_ends_its_direction_quietly_but_others_fail() {
        let (a, a_peer) = pair();
        let (b, b_peer) = pair();
        drop(b_peer);
        let data = vec![7u8; 64 * 1024];
        let writer = {
            let data = data.clone();
            std::thread::spawn(move || {
                let mut a_peer = a_peer;
                let _ = a_peer.write_all(&data);
                let _ = a_peer.shutdown(std::net::Shutdown::Write);
                a_peer
            })
        };
        let mut e1 = End::socket(b.as_fd(), false);
        e1.reader_may_leave = true;
        let ends = [End::socket(a.as_fd(), false), e1];
        let mut s = Session::new(&ends, flows(&ends), Rules::default(), 0);
        drive(&mut s, &ends).unwrap();
        drop(writer.join().unwrap());
        // The same without the flag: a broken pipe writing to end 1 is an error naming it.
        let (a, a_peer) = pair();
        let (b, b_peer) = pair();
        drop(b_peer);
        (&a_peer).write_all(b"x").unwrap();
        let ends = [End::socket(a.as_fd(), false), End::socket(b.as_fd(), false)];
        let mut s = Session::new(&ends, flows(&ends), Rules::default(), 0);
        match drive(&mut s, &ends) {
            Err(SessionError::Io {
                end: 1,
                write: true,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }
}
