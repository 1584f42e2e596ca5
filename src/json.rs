//! JSON Lines records (SPEC §1 `--json`): each record is a `#[derive(Serialize)]` struct
//! written by serde_json on one line. The formatter keeps the escapes sockcli has always
//! printed (`\u0008`, `\u000c` and `\u007f` rather than `\b`, `\f` and a raw DEL), so no
//! record changes by a byte.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::{Serialize, Serializer};
use serde_json::ser::{CharEscape, Formatter};
use serde_json::value::RawValue;

/// Compact output, with control characters and DEL as `\u00XX` except `\n`, `\r`, `\t`.
struct LineFormatter;

impl Formatter for LineFormatter {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        // serde_json escapes 0x00-0x1f itself; DEL is passed through, so escape it here.
        let mut rest = s.as_bytes();
        // `contains` is core's word-at-a-time memchr: the common no-DEL case costs little.
        while rest.contains(&0x7f) {
            let i = rest.iter().position(|&b| b == 0x7f).unwrap_or(rest.len());
            w.write_all(&rest[..i])?;
            w.write_all(b"\\u007f")?;
            rest = &rest[i + 1..];
        }
        w.write_all(rest)
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, e: CharEscape) -> io::Result<()> {
        let short: &[u8] = match e {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"\\/",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::Backspace => return control(w, 0x08),
            CharEscape::FormFeed => return control(w, 0x0c),
            CharEscape::AsciiControl(b) => return control(w, b),
        };
        w.write_all(short)
    }
}

fn control<W: ?Sized + Write>(w: &mut W, b: u8) -> io::Result<()> {
    use crate::digits::HEX;
    w.write_all(&[
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 15)],
    ])
}

/// Append `value` as JSON (no newline) to `out`.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut ser = serde_json::Serializer::with_formatter(out, LineFormatter);
    // Writing to a Vec cannot fail, and every record type serializes (no maps with
    // non-string keys), so an error here is a bug in a record type.
    value
        .serialize(&mut ser)
        .expect("a JSON record serializes into memory");
}

/// `value` as one JSON text (no newline).
pub fn line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    write(&mut out, value);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Bytes as a JSON string: invalid UTF-8 becomes U+FFFD, so a value never breaks its line.
pub struct Lossy<'a>(pub &'a [u8]);

impl Serialize for Lossy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text: Cow<'_, str> = String::from_utf8_lossy(self.0);
        s.serialize_str(&text)
    }
}

/// A timestamp printed as the number `SEC.NNNNNNNNN`: all nine decimals, which an f64
/// would round away.
pub fn stamp(sec: i64, nsec: u32) -> Box<RawValue> {
    RawValue::from_string(format!("{sec}.{nsec:09}")).expect("SEC.NNNNNNNNN is a JSON number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample<'a> {
        name: &'a str,
        port: u16,
        canon: Option<&'a str>,
        aliases: &'a [&'a str],
        ok: bool,
    }

    #[test]
    fn fields_in_order_with_escapes() {
        let rec = Sample {
            name: "a\"b\\c\n\u{1}",
            port: 80,
            canon: None,
            aliases: &["x", "y"],
            ok: true,
        };
        assert_eq!(
            line(&rec),
            r#"{"name":"a\"b\\c\n\u0001","port":80,"canon":null,"aliases":["x","y"],"ok":true}"#
        );
    }

    fn bytes(input: &[u8]) -> String {
        line(&Lossy(input))
    }

    #[test]
    fn raw_bytes_escape_and_stay_utf8() {
        assert_eq!(bytes(b"1.2.3.4"), r#""1.2.3.4""#);
        assert_eq!(bytes(b"a\"b\\c/"), r#""a\"b\\c/""#);
        assert_eq!(bytes(b"1.2.3.4\tx\x0b\x7f"), r#""1.2.3.4\tx\u000b\u007f""#);
        assert_eq!(
            bytes(b"\x08\x0c\x7f\x7fz\r"),
            r#""\u0008\u000c\u007f\u007fz\r""#
        );
        assert_eq!(bytes(b"\xff1\xc3"), "\"\u{fffd}1\u{fffd}\"");
        assert_eq!(bytes("é".as_bytes()), "\"é\"");
    }

    #[test]
    fn non_finite_numbers_are_null() {
        #[derive(Serialize)]
        struct Rates {
            nan: f64,
            inf: f64,
            ninf: f32,
            ok: f64,
        }
        let r = Rates {
            nan: f64::NAN,
            inf: f64::INFINITY,
            ninf: f32::NEG_INFINITY,
            ok: 1.5,
        };
        assert_eq!(line(&r), r#"{"nan":null,"inf":null,"ninf":null,"ok":1.5}"#);
    }

    #[test]
    fn stamps_keep_nine_decimals() {
        #[derive(Serialize)]
        struct T {
            ts: Box<RawValue>,
        }
        let t = T {
            ts: stamp(1_796_315_949, 653_782_774),
        };
        assert_eq!(line(&t), r#"{"ts":1796315949.653782774}"#);
        assert_eq!(line(&T { ts: stamp(0, 5) }), r#"{"ts":0.000000005}"#);
    }
}
