//! candump `-L` logs read one line at a time (what `can replay` plays): each entry keeps its
//! line number, timestamp and interface, so a bad line is reported as `line 12: ...` and a
//! log of any size is read in constant memory.
//!
//! Blank lines and lines starting with `#` are skipped; every other line must be a log line
//! (`(1436509052.249713) vcan0 123#DEADBEEF`, parsed by [`parse::log_line`]). canplayer
//! silently skips any line not starting with `(`, which hides a frame written without its
//! timestamp; here that is an error naming the line.

use std::io::{self, BufRead, Read};

use super::parse::{self, LogLine};

/// The longest line read (a 64-byte CAN FD frame with a 15-byte interface name and a
/// 19-digit timestamp is under 180 bytes); a longer one is an error, not a memory hog.
pub const MAX_LINE: usize = 4096;

/// One log line and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number in the log.
    pub line: u64,
    pub rec: LogLine,
}

/// Why reading a log stopped.
#[derive(Debug)]
pub enum LogError {
    /// A line that is not a candump `-L` line (bad input: exit 2).
    Bad { line: u64, msg: String },
    /// The log could not be read (exit 1).
    Io(io::Error),
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogError::Bad { line, msg } => write!(f, "line {line}: {msg}"),
            LogError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads entries from a candump `-L` log.
pub struct Reader<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader {
            input,
            line: 0,
            buf: Vec::with_capacity(256),
        }
    }

    /// The next entry, `Ok(None)` at the end of the log.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, LogError> {
        loop {
            self.buf.clear();
            let n = (&mut self.input)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut self.buf)
                .map_err(LogError::Io)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let bad = |msg: String| LogError::Bad {
                line: self.line,
                msg,
            };
            if self.buf.len() > MAX_LINE && self.buf.last() != Some(&b'\n') {
                return Err(bad(format!("longer than {MAX_LINE} bytes")));
            }
            let text = std::str::from_utf8(&self.buf)
                .map_err(|e| bad(format!("not UTF-8 (byte {})", e.valid_up_to() + 1)))?;
            let text = text.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            let rec = parse::log_line(text).map_err(|e| bad(e.to_string()))?;
            return Ok(Some(Entry {
                line: self.line,
                rec,
            }));
        }
    }
}

/// Nanoseconds since the epoch of a log line's timestamp.
pub fn ts_nanos(rec: &LogLine) -> i128 {
    i128::from(rec.sec) * 1_000_000_000 + i128::from(rec.nsec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::format::{Printer, TsStyle};

    fn all(text: &[u8]) -> Result<Vec<Entry>, String> {
        let mut r = Reader::new(text);
        let mut out = Vec::new();
        loop {
            match r.next_entry() {
                Ok(Some(e)) => out.push(e),
                Ok(None) => return Ok(out),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[test]
    fn entries_keep_line_numbers_timestamps_and_interfaces() {
        let log = b"# recorded by candump -L\n(1436509052.249713) vcan0 123#DEADBEEF\n\n\
            (1436509052.250000) can1 1F334455##3AA\r\n(0.5) x 7FF#R T\n";
        let e = all(log).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].line, e[0].rec.sec, e[0].rec.nsec),
            (2, 1436509052, 249713000)
        );
        assert_eq!(e[0].rec.iface, "vcan0");
        assert_eq!(e[1].line, 4);
        assert_eq!(e[1].rec.iface, "can1");
        assert!(e[1].rec.frame.fd);
        assert_eq!(e[2].line, 5);
        assert!(ts_nanos(&e[2].rec) < ts_nanos(&e[0].rec));
        assert!(e[2].rec.frame.is_rtr());
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let log = b"(1.000001) vcan0 123#11\n(1.000002) vcan0 123#1\n";
        assert_eq!(
            all(log).unwrap_err(),
            "line 2: expected the second hex digit of a data byte, found the end at position 23"
        );
        assert_eq!(
            all(b"\n123#11\n").unwrap_err(),
            "line 2: expected '(' starting the timestamp, found '1' at position 1"
        );
        assert_eq!(
            all(b"(1.1) vcan0 123#11\n(1.2) vcan0 123#\xff\n").unwrap_err(),
            "line 2: not UTF-8 (byte 17)"
        );
        // Seconds beyond what a time_t holds (and candump's format prints back).
        assert_eq!(
            all(b"(9223372036854775808.000001) vcan0 123#11\n").unwrap_err(),
            "line 1: timestamp seconds out of range at position 2"
        );
        assert_eq!(
            all(b"(9223372036854775807.000001) vcan0 123#11\n").unwrap()[0]
                .rec
                .sec,
            i64::MAX as u64
        );
        let mut long = b"(1.1) vcan0 123#11 ".to_vec();
        long.resize(MAX_LINE + 10, b'x');
        assert_eq!(
            all(&long).unwrap_err(),
            format!("line 1: longer than {MAX_LINE} bytes")
        );
        // Exactly MAX_LINE bytes plus the newline is still a line.
        let mut edge = b"(1.1) vcan0 123#11 ".to_vec();
        edge.resize(MAX_LINE, b'x');
        edge.push(b'\n');
        assert_eq!(all(&edge).unwrap().len(), 1);
    }

    /// Every stored log (`tests/data/can/*.log`) parses, line by line, and prints back to the
    /// same text in candump's `-L` format.
    #[test]
    fn stored_logs_parse_and_print_back_identically() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/can");
        let mut logs = 0;
        for ent in std::fs::read_dir(&dir).unwrap() {
            let path = ent.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("log") {
                continue;
            }
            logs += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let width = text
                .lines()
                .filter_map(|l| l.split_whitespace().nth(1))
                .map(str::len)
                .max()
                .unwrap_or(0);
            let entries = all(text.as_bytes()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(entries.len(), lines.len(), "{path:?}");
            let mut p = Printer::new(TsStyle::None, true, false, false, width);
            for (e, l) in entries.iter().zip(&lines) {
                let mut s = String::new();
                p.frame(
                    &e.rec.iface,
                    e.rec.sec as i64,
                    e.rec.nsec,
                    &e.rec.frame,
                    &mut s,
                );
                assert_eq!(s.trim_end(), *l, "{path:?} line {}", e.line);
            }
        }
        assert!(logs >= 1, "no logs in {dir:?}");
    }
}
