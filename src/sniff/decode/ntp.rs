//! NTP (UDP port 123) summaries as `tcpdump -n` 4.99 prints them without `-v`:
//! `NTPv4, Client, length 48`: the version and mode from the first byte, whatever the mode
//! (control messages and mode 7 too), and the UDP payload length; ` [|ntp]` when not even
//! the first byte was captured. Read off tcpdump's output for `tests/data/ntp.pcap`
//! (written by `tests/data/gen_more.py`).

use super::Dec;

/// Whether a port pair selects NTP (BOOTP's ports take precedence, as in tcpdump).
pub(super) fn udp_port(sport: u16, dport: u16) -> bool {
    let is = |p: u16| sport == p || dport == p;
    is(123) && !is(67) && !is(68)
}

const MODES: [&str; 8] = [
    "unspecified",
    "symmetric active",
    "symmetric passive",
    "Client",
    "Server",
    "Broadcast",
    "Control Message",
    "Reserved",
];

impl Dec<'_> {
    /// `msg` is the captured UDP payload, `length` its length on the wire.
    pub(super) fn ntp_udp(&mut self, msg: &[u8], length: usize) {
        let Some(&b) = msg.first() else {
            self.trunc("ntp");
            return;
        };
        self.s("NTPv");
        self.dec(u64::from((b >> 3) & 7));
        self.s(", ");
        self.s(MODES[usize::from(b & 7)]);
        self.s(", length ");
        self.dec(length as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("ntp");
    }

    #[test]
    fn versions_modes_and_truncation() {
        for (i, want) in [
            (
                0,
                "IP 10.0.0.1.40000 > 10.0.0.2.123: NTPv0, unspecified, length 48",
            ),
            (
                35,
                "IP 10.0.0.1.40000 > 10.0.0.2.123: NTPv4, Client, length 48",
            ),
            (
                36,
                "IP 10.0.0.1.40000 > 10.0.0.2.123: NTPv4, Server, length 48",
            ),
            (
                38,
                "IP 10.0.0.1.40000 > 10.0.0.2.123: NTPv4, Control Message, length 48",
            ),
            (
                63,
                "IP 10.0.0.1.40000 > 10.0.0.2.123: NTPv7, Reserved, length 48",
            ),
            (64, "IP 10.0.0.1.123 > 10.0.0.2.40000:  [|ntp]"),
            (
                65,
                "IP 10.0.0.1.123 > 10.0.0.2.40000: NTPv4, Client, length 1",
            ),
        ] {
            assert_eq!(line_of("ntp", i), want, "ntp.pcap packet {i}");
        }
    }
}
