//! One direction of a relay: moves bytes from a source fd to a sink fd without blocking, with
//! bounded memory and the cheapest mechanism the two fd kinds allow:
//!
//! - `Splice`: one end is a pipe, so splice(2) moves pages between them directly;
//! - `SpliceVia`: socket → socket/file//dev/null, through a private pipe (zero copy);
//! - `Sendfile`: regular file → socket, sendfile(2);
//! - `Discard`: stream socket → /dev/null, recv(MSG_TRUNC): TCP drops the bytes in the kernel
//!   without copying them anywhere (`sockcli listen > /dev/null` as a discard server);
//! - `Copy`: everything else (terminals, datagrams): read(2) into a shared scratch buffer and
//!   write(2) straight out; only what the sink refused is kept, in `pending`. While anything
//!   is pending the source is not read: that is the backpressure.
//! - `Shaped`: opt-in ([`Flow::shaped`]), the copy path through a framing codec and/or a
//!   hexdump tap ([`super::shape`]), with the same backpressure rule.
//!
//! A flow never blocks the loop: every call does at most [`MAX_OPS`] operations and then says
//! which fd it waits for ([`Flow::interest`]).

use std::cell::RefCell;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::rc::Rc;

use rustix::io::Errno;
use rustix::net::RecvFlags;
use rustix::pipe::{PipeFlags, SpliceFlags};

use super::shaper::Shaper;
use super::stdio::Kind;
use super::step::fail;
pub use super::step::{FlowError, MAX_DATAGRAM, Side};
use crate::tls::link::{Blocked, Failed, Link};

/// Operations per `pump` call, so one busy direction cannot starve the other.
const MAX_OPS: usize = 64;
/// Bytes asked for per splice/sendfile call.
const CHUNK: usize = 1 << 20;
/// Size asked for the private pipe of `SpliceVia` (the kernel may give less).
const VIA_PIPE_SIZE: usize = 1 << 20;

/// Which fd a flow is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    Src,
    Dst,
}

enum Mode {
    Copy,
    Splice,
    /// `pipe` is taken from a small per-thread pool while bytes move and given back when it
    /// is empty, so an idle connection holds no pipe (no fds, no kernel pipe buffers).
    SpliceVia {
        pipe: Option<ViaPipe>,
        held: usize,
    },
    Sendfile,
    Discard,
    Shaped(Box<Shaper>),
    /// The source is a TLS end: records read from its TCP socket are opened in place and
    /// their plaintext written out from there ([`crate::tls::link`]).
    TlsIn(Rc<RefCell<Link>>),
    /// The sink is a TLS end: plaintext is read straight into records sealed in place.
    /// `close_at_eof`: the source's EOF sends close_notify (not with `--eof keep`).
    TlsOut {
        link: Rc<RefCell<Link>>,
        close_at_eof: bool,
        src_eof: bool,
    },
}

pub struct Flow {
    mode: Mode,
    pending: Vec<u8>,
    sent: usize,
    wait: Wait,
    eof: bool,
    /// Bytes delivered to the sink so far.
    pub bytes: u64,
    /// The source is a datagram socket: a zero-length read is an empty message, not EOF.
    src_dgram: bool,
    max_read: usize,
    one_op: bool,
    src: Kind,
}

impl Flow {
    /// A flow between fds of these kinds. A datagram end (`src_dgram`, `dst_dgram`) makes each
    /// read one message (at most [`MAX_DATAGRAM`] bytes towards a datagram sink) and rules out
    /// splicing.
    pub fn new(src: Kind, dst: Kind, src_dgram: bool, dst_dgram: bool) -> Flow {
        use Kind::*;
        let mode = if src_dgram || dst_dgram {
            Mode::Copy
        } else {
            match (src, dst) {
                (Pipe, Socket | Pipe | File | Null) | (Socket | File, Pipe) => Mode::Splice,
                (File, Socket) => Mode::Sendfile,
                (Socket, Null) => Mode::Discard,
                (Socket, Socket | File) => Mode::SpliceVia {
                    pipe: None,
                    held: 0,
                },
                _ => Mode::Copy,
            }
        };
        Flow::with_mode(mode, src, dst, src_dgram, dst_dgram)
    }

    /// A plain copying flow between non-blocking sockets (echo servers: the bytes go back
    /// where they came from); it holds no pipe, only what the sink refused.
    pub fn copy(datagram: bool) -> Flow {
        Flow::with_mode(Mode::Copy, Kind::Socket, Kind::Socket, datagram, datagram)
    }

