//! Message framing (`--frame`, `--crlf`, `--max-frame`): the Socket Programming HOWTO's
//! message delimiting and network byte order as pure codecs over byte buffers.
//!
//! - [`Encoder`]: stdin bytes → what goes on the wire. `raw` passes bytes through (`--crlf`
//!   turns each bare `\n` into `\r\n`); `line` passes lines through and ends an unterminated
//!   last line at EOF; `len16|len32|len16le|len32le` send each stdin line (without its `\n`)
//!   as one message behind a 2- or 4-byte length prefix. Towards a datagram socket each line
//!   (each read in `raw`) becomes one datagram.
//! - [`Decoder`]: wire bytes → stdout. `raw` and `line` pass bytes through (a datagram
//!   without a final `\n` gets one in `line`); the `len` modes write each message followed by
//!   `\n`.
//!
//! Both keep their state across calls, so a prefix or a message may arrive split at any byte
//! (the HOWTO's warning: "a recv may not return all 5 characters"). A received length is
//! checked against `--max-frame` before a single byte of the message is buffered, so a
//! garbage prefix is a protocol error, never a 4 GiB allocation. Output goes to an
//! [`Outbox`], which keeps datagram boundaries when the sink needs them.

use std::collections::VecDeque;
use std::fmt;

/// `--max-frame` when not given: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 << 20;

/// How messages are delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// Bytes as they come.
    #[default]
    Raw,
    /// Messages end at `\n`.
    Line,
    /// Each message behind a length prefix.
    Len(Prefix),
}

/// A length prefix: 2 or 4 bytes, big-endian (network order) or little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub width: usize,
    pub little: bool,
}

impl Prefix {
    pub const LEN16: Prefix = Prefix {
        width: 2,
        little: false,
    };
    pub const LEN32: Prefix = Prefix {
        width: 4,
        little: false,
    };
    pub const LEN16LE: Prefix = Prefix {
        width: 2,
        little: true,
    };
    pub const LEN32LE: Prefix = Prefix {
        width: 4,
        little: true,
    };

    /// The `--frame` name of this prefix.
    pub fn name(self) -> &'static str {
        match (self.width, self.little) {
            (2, false) => "len16",
            (2, true) => "len16le",
            (_, false) => "len32",
            (_, true) => "len32le",
        }
    }

    /// The largest length the prefix can say.
    pub fn max(self) -> usize {
        if self.width == 2 {
            u16::MAX as usize
        } else {
            u32::MAX as usize
        }
    }

    fn put(self, len: usize, out: &mut Outbox) {
        debug_assert!(len <= self.max());
        match (self.width, self.little) {
            (2, false) => out.push(&(len as u16).to_be_bytes()),
            (2, true) => out.push(&(len as u16).to_le_bytes()),
            (_, false) => out.push(&(len as u32).to_be_bytes()),
            (_, true) => out.push(&(len as u32).to_le_bytes()),
        }
    }

    fn get(self, b: &[u8]) -> usize {
        match (self.width, self.little) {
            (2, false) => u16::from_be_bytes([b[0], b[1]]) as usize,
            (2, true) => u16::from_le_bytes([b[0], b[1]]) as usize,
            (_, false) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
            (_, true) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
        }
    }
}

