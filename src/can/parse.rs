//! cansend's frame syntax and candump's `-L` log lines, parsed strictly: where can-utils
//! silently ignores trailing garbage or extra bytes, an error names the position (1-based
//! character column) and what was expected there.
//!
//! Frames: `<id>#<data>` with a 3-digit standard or 8-digit extended id (an 8-digit id with
//! the error flag 0x20000000 is an error frame), data as hex byte pairs optionally separated
//! by `.`; `<id>#R[len]` a remote frame; `<id>##<flags><data>` a CAN FD frame, `<flags>` one
//! hex digit (BRS 1, ESI 2, FDF 4).

use super::{
    EFF_FLAG, EFF_MASK, ERR_FLAG, ERR_MASK, FD_MAX_DLEN, Frame, MAX_DLEN, RTR_FLAG, SFF_MASK,
};

/// A parse error: what is wrong and where (1-based column in the parsed text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: usize,
    pub msg: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at position {}", self.msg, self.pos)
    }
}

impl std::error::Error for ParseError {}

fn err(pos0: usize, msg: impl Into<String>) -> ParseError {
    ParseError {
        pos: pos0 + 1,
        msg: msg.into(),
    }
}

fn nibble(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Describes the character at `i` of `s` for an error message.
fn what(s: &[u8], i: usize) -> String {
    match s.get(i) {
        None => "the end".to_string(),
        Some(&c) if c.is_ascii_graphic() => format!("'{}'", c as char),
        Some(&c) => format!("byte 0x{c:02X}"),
    }
}

/// Parses one frame in cansend syntax (`123#DEADBEEF`, `1F334455#11`, `123#R`, `123#R5`,
/// `123##1112233`).
pub fn frame(text: &str) -> Result<Frame, ParseError> {
    frame_at(text, 0)
}

/// [`frame`], with positions counted from `base` (the frame's column in a longer line).
fn frame_at(text: &str, base: usize) -> Result<Frame, ParseError> {
    let s = text.as_bytes();
    let hash = s.iter().position(|&c| c == b'#');
    let digits = hash.unwrap_or(s.len());
    for (i, &c) in s[..digits].iter().enumerate() {
        if nibble(c).is_none() {
            return Err(err(
                base + i,
                format!("expected a hex digit of the CAN id, found {}", what(s, i)),
            ));
        }
    }
    let Some(hash) = hash else {
        return Err(err(
            base + s.len(),
            "expected '#' after the CAN id (as in 123#DEADBEEF)",
        ));
    };
    if hash != 3 && hash != 8 {
        return Err(err(
            base,
            format!("the CAN id must have 3 hex digits (standard) or 8 (extended), not {hash}"),
        ));
    }
    let value = s[..hash]
        .iter()
        .fold(0u32, |v, &c| (v << 4) | u32::from(nibble(c).unwrap_or(0)));
    let can_id = if hash == 3 {
        if value > SFF_MASK {
            return Err(err(
                base,
                format!("standard CAN id {value:03X} is over 7FF"),
            ));
        }
        value
    } else if value & ERR_FLAG != 0 {
        if value & !(ERR_FLAG | ERR_MASK) != 0 {
            return Err(err(
                base,
                format!("error frame id {value:08X} has bits over 3FFFFFFF"),
            ));
        }
        value
    } else {
        if value > EFF_MASK {
            return Err(err(
                base,
                format!("extended CAN id {value:08X} is over 1FFFFFFF"),
            ));
        }
        value | EFF_FLAG
    };
    let mut i = hash + 1;
    let mut f = Frame::new(can_id, &[]);
    match s.get(i) {
        Some(b'R' | b'r') => {
            f.can_id |= RTR_FLAG;
            i += 1;
            if let Some(&c) = s.get(i) {
                match nibble(c) {
                    Some(d) if d as usize <= MAX_DLEN => f.len = d,
                    _ => {
                        return Err(err(
                            base + i,
                            format!(
                                "expected the remote frame's length (0-8) or the end, found {}",
                                what(s, i)
                            ),
                        ));
                    }
                }
                i += 1;
            }
            if i < s.len() {
                return Err(err(
                    base + i,
                    format!("unexpected {} after the remote frame", what(s, i)),
                ));
            }
            return Ok(f);
        }
        Some(b'#') => {
            f.fd = true;
            i += 1;
            match s.get(i).copied().and_then(nibble) {
                Some(flags) => f.flags = flags,
                None => {
                    return Err(err(
                        base + i,
                        format!(
                            "expected the CAN FD flags digit after '##' (0-F), found {}",
                            what(s, i)
                        ),
                    ));
                }
            }
            i += 1;
        }
        _ => {}
    }
    let max = f.max_len();
    let mut len = 0usize;
    while i < s.len() {
        if s[i] == b'.' {
            i += 1;
            if i >= s.len() {
                break;
            }
        }
        if len == max {
            return Err(err(
                base + i,
                format!(
                    "more than {max} data bytes{}",
                    if f.fd {
                        ""
                    } else {
                        " (CAN FD frames use '##')"
                    }
                ),
            ));
        }
        let hi = nibble(s[i]).ok_or_else(|| {
            err(
                base + i,
                format!("expected a hex digit of the data, found {}", what(s, i)),
            )
        })?;
        let lo = s.get(i + 1).copied().and_then(nibble).ok_or_else(|| {
            err(
                base + i + 1,
                format!(
                    "expected the second hex digit of a data byte, found {}",
                    what(s, i + 1)
                ),
            )
        })?;
        f.data[len] = (hi << 4) | lo;
        len += 1;
        i += 2;
    }
    debug_assert!(len <= FD_MAX_DLEN);
    f.len = len as u8;
    Ok(f)
}

/// One line of a candump `-L` log: `(1436509052.249713) vcan0 123#DEADBEEF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub sec: u64,
    pub nsec: u32,
    pub iface: String,
    pub frame: Frame,
}