    /// A copying flow whose bytes pass through `shaper` (framing, hexdump) on their way.
    pub fn shaped(src: Kind, dst: Kind, src_dgram: bool, dst_dgram: bool, shaper: Shaper) -> Flow {
        let mode = Mode::Shaped(Box::new(shaper));
        Flow::with_mode(mode, src, dst, src_dgram, dst_dgram)
    }

    /// Plaintext out of a TLS end (`src` is its TCP socket) into `dst`.
    pub fn tls_in(link: Rc<RefCell<Link>>, dst: Kind) -> Flow {
        // What came with the handshake is processed once the sink can take it, without
        // waiting for TCP to have more.
        let pending = link.borrow().rx_pending();
        let mut f = Flow::with_mode(Mode::TlsIn(link), Kind::Socket, dst, false, false);
        if pending {
            f.wait = Wait::Dst;
        }
        f
    }

    /// Plaintext from `src` into a TLS end (`dst` is its TCP socket).
    pub fn tls_out(link: Rc<RefCell<Link>>, src: Kind) -> Flow {
        let mode = Mode::TlsOut {
            link,
            close_at_eof: true,
            src_eof: false,
        };
        Flow::with_mode(mode, src, Kind::Socket, false, false)
    }

    /// `--eof keep`: the source's EOF does not close the TLS stream (the end of the session
    /// does).
    pub fn keep_tls_open_at_eof(&mut self) {
        if let Mode::TlsOut { close_at_eof, .. } = &mut self.mode {
            *close_at_eof = false;
        }
    }

    fn with_mode(mode: Mode, src: Kind, dst: Kind, src_dgram: bool, dst_dgram: bool) -> Flow {
        Flow {
            mode,
            pending: Vec::new(),
            sent: 0,
            wait: Wait::Src,
            eof: false,
            bytes: 0,
            src_dgram,
            max_read: if dst_dgram { MAX_DATAGRAM } else { usize::MAX },
            one_op: src.may_block() || dst.may_block(),
            src,
        }
    }

    /// Bytes pass through a [`Shaper`] (framing, hexdump).
    #[cfg(test)]
    pub fn is_shaped(&self) -> bool {
        matches!(self.mode, Mode::Shaped(_))
    }

    /// The source reached EOF and everything read has been delivered.
    pub fn done(&self) -> bool {
        self.eof && self.held() == 0
    }

    /// The source reached EOF (some bytes may still be on their way to the sink).
    pub fn src_eof(&self) -> bool {
        self.eof
    }

    /// Bytes read from the source but not yet delivered.
    pub fn held(&self) -> usize {
        let via = match &self.mode {
            Mode::SpliceVia { held, .. } => *held,
            Mode::Shaped(s) => s.held(),
            Mode::TlsIn(link) => link.borrow().rx_held(),
            Mode::TlsOut { link, .. } => link.borrow().tx_held(),
            _ => 0,
        };
        self.pending.len() - self.sent + via
    }

    /// What to poll for next: `None` once the flow is done.
    pub fn interest(&self) -> Option<Wait> {
        if self.done() {
            return None;
        }
        Some(match &self.mode {
            Mode::Splice | Mode::Sendfile | Mode::Discard => self.wait,
            Mode::TlsIn(_) | Mode::TlsOut { .. } => self.wait,
            Mode::Shaped(s) if s.wants_dst() => Wait::Dst,
            Mode::Shaped(_) => Wait::Src,
            _ if self.held() > 0 => Wait::Dst,
            _ => Wait::Src,
        })
    }

    /// Move bytes until an fd would block (or [`MAX_OPS`] operations). Returns the bytes
    /// delivered to the sink by this call. `scratch` is shared by all flows of a loop.
    pub fn pump(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        scratch: &mut [u8],
    ) -> Result<u64, FlowError> {
        let before = self.bytes;
        if matches!(self.mode, Mode::TlsIn(_) | Mode::TlsOut { .. }) {
            self.step_tls(src, dst)?;
            return Ok(self.bytes - before);
        }
        for _ in 0..MAX_OPS {
            let more = match self.mode {
                Mode::Copy => self.step_copy(src, dst, scratch)?,
                Mode::Splice => self.step_splice(src, dst)?,
                Mode::SpliceVia { .. } => self.step_via(src, dst)?,
                Mode::Sendfile => self.step_sendfile(src, dst)?,
                Mode::Discard => self.step_discard(src, scratch)?,
                Mode::Shaped(ref mut s) => s.step(
                    src,
                    dst,
                    scratch,
                    self.one_op,
                    &mut self.eof,
                    &mut self.bytes,
                )?,
                Mode::TlsIn(_) | Mode::TlsOut { .. } => false,
            };
            if !more {
                break;
            }
        }
        if let Mode::SpliceVia { pipe, held: 0 } = &mut self.mode
            && let Some(p) = pipe.take()
        {
            p.give_back();
        }
        Ok(self.bytes - before)
    }

