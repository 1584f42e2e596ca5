//! JSON Lines records (SPEC §1 `--json`): one flat object per line, built field by field.
//! Records are small and flat, so a string builder does the job without a serde dependency.

use std::fmt::{Display, Write};

/// A JSON object under construction; `finish` closes it.
#[derive(Debug)]
pub struct Obj {
    buf: String,
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
}

impl Obj {
    pub fn new() -> Self {
        Obj {
            buf: String::from("{"),
        }
    }

    fn key(&mut self, key: &str) {
        if self.buf.len() > 1 {
            self.buf.push(',');
        }
        escape_into(&mut self.buf, key);
        self.buf.push(':');
    }

    /// A string field.
    pub fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        escape_into(&mut self.buf, value);
        self
    }

    /// A string field, or `null`.
    pub fn opt_str(mut self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => {
                self.key(key);
                self.buf.push_str("null");
                self
            }
        }
    }

    /// A number (or `true`/`false`) field: anything whose Display is a JSON literal.
    pub fn num(mut self, key: &str, value: impl Display) -> Self {
        self.key(key);
        let _ = write!(self.buf, "{value}");
        self
    }

    /// An array of strings.
    pub fn strs<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> Self {
        self.key(key);
        self.buf.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            escape_into(&mut self.buf, v.as_ref());
        }
        self.buf.push(']');
        self
    }

    pub fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// Append `s` as a quoted JSON string (RFC 8259 escapes; control characters as `\u00XX`).
pub fn escape_into(out: &mut String, s: &str) {
    let mut bytes = std::mem::take(out).into_bytes();
    escape_bytes(s.as_bytes(), &mut bytes);
    *out = String::from_utf8(bytes).expect("escaped JSON is UTF-8");
}

/// Append raw bytes as a JSON string literal. Invalid UTF-8 becomes U+FFFD; quotes,
/// backslashes and control characters are escaped, so a value never breaks its line.
pub fn escape_bytes(s: &[u8], out: &mut Vec<u8>) {
    use crate::digits::HEX;
    out.push(b'"');
    for chunk in s.utf8_chunks() {
        for &b in chunk.valid().as_bytes() {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0..0x20 | 0x7f => {
                    out.extend_from_slice(b"\\u00");
                    out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
                }
                _ => out.push(b),
            }
        }
        if !chunk.invalid().is_empty() {
            out.extend_from_slice("\u{fffd}".as_bytes());
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_order_with_escapes() {
        let line = Obj::new()
            .str("name", "a\"b\\c\n\u{1}")
            .num("port", 80)
            .opt_str("canon", None)
            .strs("aliases", &["x", "y"])
            .num("ok", true)
            .finish();
        assert_eq!(
            line,
            r#"{"name":"a\"b\\c\n\u0001","port":80,"canon":null,"aliases":["x","y"],"ok":true}"#
        );
        assert_eq!(Obj::new().finish(), "{}");
    }

    fn bytes(input: &[u8]) -> String {
        let mut out = Vec::new();
        escape_bytes(input, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn raw_bytes_escape_and_stay_utf8() {
        assert_eq!(bytes(b"1.2.3.4"), r#""1.2.3.4""#);
        assert_eq!(bytes(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(bytes(b"1.2.3.4\tx\x0b\x7f"), r#""1.2.3.4\tx\u000b\u007f""#);
        assert_eq!(bytes(b"\xff1\xc3"), "\"\u{fffd}1\u{fffd}\"");
        assert_eq!(bytes("é".as_bytes()), "\"é\"");
    }
}
