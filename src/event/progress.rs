//! `--progress`: bytes moved each way and the rate, on stderr (never stdout). On a terminal
//! one line is redrawn in place every [`TERMINAL_EVERY`]; otherwise (a file, a pipe, a log)
//! one line is appended every [`LOG_EVERY`]. The last line, printed when the session ends
//! however it ends, has the exact byte counts:
//!
//! ```text
//! sent 1.4 MiB, received 0 B, 1.4 MiB/s
//! sent 3145728 bytes (3.0 MiB), received 0 bytes in 2.18 s, 1.4 MiB/s
//! ```
//!
//! The relay loop asks [`Progress::due`] for its next wake-up and calls [`Progress::tick`]
//! each time round; what is printed comes from pure functions, tested below.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crossterm::terminal::{Clear, ClearType};

/// How often the line is redrawn when stderr is a terminal.
pub const TERMINAL_EVERY: Duration = Duration::from_millis(250);
/// How often a line is appended when stderr is not a terminal.
pub const LOG_EVERY: Duration = Duration::from_secs(1);

pub struct Progress {
    start: Instant,
    due: Instant,
    every: Duration,
    /// When the last line was printed and the bytes (both ways) then: the rate is measured
    /// over the last interval, not since the start.
    last: (Instant, u64),
    in_place: bool,
}

impl Progress {
    /// Start counting now; lines are redrawn in place when stderr is a terminal.
    pub fn new(now: Instant) -> Progress {
        Progress::with(now, std::io::stderr().is_terminal())
    }

    fn with(now: Instant, in_place: bool) -> Progress {
        let every = if in_place { TERMINAL_EVERY } else { LOG_EVERY };
        Progress {
            start: now,
            due: now + every,
            every,
            last: (now, 0),
            in_place,
        }
    }

    /// When the next line is due (the loop's poll deadline).
    pub fn due(&self) -> Instant {
        self.due
    }

    /// Print a line if one is due.
    pub fn tick(&mut self, now: Instant, sent: u64, received: u64) {
        if let Some(text) = self.render_tick(now, sent, received) {
            emit(&text);
        }
    }

    /// Print the final line with the exact counts.
    pub fn finish(&self, now: Instant, sent: u64, received: u64) {
        emit(&self.render_finish(now, sent, received));
    }

    fn render_tick(&mut self, now: Instant, sent: u64, received: u64) -> Option<String> {
        if now < self.due {
            return None;
        }
        let total = sent + received;
        let (then, before) = self.last;
        let rate = per_second(total.saturating_sub(before), now - then);
        self.last = (now, total);
        self.due = now + self.every;
        let text = line(sent, received, rate);
        Some(if self.in_place {
            format!("\r{}{text}", Clear(ClearType::CurrentLine))
        } else {
            format!("{text}\n")
        })
    }

    fn render_finish(&self, now: Instant, sent: u64, received: u64) -> String {
        let elapsed = now - self.start;
        let text = summary(sent, received, elapsed);
        if self.in_place {
            format!("\r{}{text}\n", Clear(ClearType::CurrentLine))
        } else {
            format!("{text}\n")
        }
    }
}

