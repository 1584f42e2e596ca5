//! SocketCAN captures (LINKTYPE_CAN_SOCKETCAN, 227: what libpcap and `sockcli can dump -w`
//! write): each record is the kernel's `can_frame` (16 bytes) or `canfd_frame` (72 bytes)
//! with the 32-bit id and its EFF/RTR/ERR flag bits big-endian, the length at byte 4, the FD
//! flags at byte 5 (CANFD_FDF marks FD; so does a record longer than 16 bytes), the data
//! from byte 8.
//!
//! One line per frame in candump's words, single-spaced after `CAN `: `CAN 123 [4] DE AD BE
//! EF`, `CAN 1F334455 [1] 11` (extended ids in 8 digits), `CAN 123 [5] remote request`, CAN FD
//! with a two-digit length and its flags, `CAN 123 [03] 11 22 33 BRS ESI`, and error frames
//! with candump -e's words after ERRORFRAME, comma-separated as in `can dump --json`'s
//! `error_words` (`CAN 2000000C [8] 00 10 ... ERRORFRAME controller-problem{rx-error-passive},...`).
//! Apart from the single spaces and the FD flag words, the text after `CAN ` is candump's
//! default line without its interface (`crate::can::format::long`); the tests hold the two
//! together. A record cut short prints what it has and ` [|can]`; a length over the frame
//! type's maximum prints ` [|can]` after `[N]`; a CAN XL record (byte 4 has CANXL_XLF) is
//! named, not decoded. The frame itself goes to `Fields::can` for the JSON record.

use super::Dec;
use crate::can::{self, EFF_FLAG, ERR_FLAG, FD_MAX_DLEN, Frame, MAX_DLEN, error};
use crate::digits::HEX;

/// `CANXL_XLF` in byte 4 (where classic and FD frames keep their length, at most 64).
const CANXL_XLF: u8 = 0x80;

impl Dec<'_> {
    pub(super) fn can(&mut self, data: &[u8], wire: usize) {
        self.s("CAN ");
        let Some(hdr) = data.get(..8) else {
            self.s("[|can]");
            self.f.truncated = true;
            return;
        };
        if hdr[4] & CANXL_XLF != 0 {
            self.s("XL, length ");
            self.dec(wire as u64);
            return;
        }
        let can_id = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let fd = hdr[5] & can::FD_FDF != 0 || wire > 16;
        let max = if fd { FD_MAX_DLEN } else { MAX_DLEN };
        let mut f = Frame::new(can_id, &[]);
        f.fd = fd;
        f.flags = if fd { hdr[5] } else { 0 };
        f.len = hdr[4];
        let have = data.len().saturating_sub(8).min(max);
        f.data[..have].copy_from_slice(&data[8..8 + have]);

        let err_or_eff = can_id & (EFF_FLAG | ERR_FLAG) != 0;
        if err_or_eff {
            self.hex_upper(f.id() | (can_id & ERR_FLAG), 8);
        } else {
            self.hex_upper(f.id(), 3);
        }
        let rtr = f.is_rtr() && !fd;
        self.s(" [");
        if fd {
            put_dec2(self.out, f.len);
        } else {
            self.dec(u64::from(f.len));
        }
        self.s("]");
        if usize::from(f.len) > max {
            self.trunc("can");
            return;
        }
        if rtr {
            self.s(" remote request");
            self.f.proto = Some("can");
            self.f.can = Some(f);
            return;
        }
        let want = usize::from(f.len);
        for &b in &f.data[..want.min(have)] {
            self.s(" ");
            self.hex_upper(u32::from(b), 2);
        }
        if have < want {
            self.trunc("can");
            return;
        }
        if fd {
            if f.flags & can::FD_BRS != 0 {
                self.s(" BRS");
            }
            if f.flags & can::FD_ESI != 0 {
                self.s(" ESI");
            }
        }
        if f.is_error() {
            self.s(" ERRORFRAME");
            // The words read the data area's 8 bytes (counters in 6 and 7), as candump does.
            let mut words = String::new();
            error::words(&f, ",", &mut words);
            if !words.is_empty() {
                self.s(" ");
                self.s(&words);
            }
        }
        self.f.proto = Some("can");
        self.f.can = Some(f);
    }

    /// `v` in at least `digits` uppercase hex digits (candump's `%03X`/`%08X`/`%02X`).
    fn hex_upper(&mut self, v: u32, digits: u32) {
        let n = (32 - v.leading_zeros()).div_ceil(4).max(digits);
        for k in (0..n).rev() {
            self.out
                .push(HEX[((v >> (4 * k)) & 15) as usize].to_ascii_uppercase());
        }
    }
}

