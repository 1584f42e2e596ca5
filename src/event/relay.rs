//! The stdio ↔ socket session of `connect` and `listen`: a [`Session`] with stdin/stdout as
//! end 0 and the socket as end 1, on the reactor. This module adds what only stdio has: `-t`
//! (raw terminal, keys through a pipe), non-blocking stdio restored afterwards, and the flags'
//! shaping of each direction.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use socket2::Socket;

use super::pcap_tap::Conversation;
use super::session::{self, End, Rules, Session, SessionError};
use super::shape::Shape;
use super::signals::Signals;
use super::stdio::{Kind, NonBlocking};
use super::tty::Tty;
use super::{Interrupted, Timeout};

pub use super::session::EofMode;

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
    /// `--frame`, `--crlf`, `--max-frame`, `--hexdump`: what the bytes go through.
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
    let stdio = match Stdio::new(stdin, stdout, opts) {
        Ok(s) => s,
        Err(e) => return (Stats::default(), Err(RelayError::Setup(e))),
    };
    let mut end0 = match End::split(
        opts.send.then(|| stdio.stdin.as_fd()),
        opts.recv.then(|| stdio.stdout.as_fd()),
    ) {
        Ok(e) => e,
        Err(e) => return (Stats::default(), Err(RelayError::Setup(e))),
    };
    let end1 = End::socket(sock.as_fd(), opts.datagram);
    end0.keyboard = stdio.stdin_is_terminal || tty.is_some();
    let dirs = [
        opts.send
            .then(|| opts.shape.up_flow(stdio.in_kind, opts.datagram)),
        opts.recv
            .then(|| opts.shape.down_flow(stdio.out_kind, opts.datagram)),
    ];
    let rules = Rules {
        eof: opts.eof,
        idle: opts.idle,
        deadline: opts.deadline,
        quit_after: opts.quit_after,
        linger: opts.linger,
        progress: opts.progress,
        pcap: opts.shape.pcap.clone(),
    };
    if let Some(p) = &opts.shape.pcap {
        p.begin(Conversation::of_socket(sock, opts.datagram));
    }
    let ends = [end0, end1];
    let mut s = Session::new(&ends, dirs, rules, session::FIRST);
    let result = session::run(&mut s, &ends, signals);
    if let Some(p) = &opts.shape.pcap {
        // The socket closes: an RST if the peer reset it, else our FIN (once); flushed.
        p.close(matches!(&result, Err(SessionError::Io { end: 1, err, .. })
            if matches!(err.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)));
    }
    let [sent, received] = s.stats();
    (
        Stats { sent, received },
        result.map_err(|e| match e {
            SessionError::Timeout(t) => RelayError::Timeout(t),
            SessionError::Interrupted(i) => RelayError::Interrupted(i),
            SessionError::Setup(e) => RelayError::Setup(e),
            SessionError::Io {
                end: 0,
                write: false,
                err,
            } => RelayError::Stdin(err),
            SessionError::Io {
                end: 0,
                write: true,
                err,
            } => RelayError::Stdout(err),
            SessionError::Io {
                write: false, err, ..
            } => RelayError::Recv(err),
            SessionError::Io {
                write: true, err, ..
            } => RelayError::Send(err),
        }),
    )
}

/// stdin and stdout made non-blocking for the session (restored on drop).
struct Stdio<'a> {
    stdin: NonBlocking<'a>,
    stdout: NonBlocking<'a>,
    in_kind: Kind,
    out_kind: Kind,
    stdin_is_terminal: bool,
}

impl<'a> Stdio<'a> {
    fn new(stdin: BorrowedFd<'a>, stdout: BorrowedFd<'a>, opts: &RelayOpts) -> io::Result<Self> {
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
        Ok(Stdio {
            stdin: NonBlocking::set(stdin, if opts.send { in_kind } else { Kind::Device })?,
            stdout: NonBlocking::set(stdout, if opts.recv { out_kind } else { Kind::Device })?,
            in_kind,
            out_kind,
            stdin_is_terminal,
        })
    }
}