/// stderr is unbuffered; one write per line keeps lines whole. A failing stderr is ignored.
fn emit(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `sent 1.4 MiB, received 0 B, 1.4 MiB/s` (the rate counts both directions).
pub fn line(sent: u64, received: u64, rate: f64) -> String {
    format!(
        "sent {}, received {}, {}",
        human(sent),
        human(received),
        human_rate(rate)
    )
}

/// `sent 3145728 bytes (3.0 MiB), received 0 bytes in 2.18 s, 1.4 MiB/s`: exact counts,
/// with the average rate over the whole session.
pub fn summary(sent: u64, received: u64, elapsed: Duration) -> String {
    format!(
        "sent {}, received {} in {:.2} s, {}",
        exact(sent),
        exact(received),
        elapsed.as_secs_f64(),
        human_rate(per_second(sent + received, elapsed))
    )
}

/// `512 bytes`, or `3145728 bytes (3.0 MiB)` from 1 KiB up.
fn exact(n: u64) -> String {
    if n < 1024 {
        format!("{n} bytes")
    } else {
        format!("{n} bytes ({})", human(n))
    }
}

fn per_second(bytes: u64, over: Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 { bytes as f64 / secs } else { 0.0 }
}

/// Binary units with three significant digits: `0 B`, `1023 B`, `1.00 KiB`, `12.3 MiB`,
/// `512 MiB`, `1.50 GiB`.
pub fn human(n: u64) -> String {
    human_f(n as f64)
}

/// A rate in bytes per second: `0 B/s`, `812 KiB/s`, `1.22 GiB/s`.
pub fn human_rate(bytes_per_sec: f64) -> String {
    format!("{}/s", human_f(bytes_per_sec))
}

fn human_f(n: f64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1023.5 {
        return format!("{} B", n.round() as u64);
    }
    let mut v = n / 1024.0;
    let mut unit = 0;
    // Move up a unit when the value would print as 1024 or more.
    while v >= 1023.5 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let digits = if v < 9.995 {
        2
    } else if v < 99.95 {
        1
    } else {
        0
    };
    format!("{v:.digits$} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1), "1 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1024), "1.00 KiB");
        assert_eq!(human(1536), "1.50 KiB");
        assert_eq!(human(10 * 1024), "10.0 KiB");
        assert_eq!(human(1024 * 1024 - 1), "1.00 MiB");
        assert_eq!(human(3 << 20), "3.00 MiB");
        assert_eq!(human(12_900_000), "12.3 MiB");
        assert_eq!(human(512 << 20), "512 MiB");
        assert_eq!(human(3 << 29), "1.50 GiB");
        assert_eq!(human(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn rates() {
        assert_eq!(human_rate(0.0), "0 B/s");
        assert_eq!(human_rate(999.4), "999 B/s");
        assert_eq!(human_rate(1.22 * (1u64 << 30) as f64), "1.22 GiB/s");
        assert_eq!(per_second(1000, Duration::from_millis(500)), 2000.0);
        assert_eq!(per_second(1000, Duration::ZERO), 0.0);
    }

    #[test]
    fn lines() {
        assert_eq!(
            line(1_468_006, 0, 1_468_006.0),
            "sent 1.40 MiB, received 0 B, 1.40 MiB/s"
        );
        assert_eq!(
            summary(3 << 20, 512, Duration::from_millis(2000)),
            "sent 3145728 bytes (3.00 MiB), received 512 bytes in 2.00 s, 1.50 MiB/s"
        );
    }

    #[test]
    fn ticks_only_when_due_and_rate_is_per_interval() {
        let t0 = Instant::now();
        let mut p = Progress::with(t0, false);
        assert_eq!(p.due(), t0 + LOG_EVERY);
        assert_eq!(p.render_tick(t0 + Duration::from_millis(500), 10, 0), None);
        let first = p.render_tick(t0 + LOG_EVERY, 2048, 0).unwrap();
        assert_eq!(first, "sent 2.00 KiB, received 0 B, 2.00 KiB/s\n");
        assert_eq!(p.due(), t0 + 2 * LOG_EVERY);
        // The second interval moved 1 KiB more: the rate is that interval's, not the average.
        let second = p.render_tick(t0 + 2 * LOG_EVERY, 2048, 1024).unwrap();
        assert_eq!(second, "sent 2.00 KiB, received 1.00 KiB, 1.00 KiB/s\n");
        assert_eq!(
            p.render_finish(t0 + 2 * LOG_EVERY, 2048, 1024),
            "sent 2048 bytes (2.00 KiB), received 1024 bytes (1.00 KiB) in 2.00 s, 1.50 KiB/s\n"
        );
    }

    #[test]
    fn terminal_lines_redraw_in_place() {
        let t0 = Instant::now();
        let mut p = Progress::with(t0, true);
        let tick = p.render_tick(t0 + TERMINAL_EVERY, 0, 0).unwrap();
        assert_eq!(tick, "\r\x1b[2Ksent 0 B, received 0 B, 0 B/s");
        let end = p.render_finish(t0 + TERMINAL_EVERY, 0, 5);
        assert!(end.starts_with("\r\x1b[2Ksent 0 bytes, received 5 bytes in 0.25 s"));
        assert!(end.ends_with('\n'));
    }
}
