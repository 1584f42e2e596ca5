//! Unsigned numbers as typed (decimal, `0x`, `0o`, `0b`) and as printed (decimal, padded hex
//! and binary). Hand-rolled: the stdin filter runs them once per line, millions of times.

use std::fmt;

use crate::digits::put_dec;

/// Why a VALUE is not a number of the operation's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    Empty,
    /// `+`/`-`: the values are unsigned; a sign is not silently dropped.
    Sign,
    /// A prefix (`0x`, `0o`, `0b`) with no digits after it.
    NoDigits,
    /// A byte that is not a digit of the radix (whitespace inside counts).
    BadDigit {
        byte: u8,
        radix: u32,
    },
    /// Above `max` (the largest value of the width).
    Range {
        max: u64,
    },
}

impl fmt::Display for NumError {
    /// The predicate after the quoted value: `'abc' is not a number`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NumError::Empty => f.write_str("is not a number (empty)"),
            NumError::Sign => f.write_str("is not a number (no sign allowed)"),
            NumError::NoDigits => f.write_str("is not a number (no digits after the prefix)"),
            NumError::BadDigit { byte, radix } => {
                let what = match radix {
                    2 => "binary digit",
                    8 => "octal digit",
                    16 => "hex digit",
                    _ => "digit",
                };
                let shown = match byte {
                    b' '..=b'~' => format!("'{}'", byte as char),
                    _ => format!("byte 0x{byte:02x}"),
                };
                write!(f, "is not a number ({shown} is not a {what})")
            }
            NumError::Range { max } => write!(f, "is out of range (0 to {max})"),
        }
    }
}

/// Parse an unsigned number no larger than `max`: decimal, or `0x`/`0o`/`0b` with their
/// digits (prefixes case-insensitive). A leading `0` alone is still decimal (`010` is ten).
pub fn parse(s: &[u8], max: u64) -> Result<u64, NumError> {
    let (radix, digits) = match s {
        [] => return Err(NumError::Empty),
        [b'+' | b'-', ..] => return Err(NumError::Sign),
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', b'o' | b'O', rest @ ..] => (8, rest),
        [b'0', b'b' | b'B', rest @ ..] => (2, rest),
        _ => (10, s),
    };
    if digits.is_empty() {
        return Err(NumError::NoDigits);
    }
    let mut v: u64 = 0;
    for &b in digits {
        let d = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'a'..=b'f' => (b - b'a' + 10) as u32,
            b'A'..=b'F' => (b - b'A' + 10) as u32,
            _ => radix,
        };
        if d >= radix {
            return Err(NumError::BadDigit { byte: b, radix });
        }
        // Keep scanning after an overflow would only find more digits; the value is too big
        // either way, but a bad digit later is the better message, so check the rest first.
        match v
            .checked_mul(radix as u64)
            .and_then(|v| v.checked_add(d as u64))
        {
            Some(n) => v = n,
            None => return check_rest(digits, radix).and(Err(NumError::Range { max })),
        }
    }
    if v > max {
        return Err(NumError::Range { max });
    }
    Ok(v)
}

/// Every byte of `digits` is a digit of `radix`.
fn check_rest(digits: &[u8], radix: u32) -> Result<(), NumError> {
    match digits
        .iter()
        .copied()
        .find(|&b| !(b as char).is_digit(radix))
    {
        Some(byte) => Err(NumError::BadDigit { byte, radix }),
        None => Ok(()),
    }
}

/// Append a big-endian byte string as one unsigned decimal number (up to 16 bytes).
pub fn dec_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let v = bytes.iter().fold(0u128, |v, &b| (v << 8) | b as u128);
    match u64::try_from(v) {
        Ok(v) => put_dec(out, v),
        // Only pton 6 gets here; its rare u128 does not need the fast path.
        Err(_) => out.extend_from_slice(v.to_string().as_bytes()),
    }
}

/// Append binary digits of `bytes`, eight per byte, no prefix.
pub fn bin_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        for i in (0..8).rev() {
            out.push(b'0' + ((b >> i) & 1));
        }
    }
}

