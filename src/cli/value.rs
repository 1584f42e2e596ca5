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

/// `can send --every`: a duration the kernel's broadcast manager can keep, more than 0, in
/// whole microseconds (its timers take a `struct timeval`), at most 400 days (its limit).
pub fn bcm_interval(s: &str) -> Result<Duration, String> {
    let d = duration(s)?;
    if d.is_zero() {
        return Err(format!("interval '{s}' must be more than 0"));
    }
    if d.subsec_nanos() % 1000 != 0 {
        return Err(format!(
            "interval '{s}' is not a whole number of microseconds (the BCM's resolution)"
        ));
    }
    if d > crate::sys::can_bcm::MAX_INTERVAL {
        return Err(format!("interval '{s}' is over 400 days (the BCM's limit)"));
    }
    Ok(d)
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
    fn bcm_intervals() {
        assert_eq!(bcm_interval("10ms"), Ok(Duration::from_millis(10)));
        assert_eq!(bcm_interval("1us"), Ok(Duration::from_micros(1)));
        assert_eq!(
            bcm_interval("400days"),
            Ok(Duration::from_secs(400 * 86400))
        );
        assert!(bcm_interval("0").unwrap_err().contains("more than 0"));
        assert!(bcm_interval("0ms").unwrap_err().contains("more than 0"));
        assert!(bcm_interval("1500ns").unwrap_err().contains("microseconds"));
        assert!(bcm_interval("401days").unwrap_err().contains("400 days"));
        assert!(bcm_interval("soon").unwrap_err().contains("'soon'"));
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
