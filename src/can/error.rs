//! Error frames in words, as `candump -e` prints them (can-utils lib.c,
//! `snprintf_can_error_frame`): the classes set in the id, with details from the data bytes
//! (the arbitration bit, the controller's problems, the protocol violation's type and place)
//! and the error counters.

use super::{EFF_MASK, Frame};

const CLASSES: [&str; 9] = [
    "tx-timeout",
    "lost-arbitration",
    "controller-problem",
    "protocol-violation",
    "transceiver-status",
    "no-acknowledgement-on-tx",
    "bus-off",
    "bus-error",
    "restarted-after-bus-off",
];

const CONTROLLER: [&str; 7] = [
    "rx-overflow",
    "tx-overflow",
    "rx-error-warning",
    "tx-error-warning",
    "rx-error-passive",
    "tx-error-passive",
    "back-to-error-active",
];

const VIOLATION: [&str; 8] = [
    "single-bit-error",
    "frame-format-error",
    "bit-stuffing-error",
    "tx-dominant-bit-error",
    "tx-recessive-bit-error",
    "bus-overload",
    "active-error",
    "error-on-tx",
];

const LOCATION: [&str; 32] = [
    "unspecified",
    "unspecified",
    "id.28-to-id.28",
    "start-of-frame",
    "bit-srtr",
    "bit-ide",
    "id.20-to-id.18",
    "id.17-to-id.13",
    "crc-sequence",
    "reserved-bit-0",
    "data-field",
    "data-length-code",
    "bit-rtr",
    "reserved-bit-1",
    "id.4-to-id.0",
    "id.12-to-id.5",
    "unspecified",
    "active-error-flag",
    "intermission",
    "tolerate-dominant-bits",
    "unspecified",
    "unspecified",
    "passive-error-flag",
    "error-delimiter",
    "crc-delimiter",
    "acknowledge-slot",
    "end-of-frame",
    "acknowledge-delimiter",
    "overload-flag",
    "unspecified",
    "unspecified",
    "unspecified",
];

fn bits(byte: u8, names: &[&str], out: &mut String) {
    let mut first = true;
    for (i, name) in names.iter().enumerate() {
        if byte & (1 << i) != 0 {
            if !first {
                out.push(',');
            }
            out.push_str(name);
            first = false;
        }
    }
}

/// Appends the words for error frame `f`, classes separated by `sep` (candump -e uses a
/// newline and a tab). Nothing for a frame that is not an error frame. When no known class
/// is set and there are no counters, candump 2020.11 prints its buffer unchanged, which
/// still holds the frame in its default format; so does this, so the lines stay equal.
pub fn describe(f: &Frame, sep: &str, out: &mut String) {
    if !f.is_error() {
        return;
    }
    let start = out.len();
    words(f, sep, out);
    if out.len() == start {
        super::format::long(f, false, out);
    }
}

/// The words alone: nothing when no known class is set and the counters are zero (where
/// [`describe`] falls back to candump's frame line). `sniff` puts them on the frame's line.
pub fn words(f: &Frame, sep: &str, out: &mut String) {
    let class = f.can_id & EFF_MASK;
    if class > 1 << CLASSES.len() {
        return;
    }
    let d = |i: usize| f.data[i];
    let mut n = 0;
    for (i, name) in CLASSES.iter().enumerate() {
        if class & (1 << i) == 0 {
            continue;
        }
        if n > 0 {
            out.push_str(sep);
        }
        out.push_str(name);
        match i {
            1 => out.push_str(&format!("{{at bit {}}}", d(0))),
            2 => {
                out.push('{');
                bits(d(1), &CONTROLLER, out);
                out.push('}');
            }
            3 => {
                out.push_str("{{");
                bits(d(2), &VIOLATION, out);
                out.push_str("}{");
                if d(3) > 0 && (d(3) as usize) < LOCATION.len() {
                    out.push_str(LOCATION[d(3) as usize]);
                }
                out.push_str("}}");
            }
            _ => {}
        }
        n += 1;
    }
    if d(6) != 0 || d(7) != 0 {
        out.push_str(sep);
        out.push_str(&format!("error-counter-tx-rx{{{{{}}}{{{}}}}}", d(6), d(7)));
    }
}
