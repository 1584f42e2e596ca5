//! Address blocks for `--allow`/`--deny`: `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32
//! or /128). An IPv4 client reaching a dual-stack listener arrives as `::ffff:a.b.c.d` and is
//! matched as the IPv4 address it is.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `bits` bits of `a` and `b` agree.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = |why: &str| format!("invalid CIDR '{s}': {why}");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad("not an IPv4 or IPv6 address"))?;
        let net = net.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= max)
                .ok_or_else(|| bad(&format!("prefix length must be 0-{max}")))?,
        };
        Ok(Cidr { net, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// Parse an allow/deny file: one CIDR per line, blank lines and `#` comments ignored. Errors
/// name the line.
pub fn parse_list(text: &str) -> Result<Vec<Cidr>, String> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.split('#').next().unwrap_or("").trim();
            (!line.is_empty()).then(|| line.parse().map_err(|e| format!("line {}: {e}", i + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn matches_prefixes() {
        assert!(c("10.0.0.0/8").contains(ip("10.255.1.2")));
        assert!(!c("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(c("192.168.1.128/25").contains(ip("192.168.1.200")));
        assert!(!c("192.168.1.128/25").contains(ip("192.168.1.100")));
        assert!(c("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(!c("0.0.0.0/0").contains(ip("::1")));
        assert!(c("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!c("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(c("fd00::/8").contains(ip("fdab::1")));
        assert!(!c("fd00::/8").contains(ip("fe80::1")));
        assert!(c("::1").contains(ip("::1")));
        assert!(c("[::1]/128").contains(ip("::1")));
    }

    #[test]
    fn mapped_v4_is_v4() {
        assert!(c("127.0.0.0/8").contains(ip("::ffff:127.0.0.1")));
        assert!(c("::ffff:10.0.0.0/8").contains(ip("10.1.2.3")));
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "x",
            "10.0.0.0/-1",
            "10.0.0.0/",
        ] {
            let e = bad.parse::<Cidr>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn list_files() {
        let l = parse_list("# trusted\n10.0.0.0/8\n\n  ::1 # loopback\n").unwrap();
        assert_eq!(l, vec![c("10.0.0.0/8"), c("::1")]);
        assert!(
            parse_list("1.2.3.4\nnope\n")
                .unwrap_err()
                .starts_with("line 2:")
        );
    }
}
