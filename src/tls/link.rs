//! A one-session TLS end without a pump: rustls does the handshake (its unbuffered API,
//! driven here over the non-blocking TCP socket, bounded by `-w` and ended by a signal), then
//! hands over the traffic keys (its kernel-connection API) and this link moves the records
//! itself ([`super::record`]). The session's two flows share it: one opens records read from
//! TCP and writes their plaintext straight from where it was decrypted, the other reads
//! plaintext straight into the records it seals. rustls keeps what it still owns after the
//! handshake: new session tickets and key updates.
//!
//! Half-close is close_notify, as with the pump: the sending flow seals one at its source's
//! EOF (the session then shuts TCP for writing); the peer's close_notify is EOF of the
//! receiving flow. TCP EOF without one is a truncated stream (an error once what came
//! before is delivered).

use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

use anyhow::Result;
use rustix::io::{Errno, IoSlice, IoSliceMut};
use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::kernel::KernelConnection;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{ConnectionState, EncodeError, UnbufferedStatus};
use rustls::{ExtractedSecrets, ProtocolVersion, SupportedCipherSuite};
use socket2::Socket;

use super::record::{self, ALERT, APP_DATA, Cipher, HANDSHAKE, MAX_PLAIN, MAX_RECORD};
use super::{Summary, TlsError, config, reason};
use crate::event::reactor::Interest;
use crate::event::signals::Signals;

/// Records sealed per read of plaintext: one syscall in, one out, for 256 KiB.
const BATCH: usize = 16;
/// Room for records read from TCP in one read.
const IN_BUF: usize = BATCH * MAX_RECORD;
/// Decrypted records delivered with one writev.
const MAX_IOV: usize = 64;
/// Handshake messages after the handshake are small (tickets, key updates): a peer that
/// sends more without finishing one is refused.
const MAX_POST_HANDSHAKE: usize = 64 * 1024;

enum Kernel {
    Client(KernelConnection<ClientConnectionData>),
    Server(KernelConnection<ServerConnectionData>),
}

/// What one call of [`Link::recv`] or [`Link::send`] ended on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// The fd read from has nothing more now.
    Src,
    /// The fd written to is full.
    Dst,
    /// The direction is over (EOF delivered, or close_notify sent).
    Done,
    /// The caller's operation budget ran out: call again.
    Budget,
}

/// Why a direction of a link failed; as an `io::Error` payload it reaches the session's
/// caller, which reports it as it stands (exit 6 for a [`TlsError`], 1 otherwise).
#[derive(Debug)]
pub enum LinkError {
    Tls(TlsError),
    Truncated { peer: String },
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Tls(e) => e.fmt(f),
            LinkError::Truncated { peer } => {
                write!(f, "TLS stream truncated: no close_notify from {peer}")
            }
        }
    }
}

impl std::error::Error for LinkError {}

impl LinkError {
    /// The error a command exits with, if `err` carries a link's failure (else `err` back).
    pub fn take(err: io::Error) -> Result<anyhow::Error, io::Error> {
        if !err.get_ref().is_some_and(|e| e.is::<LinkError>()) {
            return Err(err);
        }
        Ok(match err.into_inner().map(|e| e.downcast::<LinkError>()) {
            Some(Ok(l)) => match *l {
                LinkError::Tls(e) => e.into(),
                other => anyhow::anyhow!("{other}"),
            },
            Some(Err(e)) => anyhow::anyhow!("{e}"),
            None => anyhow::anyhow!("TLS failure"),
        })
    }
}

/// A failure of the fd on one side of a link operation.
pub struct Failed {
    pub write: bool,
    pub err: io::Error,
}

pub struct Link {
    kernel: Kernel,
    tx: Cipher,
    rx: Cipher,
    version: ProtocolVersion,
    /// Records allowed under one key (AES-GCM's confidentiality limit, with a margin).
    tx_limit: u64,
    pub peer: String,
    summary: Summary,
    // Receiving: records arrive in `inbuf[parsed..filled]`; opened ones leave their plaintext
    // in place, listed in `plain` until delivered.
    inbuf: Vec<u8>,
    parsed: usize,
    filled: usize,
    plain: VecDeque<Range<usize>>,
    /// Plaintext rustls decrypted during the handshake (data right behind the Finished).
    early: Vec<u8>,
    /// Handshake messages after the handshake, until whole.
    post: Vec<u8>,
    peer_closed: bool,
    // Sending: sealed records in `outbuf[out_pos..out_end]`.
    outbuf: Vec<u8>,
    out_pos: usize,
    out_end: usize,
    /// Records to send before more data (our key update).
    control: Vec<u8>,
    close_sealed: bool,
    /// Our key updates so far (ours, or answering the peer's request).
    tx_updates: u64,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLS link with {}", self.peer)
    }
}

