//! One TLS connection between a non-blocking TCP socket and our end of a socketpair: records
//! in from TCP are decrypted and written to the pair as plaintext; plaintext read from the
//! pair is encrypted and sent. Never blocks: [`Pump::step`] does what the fds allow and
//! [`Pump::interest`] says what to wait for.
//!
//! Half-close: EOF read from the pair sends close_notify and shuts TCP for writing, and we go
//! on reading; the peer's close_notify becomes EOF on the pair (shutdown). TCP EOF without a
//! close_notify is a truncated stream: an error, unless nobody reads the pair any more.
//! Backpressure: TCP is not read while decrypted bytes wait for the pair, and the pair is not
//! read while records wait for TCP, so a pump holds at most one read's worth each way.

use std::io::{self, BufRead};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use anyhow::{Result, anyhow};
use rustix::io::Errno;
use rustix::net::Shutdown;
use socket2::{Domain, Socket, Type};

use super::{Summary, TlsError, config, reason};
use crate::event::reactor::Interest;
use crate::event::signals::Signals;

/// Rounds per [`Pump::step`], so one busy connection cannot starve the others.
const ROUNDS: usize = 16;
/// SO_SNDBUF asked for our end of the socketpair (plaintext towards the session) once the
/// client has moved [`BULK`] bytes that way.
const PAIR_BUF: usize = 1 << 20;
const BULK: usize = 1 << 20;
/// Keep a plaintext buffer's memory only up to this once it is empty (idle clients hold none).
const KEEP: usize = 64 * 1024;

