//! PTP (IEEE 1588: ethertype 0x88f7, UDP ports 319/320) as `tcpdump -n` 4.99 prints it
//! without `-v`. Version 2 gets tcpdump's long one-line form, every header field then the
//! message type's body: `PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain :
//! 0, reserved1 : 0, Flags [two step], NS correction : 0, ..., originTimeStamp : 0 seconds,
//! 0 nanoseconds`; version 1 is `PTPv1 (not implemented)`, others just `PTPvN`. A message
//! shorter than the 34-byte header is ` [length N < 34] (invalid)`; each field needs its
//! bytes captured, else ` [|ptp]` follows what was printed. Quirks kept: the announce
//! timestamp without a comma, `origin cur utc :N` without a space, and the management
//! message printing the byte at offset 34 four times (`, , start boundary hops  N, ...`).
//! Read off tcpdump's output for `tests/data/ptp.pcap` (`gen_more.py`).

use super::{Dec, be16, be32, be64};

/// Whether a port pair selects PTP (event and general messages).
pub(super) fn udp_port(sport: u16, dport: u16) -> bool {
    matches!(sport, 319 | 320) || matches!(dport, 319 | 320)
}

const MSG_TYPES: [&str; 16] = [
    "sync msg",
    "delay req msg",
    "peer delay req msg",
    "peer delay resp msg",
    "Reserved",
    "Reserved",
    "Reserved",
    "Reserved",
    "follow up msg",
    "delay resp msg",
    "pdelay resp fup msg",
    "announce msg",
    "signalling msg",
    "management msg",
    "Reserved",
    "Reserved",
];

/// Flag names in tcpdump's order; the last one is a multi-bit value.
const FLAGS: [(u16, &str); 13] = [
    (0x0001, "l1 61"),
    (0x0002, "l1 59"),
    (0x0004, "utc reasonable"),
    (0x0008, "timescale"),
    (0x0010, "time tracable"),
    (0x0020, "frequency tracable"),
    (0x0100, "alternate master"),
    (0x0200, "two step"),
    (0x0400, "unicast"),
    (0x1000, "profile specific 1"),
    (0x2000, "profile specific 2"),
    (0x4000, "security mask"),
    (0x18c0, "unknown"),
];

fn be48(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 6)?;
    Some(s.iter().fold(0u64, |v, &x| v << 8 | u64::from(x)))
}

