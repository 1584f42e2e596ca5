//! `-v` connection events on stderr: a fixed-format line each, or with `--json` one JSON
//! object per line (`{"event":"connected","side":"left","peer":"127.0.0.1:5000"}`). stdout
//! never carries them.

use std::io::Write;

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default)]
pub struct Log {
    pub verbose: bool,
    pub json: bool,
}

/// One `-v` record: `event` names the variant, the fields follow in declaration order, and
/// a field that does not apply (`None`) is left out.
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record<'a> {
    /// The text line carries the message.
    Error,
    Log {
        message: &'a str,
    },
    Listening {
        #[serde(skip_serializing_if = "Option::is_none")]
        side: Option<&'a str>,
        addr: &'a str,
    },
    Connected(Peer<'a>),
    /// `pair`'s exec end.
    Started(Peer<'a>),
    Pty(Peer<'a>),
    Opened(Peer<'a>),
    Refused {
        #[serde(skip_serializing_if = "Option::is_none")]
        side: Option<&'a str>,
        peer: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    },
    /// A relay's two ends and the bytes each way.
    #[serde(rename = "closed")]
    Relayed {
        left: &'a str,
        right: &'a str,
        bytes_left_to_right: u64,
        bytes_right_to_left: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
    },
    /// One connection's bytes in and out (`Closed P (in N bytes, out M bytes)`).
    Closed {
        peer: &'a str,
        bytes_in: u64,
        bytes_out: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
    },
    /// `Closed P (DETAIL)`.
    #[serde(rename = "closed")]
    Ended {
        peer: &'a str,
        detail: &'a str,
    },
    Exited {
        #[serde(skip_serializing_if = "Option::is_none")]
        side: Option<&'a str>,
        pid: u32,
        status: i32,
    },
    // --- TLS (issue 14 §1) ---
    /// A TLS handshake finished.
    Tls {
        peer: &'a str,
        tls_version: &'a str,
        tls_cipher: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        tls_alpn: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tls_peer_subject: Option<&'a str>,
    },
    /// A TLS server made its own certificate: its SHA-256, for `pin=`.
    #[serde(rename = "tls_certificate")]
    TlsCertificate {
        sha256: &'a str,
    },
    // --- end TLS ---
    // --- proxies (issue 14 §2) ---
    /// Connected to a proxy (`proxy_kind`: socks5, socks4, http), about to ask it for `target`.
    Proxy {
        proxy: &'a str,
        proxy_kind: &'a str,
        target: &'a str,
    },
    /// The proxy opened the tunnel to `target`: what follows is the target's.
    Tunnel {
        proxy: &'a str,
        proxy_kind: &'a str,
        target: &'a str,
    },
    // --- end proxies ---
}

/// The fields of an end that was opened or connected.
#[derive(Serialize, Default)]
pub struct Peer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'a str>,
    /// `in` (accepted) or `out` (connected to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<&'a str>,
    pub peer: &'a str,
}

/// `refused` with the peer alone (a server's `--allow`/`--max-conns` refusal).
pub fn refused(peer: &str) -> Record<'_> {
    Record::Refused {
        side: None,
        peer,
        reason: None,
    }
}

/// `connected` with the peer alone (a server's accepted client).
pub fn connected(peer: &str) -> Record<'_> {
    Record::Connected(Peer {
        peer,
        ..Peer::default()
    })
}

/// One event: the text line and the JSON record say the same thing.
pub struct Event<'a> {
    text: String,
    record: Record<'a>,
}

impl<'a> Event<'a> {
    pub fn new(text: impl Into<String>, record: Record<'a>) -> Event<'a> {
        Event {
            text: text.into(),
            record,
        }
    }

    /// The `--json` rendering, for tests of the events' builders.
    #[cfg(test)]
    pub fn record_line(&self) -> String {
        crate::json::line(&self.record)
    }
}

impl Log {
    pub fn emit(&self, e: Event<'_>) {
        if !self.verbose {
            return;
        }
        let line = if self.json {
            crate::json::line(&e.record)
        } else {
            e.text
        };
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
    crate::json::line(&parse(line))
}

fn parse(line: &str) -> Record<'_> {
    if let Some(addr) = line.strip_prefix("Listening on ") {
        return Record::Listening { side: None, addr };
    }
    for (prefix, direction) in [("Connected by ", "in"), ("Connected to ", "out")] {
        if let Some(peer) = line.strip_prefix(prefix) {
            return Record::Connected(Peer {
                direction: Some(direction),
                peer,
                ..Peer::default()
            });
        }
    }
    if let Some(rest) = line.strip_prefix("Refused ")
        && let Some((peer, why)) = rest.split_once(": ")
    {
        return Record::Refused {
            side: None,
            peer,
            reason: Some(why),
        };
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
        if let [bytes_in, bytes_out] = nums[..] {
            return Record::Closed {
                peer,
                bytes_in,
                bytes_out,
                error: tail.split_once("): ").map(|(_, w)| w),
            };
        }
    }
    if let Some(rest) = line.strip_prefix("Closed ")
        && let Some((peer, detail)) = rest.split_once(" (")
    {
        let detail = detail.strip_suffix(')').unwrap_or(detail);
        return Record::Ended { peer, detail };
    }
    Record::Log { message: line }
}

#[cfg(test)]
mod tests {
    use super::{Peer, Record, connected, record, refused};
    use crate::json::line;

    #[test]
    fn event_records_keep_their_fields_in_order() {
        assert_eq!(line(&Record::Error), r#"{"event":"error"}"#);
        assert_eq!(
            line(&refused("1.2.3.4:5")),
            r#"{"event":"refused","peer":"1.2.3.4:5"}"#
        );
        assert_eq!(
            line(&connected("1.2.3.4:5")),
            r#"{"event":"connected","peer":"1.2.3.4:5"}"#
        );
        let started = Record::Started(Peer {
            side: Some("right"),
            endpoint: Some("exec:cat"),
            peer: "'cat' (pid 7)",
            ..Peer::default()
        });
        assert_eq!(
            line(&started),
            r#"{"event":"started","side":"right","endpoint":"exec:cat","peer":"'cat' (pid 7)"}"#
        );
        let relayed = Record::Relayed {
            left: "a",
            right: "b",
            bytes_left_to_right: 1,
            bytes_right_to_left: 2,
            error: Some("reset"),
        };
        assert_eq!(
            line(&relayed),
            r#"{"event":"closed","left":"a","right":"b","bytes_left_to_right":1,"bytes_right_to_left":2,"error":"reset"}"#
        );
        let exited = Record::Exited {
            side: Some("left"),
            pid: 9,
            status: -1,
        };
        assert_eq!(
            line(&exited),
            r#"{"event":"exited","side":"left","pid":9,"status":-1}"#
        );
        let listening = Record::Listening {
            side: None,
            addr: "[::]:1",
        };
        assert_eq!(line(&listening), r#"{"event":"listening","addr":"[::]:1"}"#);
        let proxy = Record::Proxy {
            proxy: "127.0.0.1:1080",
            proxy_kind: "socks5",
            target: "example.org:80",
        };
        assert_eq!(
            line(&proxy),
            r#"{"event":"proxy","proxy":"127.0.0.1:1080","proxy_kind":"socks5","target":"example.org:80"}"#
        );
        let tunnel = Record::Tunnel {
            proxy: "[::1]:3128",
            proxy_kind: "http",
            target: "h:443",
        };
        assert_eq!(
            line(&tunnel),
            r#"{"event":"tunnel","proxy":"[::1]:3128","proxy_kind":"http","target":"h:443"}"#
        );
    }

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