/// A framing protocol error: what was wrong, with the numbers that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A stdin line is longer than a message may be (nothing of it was sent).
    LineTooLong { limit: usize, why: &'static str },
    /// A received prefix says more than `--max-frame`.
    TooLong {
        name: &'static str,
        len: usize,
        prefix: Vec<u8>,
        max: usize,
    },
    /// The stream ended inside a prefix or a message.
    Truncated {
        part: &'static str,
        got: usize,
        want: usize,
    },
    /// A datagram that does not hold exactly one prefixed message: `size` is the whole
    /// datagram when it is shorter than a prefix (`len` None), else the bytes after it.
    BadDatagram {
        name: &'static str,
        size: usize,
        len: Option<usize>,
    },
    /// A byte stream of CAN frames (`pair can:IFACE tcp:...`) out of step: the frame at
    /// `offset` says a length its struct cannot hold.
    BadCanFrame { offset: u64, len: u8, fd: bool },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::LineTooLong { limit, why } => {
                write!(f, "a stdin line is longer than {limit} bytes ({why})")
            }
            FrameError::TooLong {
                name,
                len,
                prefix,
                max,
            } => {
                write!(
                    f,
                    "{name} message length {len} is over the --max-frame limit of {max} bytes \
                     (prefix"
                )?;
                for b in prefix {
                    write!(f, " {b:02x}")?;
                }
                if prefix.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                    write!(f, " \"{}\"", String::from_utf8_lossy(prefix))?;
                }
                f.write_str(")")
            }
            FrameError::Truncated { part, got, want } => write!(
                f,
                "connection closed inside a {part}: {got} of {want} bytes received"
            ),
            FrameError::BadDatagram {
                name,
                size,
                len: None,
            } => write!(
                f,
                "a datagram of {size} byte{} is shorter than a {name} prefix",
                if *size == 1 { "" } else { "s" }
            ),
            FrameError::BadDatagram {
                name,
                size,
                len: Some(len),
            } => write!(
                f,
                "a datagram holds {size} bytes after its {name} prefix, which says {len}"
            ),
            FrameError::BadCanFrame { offset, len, fd } => write!(
                f,
                "the CAN frame at byte {offset} of the stream says {len} data bytes, more than a \
                 {} holds ({}): the stream is not CAN frames",
                if *fd { "canfd_frame" } else { "can_frame" },
                if *fd { 64 } else { 8 }
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// Bytes waiting for the sink. Towards a datagram socket it remembers where each message
/// ends, so every message goes out as one datagram; towards a stream it is one byte run.
#[derive(Debug, Default)]
pub struct Outbox {
    buf: Vec<u8>,
    sent: usize,
    ends: VecDeque<usize>,
    datagrams: bool,
}

impl Outbox {
    pub fn new(datagrams: bool) -> Outbox {
        Outbox {
            datagrams,
            ..Outbox::default()
        }
    }

    /// Nothing left to write.
    pub fn is_empty(&self) -> bool {
        self.sent == self.buf.len() && self.ends.is_empty()
    }

    /// Bytes left to write.
    pub fn len(&self) -> usize {
        self.buf.len() - self.sent
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Everything pushed since the last end is one message (a datagram; no-op for streams).
    pub fn end_message(&mut self) {
        if self.datagrams {
            self.ends.push_back(self.buf.len());
        }
    }

    /// What the next write should send: the next whole datagram, or all that is left.
    pub fn next(&self) -> &[u8] {
        match self.ends.front() {
            Some(&end) if self.datagrams => &self.buf[self.sent..end],
            _ => &self.buf[self.sent..],
        }
    }

    /// `n` bytes of [`Outbox::next`] were written (a datagram always goes out whole).
    pub fn consume(&mut self, n: usize) {
        match self.ends.front() {
            Some(&end) if self.datagrams => {
                self.sent = end;
                self.ends.pop_front();
            }
            _ => self.sent += n,
        }
        if self.sent == self.buf.len() && self.ends.is_empty() {
            self.buf.clear();
            self.sent = 0;
        }
    }
}

/// stdin → wire.
#[derive(Debug)]
pub struct Encoder {
    framing: Framing,
    crlf: bool,
    /// Longest line (without its `\n`) that may become one message.
    limit: usize,
    why: &'static str,
    datagrams: bool,
    /// The line read so far, when lines are collected (len modes, line mode to datagrams).
    line: Vec<u8>,
    /// The last byte passed through was `\r` (raw/line streams with --crlf).
    prev_cr: bool,
    /// Passing through: the last byte sent ended a line (or nothing was sent yet).
    at_line_start: bool,
}

impl Encoder {
    /// `max_datagram`: the sink is a datagram socket carrying at most this many bytes each.
    pub fn new(
        framing: Framing,
        crlf: bool,
        max_frame: usize,
        max_datagram: Option<usize>,
    ) -> Encoder {
        let mut limit = max_frame;
        let mut why = "the --max-frame limit";
        let mut cap = |n: usize, reason: &'static str| {
            if n < limit {
                limit = n;
                why = reason;
            }
        };
        match framing {
            Framing::Len(p) => {
                let why = if p.width == 2 {
                    "the most a 16-bit length prefix can say"
                } else {
                    "the most a 32-bit length prefix can say"
                };
                cap(p.max(), why);
                if let Some(d) = max_datagram {
                    cap(d - p.width, "the largest message one datagram holds");
                }
            }
            Framing::Line | Framing::Raw => {
                if let Some(d) = max_datagram {
                    cap(d - 2, "the largest line one datagram holds");
                }
            }
        }
        Encoder {
            framing,
            crlf,
            limit,
            why,
            datagrams: max_datagram.is_some(),
            line: Vec::new(),
            prev_cr: false,
            at_line_start: true,
        }
    }

    /// Collecting whole lines before anything is sent.
    fn collects_lines(&self) -> bool {
        match self.framing {
            Framing::Len(_) => true,
            Framing::Line => self.datagrams,
            Framing::Raw => false,
        }
    }

    /// Feed bytes read from stdin; complete messages go to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Outbox) -> Result<(), FrameError> {
        if !self.collects_lines() {
            self.pass(input, out);
            if self.datagrams && !input.is_empty() {
                // raw towards datagrams: each read is one datagram.
                out.end_message();
            }
            return Ok(());
        }
        while !input.is_empty() {
            match input.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.check(i)?;
                    if self.line.is_empty() {
                        self.emit(&input[..i], out);
                    } else {
                        let mut line = std::mem::take(&mut self.line);
                        line.extend_from_slice(&input[..i]);
                        self.emit(&line, out);
                        line.clear();
                        self.line = line;
                    }
                    input = &input[i + 1..];
                }
                None => {
                    self.check(input.len())?;
                    self.line.extend_from_slice(input);
                    input = &[];
                }
            }
        }
        Ok(())
    }

    /// stdin ended: send what is left (a last line without `\n` is still a message).
    pub fn finish(&mut self, out: &mut Outbox) -> Result<(), FrameError> {
        if self.collects_lines() {
            if !self.line.is_empty() {
                let line = std::mem::take(&mut self.line);
                self.emit(&line, out);
            }
        } else if self.framing == Framing::Line && !self.at_line_start {
            self.pass(b"\n", out);
        }
        Ok(())
    }

    /// The line collected so far plus `more` bytes must stay within the limit.
    fn check(&self, more: usize) -> Result<(), FrameError> {
        if self.line.len() + more > self.limit {
            return Err(FrameError::LineTooLong {
                limit: self.limit,
                why: self.why,
            });
        }
        Ok(())
    }

    /// One complete line (without its `\n`) as one message.
    fn emit(&mut self, line: &[u8], out: &mut Outbox) {
        match self.framing {
            Framing::Len(p) => {
                p.put(line.len(), out);
                out.push(line);
            }
            _ => {
                out.push(line);
                if self.crlf && line.last() != Some(&b'\r') {
                    out.push(b"\r\n");
                } else {
                    out.push(b"\n");
                }
            }
        }
        out.end_message();
    }

    /// Bytes passed through as they are; with --crlf a bare `\n` becomes `\r\n` (one already
    /// after `\r` is left alone, as ncat -C does).
    fn pass(&mut self, input: &[u8], out: &mut Outbox) {
        let Some(&last) = input.last() else {
            return;
        };
        if !self.crlf {
            out.push(input);
        } else {
            let mut prev_cr = self.prev_cr;
            let mut start = 0;
            for (i, &b) in input.iter().enumerate() {
                if b == b'\n' && !prev_cr {
                    out.push(&input[start..i]);
                    out.push(b"\r");
                    start = i;
                }
                prev_cr = b == b'\r';
            }
            out.push(&input[start..]);
            self.prev_cr = prev_cr;
        }
        self.at_line_start = last == b'\n';
    }
}