/// Two digits at least (candump's `[%02d]` for CAN FD lengths).
fn put_dec2(out: &mut Vec<u8>, v: u8) {
    if v < 10 {
        out.push(b'0');
    }
    super::put_dec(out, u64::from(v));
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use crate::can::{Frame, format};
    use crate::sniff::link::{LinkType, Meta};

    /// A record as `can dump -w` writes it (`cmd::can::pcap_record`'s layout).
    pub(crate) fn record(f: &Frame) -> Vec<u8> {
        let mut b = vec![0u8; if f.fd { 72 } else { 16 }];
        b[..4].copy_from_slice(&f.can_id.to_be_bytes());
        b[4] = f.len;
        if f.fd {
            b[5] = f.flags | crate::can::FD_FDF;
        }
        let n = f.max_len();
        b[8..8 + n].copy_from_slice(&f.data[..n]);
        b
    }

    fn line_len(data: &[u8], wire: usize) -> (String, super::super::Fields) {
        let meta = Meta {
            ts_sec: 0,
            ts_nsec: 0,
            len: wire as u32,
            link: LinkType::CAN_SOCKETCAN,
            iface: None,
            pkttype: None,
        };
        let mut out = Vec::new();
        let f = decode(&meta, data, false, &mut out);
        (String::from_utf8(out).unwrap(), f)
    }

    fn line(data: &[u8]) -> String {
        line_len(data, data.len()).0
    }

    fn frame(s: &str) -> Frame {
        crate::can::parse::frame(s).unwrap()
    }

    /// candump's default line for `f` (without interface) with its runs of spaces made one.
    fn candump_words(f: &Frame) -> String {
        let mut s = String::new();
        format::long(f, false, &mut s);
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn frames_in_candump_words() {
        for (text, want) in [
            ("123#DEADBEEF", "CAN 123 [4] DE AD BE EF"),
            ("1F334455#11", "CAN 1F334455 [1] 11"),
            ("00000123#AA", "CAN 00000123 [1] AA"),
            ("123#R", "CAN 123 [0] remote request"),
            ("123#R5", "CAN 123 [5] remote request"),
            ("123#", "CAN 123 [0]"),
            ("123##0", "CAN 123 [00]"),
            ("123##1112233", "CAN 123 [03] 11 22 33 BRS"),
            ("123##3AABB", "CAN 123 [02] AA BB BRS ESI"),
            (
                "123##2.01.02.03.04.05.06.07.08.09.00.00.00",
                "CAN 123 [12] 01 02 03 04 05 06 07 08 09 00 00 00 ESI",
            ),
            (
                "2000000C#0010041200000000",
                "CAN 2000000C [8] 00 10 04 12 00 00 00 00 ERRORFRAME \
                 controller-problem{rx-error-passive},protocol-violation{{bit-stuffing-error}{intermission}}",
            ),
            (
                "200000C0#0000000000000A0B",
                "CAN 200000C0 [8] 00 00 00 00 00 00 0A 0B ERRORFRAME \
                 bus-off,bus-error,error-counter-tx-rx{{10}{11}}",
            ),
            ("20000200#00", "CAN 20000200 [1] 00 ERRORFRAME"),
        ] {
            let f = frame(text);
            let got = line(&record(&f));
            assert_eq!(got, want, "{text}");
            // The same words as candump's line, apart from the FD flags and error words.
            let base = got
                .trim_end_matches(" BRS ESI")
                .trim_end_matches(" BRS")
                .trim_end_matches(" ESI");
            let base = base.split(" ERRORFRAME").next().unwrap();
            let cd = candump_words(&f);
            let cd = cd.split(" ERRORFRAME").next().unwrap();
            assert_eq!(&base[4..], cd, "{text}");
        }
    }

    #[test]
    fn frame_kept_for_json() {
        let f = frame("123##3AABB");
        let (_, fields) = line_len(&record(&f), 72);
        let mut got = fields.can.unwrap();
        assert_eq!(fields.proto, Some("can"));
        got.flags &= !crate::can::FD_FDF;
        assert_eq!(got, f);
        assert!(!fields.truncated);
    }

    #[test]
    fn cut_and_bad_records() {
        let rec = record(&frame("123#DEADBEEF"));
        assert_eq!(line(&rec[..10]), "CAN 123 [4] DE AD [|can]");
        assert_eq!(line(&rec[..8]), "CAN 123 [4] [|can]");
        assert_eq!(line(&rec[..3]), "CAN [|can]");
        assert_eq!(line(&[]), "CAN [|can]");
        let (l, f) = line_len(&rec[..10], 16);
        assert_eq!(l, "CAN 123 [4] DE AD [|can]");
        assert!(f.truncated && f.can.is_none());
        // A snap length that cut an FD frame: the wire length still says FD.
        let fd = record(&frame("123##0112233"));
        assert_eq!(line_len(&fd[..10], 72).0, "CAN 123 [03] 11 22 [|can]");
        let mut bad = rec.clone();
        bad[4] = 12;
        assert_eq!(line(&bad), "CAN 123 [12] [|can]");
        let mut bad = record(&frame("123##0112233"));
        bad[4] = 65;
        assert_eq!(line(&bad), "CAN 123 [65] [|can]");
        let mut xl = vec![0u8; 80];
        xl[4] = 0x80;
        assert_eq!(line(&xl), "CAN XL, length 80");
        // A remote frame's length is only requested: no data follows, nothing is cut.
        let r = record(&frame("123#R5"));
        assert_eq!(line(&r[..8]), "CAN 123 [5] remote request");
    }

    #[test]
    fn every_prefix_of_every_record_decodes() {
        for text in [
            "123#DEADBEEF",
            "123##3AABB",
            "2000000C#0010041200000000",
            "123#R",
        ] {
            let rec = record(&frame(text));
            for n in 0..=rec.len() {
                for wire in [n, rec.len(), 200] {
                    let (l, _) = line_len(&rec[..n], wire);
                    assert!(l.starts_with("CAN "), "{l}");
                }
            }
        }
    }
}
