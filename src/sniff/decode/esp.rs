//! ESP in UDP (RFC 3948, UDP port 4500 either side) as `tcpdump -n` 4.99 prints it without
//! `-v`: `UDP-encap: ESP(spi=0x12345678,seq=0x1), length 28` (the UDP payload length),
//! `isakmp-nat-keep-alive` for the one-byte 0xff keepalive, ` [|isakmp_rfc3948]` when fewer
//! than 4 bytes were captured, `UDP-encap:  [|esp]` when fewer than 9. A zero "non-ESP
//! marker" (IKE follows) is not decoded here: such packets print `UDP, length N`, where
//! tcpdump prints `NONESP-encap: isakmp: ...`. Read off tcpdump's output for
//! `tests/data/espudp.pcap` (`gen_more.py`).

use super::{Dec, be32, put_hex};

/// Whether a port pair selects ESP in UDP.
pub(super) fn udp_port(sport: u16, dport: u16) -> bool {
    sport == 4500 || dport == 4500
}

impl Dec<'_> {
    /// `msg` is the captured UDP payload, `length` its length on the wire. False for the
    /// non-ESP marker, which the caller prints as plain UDP.
    pub(super) fn esp_udp(&mut self, msg: &[u8], length: usize) -> bool {
        if length == 1 && msg.first() == Some(&0xff) {
            self.s("isakmp-nat-keep-alive");
            return true;
        }
        let Some(spi) = be32(msg, 0) else {
            self.trunc("isakmp_rfc3948");
            return true;
        };
        if spi == 0 {
            return false;
        }
        self.s("UDP-encap: ");
        // tcpdump wants a byte past the sequence number too.
        let (Some(seq), true) = (be32(msg, 4), msg.len() > 8) else {
            self.trunc("esp");
            return true;
        };
        self.s("ESP(spi=0x");
        put_hex(self.out, spi, 8);
        self.s(",seq=0x");
        self.hex(u64::from(seq));
        self.s("), length ");
        self.dec(length as u64);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("espudp");
    }

    #[test]
    fn spi_and_sequence() {
        assert_eq!(
            line_of("espudp", 0),
            "IP 10.0.0.1.4500 > 10.0.0.2.4500: UDP-encap: ESP(spi=0x12345678,seq=0x1), length 28"
        );
    }
}