/// Parses a candump `-L` line. Anything after the frame (newer can-utils append a direction
/// `R`/`T`) must be separated by a space and is ignored.
pub fn log_line(line: &str) -> Result<LogLine, ParseError> {
    let s = line.as_bytes();
    if s.first() != Some(&b'(') {
        return Err(err(
            0,
            format!("expected '(' starting the timestamp, found {}", what(s, 0)),
        ));
    }
    let mut i = 1;
    let start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    if i == start || i - start > 19 {
        return Err(err(
            i,
            format!("expected the timestamp's seconds, found {}", what(s, i)),
        ));
    }
    // Up to i64::MAX, as a timestamp (time_t) can hold and candump's format prints.
    let sec: u64 = line[start..i]
        .parse::<i64>()
        .map(|s| s as u64)
        .map_err(|_| err(start, "timestamp seconds out of range"))?;
    if s.get(i) != Some(&b'.') {
        return Err(err(
            i,
            format!("expected '.' in the timestamp, found {}", what(s, i)),
        ));
    }
    i += 1;
    let fstart = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let frac = &line[fstart..i];
    if frac.is_empty() || frac.len() > 9 {
        return Err(err(
            fstart,
            format!(
                "expected 1 to 9 digits of fraction, found {}",
                what(s, fstart.max(i.min(fstart + 9)))
            ),
        ));
    }
    let nsec = frac.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - frac.len() as u32);
    if s.get(i) != Some(&b')') {
        return Err(err(
            i,
            format!("expected ')' closing the timestamp, found {}", what(s, i)),
        ));
    }
    i += 1;
    if s.get(i) != Some(&b' ') {
        return Err(err(
            i,
            format!(
                "expected a space before the interface, found {}",
                what(s, i)
            ),
        ));
    }
    while s.get(i) == Some(&b' ') {
        i += 1;
    }
    let istart = i;
    while i < s.len() && s[i] != b' ' {
        i += 1;
    }
    if i == istart {
        return Err(err(i, "expected the interface name"));
    }
    let iface = &line[istart..i];
    if iface.len() > 15 {
        return Err(err(
            istart,
            format!(
                "interface name '{}' is longer than 15 bytes",
                iface.escape_debug()
            ),
        ));
    }
    while s.get(i) == Some(&b' ') {
        i += 1;
    }
    let fstart = i;
    while i < s.len() && s[i] != b' ' {
        i += 1;
    }
    if i == fstart {
        return Err(err(i, "expected a frame after the interface"));
    }
    let frame = frame_at(&line[fstart..i], fstart)?;
    Ok(LogLine {
        sec,
        nsec,
        iface: iface.to_string(),
        frame,
    })
}

/// One line of `can send -` input: a frame in cansend syntax or a candump `-L` line (its
/// frame is sent, the timestamp and interface ignored). Surrounding blanks are ignored.
pub fn input_line(line: &str) -> Result<Frame, ParseError> {
    let lead = line.len() - line.trim_start().len();
    let t = line.trim();
    let r = if t.starts_with('(') {
        log_line(t).map(|l| l.frame)
    } else {
        frame(t)
    };
    r.map_err(|mut e| {
        e.pos += lead;
        e
    })
}