/// Why a pump stopped early.
pub enum Failure {
    Tls(TlsError),
    /// TCP EOF without close_notify (exit 1).
    Truncated,
    Io(io::Error, &'static str),
}

pub struct Pump {
    conn: rustls::Connection,
    pub tcp: Socket,
    pub plain: Socket,
    /// The peer, for messages.
    pub peer: String,
    /// Decrypted bytes waiting for the pair.
    out: Vec<u8>,
    out_pos: usize,
    /// Plaintext written to the pair so far, until [`BULK`]; then its SO_SNDBUF is `grown`.
    delivered: usize,
    grown: bool,
    tcp_eof: bool,
    /// The peer's close_notify arrived.
    tls_eof: bool,
    /// The pair was told EOF (after the peer's close_notify and everything before it).
    plain_wr_shut: bool,
    /// Nobody reads the pair any more: decrypted bytes are dropped.
    plain_gone: bool,
    /// EOF read from the pair: close_notify queued.
    plain_eof: bool,
    tcp_wr_shut: bool,
    /// TCP cannot be written any more (the peer left after its close_notify).
    tcp_broken: bool,
    /// TCP ended without close_notify: an error once what came before is delivered.
    truncated: bool,
    established: bool,
    announced: bool,
    failure: Option<Failure>,
}

impl Pump {
    /// A pump for `conn` over `tcp` (non-blocking), and the socketpair end the session uses.
    pub fn new(conn: rustls::Connection, tcp: Socket, peer: String) -> io::Result<(Pump, Socket)> {
        // Non-blocking from the start: no fcntl pair per end.
        let (ours, theirs) =
            Socket::pair(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        let mut conn = conn;
        // Memory is bounded by reading the pair only while no records wait (see `interest`).
        conn.set_buffer_limit(None);
        let pump = Pump {
            conn,
            tcp,
            plain: ours,
            peer,
            out: Vec::new(),
            out_pos: 0,
            delivered: 0,
            grown: false,
            tcp_eof: false,
            tls_eof: false,
            plain_wr_shut: false,
            plain_gone: false,
            plain_eof: false,
            tcp_wr_shut: false,
            tcp_broken: false,
            truncated: false,
            established: false,
            announced: false,
            failure: None,
        };
        Ok((pump, theirs))
    }

    /// A client connection to `name` over `tcp`.
    pub fn client(c: &config::Client, tcp: Socket, peer: String) -> Result<(Pump, Socket)> {
        let conn = rustls::ClientConnection::new(c.config.clone(), c.name.clone())
            .map_err(|e| anyhow!("TLS setup failed: {e}"))?;
        Ok(Pump::new(conn.into(), tcp, peer)?)
    }

    /// A server connection over an accepted `tcp`.
    pub fn server(s: &config::Server, tcp: Socket, peer: String) -> Result<(Pump, Socket)> {
        let conn = rustls::ServerConnection::new(s.config.clone())
            .map_err(|e| anyhow!("TLS setup failed: {e}"))?;
        Ok(Pump::new(conn.into(), tcp, peer)?)
    }

    /// The handshake is done (once; `None` afterwards and before): what `-v` prints.
    pub fn take_established(&mut self) -> Option<Summary> {
        if self.announced {
            return None;
        }
        let s = self.summary()?;
        self.announced = true;
        Some(s)
    }

    /// What was negotiated, once the handshake is done.
    pub fn summary(&self) -> Option<Summary> {
        if !self.established {
            return None;
        }
        Some(super::summary_of(&self.conn))
    }

    /// The handshake is done.
    pub fn established(&self) -> bool {
        self.established
    }

    /// The failure that stopped this pump as one log line, the text
    /// `exit::render(take_failure())` would give, without making an `anyhow::Error` (which
    /// captures a backtrace when RUST_BACKTRACE is set: once per client that leaves rudely).
    pub fn take_failure_line(&mut self) -> Option<String> {
        Some(match self.failure.take()? {
            Failure::Tls(e) => e.to_string().replace('\n', " "),
            Failure::Truncated => {
                format!("TLS stream truncated: no close_notify from {}", self.peer)
            }
            Failure::Io(e, what) => format!(
                "{what} {} failed: {}",
                self.peer,
                crate::exit::describe_io(&e)
            )
            .replace('\n', " "),
        })
    }

    /// The failure that stopped this pump, as the error a command exits with.
    pub fn take_failure(&mut self) -> Option<anyhow::Error> {
        Some(match self.failure.take()? {
            Failure::Tls(e) => e.into(),
            Failure::Truncated => {
                anyhow!("TLS stream truncated: no close_notify from {}", self.peer)
            }
            Failure::Io(e, what) => {
                anyhow::Error::from(e).context(format!("{what} {} failed", self.peer))
            }
        })
    }

    /// Both directions are over (or the pump failed): the caller drops it, closing both fds.
    pub fn finished(&self) -> bool {
        if self.failure.is_some() {
            return true;
        }
        let sent = (self.plain_eof && self.tcp_wr_shut) || self.tcp_broken;
        let received = self.plain_wr_shut || self.plain_gone;
        sent && (received || self.pair_closed())
    }

    /// Our EOF went out and the session closed its end of the pair (not just half-closed):
    /// nobody waits for the peer's close_notify.
    fn pair_closed(&self) -> bool {
        use rustix::event::{PollFd, PollFlags, poll};
        let mut fds = [PollFd::new(&self.plain, PollFlags::OUT)];
        let zero = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        poll(&mut fds, Some(&zero)).is_ok() && fds[0].revents().contains(PollFlags::HUP)
    }

    /// What the TCP socket and the pair wait for.
    pub fn interest(&self) -> (Interest, Interest) {
        if self.failure.is_some() {
            return (Interest::NONE, Interest::NONE);
        }
        let pending = self.out_pos < self.out.len();
        let tcp = Interest {
            read: !self.tcp_eof && !self.tls_eof && !pending && self.conn.wants_read(),
            write: self.conn.wants_write() && !self.tcp_broken,
        };
        let plain = Interest {
            read: self.established && !self.plain_eof && !self.conn.wants_write(),
            write: pending,
        };
        (tcp, plain)
    }

    /// Move what the fds allow. `scratch` is shared by the pumps of a loop.
    pub fn step(&mut self, scratch: &mut [u8]) {
        if self.failure.is_some() {
            return;
        }
        if let Err(f) = self.rounds(scratch) {
            if let Failure::Tls(_) = f {
                // The alert rustls queued tells the peer why; best effort.
                let _ = self.conn.write_tls(&mut FdIo(self.tcp.as_fd()));
            }
            self.failure = Some(f);
        }
    }

    fn rounds(&mut self, scratch: &mut [u8]) -> Result<(), Failure> {
        for _ in 0..ROUNDS {
            let mut moved = self.flush_tls()?;
            moved |= self.deliver()?;
            moved |= self.recv_tcp(scratch)?;
            moved |= self.deliver()?;
            moved |= self.send_plain(scratch)?;
            moved |= self.flush_tls()?;
            if self.truncated && self.out.is_empty() {
                return Err(Failure::Truncated);
            }
            if !moved {
                break;
            }
        }
        Ok(())
    }

    /// Queued records → TCP; after our close_notify went out, TCP is shut for writing.
    fn flush_tls(&mut self) -> Result<bool, Failure> {
        let mut moved = false;
        while self.conn.wants_write() && !self.tcp_broken {
            match self.conn.write_tls(&mut FdIo(self.tcp.as_fd())) {
                Ok(_) => moved = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The peer left after its own close_notify, or nobody reads what it sends.
                Err(_) if self.tls_eof || self.plain_gone => {
                    self.tcp_broken = true;
                }
                Err(e) => return Err(Failure::Io(e, "write to")),
            }
        }
        if self.plain_eof && !self.tcp_wr_shut && !self.conn.wants_write() {
            self.tcp_wr_shut = true;
            let _ = rustix::net::shutdown(&self.tcp, Shutdown::Write);
            moved = true;
        }
        Ok(moved)
    }

    /// Decrypted bytes → the pair; after the peer's close_notify, EOF to the pair.
    fn deliver(&mut self) -> Result<bool, Failure> {
        let mut moved = false;
        while self.out_pos < self.out.len() {
            match rustix::io::write(&self.plain, &self.out[self.out_pos..]) {
                Ok(n) => {
                    self.out_pos += n;
                    self.delivered += n;
                    moved = true;
                }
                Err(Errno::AGAIN) => break,
                Err(Errno::INTR) => {}
                Err(Errno::PIPE | Errno::CONNRESET) => {
                    self.plain_gone = true;
                    self.out_pos = self.out.len();
                }
                Err(e) => return Err(Failure::Io(e.into(), "relay from")),
            }
        }
        if self.out_pos == self.out.len() && !self.out.is_empty() {
            self.out.clear();
            self.out_pos = 0;
            if self.out.capacity() > KEEP {
                self.out.shrink_to(KEEP);
            }
        }
        if self.tls_eof && self.out.is_empty() && !self.plain_wr_shut {
            self.plain_wr_shut = true;
            let _ = rustix::net::shutdown(&self.plain, Shutdown::Write);
            moved = true;
        }
        Ok(moved)
    }

    /// A unix stream socket's writer is bounded by its own SO_SNDBUF (the default, about
    /// 200 KiB, is less than one read from TCP): once the client moves bulk data, a larger one
    /// lets a whole read's plaintext go into the pair at once, so `out` stays empty and is not
    /// regrown (page faults). Not before: a client that sends little (most of `-k`'s, and
    /// every handshake) keeps the default, which bounds the kernel memory a slow session can
    /// leave queued, and costs no setsockopt. Only our end: the session's end keeps the
    /// default, so reads of plaintext to encrypt stay small enough not to churn malloc
    /// (measured slower with 1 MiB). Best effort (net.core.wmem_max caps it).
    fn grow_pair(&mut self) {
        if !self.grown && self.delivered >= BULK {
            self.grown = true;
            let _ = self.plain.set_send_buffer_size(PAIR_BUF);
        }
    }

    /// TCP → rustls → the pair, one read into `scratch`, only while nothing decrypted waits
    /// for the pair.
    fn recv_tcp(&mut self, scratch: &mut [u8]) -> Result<bool, Failure> {
        if self.tcp_eof || self.tls_eof || !self.out.is_empty() || !self.conn.wants_read() {
            return Ok(false);
        }
        self.grow_pair();
        let n = match rustix::io::read(&self.tcp, &mut *scratch) {
            Ok(n) => n,
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => return Ok(true),
            Err(Errno::CONNRESET) if !self.established => {
                return Err(self.tls_failure("connection reset by peer".into()));
            }
            Err(e) => return Err(Failure::Io(e.into(), "read from")),
        };
        if n == 0 {
            self.tcp_eof = true;
            let _ = self.conn.read_tls(&mut io::empty());
            self.process()?;
            self.drain_plaintext()?;
            if !self.tls_eof {
                if !self.established {
                    return Err(self.tls_failure("connection closed by the peer".into()));
                }
                self.truncated = !self.plain_gone;
            }
            return Ok(true);
        }
        let mut data = &scratch[..n];
        while !data.is_empty() {
            match self.conn.read_tls(&mut data) {
                Ok(0) => break, // after close_notify nothing more is read
                Ok(_) => {}
                Err(e) => return Err(self.tls_failure(e.to_string())),
            }
            self.process()?;
            self.drain_plaintext()?;
        }
        Ok(true)
    }

    fn process(&mut self) -> Result<(), Failure> {
        if let Err(e) = self.conn.process_new_packets() {
            return Err(self.tls_failure(reason(&e)));
        }
        if !self.established && !self.conn.is_handshaking() {
            self.established = true;
        }
        Ok(())
    }

    /// Everything rustls has decrypted → the pair, written straight from rustls's buffer (no
    /// copy through scratch); what the pair does not take waits in `out`. The reader's Ok(0)
    /// is the peer's close_notify.
    fn drain_plaintext(&mut self) -> Result<(), Failure> {
        loop {
            let chunk = match self.conn.reader().into_first_chunk() {
                Ok([]) => {
                    self.tls_eof = true;
                    return Ok(());
                }
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                // EOF without close_notify: the caller decides (truncation).
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(Failure::Io(e, "read from")),
            };
            let n = chunk.len();
            let mut sent = 0;
            if self.plain_gone {
                sent = n;
            } else if self.out_pos == self.out.len() {
                while sent < n {
                    match rustix::io::write(&self.plain, &chunk[sent..]) {
                        Ok(k) => {
                            sent += k;
                            self.delivered += k;
                        }
                        Err(Errno::AGAIN) => break,
                        Err(Errno::INTR) => {}
                        Err(Errno::PIPE | Errno::CONNRESET) => {
                            self.plain_gone = true;
                            sent = n;
                        }
                        Err(e) => return Err(Failure::Io(e.into(), "relay from")),
                    }
                }
                if sent < n {
                    self.out.clear();
                    self.out_pos = 0;
                }
            }
            self.out.extend_from_slice(&chunk[sent..]);
            self.conn.reader().consume(n);
        }
    }

    /// The pair → rustls, one read, once the handshake is done and no records wait.
    fn send_plain(&mut self, scratch: &mut [u8]) -> Result<bool, Failure> {
        if !self.established || self.plain_eof || self.conn.wants_write() {
            return Ok(false);
        }
        let n = match rustix::io::read(&self.plain, &mut *scratch) {
            Ok(n) => n,
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => return Ok(true),
            Err(Errno::CONNRESET) => 0,
            Err(e) => return Err(Failure::Io(e.into(), "relay to")),
        };
        if n == 0 {
            self.plain_eof = true;
            self.conn.send_close_notify();
            return Ok(true);
        }
        use std::io::Write;
        self.conn
            .writer()
            .write_all(&scratch[..n])
            .map_err(|e| Failure::Io(e, "encrypt for"))?;
        Ok(true)
    }

    fn tls_failure(&self, reason: String) -> Failure {
        Failure::Tls(TlsError {
            peer: self.peer.clone(),
            reason,
            established: self.established,
        })
    }

    /// Drive the handshake alone, waiting on this thread (one session: nothing else runs
    /// yet). Signals end it (exit 130/143), `deadline` too (exit 4).
    pub fn handshake(
        &mut self,
        scratch: &mut [u8],
        deadline: Option<Instant>,
        signals: &Signals,
    ) -> Result<()> {
        loop {
            self.step(scratch);
            // Established first: a failure right after the handshake (a truncated stream)
            // surfaces in the session, once what arrived before it is delivered.
            if self.established {
                return Ok(());
            }
            if let Some(e) = self.take_failure() {
                return Err(e);
            }
            let what = || format!("TLS handshake with {} (-w)", self.peer);
            crate::event::wait_ready(
                self.tcp.as_fd(),
                self.interest().0,
                deadline,
                signals,
                &what,
            )?;
        }
    }
}

/// An fd as `io::Read`/`io::Write` for rustls (vectored writes: one writev per flush).
struct FdIo<'a>(BorrowedFd<'a>);

impl io::Write for FdIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(rustix::io::write(self.0, buf)?)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        Ok(rustix::io::writev(self.0, bufs)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client pump and a server pump over a unix socketpair standing in for TCP: the
    /// server's pair keeps its default send buffer through the handshake and small
    /// transfers, and gets the large one once a client has moved [`BULK`] bytes.
    #[test]
    fn the_pair_buffer_grows_only_with_bulk_data() {
        use std::os::fd::AsFd;
        let opts = super::super::TlsOpts {
            insecure: true,
            ..Default::default()
        };
        let scfg = config::server(&super::super::TlsOpts::default(), &[]).unwrap();
        let ccfg = config::client(&opts, "localhost").unwrap();
        let (a, b) = Socket::pair(Domain::UNIX, Type::STREAM, None).unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let (mut c, c_plain) = Pump::client(&ccfg, a, "server".into()).unwrap();
        let (mut s, s_plain) = Pump::server(&scfg, b, "client".into()).unwrap();
        let mut scratch = vec![0u8; 64 * 1024];
        let sndbuf = |p: &Pump| p.plain.send_buffer_size().unwrap();
        let small = sndbuf(&s);
        assert!(small < PAIR_BUF, "{small}");
        let chunk = vec![7u8; 64 * 1024];
        let (mut sent, mut got) = (0usize, 0usize);
        let mut buf = vec![0u8; 256 * 1024];
        for _ in 0..10_000 {
            c.step(&mut scratch);
            s.step(&mut scratch);
            if c.established()
                && sent < 2 * BULK
                && let Ok(n) = rustix::io::write(c_plain.as_fd(), &chunk)
            {
                sent += n;
            }
            while let Ok(n) = rustix::io::read(s_plain.as_fd(), &mut buf) {
                if n == 0 {
                    break;
                }
                got += n;
            }
            if got < BULK / 2 {
                assert_eq!(sndbuf(&s), small, "grown after {got} bytes");
            }
            if got == 2 * BULK {
                break;
            }
        }
        assert!(c.take_failure().is_none() && s.take_failure().is_none());
        assert_eq!(got, 2 * BULK);
        // Asked for PAIR_BUF; net.core.wmem_max may cap it (212,992 on a fresh Debian), but
        // the kernel doubles what it grants, so it is more than the default either way.
        assert!(sndbuf(&s) > small, "{} vs {small}", sndbuf(&s));
    }

    /// The log line made without anyhow is the line `exit::render` makes of the error.
    #[test]
    fn failure_lines_match_the_rendered_errors() {
        let cfg = config::server(&super::super::TlsOpts::default(), &[]).unwrap();
        let (tcp, _peer) = Socket::pair(Domain::UNIX, Type::STREAM, None).unwrap();
        let (mut p, _plain) = Pump::server(&cfg, tcp, "127.0.0.1:9".into()).unwrap();
        let failures = || {
            [
                Failure::Tls(TlsError {
                    peer: "127.0.0.1:9".into(),
                    reason: "peer sent alert: bad certificate".into(),
                    established: false,
                }),
                Failure::Truncated,
                Failure::Io(io::Error::from_raw_os_error(libc::ECONNRESET), "read from"),
            ]
        };
        for (a, b) in failures().into_iter().zip(failures()) {
            p.failure = Some(a);
            let line = p.take_failure_line().unwrap();
            p.failure = Some(b);
            let err = p.take_failure().unwrap();
            assert_eq!(line, crate::exit::render(&err));
        }
        assert_eq!(
            {
                p.failure = Some(Failure::Io(
                    io::Error::from_raw_os_error(libc::ECONNRESET),
                    "read from",
                ));
                p.take_failure_line().unwrap()
            },
            "read from 127.0.0.1:9 failed: connection reset by peer"
        );
    }
}
