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
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
}
