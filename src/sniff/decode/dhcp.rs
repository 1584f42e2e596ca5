//! BOOTP/DHCP (UDP 67/68) and DHCPv6 (UDP 546/547) summaries as `tcpdump -n` 4.99 prints
//! them without `-v` (formats read off tcpdump's output for crafted packets):
//! `BOOTP/DHCP, Request from 02:00:00:00:00:01, length 300`, `BOOTP/DHCP, Reply, length
//! 300`, `BOOTP/DHCP, unknown (0x03), length N`; `dhcp6 solicit`, `dhcp6 msgtype-16`.

use super::{Dec, put_hex, put_mac};

impl Dec<'_> {
    /// Prints the summary when a port selects BOOTP or DHCPv6; false otherwise.
    /// `length` is the UDP payload length.
    pub(super) fn dhcp_udp(&mut self, sport: u16, dport: u16, msg: &[u8], length: usize) -> bool {
        let is = |p: u16| sport == p || dport == p;
        if is(67) || is(68) {
            self.bootp(msg, length);
        } else if is(546) || is(547) {
            self.s("dhcp6");
            let Some(&t) = msg.get(..4).and_then(|h| h.first()) else {
                self.trunc("dhcp6");
                return true;
            };
            self.s(" ");
            const NAMES: [&str; 16] = [
                "",
                "solicit",
                "advertise",
                "request",
                "confirm",
                "renew",
                "rebind",
                "reply",
                "release",
                "decline",
                "reconfigure",
                "inf-req",
                "relay-fwd",
                "relay-reply",
                "leasequery",
                "leasequery-reply",
            ];
            match NAMES.get(usize::from(t)).filter(|n| !n.is_empty()) {
                Some(n) => self.s(n),
                None => {
                    self.s("msgtype-");
                    self.dec(u64::from(t));
                }
            }
        } else {
            return false;
        }
        true
    }

    fn bootp(&mut self, msg: &[u8], length: usize) {
        let Some(&op) = msg.first() else {
            self.trunc("bootp");
            return;
        };
        self.s("BOOTP/DHCP, ");
        match op {
            1 => {
                self.s("Request");
                let (Some(&htype), Some(&hlen)) = (msg.get(1), msg.get(2)) else {
                    self.trunc("bootp");
                    return;
                };
                if htype == 1 && hlen == 6 {
                    let Some(mac) = msg.get(28..34) else {
                        self.trunc("bootp");
                        return;
                    };
                    self.s(" from ");
                    put_mac(self.out, mac);
                }
            }
            2 => self.s("Reply"),
            _ => {
                self.s("unknown (0x");
                put_hex(self.out, u32::from(op), 2);
                self.s(")");
            }
        }
        // tcpdump reads op, htype and hlen before printing the length (and the client
        // address of an Ethernet request, above), not the rest of the fixed header.
        if msg.len() < 3 {
            self.trunc("bootp");
            return;
        }
        self.s(", length ");
        self.dec(length as u64);
    }
}
