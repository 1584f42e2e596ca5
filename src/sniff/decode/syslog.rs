//! Syslog (UDP port 514, either side) as `tcpdump -n` 4.99 prints it without `-v`:
//! `SYSLOG user.notice, length: 9` from the `<PRI>` prefix (facility `PRI / 8`, severity
//! `PRI % 8`; facilities past 23 are `unknown (24)`) and the UDP payload length. The prefix
//! is `<`, at most three digits (none counts as 0), `>`: anything else is ` (invalid)`, a cut
//! prefix ` [|syslog]`. Read off tcpdump's output for `tests/data/syslog.pcap`
//! (`gen_more.py`).

use super::Dec;

/// Whether a port pair selects syslog.
pub(super) fn udp_port(sport: u16, dport: u16) -> bool {
    sport == 514 || dport == 514
}

const FACILITIES: [&str; 24] = [
    "kernel", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "cron", "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7",
];

const SEVERITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug",
];

impl Dec<'_> {
    /// `msg` is the captured UDP payload, `length` its length on the wire.
    pub(super) fn syslog_udp(&mut self, msg: &[u8], length: usize) {
        let mut pri = 0usize;
        let mut at = 0;
        loop {
            let Some(&c) = msg.get(at) else {
                self.trunc("syslog");
                return;
            };
            match (at, c) {
                (0, b'<') => {}
                (1..=4, b'>') if at > 0 => break,
                (1..=3, b'0'..=b'9') => pri = pri * 10 + usize::from(c - b'0'),
                _ => {
                    self.s(" (invalid)");
                    self.f.truncated = true;
                    return;
                }
            }
            at += 1;
        }
        self.s("SYSLOG ");
        match FACILITIES.get(pri / 8) {
            Some(f) => self.s(f),
            None => {
                self.s("unknown (");
                self.dec((pri / 8) as u64);
                self.s(")");
            }
        }
        self.s(".");
        self.s(SEVERITIES[pri % 8]);
        self.s(", length: ");
        self.dec(length as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("syslog");
    }

    #[test]
    fn priorities() {
        let u = "IP 10.0.0.1.40000 > 10.0.0.2.514: ";
        for (i, want) in [
            (0, format!("{u}SYSLOG kernel.emergency, length: 4")),
            (24, format!("{u}SYSLOG unknown (24).emergency, length: 6")),
            (30, format!("{u}SYSLOG user.notice, length: 5")),
        ] {
            assert_eq!(line_of("syslog", i), want, "syslog.pcap packet {i}");
        }
    }
}