impl Link {
    /// Connect `tcp` (non-blocking, connected) as a TLS client of `c` and do the handshake.
    pub fn client(
        c: &config::Client,
        tcp: &Socket,
        peer: String,
        deadline: Option<Instant>,
        signals: &Signals,
    ) -> Result<Link> {
        let conn = UnbufferedClientConnection::new(c.config.clone(), c.name.clone())
            .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
        Link::handshake(conn, Handshake::new(tcp, peer, deadline, signals))
    }

    /// Serve TLS with `s` on an accepted `tcp` (non-blocking) and do the handshake.
    pub fn server(
        s: &config::Server,
        tcp: &Socket,
        peer: String,
        deadline: Option<Instant>,
        signals: &Signals,
    ) -> Result<Link> {
        let conn = UnbufferedServerConnection::new(s.config.clone())
            .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
        Link::handshake(conn, Handshake::new(tcp, peer, deadline, signals))
    }

    /// Drive `conn` through its handshake, then take its keys over.
    fn handshake<C: Unbuffered>(mut conn: C, mut hs: Handshake<'_>) -> Result<Link> {
        let mut buf = Incoming::new();
        loop {
            let UnbufferedStatus { discard, state } = conn.process(buf.filled());
            let step = hs.on_state(state)?;
            buf.discard(discard);
            match step {
                Step::Done => break,
                Step::Read => hs.read_more(&mut buf)?,
                Step::Go => {}
            }
        }
        let summary = super::summary_of(conn.common());
        let (secrets, k) = conn.into_kernel().map_err(|e| hs.failure(reason(&e)))?;
        Link::new(hs, buf, k, secrets, summary)
    }

    fn new(
        hs: Handshake<'_>,
        buf: Incoming,
        kernel: Kernel,
        secrets: ExtractedSecrets,
        summary: Summary,
    ) -> Result<Link> {
        let (version, suite) = match &kernel {
            Kernel::Client(k) => (k.protocol_version(), k.negotiated_cipher_suite()),
            Kernel::Server(k) => (k.protocol_version(), k.negotiated_cipher_suite()),
        };
        let limit = match suite {
            SupportedCipherSuite::Tls13(s) => s.common.confidentiality_limit,
            SupportedCipherSuite::Tls12(s) => s.common.confidentiality_limit,
        };
        let bad = |e: record::Bad| hs.failure(e.0.to_string());
        let tx = Cipher::new(version, secrets.tx.0, secrets.tx.1).map_err(bad)?;
        let rx = Cipher::new(version, secrets.rx.0, secrets.rx.1).map_err(bad)?;
        let (mut inbuf, filled) = (buf.buf, buf.filled);
        inbuf.resize(IN_BUF.max(filled), 0);
        Ok(Link {
            kernel,
            tx,
            rx,
            version,
            tx_limit: limit.saturating_sub(1 << 10),
            peer: hs.peer,
            summary,
            inbuf,
            parsed: 0,
            filled,
            plain: VecDeque::new(),
            early: hs.early,
            post: Vec::new(),
            peer_closed: hs.peer_closed,
            outbuf: Vec::new(),
            out_pos: 0,
            out_end: 0,
            control: Vec::new(),
            close_sealed: false,
            tx_updates: 0,
        })
    }

    /// What was negotiated (the `-v` line).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    #[cfg(test)]
    fn set_tx_limit(&mut self, n: u64) {
        self.tx_limit = n;
    }

    /// Plaintext received but not delivered yet.
    pub fn rx_held(&self) -> usize {
        self.early.len() + self.plain.iter().map(|r| r.len()).sum::<usize>()
    }

    /// Something to do before TCP has more to read: plaintext to deliver, records that
    /// arrived with the handshake's last flight, the peer's close_notify.
    pub fn rx_pending(&self) -> bool {
        self.rx_held() > 0 || self.filled > self.parsed || self.peer_closed
    }

    /// Records sealed but not sent yet.
    pub fn tx_held(&self) -> usize {
        self.out_end - self.out_pos + self.control.len()
    }

    fn tls_error(&self, reason: String) -> io::Error {
        io::Error::other(LinkError::Tls(TlsError {
            peer: self.peer.clone(),
            reason,
            established: true,
        }))
    }