/// wire → stdout.
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    max_frame: usize,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Reading a length prefix: `got` of its bytes are in `head`.
    Head { head: [u8; 4], got: usize },
    /// Reading a message of `len` bytes.
    Body { len: usize, buf: Vec<u8> },
}

const HEAD: State = State::Head {
    head: [0; 4],
    got: 0,
};

impl Decoder {
    pub fn new(framing: Framing, max_frame: usize) -> Decoder {
        Decoder {
            framing,
            max_frame,
            state: HEAD,
        }
    }

    /// Feed bytes received from a stream; what they complete goes to `out`. On an error,
    /// `out` still holds every message completed before the bad one.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Outbox) -> Result<(), FrameError> {
        let Framing::Len(p) = self.framing else {
            out.push(input);
            return Ok(());
        };
        while !input.is_empty() {
            match &mut self.state {
                State::Head { head, got } => {
                    let take = (p.width - *got).min(input.len());
                    head[*got..*got + take].copy_from_slice(&input[..take]);
                    *got += take;
                    input = &input[take..];
                    if *got < p.width {
                        break;
                    }
                    let len = p.get(head);
                    if len > self.max_frame {
                        return Err(FrameError::TooLong {
                            name: p.name(),
                            len,
                            prefix: head[..p.width].to_vec(),
                            max: self.max_frame,
                        });
                    }
                    if input.len() >= len {
                        // The whole message is here: no copy into `buf`.
                        out.push(&input[..len]);
                        out.push(b"\n");
                        input = &input[len..];
                        self.state = HEAD;
                    } else {
                        // Grow with what arrives, never by what the prefix claims.
                        let mut buf = Vec::with_capacity(input.len());
                        buf.extend_from_slice(input);
                        input = &[];
                        self.state = State::Body { len, buf };
                    }
                }
                State::Body { len, buf } => {
                    let take = (*len - buf.len()).min(input.len());
                    buf.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if buf.len() == *len {
                        out.push(buf);
                        out.push(b"\n");
                        self.state = HEAD;
                    }
                }
            }
        }
        Ok(())
    }

    /// One datagram is one message: its bytes (`raw`), a line (`line`: `\n` added when
    /// missing), or exactly one prefixed message (`len` modes).
    pub fn feed_datagram(&mut self, d: &[u8], out: &mut Outbox) -> Result<(), FrameError> {
        match self.framing {
            Framing::Raw => out.push(d),
            Framing::Line => {
                out.push(d);
                if d.last() != Some(&b'\n') {
                    out.push(b"\n");
                }
            }
            Framing::Len(p) => {
                if d.len() < p.width {
                    return Err(FrameError::BadDatagram {
                        name: p.name(),
                        size: d.len(),
                        len: None,
                    });
                }
                let len = p.get(d);
                if len > self.max_frame {
                    return Err(FrameError::TooLong {
                        name: p.name(),
                        len,
                        prefix: d[..p.width].to_vec(),
                        max: self.max_frame,
                    });
                }
                if d.len() - p.width != len {
                    return Err(FrameError::BadDatagram {
                        name: p.name(),
                        size: d.len() - p.width,
                        len: Some(len),
                    });
                }
                out.push(&d[p.width..]);
                out.push(b"\n");
            }
        }
        Ok(())
    }

    /// The stream ended: an error if it ended inside a prefix or a message.
    pub fn finish(&mut self) -> Result<(), FrameError> {
        let Framing::Len(p) = self.framing else {
            return Ok(());
        };
        match &self.state {
            State::Head { got: 0, .. } => Ok(()),
            State::Head { got, .. } => Err(FrameError::Truncated {
                part: "length prefix",
                got: *got,
                want: p.width,
            }),
            State::Body { len, buf } => Err(FrameError::Truncated {
                part: "message",
                got: buf.len(),
                want: *len,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_LEN: [Prefix; 4] = [
        Prefix::LEN16,
        Prefix::LEN32,
        Prefix::LEN16LE,
        Prefix::LEN32LE,
    ];

    /// Everything an outbox holds, as the datagrams (or the one byte run) it would write.
    fn drain(out: &mut Outbox) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while !out.is_empty() {
            let chunk = out.next().to_vec();
            out.consume(chunk.len());
            v.push(chunk);
        }
        v
    }

    fn encode_split(
        enc: impl Fn() -> Encoder,
        input: &[u8],
        split: &[usize],
        dgram: bool,
    ) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut e = enc();
        let mut out = Outbox::new(dgram);
        let mut at = 0;
        for &s in split.iter().chain([input.len()].iter()) {
            e.feed(&input[at..s], &mut out)?;
            at = s;
        }
        e.finish(&mut out)?;
        Ok(drain(&mut out))
    }

    /// Feed `input` cut at every possible point (and byte by byte); all must agree.
    fn encode_all_ways(enc: impl Fn() -> Encoder, input: &[u8], dgram: bool) -> Vec<Vec<u8>> {
        let whole = encode_split(&enc, input, &[], dgram).unwrap();
        let flat: Vec<u8> = whole.concat();
        for cut in 0..=input.len() {
            let got = encode_split(&enc, input, &[cut], dgram).unwrap();
            assert_eq!(got.concat(), flat, "cut at {cut}");
            if dgram {
                assert_eq!(got, whole, "datagrams, cut at {cut}");
            }
        }
        let bytewise: Vec<usize> = (1..input.len()).collect();
        let got = encode_split(&enc, input, &bytewise, dgram).unwrap();
        assert_eq!(got.concat(), flat, "byte by byte");
        if dgram {
            assert_eq!(got, whole, "datagrams, byte by byte");
        }
        whole
    }

    fn decode_split(
        dec: &mut Decoder,
        wire: &[u8],
        split: &[usize],
    ) -> (Vec<u8>, Result<(), FrameError>) {
        let mut out = Outbox::new(false);
        let mut at = 0;
        for &s in split.iter().chain([wire.len()].iter()) {
            if let Err(e) = dec.feed(&wire[at..s], &mut out) {
                return (drain(&mut out).concat(), Err(e));
            }
            at = s;
        }
        let r = dec.finish();
        (drain(&mut out).concat(), r)
    }

    fn decode_all_ways(
        framing: Framing,
        max: usize,
        wire: &[u8],
    ) -> (Vec<u8>, Result<(), FrameError>) {
        let whole = decode_split(&mut Decoder::new(framing, max), wire, &[]);
        for cut in 0..=wire.len() {
            for cut2 in cut..=wire.len() {
                let got = decode_split(&mut Decoder::new(framing, max), wire, &[cut, cut2]);
                assert_eq!(got, whole, "cuts at {cut} and {cut2}");
            }
        }
        let bytewise: Vec<usize> = (1..wire.len()).collect();
        let got = decode_split(&mut Decoder::new(framing, max), wire, &bytewise);
        assert_eq!(got, whole, "byte by byte");
        whole
    }

    fn framed(p: Prefix, msgs: &[&[u8]]) -> Vec<u8> {
        let mut out = Outbox::new(false);
        for m in msgs {
            p.put(m.len(), &mut out);
            out.push(m);
        }
        drain(&mut out).concat()
    }

    #[test]
    fn len_prefixes_are_network_order_or_little_endian() {
        assert_eq!(framed(Prefix::LEN16, &[b"hi"]), b"\x00\x02hi");
        assert_eq!(framed(Prefix::LEN16LE, &[b"hi"]), b"\x02\x00hi");
        assert_eq!(framed(Prefix::LEN32, &[b"hi"]), b"\x00\x00\x00\x02hi");
        assert_eq!(framed(Prefix::LEN32LE, &[b"hi"]), b"\x02\x00\x00\x00hi");
        let big = vec![b'x'; 0x0102];
        assert_eq!(&framed(Prefix::LEN16, &[&big])[..2], b"\x01\x02");
        assert_eq!(&framed(Prefix::LEN32LE, &[&big])[..4], b"\x02\x01\x00\x00");
    }

    #[test]
    fn len_encoder_sends_each_line_as_one_message_at_every_split() {
        let input = b"hello\n\nworld \xff\x00\r\nlast without newline";
        for p in ALL_LEN {
            let enc = || Encoder::new(Framing::Len(p), false, DEFAULT_MAX_FRAME, None);
            let wire = encode_all_ways(enc, input, false).concat();
            let want = framed(
                p,
                &[b"hello", b"", b"world \xff\x00\r", b"last without newline"],
            );
            assert_eq!(wire, want, "{}", p.name());
        }
    }

    #[test]
    fn len_round_trip_through_the_decoder() {
        let input = b"one\ntwo two\n\n\x00\x01\x02 three\n";
        for p in ALL_LEN {
            let enc = || Encoder::new(Framing::Len(p), false, DEFAULT_MAX_FRAME, None);
            let wire = encode_all_ways(enc, input, false).concat();
            let (lines, r) = decode_all_ways(Framing::Len(p), DEFAULT_MAX_FRAME, &wire);
            r.unwrap();
            assert_eq!(lines, input, "{}", p.name());
        }
    }

    #[test]
    fn len_decoder_writes_each_message_as_a_line() {
        let wire = framed(Prefix::LEN32, &[b"a", b"", b"with\nnewline", b"\xff"]);
        let (out, r) = decode_all_ways(Framing::Len(Prefix::LEN32), 100, &wire);
        r.unwrap();
        assert_eq!(out, b"a\n\nwith\nnewline\n\xff\n");
    }

    #[test]
    fn oversized_length_is_an_error_after_the_messages_before_it() {
        let mut wire = framed(Prefix::LEN32, &[b"ok", b"fine"]);
        wire.extend_from_slice(b"HTTP/1.0 200 OK\r\n");
        let (out, r) = decode_all_ways(Framing::Len(Prefix::LEN32), DEFAULT_MAX_FRAME, &wire);
        assert_eq!(out, b"ok\nfine\n");
        let e = r.unwrap_err();
        assert_eq!(
            e,
            FrameError::TooLong {
                name: "len32",
                len: 0x4854_5450,
                prefix: b"HTTP".to_vec(),
                max: DEFAULT_MAX_FRAME
            }
        );
        assert_eq!(
            e.to_string(),
            "len32 message length 1213486160 is over the --max-frame limit of 16777216 bytes \
             (prefix 48 54 54 50 \"HTTP\")"
        );
        // Exactly the limit is fine; one more is not.
        let wire = framed(Prefix::LEN16LE, &[&[7u8; 10]]);
        assert!(
            decode_all_ways(Framing::Len(Prefix::LEN16LE), 10, &wire)
                .1
                .is_ok()
        );
        let (out, r) = decode_all_ways(Framing::Len(Prefix::LEN16LE), 9, &wire);
        assert_eq!(out, b"");
        assert!(r.unwrap_err().to_string().contains("length 10 is over"));
    }

    #[test]
    fn a_huge_claimed_length_allocates_nothing_up_front() {
        // 3 GiB claimed, max-frame raised to allow it: only the bytes that came are held.
        let mut d = Decoder::new(Framing::Len(Prefix::LEN32), u32::MAX as usize);
        let mut out = Outbox::new(false);
        d.feed(b"\xc0\x00\x00\x00abc", &mut out).unwrap();
        let State::Body { len, buf } = &d.state else {
            panic!("not in a body")
        };
        assert_eq!(*len, 0xc000_0000);
        assert!(buf.capacity() < 1024);
        assert_eq!(
            d.finish().unwrap_err().to_string(),
            "connection closed inside a message: 3 of 3221225472 bytes received"
        );
    }

    #[test]
    fn a_stream_ending_inside_a_prefix_or_message_is_an_error() {
        let wire = framed(Prefix::LEN32, &[b"whole", b"partial"]);
        let cut = &wire[..wire.len() - 3];
        let (out, r) = decode_all_ways(Framing::Len(Prefix::LEN32), 100, cut);
        assert_eq!(out, b"whole\n");
        assert_eq!(
            r.unwrap_err(),
            FrameError::Truncated {
                part: "message",
                got: 4,
                want: 7
            }
        );
        let (out, r) = decode_all_ways(Framing::Len(Prefix::LEN32), 100, &wire[..11]);
        assert_eq!(out, b"whole\n");
        assert_eq!(
            r.unwrap_err().to_string(),
            "connection closed inside a length prefix: 2 of 4 bytes received"
        );
    }

    #[test]
    fn stdin_lines_over_the_limit_are_refused() {
        let long = vec![b'y'; 65536];
        let mut input = b"short\n".to_vec();
        input.extend_from_slice(&long);
        input.push(b'\n');
        let mut e = Encoder::new(Framing::Len(Prefix::LEN16), false, DEFAULT_MAX_FRAME, None);
        let mut out = Outbox::new(false);
        let err = e.feed(&input, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a stdin line is longer than 65535 bytes (the most a 16-bit length prefix can say)"
        );
        assert_eq!(
            drain(&mut out).concat(),
            b"\x00\x05short",
            "lines before it still go"
        );
        // Exactly 65535 fits.
        let r = encode_split(
            || Encoder::new(Framing::Len(Prefix::LEN16), false, DEFAULT_MAX_FRAME, None),
            &long[1..],
            &[100, 70000.min(long.len() - 1)],
            false,
        );
        assert_eq!(r.unwrap().concat().len(), 65537);
        // The limit is checked as the line arrives, before it is all buffered.
        let mut e = Encoder::new(Framing::Len(Prefix::LEN32), false, 10, None);
        let mut out = Outbox::new(false);
        e.feed(b"0123456789", &mut out).unwrap();
        assert_eq!(
            e.feed(b"a", &mut out).unwrap_err().to_string(),
            "a stdin line is longer than 10 bytes (the --max-frame limit)"
        );
    }

    #[test]
    fn line_mode_passes_lines_and_ends_the_last_one() {
        let enc = || Encoder::new(Framing::Line, false, DEFAULT_MAX_FRAME, None);
        assert_eq!(encode_all_ways(enc, b"a\nb\n", false).concat(), b"a\nb\n");
        assert_eq!(encode_all_ways(enc, b"a\nb", false).concat(), b"a\nb\n");
        assert_eq!(encode_all_ways(enc, b"", false).concat(), b"");
        let crlf = || Encoder::new(Framing::Line, true, DEFAULT_MAX_FRAME, None);
        assert_eq!(
            encode_all_ways(crlf, b"a\nb\r\n\nc", false).concat(),
            b"a\r\nb\r\n\r\nc\r\n"
        );
    }

    #[test]
    fn raw_crlf_converts_only_bare_newlines() {
        let enc = || Encoder::new(Framing::Raw, true, DEFAULT_MAX_FRAME, None);
        assert_eq!(
            encode_all_ways(enc, b"\nGET / HTTP/1.0\n\r\n\r\r\nx", false).concat(),
            b"\r\nGET / HTTP/1.0\r\n\r\n\r\r\nx"
        );
        let plain = || Encoder::new(Framing::Raw, false, DEFAULT_MAX_FRAME, None);
        assert_eq!(encode_all_ways(plain, b"a\nb", false).concat(), b"a\nb");
    }

    #[test]
    fn towards_datagrams_each_line_is_one_message() {
        let line = || Encoder::new(Framing::Line, true, DEFAULT_MAX_FRAME, Some(65507));
        assert_eq!(
            encode_all_ways(line, b"one\ntwo\r\n\nlast", true),
            vec![
                b"one\r\n".to_vec(),
                b"two\r\n".to_vec(),
                b"\r\n".to_vec(),
                b"last\r\n".to_vec()
            ]
        );
        let len = || {
            Encoder::new(
                Framing::Len(Prefix::LEN16),
                false,
                DEFAULT_MAX_FRAME,
                Some(65507),
            )
        };
        assert_eq!(
            encode_all_ways(len, b"ab\n\n", true),
            vec![b"\x00\x02ab".to_vec(), b"\x00\x00".to_vec()]
        );
        let mut e = Encoder::new(Framing::Line, false, DEFAULT_MAX_FRAME, Some(65507));
        let err = e
            .feed(&vec![b'z'; 65506], &mut Outbox::new(true))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("65505 bytes (the largest line one datagram")
        );
        // raw: each read is one datagram, whatever it holds.
        let mut e = Encoder::new(Framing::Raw, false, DEFAULT_MAX_FRAME, Some(65507));
        let mut out = Outbox::new(true);
        e.feed(b"a\nb", &mut out).unwrap();
        e.feed(b"c", &mut out).unwrap();
        e.finish(&mut out).unwrap();
        assert_eq!(drain(&mut out), vec![b"a\nb".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn datagrams_decode_as_one_line_or_message_each() {
        let mut out = Outbox::new(false);
        let mut d = Decoder::new(Framing::Line, DEFAULT_MAX_FRAME);
        for dg in [&b"one"[..], b"two\n", b""] {
            d.feed_datagram(dg, &mut out).unwrap();
        }
        assert_eq!(drain(&mut out).concat(), b"one\ntwo\n\n");
        let mut d = Decoder::new(Framing::Len(Prefix::LEN16LE), 100);
        d.feed_datagram(b"\x03\x00abc", &mut out).unwrap();
        d.feed_datagram(b"\x00\x00", &mut out).unwrap();
        assert_eq!(drain(&mut out).concat(), b"abc\n\n");
        assert_eq!(
            d.feed_datagram(b"\x05\x00abc", &mut out)
                .unwrap_err()
                .to_string(),
            "a datagram holds 3 bytes after its len16le prefix, which says 5"
        );
        assert_eq!(
            d.feed_datagram(b"\x05", &mut out).unwrap_err().to_string(),
            "a datagram of 1 byte is shorter than a len16le prefix"
        );
        assert!(matches!(
            d.feed_datagram(b"\xff\x00", &mut out),
            Err(FrameError::TooLong { len: 255, .. })
        ));
    }

    #[test]
    fn outbox_keeps_datagram_boundaries_across_partial_stream_writes() {
        let mut o = Outbox::new(false);
        o.push(b"abcdef");
        o.consume(2);
        assert_eq!(o.next(), b"cdef");
        assert_eq!(o.len(), 4);
        o.consume(4);
        assert!(o.is_empty());
        let mut o = Outbox::new(true);
        o.push(b"ab");
        o.end_message();
        o.push(b"c");
        o.end_message();
        assert_eq!(o.next(), b"ab");
        o.consume(2);
        assert_eq!(o.next(), b"c");
        o.consume(1);
        assert!(o.is_empty());
    }
}
