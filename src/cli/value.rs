//! Flag values parsed into types, so bad input fails at parse time with a message naming it.

use std::time::Duration;

pub use crate::sock::cidr::Cidr;

/// An address block for --allow/--deny: `10.0.0.0/8`, `fd00::/8` or one address.
pub fn cidr(s: &str) -> Result<Cidr, String> {
    s.parse()
}

/// A duration as humantime (`500ms`, `5s`, `1m30s`); a bare number means seconds (`2.5`).
pub fn duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return Err(format!("invalid duration '{s}': must not be negative"));
        }
        return Duration::try_from_secs_f64(secs)
            .map_err(|e| format!("invalid duration '{s}': {e}"));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("invalid duration '{s}': {e} (e.g. 500ms, 5s, 1m30s)"))
}

/// A byte count for socket buffers: a number with an optional `k`/`m` (KiB/MiB) suffix.
pub fn bytes(s: &str) -> Result<usize, String> {
    let lower = s.trim().to_ascii_lowercase();
    let (num, mult) = match lower.strip_suffix(['k', 'm']) {
        Some(n) if lower.ends_with('k') => (n, 1024),
        Some(n) => (n, 1024 * 1024),
        None => (lower.as_str(), 1),
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0 && n <= i32::MAX as usize)
        .ok_or_else(|| format!("invalid size '{s}': expected bytes like 65536, 64k or 1m"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("1m30s"), Ok(Duration::from_secs(90)));
        assert!(duration("-1").unwrap_err().contains("'-1'"));
        assert!(duration("soon").unwrap_err().contains("'soon'"));
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes("65536"), Ok(65536));
        assert_eq!(bytes("64k"), Ok(65536));
        assert_eq!(bytes("1M"), Ok(1 << 20));
        assert!(bytes("0").is_err());
        assert!(bytes("lots").is_err());
    }
}
