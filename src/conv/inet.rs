//! IPv4 and IPv6 text to packed bytes, following glibc's inet_aton and inet_pton line for
//! line: std's parsers differ at the edges (they accept `1.2.3.4::`). The way back, as glibc's
//! inet_ntop writes it, is `digits::put_ipv4`/`put_ipv6`.

/// C's isspace in the C locale: also \v, which `u8::is_ascii_whitespace` leaves out.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// `strtoul(s, &end, 0)` for a string starting with a digit: 0x hex, leading 0 octal, else
/// decimal. Returns the value (None when over 32 bits) and how many bytes were used.
fn strtoul32(s: &[u8]) -> (Option<u32>, usize) {
    let (radix, start) = match s {
        // "0x" not followed by a hex digit is the number 0, and the 'x' is left unread.
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut v: Option<u32> = Some(0);
    let mut i = start;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(radix)) {
        v = v.and_then(|v| v.checked_mul(radix)?.checked_add(d));
        i += 1;
    }
    (v, i)
}

/// inet_aton(3): 1 to 4 parts `a`, `a.b`, `a.b.c`, `a.b.c.d`, each decimal, octal (leading 0)
/// or hex (0x); the last part fills the remaining bytes. The address may be followed by
/// whitespace and then anything (glibc's rule: `"1.2.3.4 junk"` is 1.2.3.4).
pub fn aton(s: &[u8]) -> Option<[u8; 4]> {
    // Largest value of the last part, by how many parts came before it.
    const MAX: [u32; 4] = [u32::MAX, 0xff_ffff, 0xffff, 0xff];
    let mut bytes = [0u8; 4];
    let mut parts = 0;
    let mut i = 0;
    loop {
        if !s.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (val, used) = strtoul32(&s[i..]);
        let val = val?;
        i += used;
        if s.get(i) != Some(&b'.') {
            // The end, or whitespace (then anything); nothing else may follow.
            if s.get(i).is_some_and(|&c| !is_c_space(c)) || val > MAX[parts] {
                return None;
            }
            let word = u32::from_be_bytes(bytes) | val;
            return Some(word.to_be_bytes());
        }
        if parts == 3 || val > 0xff {
            return None;
        }
        bytes[parts] = val as u8;
        parts += 1;
        i += 1;
    }
}

/// inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros, nothing else.
pub fn pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
            return None;
        }
        let mut v: u32 = 0;
        for &b in p {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (b - b'0') as u32;
        }
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// inet_pton(AF_INET6): up to eight groups of 1-4 hex digits, one `::` standing for at least
/// one zero group, and optionally a dotted quad as the last 32 bits. No zone id (`%eth0`).
pub fn pton6(s: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut tp = 0; // bytes written to `out`
    let mut gap: Option<usize> = None; // where `::` was, in `out`
    let mut i = 0;
    if s.first() == Some(&b':') {
        // Only a leading "::" may start with a colon.
        if s.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut token = i; // start of the current group (a dotted quad starts here too)
    let mut digits = 0;
    let mut val: u32 = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if let Some(d) = (c as char).to_digit(16) {
            if digits == 4 {
                return None;
            }
            val = (val << 4) | d;
            digits += 1;
            continue;
        }
        if c == b':' {
            token = i;
            if digits == 0 {
                if gap.is_some() {
                    return None;
                }
                gap = Some(tp);
                continue;
            }
            // A group followed by a colon must have another group after it.
            if i == s.len() || tp + 2 > 16 {
                return None;
            }
            out[tp..tp + 2].copy_from_slice(&(val as u16).to_be_bytes());
            tp += 2;
            digits = 0;
            val = 0;
            continue;
        }
        if c == b'.' && tp + 4 <= 16 {
            // The group just read was the start of a dotted quad running to the end.
            out[tp..tp + 4].copy_from_slice(&pton4(&s[token..])?);
            tp += 4;
            digits = 0;
            break;
        }
        return None;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp..tp + 2].copy_from_slice(&(val as u16).to_be_bytes());
        tp += 2;
    }
    if let Some(at) = gap {
        // `::` must stand for at least one group.
        if tp == 16 {
            return None;
        }
        let tail = tp - at;
        out.copy_within(at..tp, 16 - tail);
        out[at..16 - tail].fill(0);
        tp = 16;
    }
    (tp == 16).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn aton_follows_glibc() {
        let ok = |s: &str, want: &str| {
            assert_eq!(
                aton(s.as_bytes()).map(|a| hex(&a)).as_deref(),
                Some(want),
                "{s:?}"
            )
        };
        ok("123.45.67.89", "7b2d4359");
        ok("127.1", "7f000001");
        ok("0x7f.1", "7f000001");
        ok("0X7F.1", "7f000001");
        ok("1.2.65535", "0102ffff");
        ok("1.16777215", "01ffffff");
        ok("4294967295", "ffffffff");
        ok("017700000001", "7f000001");
        ok("0x0000000000000ffffffff", "ffffffff");
        ok("1.2.3.0377", "010203ff");
        ok("0", "00000000");
        ok("1.2.3.4 junk", "01020304");
        ok("1.2.3.4\x0bjunk", "01020304");
        ok("1 .2", "00000001");
        for bad in [
            "",
            " ",
            " 1.2.3.4",
            "1.2.3.4x",
            "256.1.1.1",
            "1.2.3.4.5",
            "0x",
            "0x.1",
            "08",
            "09",
            "1..2",
            "1.",
            "1.2.3.",
            "1. 2",
            "+1",
            "-1",
            "0xg",
            "1e1",
            "4294967296",
            "0x100000000",
            "1.16777216",
            "1.2.65536",
            "1.2.3.0400",
            "1.2.3.4\0",
            "1.2.3.4\u{a0}",
            "99999999999999999999999",
        ] {
            assert_eq!(aton(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn pton4_is_strict() {
        assert_eq!(pton4(b"1.2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(pton4(b"0.0.0.0"), Some([0; 4]));
        assert_eq!(pton4(b"255.255.255.255"), Some([255; 4]));
        for bad in [
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4 ",
            "1..2.3",
            "0x1.2.3.4",
            "00.1.2.3",
            "1.2.3.04",
            "",
            "1.2.3.4.",
            ".1.2.3",
            "1.2.3.1000",
            "1.2.3.+4",
        ] {
            assert_eq!(pton4(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn pton6_follows_glibc() {
        let ok = |s: &str, want: &str| {
            assert_eq!(
                pton6(s.as_bytes()).map(|a| hex(&a)).as_deref(),
                Some(want),
                "{s:?}"
            )
        };
        ok("::", "00000000000000000000000000000000");
        ok("::1", "00000000000000000000000000000001");
        ok("1::", "00010000000000000000000000000000");
        ok("::ffff:1.2.3.4", "00000000000000000000ffff01020304");
        ok("::FFFF:1.2.3.4", "00000000000000000000ffff01020304");
        ok("::1.2.3.4", "00000000000000000000000001020304");
        ok("::1:2:3:4:5:6:7", "00000001000200030004000500060007");
        ok("1:2:3:4:5:6:7::", "00010002000300040005000600070000");
        ok("1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304");
        ok("1:2:3:4:5::1.2.3.4", "00010002000300040005000001020304");
        ok("0001::", "00010000000000000000000000000000");
        ok("2001:db8::1", "20010db8000000000000000000000001");
        for bad in [
            "",
            ":",
            "12345::",
            "00001::",
            ":::",
            "1::2::3",
            "1.2.3.4::",
            "::1.2.3.4:1",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::01.2.3.4",
            "::1.2.3",
            ":1::",
            "1:",
            "1::2:",
            "::a.2.3.4",
            "1:2:3:4::5:6:7:8",
            "::ffff:1.2.3.4.5",
            " ::1",
            "::1 ",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "g::",
        ] {
            assert_eq!(pton6(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
