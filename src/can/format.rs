//! candump's output: the default line (`  vcan0  123   [4]  DE AD BE EF`), the `-L` log line
//! (`(1436509052.249713) vcan0 123#DEADBEEF`), the `-t a|d|z|A` timestamps, `-e` error words,
//! and sockcli's own `--json` record.

use std::fmt::Write;

use super::{Frame, error};
use serde::Serialize;

/// A frame in cansend/log syntax (lib.c's `sprint_canframe`): `123#DEADBEEF`, `1F334455#11`,
/// `123#R`, `123#R5`, `123##5112233`.
pub fn compact(f: &Frame, out: &mut String) {
    if f.is_error() || f.is_extended() {
        let _ = write!(out, "{:08X}#", f.id() | (f.can_id & super::ERR_FLAG));
    } else {
        let _ = write!(out, "{:03X}#", f.id());
    }
    if !f.fd && f.is_rtr() {
        out.push('R');
        if f.len > 0 && (f.len as usize) <= super::MAX_DLEN {
            let _ = write!(out, "{}", f.len);
        }
        return;
    }
    if f.fd {
        let _ = write!(out, "#{:X}", f.flags & 0xF);
    }
    for b in f.payload() {
        let _ = write!(out, "{b:02X}");
    }
}

/// The frame part of candump's default line (lib.c's `sprint_long_canframe`): id, `[len]`
/// (`[NN]` for CAN FD), the data bytes, `remote request`, or `ERRORFRAME` after the data of an
/// error frame. `indent_sff` right-aligns standard ids under extended ones, as candump does
/// once it has shown an extended id.
pub fn long(f: &Frame, indent_sff: bool, out: &mut String) {
    if f.is_error() || f.is_extended() {
        let _ = write!(out, "{:08X}  ", f.id() | (f.can_id & super::ERR_FLAG));
    } else if indent_sff {
        let _ = write!(out, "     {:03X}  ", f.id());
    } else {
        let _ = write!(out, "{:03X}  ", f.id());
    }
    let data = f.payload();
    if f.fd {
        let _ = write!(out, "[{:02}] ", data.len());
    } else {
        let _ = write!(
            out,
            " [{}] ",
            if f.is_rtr() { f.len } else { data.len() as u8 }
        );
        if f.is_rtr() {
            out.push_str(" remote request");
            return;
        }
    }
    for b in data {
        let _ = write!(out, " {b:02X}");
    }
    if f.is_error() && data.len() <= super::MAX_DLEN {
        let pad = 3 * (super::MAX_DLEN - data.len()) + 13;
        let _ = write!(out, "{:>pad$}", "ERRORFRAME");
    }
}

/// candump's `-t`: how each line's timestamp is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsStyle {
    /// No timestamp (candump's default).
    #[default]
    None,
    /// `a`: seconds since the epoch, `(1700000000.000123)`.
    Absolute,
    /// `d`: since the previous frame, `(000.010012)`.
    Delta,
    /// `z`: since the first frame.
    Zero,
    /// `A`: local date and time, `(2023-11-14 22:13:20.000123)`.
    Date,
}

impl TsStyle {
    pub fn from_letter(c: &str) -> Option<TsStyle> {
        match c {
            "a" => Some(TsStyle::Absolute),
            "d" => Some(TsStyle::Delta),
            "z" => Some(TsStyle::Zero),
            "A" => Some(TsStyle::Date),
            _ => None,
        }
    }
}

/// How frames are printed, and what earlier frames left behind (the widest interface name,
/// whether an extended id was seen, the previous and first timestamps).
#[derive(Debug, Clone)]
pub struct Printer {
    pub ts: TsStyle,
    /// `-L`: log lines.
    pub log: bool,
    /// `-e`: error frames' classes in words on a second, tab-indented line.
    pub words: bool,
    pub json: bool,
    /// Interface names are right-aligned to the widest one given or seen (candump's
    /// `max_devname_len`).
    pub width: usize,
    indent_sff: bool,
    first_us: Option<i128>,
    last_us: Option<i128>,
}