    fn step_copy(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        scratch: &mut [u8],
    ) -> Result<bool, FlowError> {
        if self.sent < self.pending.len() {
            return match rustix::io::write(dst, &self.pending[self.sent..]) {
                Ok(n) => {
                    self.sent += n;
                    self.bytes += n as u64;
                    if self.sent == self.pending.len() {
                        self.pending.clear();
                        self.sent = 0;
                    }
                    Ok(!self.one_op)
                }
                Err(Errno::AGAIN) => Ok(false),
                Err(Errno::INTR) => Ok(true),
                Err(e) => Err(fail(Side::Write, e)),
            };
        }
        if self.eof {
            return Ok(false);
        }
        let limit = scratch.len().min(self.max_read);
        let n = match rustix::io::read(src, &mut scratch[..limit]) {
            Ok(0) if !self.src_dgram => {
                self.eof = true;
                return Ok(false);
            }
            Ok(n) => n,
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => return Ok(true),
            Err(e) => return Err(fail(Side::Read, e)),
        };
        let written = match rustix::io::write(dst, &scratch[..n]) {
            Ok(w) => w,
            Err(Errno::AGAIN | Errno::INTR) => 0,
            Err(e) => return Err(fail(Side::Write, e)),
        };
        self.bytes += written as u64;
        if written < n {
            self.pending.extend_from_slice(&scratch[written..n]);
            return Ok(false);
        }
        // A short read drained the source; poll is level-triggered and reports new data, so
        // the read that would only say EAGAIN is skipped (one syscall less per message).
        // Datagrams say nothing about what is queued behind them.
        Ok(!self.one_op && (self.src_dgram || n == limit))
    }

