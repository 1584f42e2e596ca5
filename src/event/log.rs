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
    pub fn on(&self) -> bool {
        self.verbose
    }

    pub fn emit(&self, e: Event) {
        if !self.verbose {
            return;
        }
        let line = if self.json { e.obj.finish() } else { e.text };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}