impl Dec<'_> {
    /// `msg` is the captured message, `length` its length on the wire.
    pub(super) fn ptp(&mut self, msg: &[u8], length: usize) {
        if length < 34 {
            self.s(" [length ");
            self.dec(length as u64);
            self.s(" < 34] (invalid)");
            self.f.truncated = true;
            return;
        }
        if self.ptp_body(msg).is_none() {
            self.trunc("ptp");
        }
    }

    fn ptp_body(&mut self, m: &[u8]) -> Option<()> {
        let (b0, ver) = (*m.first()?, *m.get(1)?);
        self.s("PTPv");
        self.dec(u64::from(ver));
        match ver {
            1 => {
                self.s(" (not implemented)");
                return Some(());
            }
            2 => {}
            _ => return Some(()),
        }
        let mt = b0 & 15;
        self.s(", v1 compat : ");
        self.s(if b0 & 0x10 != 0 { "yes" } else { "no" });
        self.s(", msg type : ");
        self.s(MSG_TYPES[usize::from(mt)]);
        self.field(", length : ", u64::from(be16(m, 2)?));
        let (dom, r1) = (*m.get(4)?, *m.get(5)?);
        self.field(", domain : ", u64::from(dom));
        self.field(", reserved1 : ", u64::from(r1));
        let flags = be16(m, 6)?;
        self.s(", Flags [");
        let mut any = false;
        for (bit, name) in FLAGS {
            if flags & bit == bit {
                if any {
                    self.s(", ");
                }
                any = true;
                self.s(name);
            }
        }
        if !any {
            self.s("none");
        }
        self.s("]");
        self.field(", NS correction : ", be48(m, 8)?);
        self.field(", sub NS correction : ", u64::from(be16(m, 14)?));
        self.field(", reserved2 : ", u64::from(be32(m, 16)?));
        self.label_hex(", clock identity : 0x", be64(m, 20)?);
        self.field(", port id : ", u64::from(be16(m, 28)?));
        self.field(", seq id : ", u64::from(be16(m, 30)?));
        let ctrl = *m.get(32)?;
        self.field(", control : ", u64::from(ctrl));
        self.s(match ctrl {
            0 => " (Sync)",
            1 => " (Delay_Req)",
            2 => " (Follow_Up)",
            3 => " (Delay_Resp)",
            4 => " (Management)",
            5 => " (Other)",
            _ => " (Reserved)",
        });
        self.field(", log message interval : ", u64::from(*m.get(33)?));
        match mt {
            0 | 1 => self.ptp_timestamp(m, ", originTimeStamp :"),
            8 => self.ptp_timestamp(m, ", preciseOriginTimeStamp :"),
            2 | 10 => {
                self.ptp_timestamp(m, ", preciseOriginTimeStamp :")?;
                self.ptp_port(m, 44)
            }
            3 | 9 => {
                self.ptp_timestamp(m, ", receiveTimeStamp :")?;
                self.ptp_port(m, 44)
            }
            11 => self.ptp_announce(m),
            12 => self.ptp_port(m, 34),
            13 => {
                self.ptp_port(m, 34)?;
                let b = u64::from(*m.get(34)?);
                self.field(", , start boundary hops  ", b);
                self.field(", , boundary hops  ", b);
                self.label_hex(", , flags  0x", b);
                self.label_hex(", , reserved  0x", b);
                Some(())
            }
            _ => Some(()),
        }
    }

    fn field(&mut self, label: &str, v: u64) {
        self.s(label);
        self.dec(v);
    }

    fn ptp_timestamp(&mut self, m: &[u8], label: &str) -> Option<()> {
        self.s(label);
        self.field(" ", be48(m, 34)?);
        self.s(" seconds,");
        self.field(" ", u64::from(be32(m, 40)?));
        self.s(" nanoseconds");
        Some(())
    }

    fn ptp_port(&mut self, m: &[u8], at: usize) -> Option<()> {
        self.label_hex(", port identity : 0x", be64(m, at)?);
        self.field(", port id : ", u64::from(be16(m, at + 8)?));
        Some(())
    }

    fn ptp_announce(&mut self, m: &[u8]) -> Option<()> {
        self.s(", originTimeStamp :");
        self.field(" ", be48(m, 34)?);
        self.s(" seconds");
        self.field(" ", u64::from(be32(m, 40)?));
        self.s(" nanoseconds");
        self.field(", origin cur utc :", u64::from(be16(m, 44)?));
        self.field(", rsvd : ", u64::from(*m.get(46)?));
        self.field(", gm priority_1 : ", u64::from(*m.get(47)?));
        self.field(", gm clock class : ", u64::from(*m.get(48)?));
        self.field(", gm clock accuracy : ", u64::from(*m.get(49)?));
        self.field(", gm clock variance : ", u64::from(be16(m, 50)?));
        self.field(", gm priority_2 : ", u64::from(*m.get(52)?));
        self.label_hex(", gm clock id : 0x", be64(m, 53)?);
        self.field(", steps removed : ", u64::from(be16(m, 61)?));
        self.label_hex(", time source : 0x", u64::from(*m.get(63)?));
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("ptp");
    }

    #[test]
    fn versions_flags_bodies_and_truncation() {
        let hdr = "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 3, \
                   reserved1 : 5, Flags [none], NS correction : 19088743, sub NS correction : \
                   35516, reserved2 : 7, clock identity : 0x102030405060708, port id : 9, \
                   seq id : 10, control : 0 (Sync), log message interval : 254";
        let ts = ", originTimeStamp : 70649028756549 seconds, 1179076681 nanoseconds";
        assert_eq!(line_of("ptp", 0), format!("{hdr}{ts}"));
        assert_eq!(line_of("ptp", 16), "PTPv0");
        assert_eq!(line_of("ptp", 17), "PTPv1 (not implemented)");
        assert_eq!(line_of("ptp", 378), " [length 20 < 34] (invalid)");
        assert_eq!(line_of("ptp", 404), " [|ptp]");
        assert_eq!(
            line_of("ptp", 406),
            "PTPv2, v1 compat : no, msg type : sync msg [|ptp]"
        );
        assert_eq!(
            line_of("ptp", 438),
            format!("{hdr}, originTimeStamp : [|ptp]")
        );
        assert_eq!(
            line_of("ptp", 444),
            format!("{hdr}, originTimeStamp : 70649028756549 seconds, [|ptp]")
        );
        let all = line_of("ptp", 355);
        assert!(
            all.contains(
                "Flags [l1 61, l1 59, utc reasonable, timescale, time tracable, frequency \
                 tracable, alternate master, two step, unicast, profile specific 1, profile \
                 specific 2, security mask, unknown]"
            ),
            "{all}"
        );
        assert_eq!(
            line_of("ptp", 385),
            "IP 10.0.0.1.40000 > 10.0.0.2.319:  [length 33 < 34] (invalid)"
        );
    }
}