    /// A TLS direction: the link does up to [`MAX_OPS`] syscalls and says what it waits for.
    fn step_tls(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> Result<(), FlowError> {
        let res = match &mut self.mode {
            Mode::TlsIn(link) => link.borrow_mut().recv(src, dst, MAX_OPS, &mut self.bytes),
            Mode::TlsOut {
                link,
                close_at_eof,
                src_eof,
            } => link
                .borrow_mut()
                .send(src, dst, MAX_OPS, src_eof, *close_at_eof, &mut self.bytes),
            _ => return Ok(()),
        };
        match res {
            Ok(Blocked::Src) => self.wait = Wait::Src,
            Ok(Blocked::Dst) => self.wait = Wait::Dst,
            Ok(Blocked::Done) => self.eof = true,
            Ok(Blocked::Budget) => {
                self.wait = if self.held() > 0 {
                    Wait::Dst
                } else {
                    Wait::Src
                };
            }
            Err(Failed { write, err, .. }) => {
                let side = if write { Side::Write } else { Side::Read };
                return Err(FlowError { side, err });
            }
        }
        Ok(())
    }

    fn step_splice(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> Result<bool, FlowError> {
        if self.eof {
            return Ok(false);
        }
        let flags = SpliceFlags::NONBLOCK | SpliceFlags::MOVE;
        let res = rustix::pipe::splice(src, None, dst, None, CHUNK, flags);
        let again = |f: &Flow| f.blocked_side(src);
        self.settle(res, again, |f, e| f.splice_side(e))
    }

    /// Book one splice/sendfile result: 0 is EOF, EAGAIN waits for the side `again` names,
    /// EINVAL before any byte moved means this pair of fds needs plain copying.
    fn settle(
        &mut self,
        res: rustix::io::Result<usize>,
        again: impl FnOnce(&Flow) -> Wait,
        side: impl FnOnce(&Flow, Errno) -> Side,
    ) -> Result<bool, FlowError> {
        match res {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(n) => {
                self.bytes += n as u64;
                Ok(true)
            }
            Err(Errno::AGAIN) => {
                self.wait = again(self);
                Ok(false)
            }
            Err(Errno::INTR) => Ok(true),
            Err(Errno::INVAL | Errno::NOSYS) if self.bytes == 0 => self.fall_back_to_copy(),
            Err(e) => Err(fail(side(self, e), e)),
        }
    }

    fn step_sendfile(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
    ) -> Result<bool, FlowError> {
        if self.eof {
            return Ok(false);
        }
        let res = rustix::fs::sendfile(dst, src, None, CHUNK);
        // A regular file always has data until EOF: EAGAIN is the socket being full.
        self.settle(res, |_| Wait::Dst, |_, _| Side::Write)
    }

    fn step_discard(&mut self, src: BorrowedFd<'_>, scratch: &mut [u8]) -> Result<bool, FlowError> {
        if self.eof {
            return Ok(false);
        }
        let flags = RecvFlags::TRUNC | RecvFlags::DONTWAIT;
        // With MSG_TRUNC, TCP returns how much it dropped and leaves `scratch` alone; a unix
        // stream socket ignores the flag and copies, which is still correct.
        let res = rustix::net::recv(src, &mut *scratch, flags).map(|(_, n)| n);
        // Only the socket can be "not ready": /dev/null always takes everything.
        self.settle(res, |_| Wait::Src, |_, _| Side::Read)
    }

    fn step_via(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> Result<bool, FlowError> {
        if let Mode::SpliceVia {
            pipe: pipe @ None, ..
        } = &mut self.mode
        {
            match ViaPipe::take() {
                Some(p) => *pipe = Some(p),
                // Out of fds or pipe memory: copying works without a pipe.
                None => return self.fall_back_to_copy(),
            }
        }
        let Mode::SpliceVia {
            pipe: Some(ViaPipe { r, w, cap }),
            held,
        } = &mut self.mode
        else {
            return Ok(false);
        };
        let flags = SpliceFlags::NONBLOCK | SpliceFlags::MOVE;
        let mut progressed = false;
        if *held > 0 {
            match rustix::pipe::splice(&*r, None, dst, None, *held, flags) {
                Ok(n) => {
                    *held -= n;
                    self.bytes += n as u64;
                    progressed = n > 0;
                }
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(Errno::INVAL) if self.bytes == 0 => return self.fall_back_to_copy(),
                Err(e) => return Err(fail(Side::Write, e)),
            }
        }
        if !self.eof && *held < *cap {
            match rustix::pipe::splice(src, None, &*w, None, *cap - *held, flags) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    *held += n;
                    progressed = true;
                }
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(Errno::INVAL) if self.bytes == 0 && *held == 0 => {
                    return self.fall_back_to_copy();
                }
                Err(e) => return Err(fail(Side::Read, e)),
            }
        }
        Ok(progressed)
    }

    /// After EAGAIN from a splice we cannot tell which end was not ready: ask the source how
    /// much it holds (FIONREAD works on pipes, stream sockets and files).
    fn blocked_side(&self, src: BorrowedFd<'_>) -> Wait {
        match rustix::io::ioctl_fionread(src) {
            Ok(n) if n > 0 => Wait::Dst,
            _ => Wait::Src,
        }
    }

    /// splice(2) does not say which end failed: a broken pipe is always the sink's, otherwise
    /// blame the end that is a socket (pipes and files rarely fail).
    fn splice_side(&self, e: Errno) -> Side {
        if e == Errno::PIPE || self.src != Kind::Socket {
            Side::Write
        } else {
            Side::Read
        }
    }

    /// Some fds refuse splice/sendfile (EINVAL): move what the private pipe holds into
    /// `pending` and continue by copying.
    fn fall_back_to_copy(&mut self) -> Result<bool, FlowError> {
        if let Mode::SpliceVia {
            pipe: Some(ViaPipe { r, .. }),
            held,
        } = &mut self.mode
        {
            let mut left = vec![0u8; *held];
            let mut got = 0;
            while got < left.len() {
                match rustix::io::read(&*r, &mut left[got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) => return Err(fail(Side::Read, e)),
                }
            }
            left.truncate(got);
            self.pending = left;
            self.sent = 0;
        }
        self.mode = Mode::Copy;
        Ok(true)
    }
}

/// The private pipe of a socket → socket/file flow.
struct ViaPipe {
    r: OwnedFd,
    w: OwnedFd,
    cap: usize,
}

/// Empty pipes kept for the next flow that needs one (per thread: the loop is one thread).
const POOL: usize = 16;

thread_local! {
    static PIPES: std::cell::RefCell<Vec<ViaPipe>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl ViaPipe {
    /// An empty pipe from the pool, or a new one.
    fn take() -> Option<ViaPipe> {
        if let Some(p) = PIPES.with(|p| p.borrow_mut().pop()) {
            return Some(p);
        }
        let (r, w) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).ok()?;
        let cap = rustix::pipe::fcntl_setpipe_size(&w, VIA_PIPE_SIZE)
            .or_else(|_| rustix::pipe::fcntl_getpipe_size(&w))
            .ok()?;
        Some(ViaPipe { r, w, cap })
    }

    /// Give an empty pipe back (closed when the pool is full).
    fn give_back(self) {
        PIPES.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < POOL {
                p.push(self);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    /// Drive a flow until it is done, polling the fd it waits for (bounded in time).
    fn run(flow: &mut Flow, src: BorrowedFd<'_>, dst: BorrowedFd<'_>) {
        use crate::event::reactor::{Interest, wait_one};
        let mut scratch = vec![0u8; 4096];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            flow.pump(src, dst, &mut scratch).unwrap();
            match flow.interest() {
                None => return,
                Some(Wait::Src) => wait_one(src, Interest::READ, Some(deadline)),
                Some(Wait::Dst) => wait_one(dst, Interest::WRITE, Some(deadline)),
            }
            .unwrap();
        }
        panic!("flow did not finish within 10 s");
    }

    #[test]
    fn pipe_to_socket_splices_everything_and_sees_eof() {
        let (r, w) = rustix::pipe::pipe_with(PipeFlags::NONBLOCK).unwrap();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        rustix::io::write(&w, &data).unwrap();
        drop(w);
        let mut flow = Flow::new(Kind::Pipe, Kind::Socket, false, false);
        assert!(matches!(flow.mode, Mode::Splice));
        run(&mut flow, r.as_fd(), a.as_fd());
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
        assert_eq!(flow.bytes, data.len() as u64);
    }

    #[test]
    fn copy_keeps_what_the_sink_refused_and_stops_reading() {
        // A socket pair with a tiny send buffer: the sink fills up quickly.
        let (src_w, src_r) = UnixStream::pair().unwrap();
        let (dst_w, mut dst_r) = UnixStream::pair().unwrap();
        src_r.set_nonblocking(true).unwrap();
        dst_w.set_nonblocking(true).unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let writer = {
            let data = data.clone();
            let mut src_w = src_w;
            std::thread::spawn(move || src_w.write_all(&data))
        };
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            dst_r.read_to_end(&mut got).map(|_| got)
        });
        let mut flow = Flow::copy(false);
        let mut scratch = vec![0u8; 8192];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !flow.done() && std::time::Instant::now() < deadline {
            flow.pump(src_r.as_fd(), dst_w.as_fd(), &mut scratch)
                .unwrap();
            assert!(flow.held() <= scratch.len(), "pending grew past one read");
            std::thread::yield_now();
        }
        writer.join().unwrap().unwrap();
        drop(dst_w);
        assert_eq!(reader.join().unwrap().unwrap(), data);
    }

