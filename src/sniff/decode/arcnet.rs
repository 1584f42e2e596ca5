//! Linux ARCnet captures (link type 129) as `tcpdump -n` 4.99 prints them: the network
//! protocol's line alone (`IP ...`, `IP6 ...`, `ARP, ...`) for RFC 1051 ids (0xf0 IP, 0xf1
//! ARP, 5-byte header) and RFC 1201 ids (0xd4 IP, 0xc4 IPv6, 0xd5 ARP, 8-byte header with split
//! flag and sequence number, whatever the flag); ` [|arcnet_linux]` when the header is cut;
//! an empty line and the bytes after the 8-byte header in hex for other ids (also those tcpdump
//! names but we do not decode: RARP, AppleTalk, IPX). With `-e`: `src dst byte2 length: `
//! (`be 50 ab 89: `), as tcpdump prints for the public captures. Read off tcpdump's output for
//! `tests/data/arcnet.pcap` (`gen_more.py`) and the public `arcnet-*.pcap` captures.

use super::{Dec, put_hex};

impl Dec<'_> {
    pub(super) fn arcnet(&mut self, data: &[u8], wire: usize) {
        let Some(&proto) = data.get(4) else {
            self.trunc("arcnet_linux");
            return;
        };
        let hlen = if matches!(proto, 0xf0 | 0xf1) { 5 } else { 8 };
        if data.len() < hlen {
            self.trunc("arcnet_linux");
            return;
        }
        if self.eflag {
            for &b in &data[..3] {
                put_hex(self.out, u32::from(b), 2);
                self.s(" ");
            }
            self.dec(wire as u64);
            self.s(": ");
        }
        self.f.net_off = hlen;
        let (rest, wire) = (&data[hlen..], wire.saturating_sub(hlen));
        match proto {
            0xf0 | 0xd4 => self.ip4(rest, wire),
            0xc4 => self.ip6(rest, wire),
            0xf1 | 0xd5 => self.arp(rest, wire),
            _ => {
                if !rest.is_empty() {
                    self.f.payload_hex = Some(hlen);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::expected_file_matches;

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("arcnet");
    }
}
