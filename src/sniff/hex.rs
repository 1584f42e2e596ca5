//! tcpdump's `-x` and `-X` dumps: 16 bytes a line in 2-byte groups behind a tab and the
//! offset, with `-X` the printable ASCII at a fixed column (`.` for the rest).
//!
//! ```text
//!     0x0000:  4500 0021 1234 0000 4011 5496 0a00 0001  E..!.4..@.T.....
//!     0x0010:  0a00 0002 9c40 0009 000d 0000 6865 6c6c  .....@......hell
//!     0x0020:  6f                                       o
//! ```
//!
//! (`event::hexdump` prints `hexdump -C` lines for the relay; the layouts differ, so the two
//! share nothing but the idea.)

use crate::digits::HEX;

/// Append the dump of `bytes`, each line starting with `\n\t` as tcpdump writes it (the
/// caller's summary line comes first and its newline last).
pub fn dump(bytes: &[u8], ascii: bool, out: &mut Vec<u8>) {
    for (i, row) in bytes.chunks(16).enumerate() {
        let off = i * 16;
        out.extend_from_slice(b"\n\t0x");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[(off >> shift) & 15]);
        }
        out.push(b':');
        out.push(b' ');
        for pair in row.chunks(2) {
            out.push(b' ');
            for &b in pair {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
        }
        if ascii {
            // Pad the hex part to eight full groups, then two spaces.
            let written = row.len() * 2 + row.len().div_ceil(2);
            out.resize(out.len() + 40 - written + 2, b' ');
            out.extend(row.iter().map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b
                } else {
                    b'.'
                }
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bytes: &[u8], ascii: bool) -> String {
        let mut out = Vec::new();
        dump(bytes, ascii, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn like_tcpdump_x_and_capital_x() {
        let pkt = [
            0x45, 0, 0, 0x21, 0x12, 0x34, 0, 0, 0x40, 0x11, 0x54, 0x96, 10, 0, 0, 1, 10, 0, 0, 2,
            0x9c, 0x40, 0, 9, 0, 0x0d, 0, 0, b'h', b'e', b'l', b'l', b'o',
        ];
        assert_eq!(
            s(&pkt, false),
            "\n\t0x0000:  4500 0021 1234 0000 4011 5496 0a00 0001\
             \n\t0x0010:  0a00 0002 9c40 0009 000d 0000 6865 6c6c\
             \n\t0x0020:  6f"
        );
        assert_eq!(
            s(&pkt, true),
            "\n\t0x0000:  4500 0021 1234 0000 4011 5496 0a00 0001  E..!.4..@.T.....\
             \n\t0x0010:  0a00 0002 9c40 0009 000d 0000 6865 6c6c  .....@......hell\
             \n\t0x0020:  6f                                       o"
        );
        assert_eq!(s(&[], true), "");
    }
}
