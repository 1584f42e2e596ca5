//! The stdio ↔ socket session of `connect` and `listen`: stdin → socket and socket → stdout at
//! once in one poll(2) loop, half-close on stdin EOF, the four timeouts, and a clean end on
//! SIGINT/SIGTERM that still writes out what was received.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};
use socket2::Socket;

use super::flow::{Flow, FlowError, Side, Wait};
use super::hexdump::Dir;
use super::pcap_tap::Conversation;
use super::progress::Progress;
use super::shape::Shape;
use super::signals::Signals;
use super::stdio::{Kind, NonBlocking};
use super::tty::Tty;
use super::{Interrupted, Timeout, earliest, poll_until};

/// What to do when stdin ends (`--eof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EofMode {
    /// shutdown(SHUT_WR): the peer sees EOF, we keep reading until it closes.
    #[default]
    HalfClose,
    /// Leave the write side open.
    Keep,
    /// Close both directions once everything read from stdin was sent.
    Close,
}

#[derive(Debug, Clone, Default)]
pub struct RelayOpts {
    pub eof: EofMode,
    pub idle: Option<Duration>,
    pub deadline: Option<Instant>,
    pub quit_after: Option<Duration>,
    pub send: bool,
    pub recv: bool,
    /// The socket is a connected datagram socket: no FIN to send or wait for; after stdin EOF
    /// replies are awaited until `linger` passes without one, which ends the session normally.
    pub datagram: bool,
    pub linger: Duration,
    /// `-t`: a terminal on stdin goes raw for the session; the escape key quits.
    pub tty: bool,
    /// `--progress`: bytes and rate on stderr.
    pub progress: bool,
    /// `--frame`, `--crlf`, `--max-frame`, `--hexdump`, `--pcap`: what the bytes go through.
    pub shape: Shape,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes sent to the socket (from stdin).
    pub sent: u64,
    /// Bytes received from the socket and written to stdout.
    pub received: u64,
}

/// Why a relay failed; the caller adds which peer it was.
#[derive(Debug)]
pub enum RelayError {
    Timeout(Timeout),
    Interrupted(Interrupted),
    Stdin(io::Error),
    Stdout(io::Error),
    Recv(io::Error),
    Send(io::Error),
    Setup(io::Error),
}

/// Scratch buffer shared by both directions of a session.
const SCRATCH: usize = 256 * 1024;
/// On a signal, how long we still try to write out what was already received.
const FLUSH_ON_SIGNAL: Duration = Duration::from_secs(2);

pub fn relay(
    sock: &Socket,
    stdin: BorrowedFd<'_>,
    stdout: BorrowedFd<'_>,
    opts: &RelayOpts,
    signals: &Signals,
) -> (Stats, Result<(), RelayError>) {
    // -t: raw mode for exactly as long as this function runs (restored when `tty` drops, after
    // the session). Keystrokes then come from its pipe, which ends at the escape key: that
    // quits (closes both ways), whatever --eof says, and a peer close ends the session.
    let tty = if opts.tty && opts.send {
        match Tty::start(stdin) {
            Ok(t) => t,
            Err(e) => return (Stats::default(), Err(RelayError::Setup(e))),
        }
    } else {
        None
    };
    let quit_opts;
    let (stdin, opts) = match &tty {
        Some(t) => {
            quit_opts = RelayOpts {
                eof: EofMode::Close,
                ..opts.clone()
            };
            (t.keys(), &quit_opts)
        }
        None => (stdin, opts),
    };
    let mut session = match Session::new(sock, stdin, stdout, opts) {
        Ok(s) => s,
        Err(e) => return (Stats::default(), Err(RelayError::Setup(e))),
    };
    session.stdin_is_terminal |= tty.is_some();
    // --pcap hook: the conversation starts (TCP: the handshake) with the socket's addresses.
    if let Some(p) = &opts.shape.pcap {
        p.begin(Conversation::of_socket(sock, opts.datagram));
    }
    let result = session.run(signals);
    // --pcap hook: the socket closes (an RST if the peer reset it, else our FIN); flush.
    if let Some(p) = &opts.shape.pcap {
        p.close(
            matches!(&result, Err(RelayError::Recv(e) | RelayError::Send(e))
            if matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)),
        );
    }
    let stats = session.stats();
    if let Some(p) = &session.progress {
        p.finish(Instant::now(), stats.sent, stats.received);
    }
    (stats, result)
}