impl Printer {
    pub fn new(ts: TsStyle, log: bool, words: bool, json: bool, width: usize) -> Printer {
        Printer {
            ts,
            log,
            words,
            json,
            width,
            indent_sff: false,
            first_us: None,
            last_us: None,
        }
    }

    /// Appends the line(s) for one frame received on `iface` at `sec.nsec`, newline included.
    pub fn frame(&mut self, iface: &str, sec: i64, nsec: u32, f: &Frame, out: &mut String) {
        self.width = self.width.max(iface.len());
        let usec = nsec / 1000;
        if self.json {
            self.json_line(iface, sec, nsec, f, out);
            return;
        }
        if self.log {
            let _ = write!(out, "({sec:010}.{usec:06}) {iface:>w$} ", w = self.width);
            compact(f, out);
            out.push('\n');
            return;
        }
        out.push(' ');
        let now = i128::from(sec) * 1_000_000 + i128::from(usec);
        match self.ts {
            TsStyle::None => {}
            TsStyle::Absolute => {
                let _ = write!(out, "({sec:010}.{usec:06}) ");
            }
            TsStyle::Date => match crate::sys::time::local_time(sec) {
                Some(t) => {
                    let _ = write!(
                        out,
                        "({:04}-{:02}-{:02} {:02}:{:02}:{:02}.{usec:06}) ",
                        t.year, t.month, t.day, t.hour, t.min, t.sec
                    );
                }
                None => {
                    let _ = write!(out, "({sec:010}.{usec:06}) ");
                }
            },
            TsStyle::Delta | TsStyle::Zero => {
                let since = match self.ts {
                    TsStyle::Delta => *self.last_us.get_or_insert(now),
                    _ => *self.first_us.get_or_insert(now),
                };
                let d = (now - since).max(0);
                let _ = write!(out, "({:03}.{:06}) ", d / 1_000_000, d % 1_000_000);
            }
        }
        self.last_us = Some(now);
        let _ = write!(out, " {iface:>w$}  ", w = self.width);
        if f.is_extended() {
            self.indent_sff = true;
        }
        long(f, self.indent_sff, out);
        if self.words && f.is_error() {
            out.push_str("\n\t");
            error::describe(f, "\n\t", out);
        }
        out.push('\n');
    }

    fn json_line(&mut self, iface: &str, sec: i64, nsec: u32, f: &Frame, out: &mut String) {
        out.push_str(&crate::json::line(&DumpRecord {
            ts: crate::json::stamp(sec, nsec),
            iface,
            frame: json_fields(f),
        }));
        out.push('\n');
    }
}

/// `can dump --json`'s line: the time and interface, then the frame's fields.
#[derive(Serialize)]
struct DumpRecord<'a> {
    ts: Box<serde_json::value::RawValue>,
    iface: &'a str,
    #[serde(flatten)]
    frame: JsonFields,
}

/// The frame's fields of the `--json` record (`id` to `error_words`); `sniff --json` prints
/// the same ones as its `can` object. `brs`/`esi` are CAN FD's only, `error_words` an error
/// frame's only.
#[derive(Serialize)]
pub struct JsonFields {
    id: u32,
    extended: bool,
    rtr: bool,
    error: bool,
    fd: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    brs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    esi: Option<bool>,
    len: u8,
    data: String,
    frame: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_words: Option<String>,
}

pub fn json_fields(f: &Frame) -> JsonFields {
    let mut data = String::with_capacity(2 * f.payload().len());
    for b in f.payload() {
        let _ = write!(data, "{b:02X}");
    }
    let mut frame = String::new();
    compact(f, &mut frame);
    JsonFields {
        id: f.id(),
        extended: f.is_extended(),
        rtr: f.is_rtr(),
        error: f.is_error(),
        fd: f.fd,
        brs: f.fd.then_some(f.flags & super::FD_BRS != 0),
        esi: f.fd.then_some(f.flags & super::FD_ESI != 0),
        len: f.len,
        data,
        frame,
        error_words: f.is_error().then(|| {
            let mut words = String::new();
            error::describe(f, ",", &mut words);
            words
        }),
    }
}