    /// TCP → plaintext to `dst`, for at most `ops` syscalls. `delivered` counts the bytes
    /// `dst` took.
    pub fn recv(
        &mut self,
        tcp: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        ops: usize,
        delivered: &mut u64,
    ) -> Result<Blocked, Failed> {
        let wr = |err: io::Error| Failed { write: true, err };
        for _ in 0..ops {
            if !self.early.is_empty() {
                match rustix::io::write(dst, &self.early) {
                    Ok(n) => {
                        self.early.drain(..n);
                        *delivered += n as u64;
                    }
                    Err(Errno::AGAIN) => return Ok(Blocked::Dst),
                    Err(Errno::INTR) => {}
                    Err(e) => return Err(wr(e.into())),
                }
                continue;
            }
            if !self.plain.is_empty() {
                // On the stack: no allocation per write.
                let mut iov = [IoSlice::new(&[]); MAX_IOV];
                let mut k = 0;
                for (slot, r) in iov.iter_mut().zip(&self.plain) {
                    *slot = IoSlice::new(&self.inbuf[r.clone()]);
                    k += 1;
                }
                match rustix::io::writev(dst, &iov[..k]) {
                    Ok(n) => {
                        *delivered += n as u64;
                        self.consume_plain(n);
                    }
                    Err(Errno::AGAIN) => return Ok(Blocked::Dst),
                    Err(Errno::INTR) => {}
                    Err(e) => return Err(wr(e.into())),
                }
                continue;
            }
            if self
                .open_records()
                .map_err(|err| Failed { write: false, err })?
            {
                continue;
            }
            if self.peer_closed {
                return Ok(Blocked::Done);
            }
            // Nothing decrypted waits: make room and read.
            if self.parsed > 0 {
                self.inbuf.copy_within(self.parsed..self.filled, 0);
                self.filled -= self.parsed;
                self.parsed = 0;
            }
            let rd = |err: io::Error| Failed { write: false, err };
            match rustix::io::read(tcp, &mut self.inbuf[self.filled..]) {
                Ok(0) => {
                    return Err(rd(io::Error::other(LinkError::Truncated {
                        peer: self.peer.clone(),
                    })));
                }
                Ok(n) => self.filled += n,
                Err(Errno::AGAIN) => return Ok(Blocked::Src),
                Err(Errno::INTR) => {}
                Err(e) => return Err(rd(e.into())),
            }
        }
        Ok(Blocked::Budget)
    }

    /// `n` bytes of the listed plaintext went out.
    fn consume_plain(&mut self, mut n: usize) {
        while n > 0 {
            let Some(r) = self.plain.front_mut() else {
                return;
            };
            let k = n.min(r.len());
            r.start += k;
            n -= k;
            if r.start == r.end {
                self.plain.pop_front();
            }
        }
    }

    /// Open every whole record that has arrived (up to [`MAX_IOV`] with data): `true` if
    /// plaintext is now waiting.
    fn open_records(&mut self) -> io::Result<bool> {
        while !self.peer_closed && self.plain.len() < MAX_IOV {
            let avail = &self.inbuf[self.parsed..self.filled];
            let len = match record::record_len(avail) {
                Ok(Some(len)) if len <= avail.len() => len,
                Ok(_) => break,
                Err(e) => return Err(self.tls_error(e.0.into())),
            };
            let start = self.parsed;
            let rec = &mut self.inbuf[start..start + len];
            let (typ, range) = match self.rx.open(rec) {
                Ok(o) => o,
                Err(e) => return Err(self.tls_error(e.0.into())),
            };
            self.parsed += len;
            let range = start + range.start..start + range.end;
            match typ {
                APP_DATA if !range.is_empty() => self.plain.push_back(range),
                APP_DATA => {}
                ALERT => self.on_alert(range)?,
                HANDSHAKE => self.on_handshake(range)?,
                _ => return Err(self.tls_error("unexpected record type".into())),
            }
        }
        Ok(!self.plain.is_empty())
    }

    fn on_alert(&mut self, r: Range<usize>) -> io::Result<()> {
        let a = &self.inbuf[r];
        if a.len() != 2 {
            return Err(self.tls_error("malformed alert".into()));
        }
        match a[1] {
            0 => self.peer_closed = true,
            // user_canceled: a warning, close_notify follows.
            90 => {}
            d => {
                let what = super::alert_words(&rustls::AlertDescription::from(d));
                return Err(self.tls_error(format!("peer sent alert: {what}")));
            }
        }
        Ok(())
    }

