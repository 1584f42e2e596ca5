//! Port lists as `connect -z` takes them: `22`, `20-25,80,443`, `1-65535`, service names
//! (`ssh,http`). Parsed into a sorted set so the scan runs, and prints, in ascending order.

use std::fmt;

use super::addr::Port;

/// One comma-separated item of a port list, before service names are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortItem {
    /// An inclusive range; a single port is `Range(p, p)`.
    Range(u16, u16),
    /// A service name from /etc/services, looked up by the caller.
    Service(String),
}

/// A malformed port list, naming the bad item and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortListError {
    pub item: String,
    pub why: &'static str,
}

impl fmt::Display for PortListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid port '{}': {}", self.item, self.why)
    }
}

impl std::error::Error for PortListError {}

/// Split `20-25,80,http` into items. Ports are 1-65535 (port 0 cannot be connected to);
/// ranges are `LO-HI` with LO <= HI; whitespace around items is ignored.
pub fn parse_list(s: &str) -> Result<Vec<PortItem>, PortListError> {
    let err = |item: &str, why| PortListError {
        item: item.to_string(),
        why,
    };
    if s.trim().is_empty() {
        return Err(err(s, "empty port list (expected e.g. 1-1024,8080)"));
    }
    s.split(',')
        .map(|raw| {
            let item = raw.trim();
            if item.is_empty() {
                return Err(err(s, "empty item in the port list"));
            }
            if let Some((lo, hi)) = item.split_once('-')
                && (is_number(lo) || is_number(hi))
            {
                let (lo, hi) = (number(lo), number(hi));
                return match (lo, hi) {
                    (Some(lo), Some(hi)) if lo > hi => {
                        Err(err(item, "range start is above its end"))
                    }
                    (Some(lo), Some(hi)) => Ok(PortItem::Range(lo, hi)),
                    _ => Err(err(item, "expected a range LO-HI of ports 1-65535")),
                };
            }
            // A single item is a port as everywhere else: a number or a service name.
            match Port::parse(item) {
                Ok(Port::Number(0)) => Err(err(item, "ports are 1-65535")),
                Ok(Port::Number(p)) => Ok(PortItem::Range(p, p)),
                Ok(Port::Service(name)) => Ok(PortItem::Service(name)),
                Err(_) if is_number(item) => Err(err(item, "ports are 1-65535")),
                Err(_) => Err(err(
                    item,
                    "expected a port, a range LO-HI or a service name",
                )),
            }
        })
        .collect()
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A port 1-65535 from decimal digits; `None` for 0, overflow or anything else.
fn number(s: &str) -> Option<u16> {
    if !is_number(s) {
        return None;
    }
    s.parse::<u16>().ok().filter(|&p| p != 0)
}

/// A set of ports, iterated in ascending order, each once.
#[derive(Clone, PartialEq, Eq)]
pub struct PortSet {
    bits: Box<[u64; 1024]>,
    len: usize,
}

impl PortSet {
    pub fn new() -> PortSet {
        PortSet {
            bits: Box::new([0; 1024]),
            len: 0,
        }
    }

    pub fn insert_range(&mut self, lo: u16, hi: u16) {
        for p in lo..=hi {
            let (w, b) = (usize::from(p / 64), p % 64);
            if self.bits[w] & (1 << b) == 0 {
                self.bits[w] |= 1 << b;
                self.len += 1;
            }
        }
    }

    /// The ports in ascending order.
    pub fn to_vec(&self) -> Vec<u16> {
        let mut out = Vec::with_capacity(self.len);
        for (w, &word) in self.bits.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let b = word.trailing_zeros() as u16;
                out.push(w as u16 * 64 + b);
                word &= word - 1;
            }
        }
        out
    }
}

impl Default for PortSet {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PortItem::*;

    #[test]
    fn parses_ports_ranges_and_services() {
        assert_eq!(parse_list("22"), Ok(vec![Range(22, 22)]));
        assert_eq!(
            parse_list("20-25,80, 443 ,ssh"),
            Ok(vec![
                Range(20, 25),
                Range(80, 80),
                Range(443, 443),
                Service("ssh".into())
            ])
        );
        assert_eq!(parse_list("1-65535"), Ok(vec![Range(1, 65535)]));
        assert_eq!(parse_list("7-7"), Ok(vec![Range(7, 7)]));
        assert_eq!(
            parse_list("x11-ssh,http-alt"),
            Ok(vec![Service("x11-ssh".into()), Service("http-alt".into())])
        );
    }

    #[test]
    fn rejects_bad_items_naming_them() {
        let bad = |s: &str, item: &str| {
            let e = parse_list(s).unwrap_err();
            assert_eq!(e.item, item, "{s}: {e}");
            assert!(e.to_string().contains(&format!("'{item}'")), "{e}");
        };
        bad("90-80", "90-80");
        bad("0", "0");
        bad("70000", "70000");
        bad("65536", "65536");
        bad("1-2-3", "1-2-3");
        bad("1-70000", "1-70000");
        bad("0-10", "0-10");
        bad("80,-5", "-5");
        bad("5-", "5-");
        bad("22,,80", "22,,80");
        bad("22,", "22,");
        bad("", "");
        bad("a b", "a b");
        bad("80;81", "80;81");
        bad("-ssh", "-ssh");
        bad("99999999999999999999", "99999999999999999999");
    }

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let mut s = PortSet::new();
        s.insert_range(8080, 8080);
        s.insert_range(20, 25);
        s.insert_range(22, 23);
        s.insert_range(65535, 65535);
        s.insert_range(1, 1);
        assert_eq!(s.to_vec(), vec![1, 20, 21, 22, 23, 24, 25, 8080, 65535]);
        let mut all = PortSet::new();
        all.insert_range(1, 65535);
        assert_eq!(all.to_vec().len(), 65535);
        assert_eq!(all.to_vec()[65534], 65535);
        assert!(PortSet::new().to_vec().is_empty());
    }
}
