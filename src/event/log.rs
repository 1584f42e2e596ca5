//! `-v` connection events on stderr: a fixed-format line each, or with `--json` one JSON
//! object per line (`{"event":"connected","side":"left","peer":"127.0.0.1:5000"}`). stdout
//! never carries them.

use std::io::Write;

use crate::json::Obj;

#[derive(Debug, Clone, Copy, Default)]
pub struct Log {
    pub verbose: bool,
    pub json: bool,
}

/// One event: the text line and the JSON record say the same thing.
pub struct Event {
    text: String,
    obj: Obj,
}

impl Event {
    pub fn new(event: &str, text: impl Into<String>) -> Event {
        Event {
            text: text.into(),
            obj: Obj::new().str("event", event),
        }
    }

    pub fn str(mut self, key: &str, value: &str) -> Event {
        self.obj = self.obj.str(key, value);
        self
    }

    pub fn num(mut self, key: &str, value: impl std::fmt::Display) -> Event {
        self.obj = self.obj.num(key, value);
        self
    }
}

impl Log {
    pub fn emit(&self, e: Event) {
        if !self.verbose {
            return;
        }
        let line = if self.json { e.obj.finish() } else { e.text };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

impl Log {
    /// A `-v` line in its fixed text format (`Listening on A`, `Connected by P`, `Connected
    /// to P`, `Refused P: why`, `Closed P (in N bytes, out M bytes)[: why]`); with `--json`
    /// the same facts as a record, so the two renderings cannot drift apart.
    pub fn line(&self, line: std::fmt::Arguments<'_>) {
        if !self.verbose {
            return;
        }
        let text = line.to_string();
        let out = if self.json { record(&text) } else { text };
        let _ = writeln!(std::io::stderr().lock(), "{out}");
    }
}

/// The JSON record of one fixed-format `-v` line.
pub fn record(line: &str) -> String {
    let obj = |event: &str| Obj::new().str("event", event);
    if let Some(a) = line.strip_prefix("Listening on ") {
        return obj("listening").str("addr", a).finish();
    }
    if let Some(p) = line.strip_prefix("Connected by ") {
        return obj("connected")
            .str("direction", "in")
            .str("peer", p)
            .finish();
    }
    if let Some(p) = line.strip_prefix("Connected to ") {
        return obj("connected")
            .str("direction", "out")
            .str("peer", p)
            .finish();
    }
    if let Some(rest) = line.strip_prefix("Refused ")
        && let Some((p, why)) = rest.split_once(": ")
    {
        return obj("refused").str("peer", p).str("reason", why).finish();
    }
    if let Some(rest) = line.strip_prefix("Closed ")
        && let Some(i) = rest.rfind(" (in ")
    {
        let (peer, tail) = (&rest[..i], &rest[i + 5..]);
        let nums: Vec<u64> = tail
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .take(2)
            .collect();
        let why = tail.split_once("): ").map(|(_, w)| w);
        if let [inb, outb] = nums[..] {
            let mut o = obj("closed")
                .str("peer", peer)
                .num("bytes_in", inb)
                .num("bytes_out", outb);
            if let Some(w) = why {
                o = o.str("error", w);
            }
            return o.finish();
        }
    }
    if let Some(rest) = line.strip_prefix("Closed ")
        && let Some((peer, detail)) = rest.split_once(" (")
    {
        let detail = detail.strip_suffix(')').unwrap_or(detail);
        return obj("closed")
            .str("peer", peer)
            .str("detail", detail)
            .finish();
    }
    obj("log").str("message", line).finish()
}

#[cfg(test)]
mod tests {
    use super::record;

    #[test]
    fn fixed_lines_become_records() {
        assert_eq!(
            record("Listening on [::]:5000"),
            r#"{"event":"listening","addr":"[::]:5000"}"#
        );
        assert_eq!(
            record("Connected by 127.0.0.1:4000"),
            r#"{"event":"connected","direction":"in","peer":"127.0.0.1:4000"}"#
        );
        assert_eq!(
            record("Refused 10.0.0.9:1: --max-conns 3 reached"),
            r#"{"event":"refused","peer":"10.0.0.9:1","reason":"--max-conns 3 reached"}"#
        );
        assert_eq!(
            record("Closed [::1]:9 (in 5 bytes, out 7 bytes): send failed: reset"),
            r#"{"event":"closed","peer":"[::1]:9","bytes_in":5,"bytes_out":7,"error":"send failed: reset"}"#
        );
        assert_eq!(
            record("Closed 1.2.3.4:5 ('cat' exited with status 0)"),
            r#"{"event":"closed","peer":"1.2.3.4:5","detail":"'cat' exited with status 0"}"#
        );
        assert_eq!(
            record("accept: too many open files"),
            r#"{"event":"log","message":"accept: too many open files"}"#
        );
    }
}