    /// Post-handshake messages: session tickets go to rustls's store, key updates change the
    /// receiving key (and ours, when the peer asks).
    fn on_handshake(&mut self, r: Range<usize>) -> io::Result<()> {
        self.post.extend_from_slice(&self.inbuf[r]);
        if self.post.len() > MAX_POST_HANDSHAKE {
            return Err(self.tls_error("handshake message too long".into()));
        }
        while self.post.len() >= 4 {
            let len = u32::from_be_bytes([0, self.post[1], self.post[2], self.post[3]]) as usize;
            if self.post.len() < 4 + len {
                break;
            }
            let msg: Vec<u8> = self.post.drain(..4 + len).collect();
            let (typ, body) = (msg[0], &msg[4..]);
            let res = match (typ, &mut self.kernel) {
                // NewSessionTicket (TLS 1.3)
                (4, Kernel::Client(k)) => k.handle_new_session_ticket(body),
                // KeyUpdate
                (24, _) if body.len() == 1 && body[0] <= 1 => {
                    self.rx = self.next_key(false)?;
                    if body[0] == 1 {
                        self.queue_key_update()?;
                    }
                    Ok(())
                }
                // HelloRequest (TLS 1.2 renegotiation): not supported, ignored as rustls does.
                (0, _) if self.version == ProtocolVersion::TLSv1_2 => Ok(()),
                _ => Err(rustls::Error::General(format!(
                    "unexpected handshake message {typ} after the handshake"
                ))),
            };
            res.map_err(|e| self.tls_error(reason(&e)))?;
        }
        Ok(())
    }

    /// The next key of one direction (after a key update).
    fn next_key(&mut self, tx: bool) -> io::Result<Cipher> {
        let res = match (&mut self.kernel, tx) {
            (Kernel::Client(k), true) => k.update_tx_secret(),
            (Kernel::Client(k), false) => k.update_rx_secret(),
            (Kernel::Server(k), true) => k.update_tx_secret(),
            (Kernel::Server(k), false) => k.update_rx_secret(),
        };
        let (seq, secrets) = res.map_err(|e| self.tls_error(reason(&e)))?;
        Cipher::new(self.version, seq, secrets).map_err(|e| self.tls_error(e.0.into()))
    }

    /// Seal a KeyUpdate (update_not_requested) under the current key, then change it.
    fn queue_key_update(&mut self) -> io::Result<()> {
        let mut rec = vec![0u8; self.tx.head() + 5 + self.tx.tail()];
        let h = self.tx.head();
        rec[h..h + 5].copy_from_slice(&[24, 0, 0, 1, 0]);
        let n = self
            .tx
            .seal(&mut rec, 5, HANDSHAKE)
            .map_err(|e| self.tls_error(e.0.into()))?;
        self.control.extend_from_slice(&rec[..n]);
        self.tx = self.next_key(true)?;
        self.tx_updates += 1;
        Ok(())
    }

    /// Plaintext from `src` → records to TCP, for at most `ops` syscalls. At `src`'s EOF a
    /// close_notify is sealed if `close_at_eof` (and [`Blocked::Done`] once it went out).
    /// `taken` counts the plaintext bytes sealed.
    pub fn send(
        &mut self,
        src: BorrowedFd<'_>,
        tcp: BorrowedFd<'_>,
        ops: usize,
        src_eof: &mut bool,
        close_at_eof: bool,
        taken: &mut u64,
    ) -> Result<Blocked, Failed> {
        for _ in 0..ops {
            if self.out_pos < self.out_end {
                match rustix::io::write(tcp, &self.outbuf[self.out_pos..self.out_end]) {
                    Ok(n) => self.out_pos += n,
                    Err(Errno::AGAIN) => return Ok(Blocked::Dst),
                    Err(Errno::INTR) => {}
                    // The peer closed after its close_notify: nothing more can reach it.
                    Err(Errno::PIPE | Errno::CONNRESET) if self.peer_closed => {
                        self.out_pos = self.out_end;
                        *src_eof = true;
                        self.close_sealed = true;
                        return Ok(Blocked::Done);
                    }
                    Err(e) => {
                        return Err(Failed {
                            write: true,
                            err: e.into(),
                        });
                    }
                }
                continue;
            }
            self.out_pos = 0;
            self.out_end = 0;
            if !self.control.is_empty() {
                self.outbuf.clear();
                self.outbuf.append(&mut self.control);
                self.out_end = self.outbuf.len();
                continue;
            }
            if *src_eof {
                if !close_at_eof || self.close_sealed {
                    return Ok(Blocked::Done);
                }
                self.seal_close_notify()
                    .map_err(|err| Failed { write: true, err })?;
                continue;
            }
            if self.tx.seq() >= self.tx_limit {
                let res = if self.version == ProtocolVersion::TLSv1_3 {
                    self.queue_key_update()
                } else {
                    Err(self.tls_error("key usage limit reached".into()))
                };
                res.map_err(|err| Failed { write: true, err })?;
                continue;
            }
            match self.read_records(src, taken) {
                Ok(Some(true)) => {}
                Ok(Some(false)) => *src_eof = true,
                Ok(None) => return Ok(Blocked::Src),
                Err(Errno::INTR) => {}
                Err(e) => {
                    return Err(Failed {
                        write: false,
                        err: e.into(),
                    });
                }
            }
        }
        Ok(Blocked::Budget)
    }

