//! Numbers and addresses appended to byte buffers, for the per-packet and per-line output of
//! `sniff`, `conv` and the JSON records: the one hex digit table, decimal, hex, and IPv4/IPv6
//! text as glibc's `inet_ntop` writes it.

/// Lowercase hex digits.
pub const HEX: &[u8; 16] = b"0123456789abcdef";

/// Decimal digits of `v`.
pub fn put_dec(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// `digits` lowercase hex digits of `v`, zero-padded.
pub fn put_hex(out: &mut Vec<u8>, v: u32, digits: u32) {
    for k in (0..digits).rev() {
        out.push(HEX[((v >> (4 * k)) & 15) as usize]);
    }
}

/// Lowercase hex with no leading zeros (`0` for zero), as C's `%x`/`%llx`.
pub fn put_hex_min(out: &mut Vec<u8>, v: u64) {
    let digits = (64 - v.leading_zeros()).div_ceil(4).max(1);
    for k in (0..digits).rev() {
        out.push(HEX[((v >> (4 * k)) & 15) as usize]);
    }
}

/// Two lowercase hex digits per byte, no separator.
pub fn put_hex_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// `a.b.c.d` (inet_ntoa, inet_ntop(AF_INET)).
pub fn put_ipv4(out: &mut Vec<u8>, a: [u8; 4]) {
    for (i, b) in a.into_iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        put_dec(out, u64::from(b));
    }
}

/// The text form exactly as glibc's inet_ntop(AF_INET6) writes it: lowercase hex without
/// leading zeros; the longest run of two or more zero groups (the first of equal runs) as
/// `::` (RFC 5952); and a dotted quad for the last 32 bits when the first 80 bits are zero and
/// the next 16 are ffff (`::ffff:1.2.3.4`), or the first 96 bits are zero and the seventh
/// group is not (`::0.2.0.3` for ::2:3, while `::1` and `::ffff` stay as they are).
pub fn put_ipv6(out: &mut Vec<u8>, a: [u8; 16]) {
    let w: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    let (mut best, mut best_len, mut cur, mut cur_len) = (usize::MAX, 0, 0, 0);
    for (i, &x) in w.iter().enumerate() {
        if x == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let in_best = |i: usize| best != usize::MAX && i >= best && i < best + best_len;
    for i in 0..8 {
        if in_best(i) {
            if i == best {
                out.push(b':');
            }
            continue;
        }
        if i != 0 {
            out.push(b':');
        }
        // Embedded IPv4: ::a.b.c.d and ::ffff:a.b.c.d.
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            put_ipv4(out, [a[12], a[13], a[14], a[15]]);
            return;
        }
        put_hex_min(out, u64::from(w[i]));
    }
    if best != usize::MAX && best + best_len == 8 {
        out.push(b':');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|o| put_dec(o, 0)), "0");
        assert_eq!(s(|o| put_dec(o, u64::MAX)), "18446744073709551615");
        assert_eq!(s(|o| put_hex(o, 0xab, 4)), "00ab");
        assert_eq!(s(|o| put_hex_min(o, 0)), "0");
        assert_eq!(s(|o| put_hex_min(o, 0x1f00)), "1f00");
        assert_eq!(s(|o| put_hex_min(o, u64::MAX)), "ffffffffffffffff");
        assert_eq!(s(|o| put_hex_bytes(o, &[0x01, 0x00, 0xab])), "0100ab");
        assert_eq!(s(|o| put_ipv4(o, [10, 0, 255, 1])), "10.0.255.1");
    }

    #[test]
    fn ipv6_matches_glibc() {
        let cases = [
            ("00000000000000000000000000000000", "::"),
            ("00000000000000000000000000000001", "::1"),
            ("00000000000000000000000000000002", "::2"),
            ("0000000000000000000000000000ffff", "::ffff"),
            ("00000000000000000000000000020003", "::0.2.0.3"),
            ("00000000000000000000000000010000", "::0.1.0.0"),
            ("00000000000000000000ffff00000000", "::ffff:0.0.0.0"),
            ("00000000000000000000ffff01020304", "::ffff:1.2.3.4"),
            ("00000000000000000000ffff0000ffff", "::ffff:0.0.255.255"),
            ("00000000000000000000fffe01020304", "::fffe:102:304"),
            ("00010000000000000000000000000000", "1::"),
            ("00010000000000010000000000000001", "1:0:0:1::1"),
            ("20010db8000000000000000000000001", "2001:db8::1"),
            ("00010002000300040005000600070008", "1:2:3:4:5:6:7:8"),
            ("00010000000200030004000500060007", "1:0:2:3:4:5:6:7"),
            ("0001000000000002000000000000abcd", "1:0:0:2::abcd"),
            ("000000000000000000000000ffffffff", "::255.255.255.255"),
        ];
        for (h, want) in cases {
            let a: [u8; 16] =
                std::array::from_fn(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap());
            assert_eq!(s(|o| put_ipv6(o, a)), want, "{h}");
        }
    }
}