    #[test]
    fn tcp_into_dev_null_is_discarded_and_counted() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        assert_eq!(Kind::of(null.as_fd()).unwrap(), Kind::Null);
        let mut flow = Flow::new(Kind::Socket, Kind::Null, false, false);
        assert!(matches!(flow.mode, Mode::Discard));
        let writer = std::thread::spawn(move || client.write_all(&vec![7u8; 3 << 20]));
        run(&mut flow, server.as_fd(), null.as_fd());
        writer.join().unwrap().unwrap();
        assert_eq!(flow.bytes, 3 << 20);
    }

    #[test]
    fn stream_source_into_datagram_sink_still_sees_eof() {
        let (r, w) = rustix::pipe::pipe_with(PipeFlags::NONBLOCK).unwrap();
        let (c, d) = std::os::unix::net::UnixDatagram::pair().unwrap();
        rustix::io::write(&w, b"one message").unwrap();
        drop(w);
        let mut flow = Flow::new(Kind::Pipe, Kind::Socket, false, true);
        run(&mut flow, r.as_fd(), c.as_fd());
        let mut buf = [0u8; 32];
        assert_eq!(d.recv(&mut buf).unwrap(), 11);
    }

    #[test]
    fn datagram_flow_treats_empty_reads_as_messages() {
        let mut flow = Flow::copy(true);
        assert_eq!(flow.max_read, MAX_DATAGRAM);
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let (c, d) = std::os::unix::net::UnixDatagram::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        a.send(b"").unwrap();
        a.send(b"hello").unwrap();
        let mut scratch = vec![0u8; MAX_DATAGRAM];
        flow.pump(b.as_fd(), c.as_fd(), &mut scratch).unwrap();
        assert!(!flow.src_eof());
        let mut buf = [0u8; 16];
        assert_eq!(
            d.recv(&mut buf).unwrap(),
            0,
            "the empty datagram is relayed as one"
        );
        assert_eq!(d.recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
    }
}