    /// One readv of plaintext straight into the payloads of up to [`BATCH`] records, sealed
    /// in place into `outbuf`: `Some(true)` when records are ready, `Some(false)` at EOF,
    /// `None` when `src` has nothing now.
    fn read_records(
        &mut self,
        src: BorrowedFd<'_>,
        taken: &mut u64,
    ) -> rustix::io::Result<Option<bool>> {
        let (head, slot) = (self.tx.head(), self.tx.slot());
        // Never more records than the key may still seal.
        let room = (self.tx_limit - self.tx.seq()).min(BATCH as u64) as usize;
        if self.outbuf.len() < room * slot {
            self.outbuf.resize(BATCH * slot, 0);
        }
        let n = {
            let mut iov: Vec<IoSliceMut<'_>> = self.outbuf[..room * slot]
                .chunks_mut(slot)
                .map(|s| IoSliceMut::new(&mut s[head..head + MAX_PLAIN]))
                .collect();
            match rustix::io::readv(src, &mut iov) {
                Ok(n) => n,
                Err(Errno::AGAIN) => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            return Ok(Some(false));
        }
        *taken += n as u64;
        let mut end = 0;
        let mut left = n;
        let mut at = 0;
        while left > 0 {
            let len = left.min(MAX_PLAIN);
            let rec = &mut self.outbuf[at..at + slot];
            // A full slot's room is always there; sealing fails only when sequence numbers
            // run out, which tx_limit prevents.
            let k = self
                .tx
                .seal(rec, len, APP_DATA)
                .map_err(|_| Errno::OVERFLOW)?;
            end = at + k;
            at += slot;
            left -= len;
        }
        self.out_end = end;
        Ok(Some(true))
    }

    fn seal_close_notify(&mut self) -> io::Result<()> {
        let h = self.tx.head();
        let mut rec = vec![0u8; h + 2 + self.tx.tail()];
        rec[h..h + 2].copy_from_slice(&[1, 0]);
        let n = self
            .tx
            .seal(&mut rec, 2, ALERT)
            .map_err(|e| self.tls_error(e.0.into()))?;
        self.outbuf.clear();
        self.outbuf.extend_from_slice(&rec[..n]);
        self.out_pos = 0;
        self.out_end = n;
        self.close_sealed = true;
        Ok(())
    }

    /// After the session: our close_notify (if the session did not send it) and what is
    /// still sealed go out, bounded by `until`; then TCP is shut for writing.
    pub fn finish(&mut self, tcp: &Socket, until: Instant, signals: &Signals) {
        let mut eof = true;
        let mut taken = 0;
        let fd = tcp.as_fd();
        loop {
            match self.send(fd, fd, 64, &mut eof, true, &mut taken) {
                Ok(Blocked::Dst) => {
                    let what = || "TLS close_notify".to_string();
                    if crate::event::wait_ready(fd, Interest::WRITE, Some(until), signals, &what)
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(Blocked::Budget) => {}
                _ => break,
            }
        }
        let _ = rustix::net::shutdown(tcp, rustix::net::Shutdown::Write);
    }
}

/// rustls's client and server unbuffered connections, as [`Link::handshake`] drives them.
trait Unbuffered {
    type Data;
    fn process<'c, 'i>(&'c mut self, buf: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data>;
    fn common(&self) -> &rustls::CommonState;
    fn into_kernel(self) -> Result<(ExtractedSecrets, Kernel), rustls::Error>;
}

impl Unbuffered for UnbufferedClientConnection {
    type Data = ClientConnectionData;
    fn process<'c, 'i>(&'c mut self, buf: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(buf)
    }
    fn common(&self) -> &rustls::CommonState {
        self
    }
    fn into_kernel(self) -> Result<(ExtractedSecrets, Kernel), rustls::Error> {
        let (s, k) = self.dangerous_into_kernel_connection()?;
        Ok((s, Kernel::Client(k)))
    }
}

impl Unbuffered for UnbufferedServerConnection {
    type Data = ServerConnectionData;
    fn process<'c, 'i>(&'c mut self, buf: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(buf)
    }
    fn common(&self) -> &rustls::CommonState {
        self
    }
    fn into_kernel(self) -> Result<(ExtractedSecrets, Kernel), rustls::Error> {
        let (s, k) = self.dangerous_into_kernel_connection()?;
        Ok((s, Kernel::Server(k)))
    }
}

/// What arrived from TCP during the handshake and rustls has not consumed yet.
struct Incoming {
    buf: Vec<u8>,
    filled: usize,
}

impl Incoming {
    fn new() -> Incoming {
        Incoming {
            buf: vec![0u8; 2 * MAX_RECORD],
            filled: 0,
        }
    }

    fn filled(&mut self) -> &mut [u8] {
        &mut self.buf[..self.filled]
    }

    fn discard(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }
}

/// What the handshake needs next.
enum Step {
    Go,
    Read,
    Done,
}

/// The handshake's output and blocking I/O.
struct Handshake<'a> {
    tcp: &'a Socket,
    peer: String,
    deadline: Option<Instant>,
    signals: &'a Signals,
    out: Vec<u8>,
    early: Vec<u8>,
    peer_closed: bool,
}

impl<'a> Handshake<'a> {
    fn new(
        tcp: &'a Socket,
        peer: String,
        deadline: Option<Instant>,
        signals: &'a Signals,
    ) -> Handshake<'a> {
        Handshake {
            tcp,
            peer,
            deadline,
            signals,
            out: Vec::new(),
            early: Vec::new(),
            peer_closed: false,
        }
    }

    fn failure(&self, reason: String) -> anyhow::Error {
        TlsError {
            peer: self.peer.clone(),
            reason,
            established: false,
        }
        .into()
    }

    /// Handle one state of the handshake.
    fn on_state<D>(
        &mut self,
        state: Result<ConnectionState<'_, '_, D>, rustls::Error>,
    ) -> Result<Step> {
        let state = match state {
            Ok(s) => s,
            Err(e) => {
                // What rustls queued (an alert telling the peer why) is not reachable through
                // this API; the peer sees the connection close.
                return Err(self.failure(reason(&e)));
            }
        };
        match state {
            ConnectionState::ReadTraffic(mut rt) => {
                while let Some(rec) = rt.next_record() {
                    let rec = rec.map_err(|e| self.failure(reason(&e)))?;
                    self.early.extend_from_slice(rec.payload);
                }
            }
            ConnectionState::EncodeTlsData(mut e) => {
                let mut room = vec![0u8; 4096];
                loop {
                    match e.encode(&mut room) {
                        Ok(n) => {
                            self.out.extend_from_slice(&room[..n]);
                            break;
                        }
                        Err(EncodeError::InsufficientSize(s)) => room.resize(s.required_size, 0),
                        Err(e) => return Err(self.failure(e.to_string())),
                    }
                }
            }
            ConnectionState::TransmitTlsData(t) => {
                self.write_out()?;
                t.done();
            }
            ConnectionState::BlockedHandshake => return Ok(Step::Read),
            ConnectionState::WriteTraffic(_) => {
                self.write_out()?;
                return Ok(Step::Done);
            }
            // The peer's close_notify right behind its Finished (and its data): EOF to deliver.
            ConnectionState::PeerClosed => self.peer_closed = true,
            ConnectionState::Closed => {
                return Err(self.failure("connection closed by the peer".into()));
            }
            _ => return Err(self.failure("unexpected early data".into())),
        }
        Ok(Step::Go)
    }

    fn wait(&self, want: Interest) -> Result<()> {
        let what = || format!("TLS handshake with {} (-w)", self.peer);
        crate::event::wait_ready(self.tcp.as_fd(), want, self.deadline, self.signals, &what)
    }

    fn write_out(&mut self) -> Result<()> {
        let mut sent = 0;
        while sent < self.out.len() {
            match rustix::io::write(self.tcp, &self.out[sent..]) {
                Ok(n) => sent += n,
                Err(Errno::AGAIN) => self.wait(Interest::WRITE)?,
                Err(Errno::INTR) => {}
                Err(Errno::PIPE | Errno::CONNRESET) => {
                    return Err(self.failure("connection reset by peer".into()));
                }
                Err(e) => {
                    let e = anyhow::Error::from(io::Error::from(e));
                    return Err(e.context(format!("write to {} failed", self.peer)));
                }
            }
        }
        self.out.clear();
        Ok(())
    }

    fn read_more(&mut self, inc: &mut Incoming) -> Result<()> {
        if inc.filled == inc.buf.len() {
            inc.buf.resize(inc.buf.len() * 2, 0);
        }
        loop {
            match rustix::io::read(self.tcp, &mut inc.buf[inc.filled..]) {
                Ok(0) => return Err(self.failure("connection closed by the peer".into())),
                Ok(n) => {
                    inc.filled += n;
                    return Ok(());
                }
                Err(Errno::AGAIN) => self.wait(Interest::READ)?,
                Err(Errno::INTR) => {}
                Err(Errno::CONNRESET) => {
                    return Err(self.failure("connection reset by peer".into()));
                }
                Err(e) => {
                    let e = anyhow::Error::from(io::Error::from(e));
                    return Err(e.context(format!("read from {} failed", self.peer)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Our record layer against rustls's own (a buffered client on a thread): data both ways,
    //! close_notify both ways, key updates both ways, TLS 1.3 and both TLS 1.2 AEAD layouts.
    use super::*;
    use crate::event::reactor::wait_one;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;
    use std::time::Duration;

    /// Accepts any server certificate (the test's server makes its own).
    #[derive(Debug)]
    struct Anything(Arc<CryptoProvider>);

    impl ServerCertVerifier for Anything {
        fn verify_server_cert(
            &self,
            _: &rustls::pki_types::CertificateDer<'_>,
            _: &[rustls::pki_types::CertificateDer<'_>],
            _: &rustls::pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls::pki_types::UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &rustls::pki_types::CertificateDer<'_>,
            d: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &rustls::pki_types::CertificateDer<'_>,
            d: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                c,
                d,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    fn client_config(
        suites: Option<Vec<rustls::SupportedCipherSuite>>,
        tls12: bool,
    ) -> Arc<rustls::ClientConfig> {
        let mut p = rustls::crypto::ring::default_provider();
        if let Some(s) = suites {
            p.cipher_suites = s;
        }
        let p = Arc::new(p);
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        let c = rustls::ClientConfig::builder_with_provider(p.clone())
            .with_protocol_versions(versions)
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Anything(p)))
            .with_no_client_auth();
        Arc::new(c)
    }

    fn pattern(n: usize, k: u32) -> Vec<u8> {
        (0..n as u32)
            .map(|i| (i.wrapping_mul(k) >> 3) as u8)
            .collect()
    }

    /// Our side: receive until the peer's close_notify, then send `down` (sealing a key
    /// update every `every` records) and close. Returns what was received.
    fn serve(link: &mut Link, tcp: &Socket, down: Vec<u8>, every: u64) -> Vec<u8> {
        let deadline = Some(Instant::now() + Duration::from_secs(20));
        let (w, mut r) = UnixStream::pair().unwrap();
        w.set_nonblocking(true).unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            got
        });
        let mut n = 0;
        loop {
            match link.recv(tcp.as_fd(), w.as_fd(), 64, &mut n) {
                Ok(Blocked::Src) => {
                    assert!(wait_one(tcp.as_fd(), Interest::READ, deadline).unwrap())
                }
                Ok(Blocked::Dst) => {
                    assert!(wait_one(w.as_fd(), Interest::WRITE, deadline).unwrap())
                }
                Ok(Blocked::Done) => break,
                Ok(Blocked::Budget) => {}
                Err(f) => panic!("recv: {}", f.err),
            }
        }
        drop(w);
        let up = reader.join().unwrap();
        assert_eq!(n as usize, up.len());
        let (src, mut feed) = UnixStream::pair().unwrap();
        src.set_nonblocking(true).unwrap();
        let writer = std::thread::spawn(move || {
            feed.write_all(&down).unwrap();
        });
        link.set_tx_limit(link.tx.seq() + every);
        let (mut eof, mut taken) = (false, 0u64);
        loop {
            match link.send(src.as_fd(), tcp.as_fd(), 64, &mut eof, true, &mut taken) {
                Ok(Blocked::Src) => {
                    assert!(wait_one(src.as_fd(), Interest::READ, deadline).unwrap())
                }
                Ok(Blocked::Dst) => {
                    assert!(wait_one(tcp.as_fd(), Interest::WRITE, deadline).unwrap())
                }
                Ok(Blocked::Done) => break,
                Ok(Blocked::Budget) => {}
                Err(f) => panic!("send: {}", f.err),
            }
        }
        let updates = link.tx_updates;
        writer.join().unwrap();
        if link.version == ProtocolVersion::TLSv1_3 && every < 100 {
            assert!(updates > 2, "key updates sent: {updates}");
        }
        let _ = rustix::net::shutdown(tcp, rustix::net::Shutdown::Write);
        up
    }

    /// A rustls client sends `up` (asking for a key update halfway on TLS 1.3), closes, and
    /// reads to the server's close_notify.
    fn client_run(
        cfg: Arc<rustls::ClientConfig>,
        addr: std::net::SocketAddr,
        up: Vec<u8>,
    ) -> Vec<u8> {
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        let mut conn = rustls::ClientConnection::new(cfg, "localhost".try_into().unwrap()).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut sock);
        let half = up.len() / 2;
        tls.write_all(&up[..half]).unwrap();
        if tls.conn.protocol_version() == Some(ProtocolVersion::TLSv1_3) {
            tls.conn.refresh_traffic_keys().unwrap();
        }
        tls.write_all(&up[half..]).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).unwrap();
        got
    }

    fn round_trip(cfg: Arc<rustls::ClientConfig>, version: &str, suite: &str, every: u64) {
        let server =
            config::server(&super::super::TlsOpts::default(), &["localhost".into()]).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, down) = (pattern(300_000, 7), pattern(500_000, 13));
        let client = {
            let up = up.clone();
            std::thread::spawn(move || client_run(cfg, addr, up))
        };
        let (tcp, peer) = listener.accept().unwrap();
        tcp.set_nonblocking(true).unwrap();
        let tcp = Socket::from(tcp);
        let signals = Signals::install().unwrap();
        let mut link = Link::server(&server, &tcp, peer.to_string(), None, &signals).unwrap();
        assert_eq!(link.summary().version, version);
        assert_eq!(link.summary().cipher, suite);
        let got_up = serve(&mut link, &tcp, down.clone(), every);
        assert!(got_up == up, "upstream differs ({} bytes)", got_up.len());
        let got_down = client.join().unwrap();
        assert!(
            got_down == down,
            "downstream differs ({} bytes)",
            got_down.len()
        );
    }

    #[test]
    fn tls13_round_trips_with_rustls_across_key_updates_both_ways() {
        round_trip(
            client_config(None, false),
            "TLSv1.3",
            "TLS13_AES_256_GCM_SHA384",
            5,
        );
    }

    #[test]
    fn tls13_aes128_and_chacha_round_trip() {
        use rustls::crypto::ring::cipher_suite as cs;
        let s = vec![cs::TLS13_AES_128_GCM_SHA256];
        round_trip(
            client_config(Some(s), false),
            "TLSv1.3",
            "TLS13_AES_128_GCM_SHA256",
            1000,
        );
        let s = vec![cs::TLS13_CHACHA20_POLY1305_SHA256];
        let name = "TLS13_CHACHA20_POLY1305_SHA256";
        round_trip(client_config(Some(s), false), "TLSv1.3", name, 1000);
    }

    #[test]
    fn tls12_gcm_and_chacha_round_trip() {
        use rustls::crypto::ring::cipher_suite as cs;
        let s = vec![cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384];
        let name = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        round_trip(client_config(Some(s), true), "TLSv1.2", name, 1000);
        let s = vec![cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
        let name = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
        round_trip(client_config(Some(s), true), "TLSv1.2", name, 1000);
    }

    #[test]
    fn a_corrupted_record_is_a_tls_error_not_data() {
        let server =
            config::server(&super::super::TlsOpts::default(), &["localhost".into()]).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cfg = client_config(None, false);
        let client = std::thread::spawn(move || {
            let mut sock = std::net::TcpStream::connect(addr).unwrap();
            let mut conn =
                rustls::ClientConnection::new(cfg, "localhost".try_into().unwrap()).unwrap();
            conn.complete_io(&mut sock).unwrap();
            conn.writer().write_all(b"secret").unwrap();
            let mut rec = Vec::new();
            conn.write_tls(&mut rec).unwrap();
            let last = rec.len() - 1;
            rec[last] ^= 1;
            sock.write_all(&rec).unwrap();
            sock
        });
        let (tcp, peer) = listener.accept().unwrap();
        tcp.set_nonblocking(true).unwrap();
        let tcp = Socket::from(tcp);
        let signals = Signals::install().unwrap();
        let mut link = Link::server(&server, &tcp, peer.to_string(), None, &signals).unwrap();
        let _sock = client.join().unwrap();
        let (w, _r) = UnixStream::pair().unwrap();
        let deadline = Some(Instant::now() + Duration::from_secs(10));
        let mut n = 0;
        let err = loop {
            match link.recv(tcp.as_fd(), w.as_fd(), 64, &mut n) {
                Ok(Blocked::Src) => {
                    assert!(wait_one(tcp.as_fd(), Interest::READ, deadline).unwrap())
                }
                Ok(other) => assert_ne!(other, Blocked::Done),
                Err(f) => break f.err,
            }
        };
        assert_eq!(n, 0);
        let msg = LinkError::take(err).unwrap().to_string();
        assert!(msg.contains("bad record MAC"), "{msg}");
    }
}
