//! `-x/--hexdump[=FILE]`: every byte sent and received, as `hexdump -C` lines behind a
//! direction marker, to stderr or a file; stdout is not touched.
//!
//! ```text
//! > 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a  |GET / HTTP/1.0..|
//! > 00000010  0d 0a                                             |..|
//! < 00000000  48 54 54 50 2f 31 2e 30  20 32 30 30 20 4f 4b 0d  |HTTP/1.0 200 OK.|
//! ```
//!
//! `>` is what went to the socket, `<` what came from it, both as on the wire (before
//! decoding, after encoding `--frame`). Each direction has its own running offset. Every
//! transfer (one read or write; one datagram) starts a new line, so short lines show where
//! the bytes were cut. A transfer is written with one write(2) and no buffering in between,
//! so nothing is lost at exit or Ctrl-C.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::reactor::{Interest, wait_one};

/// Where the dump goes; shared by both directions of a session.
#[derive(Debug)]
pub struct HexSink {
    out: Out,
    failed: AtomicBool,
}

#[derive(Debug)]
enum Out {
    Stderr,
    File { file: File, name: String },
}

impl HexSink {
    pub fn stderr() -> Arc<HexSink> {
        Arc::new(HexSink {
            out: Out::Stderr,
            failed: AtomicBool::new(false),
        })
    }

    /// A dump file (created or truncated by the caller); `name` is for messages.
    pub fn file(file: File, name: String) -> Arc<HexSink> {
        Arc::new(HexSink {
            out: Out::File { file, name },
            failed: AtomicBool::new(false),
        })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match &self.out {
            Out::Stderr => rustix::stdio::stderr(),
            Out::File { file, .. } => file.as_fd(),
        }
    }

    /// Write one formatted transfer. A dump that cannot be written is given up with one
    /// warning; the data path goes on unchanged.
    fn write(&self, text: &[u8]) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = write_all_blocking(self.fd(), text) {
            self.failed.store(true, Ordering::Relaxed);
            let what = match &self.out {
                Out::Stderr => "stderr".to_string(),
                Out::File { name, .. } => name.clone(),
            };
            let _ = writeln!(
                io::stderr(),
                "sockcli: hexdump to {what} stopped: {}",
                crate::exit::describe_io(&e)
            );
        }
    }
}

/// write(2) until all is out. stderr may share its open file description with a stdout the
/// relay made non-blocking (`2>&1`): then EAGAIN means wait until it is writable (bounded).
fn write_all_blocking(fd: BorrowedFd<'_>, mut buf: &[u8]) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !buf.is_empty() {
        match rustix::io::write(fd, buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => {
                if Instant::now() >= deadline {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                wait_one(fd, Interest::WRITE, Some(deadline))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Which way the bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// To the socket: `>`.
    Sent,
    /// From the socket: `<`.
    Received,
}

impl Dir {
    fn marker(self) -> char {
        match self {
            Dir::Sent => '>',
            Dir::Received => '<',
        }
    }
}

/// One direction's view of the dump: its marker and running offset.
#[derive(Debug)]
pub struct Tap {
    sink: Arc<HexSink>,
    dir: Dir,
    offset: u64,
}

impl Tap {
    pub fn new(sink: Arc<HexSink>, dir: Dir) -> Tap {
        Tap {
            sink,
            dir,
            offset: 0,
        }
    }

    /// Dump one transfer.
    pub fn record(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut text = String::with_capacity(80 * bytes.len().div_ceil(16));
        format_lines(self.dir.marker(), self.offset, bytes, &mut text);
        self.offset += bytes.len() as u64;
        self.sink.write(text.as_bytes());
    }
}

/// `hexdump -C` lines for `bytes`, starting at `offset`, each behind `marker`.
pub fn format_lines(marker: char, offset: u64, bytes: &[u8], out: &mut String) {
    use std::fmt::Write as _;
    for (i, row) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{marker} {:08x} ", offset + 16 * i as u64);
        for j in 0..16 {
            if j == 8 {
                out.push(' ');
            }
            match row.get(j) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(row.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse dump lines back into (marker, offset, bytes) — what the integration tests do.
    fn parse(text: &str) -> Vec<(char, u64, Vec<u8>)> {
        text.lines()
            .map(|l| {
                let marker = l.chars().next().unwrap();
                let off = u64::from_str_radix(&l[2..10], 16).unwrap();
                let hex = &l[10..l.find("  |").unwrap()];
                let bytes = hex
                    .split_whitespace()
                    .map(|h| u8::from_str_radix(h, 16).unwrap())
                    .collect();
                (marker, off, bytes)
            })
            .collect()
    }

    #[test]
    fn lines_look_like_hexdump_c() {
        let mut s = String::new();
        format_lines('>', 0, b"GET / HTTP/1.0\r\n\r\n", &mut s);
        assert_eq!(
            s,
            "> 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a  |GET / HTTP/1.0..|\n\
             > 00000010  0d 0a                                             |..|\n"
        );
        let mut s = String::new();
        format_lines(
            '<',
            0x1_0000_0000,
            &[0, 0x7f, 0x80, 0xff, b' ', b'~'],
            &mut s,
        );
        assert_eq!(
            s,
            "< 100000000  00 7f 80 ff 20 7e                                 |.... ~|\n"
        );
    }

    #[test]
    fn every_byte_and_offset_parses_back() {
        let data: Vec<u8> = (0..=255u8).chain(0..=40).collect();
        for cut in [1usize, 7, 16, 17, 100] {
            let mut s = String::new();
            let mut off = 0u64;
            for chunk in data.chunks(cut) {
                format_lines('<', off, chunk, &mut s);
                off += chunk.len() as u64;
            }
            let mut back = Vec::new();
            for (m, o, b) in parse(&s) {
                assert_eq!(m, '<');
                assert_eq!(o, back.len() as u64, "offsets run on, chunk {cut}");
                back.extend(b);
            }
            assert_eq!(back, data, "chunks of {cut}");
            // Fixed columns: the ASCII part always starts at the same place.
            assert!(s.lines().all(|l| l.find("  |") == Some(60)), "{s}");
        }
    }
}
