//! Just enough JSON for `conv --json`: string values escaped by hand (no serde in the crate).

/// Append `s` as a JSON string literal. Invalid UTF-8 becomes U+FFFD; quotes, backslashes and
/// control characters are escaped, so a value never breaks its line.
pub fn string(s: &[u8], out: &mut Vec<u8>) {
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
                    super::number::hex_bytes(&[b], out);
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

    fn s(input: &[u8]) -> String {
        let mut out = Vec::new();
        string(input, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(s(b"1.2.3.4"), r#""1.2.3.4""#);
        assert_eq!(s(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(s(b"1.2.3.4\tx\x0b\x7f"), r#""1.2.3.4\tx\u000b\u007f""#);
        assert_eq!(s(b"\xff1\xc3"), "\"\u{fffd}1\u{fffd}\"");
        assert_eq!(s("é".as_bytes()), "\"é\"");
    }
}