struct Session<'a> {
    sock: &'a Socket,
    stdin: NonBlocking<'a>,
    stdout: NonBlocking<'a>,
    up: Option<Flow>,
    down: Option<Flow>,
    opts: &'a RelayOpts,
    scratch: Vec<u8>,
    stdin_is_terminal: bool,
    progress: Option<Progress>,
}

impl<'a> Session<'a> {
    fn new(
        sock: &'a Socket,
        stdin: BorrowedFd<'a>,
        stdout: BorrowedFd<'a>,
        opts: &'a RelayOpts,
    ) -> io::Result<Session<'a>> {
        let in_kind = Kind::of(stdin)?;
        let out_kind = Kind::of(stdout)?;
        let stdin_is_terminal = rustix::termios::isatty(stdin);
        if opts.send {
            super::stdio::grow_pipe(stdin, in_kind);
        }
        if opts.recv {
            super::stdio::grow_pipe(stdout, out_kind);
        }
        // A direction that is off leaves its fd exactly as it was (Device: not touched).
        let stdin = NonBlocking::set(stdin, if opts.send { in_kind } else { Kind::Device })?;
        let stdout = NonBlocking::set(stdout, if opts.recv { out_kind } else { Kind::Device })?;
        Ok(Session {
            sock,
            stdin,
            stdout,
            up: opts
                .send
                .then(|| opts.shape.up_flow(in_kind, opts.datagram)),
            down: opts
                .recv
                .then(|| opts.shape.down_flow(out_kind, opts.datagram)),
            opts,
            scratch: vec![0u8; SCRATCH],
            stdin_is_terminal,
            progress: opts.progress.then(|| Progress::new(Instant::now())),
        })
    }

    fn stats(&self) -> Stats {
        Stats {
            sent: self.up.as_ref().map_or(0, |f| f.bytes),
            received: self.down.as_ref().map_or(0, |f| f.bytes),
        }
    }

    fn run(&mut self, signals: &Signals) -> Result<(), RelayError> {
        let opts = self.opts;
        let mut last_activity = Instant::now();
        let mut eof_at: Option<Instant> = None;
        loop {
            if eof_at.is_none() && self.up.as_ref().is_some_and(Flow::done) {
                eof_at = Some(Instant::now());
                match opts.eof {
                    EofMode::HalfClose if !opts.datagram => {
                        shutdown_write(self.sock);
                        // --pcap hook: our FIN.
                        if let Some(p) = &opts.shape.pcap {
                            p.fin(Dir::Sent);
                        }
                    }
                    EofMode::Close => return Ok(()),
                    _ => {}
                }
                if self.down.is_none() {
                    return Ok(());
                }
            }
            // The session ends when both directions are done: a peer that half-closed may
            // still be reading what we send (nc.openbsd does the same). A person typing at a
            // terminal is not kept waiting once the peer is gone (as with ncat).
            let down_done = self.down.as_ref().is_none_or(Flow::done);
            // --pcap hook: the peer's FIN (written once, however often this runs).
            if let Some(p) = &opts.shape.pcap
                && self.down.as_ref().is_some_and(Flow::done)
            {
                p.fin(Dir::Received);
            }
            let up_done = self.up.is_none() || eof_at.is_some();
            if self.down.is_some() && down_done && (up_done || self.stdin_is_terminal) {
                return Ok(());
            }

            let idle_deadline = match (opts.datagram, eof_at) {
                (true, Some(eof)) => {
                    Some(last_activity.max(eof) + opts.idle.unwrap_or(opts.linger))
                }
                _ => opts.idle.map(|d| last_activity + d),
            };
            let quit_deadline = eof_at.zip(opts.quit_after).map(|(t, d)| t + d);
            let tick = self.progress.as_ref().map(Progress::due);
            let wake = earliest(&[opts.deadline, idle_deadline, quit_deadline, tick]);

            let up_wait = self.up.as_ref().and_then(Flow::interest);
            let down_wait = self.down.as_ref().and_then(Flow::interest);
            let (up_ready, down_ready, signalled) = {
                let stdin = self.stdin.as_fd();
                let stdout = self.stdout.as_fd();
                let sock = self.sock.as_fd();
                let mut fds = Vec::with_capacity(3);
                fds.push(PollFd::from_borrowed_fd(signals.fd(), PollFlags::IN));
                let up_slot = up_wait.map(|w| {
                    fds.push(match w {
                        Wait::Src => PollFd::from_borrowed_fd(stdin, PollFlags::IN),
                        Wait::Dst => PollFd::from_borrowed_fd(sock, PollFlags::OUT),
                    });
                    fds.len() - 1
                });
                let down_slot = down_wait.map(|w| {
                    fds.push(match w {
                        Wait::Src => PollFd::from_borrowed_fd(sock, PollFlags::IN),
                        Wait::Dst => PollFd::from_borrowed_fd(stdout, PollFlags::OUT),
                    });
                    fds.len() - 1
                });
                poll_until(&mut fds, wake).map_err(RelayError::Setup)?;
                let ready =
                    |slot: Option<usize>| slot.is_some_and(|i| !fds[i].revents().is_empty());
                (
                    ready(up_slot),
                    ready(down_slot),
                    !fds[0].revents().is_empty(),
                )
            };

            if signalled && let Some(signal) = signals.pending() {
                self.flush_received();
                return Err(RelayError::Interrupted(Interrupted { signal }));
            }
            let mut moved = 0;
            if down_ready {
                moved += self.pump_down()?;
            }
            if up_ready && let Some(up) = self.up.as_mut() {
                moved += up
                    .pump(self.stdin.as_fd(), self.sock.as_fd(), &mut self.scratch)
                    .map_err(|e| match e.side {
                        Side::Read => RelayError::Stdin(e.err),
                        Side::Write => RelayError::Send(e.err),
                    })?;
            }
            let now = Instant::now();
            if moved > 0 {
                last_activity = now;
            }
            let stats = self.stats();
            if let Some(p) = self.progress.as_mut() {
                p.tick(now, stats.sent, stats.received);
            }
            if opts.deadline.is_some_and(|d| now >= d) {
                return Err(timeout("session timeout (--timeout)"));
            }
            if quit_deadline.is_some_and(|d| now >= d) {
                return Err(timeout("quit-after timeout (-q)"));
            }
            let idle_deadline = match (opts.datagram, eof_at) {
                (true, Some(eof)) => {
                    // After stdin EOF a datagram session ends normally once replies stop.
                    if now >= last_activity.max(eof) + opts.idle.unwrap_or(opts.linger) {
                        return Ok(());
                    }
                    None
                }
                _ => opts.idle.map(|d| last_activity + d),
            };
            if idle_deadline.is_some_and(|d| now >= d) {
                return Err(timeout("idle timeout (-i)"));
            }
        }
    }

    /// socket → stdout; a closed stdout (`| head`) is a normal way to stop, not an error.
    fn pump_down(&mut self) -> Result<u64, RelayError> {
        let Some(down) = self.down.as_mut() else {
            return Ok(0);
        };
        match down.pump(self.sock.as_fd(), self.stdout.as_fd(), &mut self.scratch) {
            Ok(n) => Ok(n),
            Err(FlowError {
                side: Side::Write,
                err,
            }) if err.kind() == io::ErrorKind::BrokenPipe => Err(RelayError::Stdout(err)),
            Err(FlowError {
                side: Side::Read,
                err,
            }) => Err(RelayError::Recv(err)),
            Err(FlowError {
                side: Side::Write,
                err,
            }) => Err(RelayError::Stdout(err)),
        }
    }

    /// On SIGINT/SIGTERM: write out what was received (already read, or waiting in the socket)
    /// for a bounded time, so Ctrl-C never loses data we already have.
    fn flush_received(&mut self) {
        let deadline = Instant::now() + FLUSH_ON_SIGNAL;
        while Instant::now() < deadline {
            let Some(down) = self.down.as_ref() else {
                return;
            };
            let held = down.held();
            match down.interest() {
                Some(Wait::Dst) => {
                    let mut fds = [PollFd::from_borrowed_fd(
                        self.stdout.as_fd(),
                        PollFlags::OUT,
                    )];
                    if poll_until(&mut fds, Some(deadline)).is_err() {
                        return;
                    }
                }
                Some(Wait::Src) if held == 0 => {
                    // One last non-blocking read of what the socket already holds. It may
                    // deliver nothing yet still hold bytes (stdout full): keep flushing those.
                    let moved = self.pump_down();
                    let still_held = self.down.as_ref().map_or(0, Flow::held);
                    match moved {
                        Err(_) => return,
                        Ok(0) if still_held == 0 => return,
                        Ok(_) => continue,
                    }
                }
                _ => return,
            }
            if self.pump_down().is_err() {
                return;
            }
        }
    }
}

fn shutdown_write(sock: &Socket) {
    // ENOTCONN means the peer is already gone; the read side reports what happened.
    let _ = sock.shutdown(Shutdown::Write);
}

fn timeout(what: &str) -> RelayError {
    RelayError::Timeout(Timeout {
        what: what.to_string(),
    })
}
