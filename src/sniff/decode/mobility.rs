//! IPv6 mobility headers (next header 135, and 62 of the old drafts) as `tcpdump -n` 4.99
//! prints them without `-v`: `mobility: BU seq#=1000 A lifetime=14400`, `mobility: HoT nonce
//! id=0x90a`, `mobility: BE status=1 homeaddr 2001:db8::1`, `mobility: type-#8 len=0`;
//! `(header length 8 is too small for type 6) [|mobility]` when the length field is below the
//! type's minimum. Each field needs its bytes captured, else ` [|mobility]` follows what was
//! printed. Read off tcpdump's output for `tests/data/mobility.pcap` (`gen_more.py`).

use super::{Dec, be16, put_ipv6};

const NAMES: [&str; 8] = ["BRR", "HoTI", "CoTI", "HoT", "CoT", "BU", "BA", "BE"];

impl Dec<'_> {
    /// `mh` is the captured mobility header (cut to the IPv6 payload length).
    pub(super) fn mobility(&mut self, mh: &[u8]) {
        if self.mobility_body(mh).is_none() {
            self.trunc("mobility");
        }
    }

    fn mobility_body(&mut self, mh: &[u8]) -> Option<()> {
        let (hl, t) = (*mh.get(1)?, *mh.get(2)?);
        let hlen = (usize::from(hl) + 1) * 8;
        let min = match t {
            1 | 2 | 5 | 6 => 16,
            3 | 4 | 7 => 24,
            _ => 8,
        };
        if hlen < min {
            self.s("(header length ");
            self.dec(hlen as u64);
            self.s(" is too small for type ");
            self.dec(u64::from(t));
            self.s(")");
            return None;
        }
        self.s("mobility: ");
        let Some(name) = NAMES.get(usize::from(t)) else {
            self.s("type-#");
            self.dec(u64::from(t));
            self.s(" len=");
            self.dec(u64::from(hl));
            return Some(());
        };
        self.s(name);
        match t {
            3 | 4 => {
                let id = be16(mh, 6)?;
                self.s(" nonce id=0x");
                self.hex(u64::from(id));
            }
            5 => {
                let seq = be16(mh, 6)?;
                self.s(" seq#=");
                self.dec(u64::from(seq));
                let flags = be16(mh, 8)? >> 8;
                if flags & 0xf0 != 0 {
                    self.s(" ");
                }
                for (bit, c) in [(0x80, "A"), (0x40, "H"), (0x20, "L"), (0x10, "K")] {
                    if flags & bit != 0 {
                        self.s(c);
                    }
                }
                self.lifetime(mh)?;
            }
            6 => {
                let status = *mh.get(6)?;
                self.s(" status=");
                self.dec(u64::from(status));
                if *mh.get(7)? & 0x80 != 0 {
                    self.s(" K");
                }
                let seq = be16(mh, 8)?;
                self.s(" seq#=");
                self.dec(u64::from(seq));
                self.lifetime(mh)?;
            }
            7 => {
                let status = *mh.get(6)?;
                self.s(" status=");
                self.dec(u64::from(status));
                let home: [u8; 16] = mh.get(8..24)?.try_into().ok()?;
                self.s(" homeaddr ");
                put_ipv6(self.out, home);
            }
            _ => {}
        }
        Some(())
    }

    /// ` lifetime=N` from the field at offset 10, in units of 4 seconds.
    fn lifetime(&mut self, mh: &[u8]) -> Option<()> {
        let l = be16(mh, 10)?;
        self.s(" lifetime=");
        self.dec(u64::from(l) * 4);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("mobility");
    }

    #[test]
    fn message_types_flags_and_truncation() {
        let p = "IP6 2001:db8::1 > 2001:db8::2: ";
        for (i, want) in [
            (0, "mobility: BRR"),
            (4, "(header length 8 is too small for type 1) [|mobility]"),
            (14, "mobility: HoT nonce id=0x1011"),
            (32, "mobility: type-#8 len=0"),
            (88, "mobility: BU seq#=4660 AHLK lifetime=12"),
            (95, "mobility: BA status=7 K seq#=4660 lifetime=20"),
            (
                97,
                "mobility: BE status=16 homeaddr 1213:1415:1617:1819:1a1b:1c1d:1e1f:2021",
            ),
            (98, " [|mobility]"),
            (99, "mobility: BU [|mobility]"),
            (102, "mobility: BU seq#=4660 AHLK [|mobility]"),
            (105, "HBH mobility: BU seq#=4660 AHLK lifetime=12"),
        ] {
            assert_eq!(
                line_of("mobility", i),
                format!("{p}{want}"),
                "mobility.pcap {i}"
            );
        }
    }
}