/// `s` as exactly `N` bytes written in hex (`2*N` digits, any case, optional `0x`).
pub fn unhex<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    let s = match s {
        [b'0', b'x' | b'X', rest @ ..] => rest,
        _ => s,
    };
    if s.len() != 2 * N {
        return None;
    }
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const U16: u64 = u16::MAX as u64;

    #[test]
    fn parses_every_radix_and_case() {
        assert_eq!(parse(b"0", U16), Ok(0));
        assert_eq!(parse(b"65535", U16), Ok(65535));
        assert_eq!(parse(b"010", U16), Ok(10));
        assert_eq!(parse(b"0x1F", U16), Ok(31));
        assert_eq!(parse(b"0XfF", U16), Ok(255));
        assert_eq!(parse(b"0o17", U16), Ok(15));
        assert_eq!(parse(b"0O17", U16), Ok(15));
        assert_eq!(parse(b"0b101", U16), Ok(5));
        assert_eq!(parse(b"0B1", U16), Ok(1));
        assert_eq!(parse(b"0x0000000000000000000001", U16), Ok(1));
        assert_eq!(parse(b"18446744073709551615", u64::MAX), Ok(u64::MAX));
        assert_eq!(parse(b"0xffffffffffffffff", u64::MAX), Ok(u64::MAX));
    }

    #[test]
    fn rejects_what_is_not_a_plain_unsigned_number() {
        assert_eq!(parse(b"", U16), Err(NumError::Empty));
        assert_eq!(parse(b"-1", U16), Err(NumError::Sign));
        assert_eq!(parse(b"+1", U16), Err(NumError::Sign));
        assert_eq!(parse(b"0x", U16), Err(NumError::NoDigits));
        assert_eq!(parse(b"0b", U16), Err(NumError::NoDigits));
        let bad = |byte, radix| Err(NumError::BadDigit { byte, radix });
        assert_eq!(parse(b"1 2", U16), bad(b' ', 10));
        assert_eq!(parse(b"12a", U16), bad(b'a', 10));
        assert_eq!(parse(b"0b102", U16), bad(b'2', 2));
        assert_eq!(parse(b"0o8", U16), bad(b'8', 8));
        assert_eq!(parse(b"0xg", U16), bad(b'g', 16));
        assert_eq!(parse(b"1_000", U16), bad(b'_', 10));
        assert_eq!(parse(b"0x-1", U16), bad(b'-', 16));
        // An overflowing value with a bad digit later names the digit.
        assert_eq!(parse(b"99999999999999999999999x", U16), bad(b'x', 10));
    }

    #[test]
    fn range_is_the_width() {
        assert_eq!(parse(b"65536", U16), Err(NumError::Range { max: U16 }));
        assert_eq!(parse(b"0x10000", U16), Err(NumError::Range { max: U16 }));
        let big = b"18446744073709551616";
        assert_eq!(parse(big, u64::MAX), Err(NumError::Range { max: u64::MAX }));
        assert_eq!(
            NumError::Range { max: U16 }.to_string(),
            "is out of range (0 to 65535)"
        );
    }

    #[test]
    fn formats() {
        let s = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut v = Vec::new();
            f(&mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            s(&|o| dec_bytes(&[0x7b, 0x2d, 0x43, 0x59], o)),
            "2066563929"
        );
        assert_eq!(s(&|o| dec_bytes(&[0xff; 16], o)), u128::MAX.to_string());
        assert_eq!(s(&|o| bin_bytes(&[0x81, 0x02], o)), "1000000100000010");
    }

    #[test]
    fn unhex_wants_the_exact_length() {
        assert_eq!(unhex::<4>(b"7b2d4359"), Some([0x7b, 0x2d, 0x43, 0x59]));
        assert_eq!(unhex::<4>(b"0x7B2D4359"), Some([0x7b, 0x2d, 0x43, 0x59]));
        assert_eq!(unhex::<4>(b"7b2d435"), None);
        assert_eq!(unhex::<4>(b"7b2d43590"), None);
        assert_eq!(unhex::<4>(b"7b2d435g"), None);
        assert_eq!(unhex::<4>(b"0x"), None);
        assert_eq!(unhex::<2>(b"+1ff"), None);
    }
}
