//! VXLAN (UDP port 4789) and Geneve (UDP port 6081), either port, as `tcpdump -n` 4.99
//! prints them without `-v`, followed by the encapsulated packet:
//! - `VXLAN, flags [I] (0x08), vni 5001` (`[invalid]` without the I bit), then a new line
//!   with the inner Ethernet frame; `VXLAN (invalid)` when the UDP payload is shorter than
//!   the 8-byte header, ` [|vxlan]` after what was printed when it was cut;
//! - `Geneve, Flags [OC], vni 0x1389, rsvd 0x12, options [8 bytes]: ` (the reserved bits
//!   `R1`..`R6`, `[none]`; `rsvd` and `options` only when not zero) then the payload by its
//!   protocol type on the same line: Ethernet, IPv4, IPv6, ARP, PTP, else
//!   `geneve-proto-0x1234`. `Geneve [length 5 < 8] (invalid)`, `Geneve ERROR:
//!   unknown-version 1`, ` truncated-geneve - N bytes missing` when the options run past
//!   the UDP length, ` [|geneve]` when cut. With `-e`, `, proto TEB (0x6558)` follows the
//!   VNI (and `rsvd`).
//!
//! Either way, an inner Ethernet frame captured longer than the UDP length leaves for it
//! prints `[length 14 < caplen 46] (invalid)` (an inner IP packet would be `IP truncated-ip
//! 14`, which we do not print). The inner headers do not change the JSON fields
//! (those stay the outer packet's), except that a cut inner packet marks it truncated.
//! Read off tcpdump's output for `tests/data/tunnel.pcap` (written by `gen_more.py`).

use super::{Dec, be16, be32, put_hex};

/// Which of the two a port pair selects.
pub(super) fn udp_port(sport: u16, dport: u16) -> Option<bool> {
    let is = |p: u16| sport == p || dport == p;
    if is(4789) {
        Some(true)
    } else if is(6081) {
        Some(false)
    } else {
        None
    }
}

impl Dec<'_> {
    /// `msg` is the captured UDP payload, `length` its length on the wire.
    pub(super) fn tunnel_udp(&mut self, vxlan: bool, msg: &[u8], length: usize) {
        if vxlan {
            self.vxlan(msg, length);
        } else {
            self.geneve(msg, length);
        }
    }

    fn vxlan(&mut self, msg: &[u8], length: usize) {
        self.s("VXLAN");
        if length < 8 {
            self.s(" (invalid)");
            self.f.truncated = true;
            return;
        }
        let Some(&flags) = msg.first() else {
            self.trunc("vxlan");
            return;
        };
        self.s(", flags [");
        self.s(if flags & 8 != 0 { "I" } else { "invalid" });
        self.s("] (0x");
        put_hex(self.out, u32::from(flags), 2);
        self.s("), ");
        let Some(vni) = be32(msg, 3) else {
            self.trunc("vxlan");
            return;
        };
        self.s("vni ");
        self.dec(u64::from(vni & 0xff_ffff));
        self.s("\n");
        let Some(inner) = msg.get(8..) else {
            self.trunc("vxlan");
            return;
        };
        self.inner(0x6558, inner, length - 8);
    }

    fn geneve(&mut self, msg: &[u8], length: usize) {
        self.s("Geneve");
        if length < 8 {
            self.s(" [length ");
            self.dec(length as u64);
            self.s(" < 8] (invalid)");
            self.f.truncated = true;
            return;
        }
        let (Some(word), Some(vni)) = (be32(msg, 0), be32(msg, 4)) else {
            self.trunc("geneve");
            return;
        };
        let version = word >> 30;
        if version != 0 {
            self.s(" ERROR: unknown-version ");
            self.dec(u64::from(version));
            self.f.truncated = true;
            return;
        }
        let opts = ((word >> 24) & 0x3f) as usize * 4;
        let flags = (word >> 16) as u8;
        self.s(", Flags [");
        if flags == 0 {
            self.s("none");
        }
        for (bit, name) in ["O", "C", "R1", "R2", "R3", "R4", "R5", "R6"]
            .iter()
            .enumerate()
        {
            if flags & (0x80 >> bit) != 0 {
                self.s(name);
            }
        }
        self.s("], vni ");
        self.label_hex("0x", u64::from(vni >> 8));
        if vni & 0xff != 0 {
            self.s(", rsvd ");
            self.label_hex("0x", u64::from(vni & 0xff));
        }
        let proto = be16(msg, 2).unwrap_or(0);
        if self.eflag {
            self.s(", proto ");
            self.s(match proto {
                0x6558 => "TEB",
                0x0800 => "IPv4",
                0x86dd => "IPv6",
                0x0806 => "ARP",
                0x88f7 => "PTP",
                _ => "unknown",
            });
            self.s(" (");
            self.hex04(proto);
            self.s(")");
        }
        let head = 8 + opts;
        if head > length {
            self.s(" truncated-geneve - ");
            self.dec((head - length) as u64);
            self.s(" bytes missing");
            self.f.truncated = true;
            return;
        }
        let Some(inner) = msg.get(head..) else {
            self.trunc("geneve");
            return;
        };
        if opts > 0 {
            self.s(", options [");
            self.dec(opts as u64);
            self.s(" bytes]");
        }
        self.s(": ");
        self.inner(proto, inner, length - head);
    }

    /// The encapsulated packet (`proto` 0x6558 is Ethernet), decoded as a packet of its own:
    /// the outer packet's fields are kept.
    fn inner(&mut self, proto: u16, data: &[u8], wire: usize) {
        if proto == 0x6558 && data.len() > wire {
            self.s("[length ");
            self.dec(wire as u64);
            self.s(" < caplen ");
            self.dec(data.len() as u64);
            self.s("] (invalid)");
            self.f.truncated = true;
            return;
        }
        if !matches!(proto, 0x6558 | 0x0800 | 0x86dd | 0x0806 | 0x88f7) {
            self.s("geneve-proto-");
            self.label_hex("0x", u64::from(proto));
            return;
        }
        let outer = self.f;
        let (addrs_done, frag) = (self.addrs_done, self.frag);
        self.addrs_done = false;
        self.frag = false;
        if proto == 0x6558 {
            self.ether(data, wire);
        } else {
            self.net(proto, data, wire);
        }
        let truncated = self.f.truncated;
        self.f = outer;
        self.f.truncated |= truncated;
        self.addrs_done = addrs_done;
        self.frag = frag;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("tunnel");
    }

    #[test]
    fn outer_summary_then_inner_packet() {
        let u = "IP 10.0.0.1.40000 > 10.0.0.2.";
        let inner = "IP 192.168.1.1.1000 > 192.168.1.2.2000: UDP, length 4";
        for (i, want) in [
            (
                0,
                format!("{u}4789: VXLAN, flags [I] (0x08), vni 5001\n{inner}"),
            ),
            (
                1,
                format!("{u}4789: VXLAN, flags [invalid] (0x00), vni 5001\n{inner}"),
            ),
        ] {
            assert_eq!(line_of("tunnel", i), want, "tunnel.pcap packet {i}");
        }
    }
}
