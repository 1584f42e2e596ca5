//! Whose `-v` lines a one-session `pair` prints: pair's own, or those of the `connect` or
//! `listen` it runs for (`connect --tls`, `listen --tls` without -k go through pair's engine,
//! which drives the TLS pump), so that choosing the engine never changes what -v says.
//!
//! | event            | pair                          | listen                        | connect        |
//! |------------------|-------------------------------|-------------------------------|----------------|
//! | stdio opened     | `Opened stdio`                | -                             | -              |
//! | end connected    | `Connected to P` (side)       | -                             | `Connected to P` (direction out) |
//! | listening        | `Listening on A` (side)       | `Listening on A`              | -              |
//! | client accepted  | `Connected by P` (side)       | `Connected by P` (direction in) | -            |
//! | end of session   | `Closed L <-> R (N bytes ...)`| `Closed P (in N bytes, out M bytes)` | -       |

use crate::endpoint::Kind;
use crate::event::log::{Event, Peer, Record};

/// The command a `pair` session speaks for (not a flag: set by `connect` and `listen`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Voice {
    #[default]
    Pair,
    Connect,
    Listen,
}

impl Voice {
    /// A non-listening end opened at once; `None` when the command says nothing of it.
    pub fn opened<'a>(
        self,
        kind: &Kind,
        side: &'a str,
        endpoint: &'a str,
        label: &'a str,
    ) -> Option<Event<'a>> {
        let connects = matches!(
            kind,
            Kind::Tcp(_)
                | Kind::Udp(_)
                | Kind::Unix { .. }
                | Kind::Tls(_)
                | Kind::Proxy(_)
                | Kind::Vsock { .. }
        );
        if self != Voice::Pair {
            // connect and listen name their peer only; stdin/stdout go without saying.
            return (self == Voice::Connect && connects).then(|| {
                Event::new(
                    format!("Connected to {label}"),
                    Record::Connected(Peer {
                        direction: Some("out"),
                        peer: label,
                        ..Peer::default()
                    }),
                )
            });
        }
        let peer = Peer {
            side: Some(side),
            endpoint: Some(endpoint),
            peer: label,
            ..Peer::default()
        };
        let (record, text) = match kind {
            Kind::Exec { .. } => (Record::Started(peer), format!("Started {label}")),
            Kind::Pty => (Record::Pty(peer), format!("PTY is {label}")),
            _ if connects => (Record::Connected(peer), format!("Connected to {label}")),
            _ => (Record::Opened(peer), format!("Opened {label}")),
        };
        Some(Event::new(text, record))
    }

    /// A listening end bound.
    pub fn listening<'a>(self, side: &'a str, addr: &'a str) -> Event<'a> {
        Event::new(
            format!("Listening on {addr}"),
            Record::Listening {
                side: self.side(side),
                addr,
            },
        )
    }

    /// A client refused by `--allow`/`--deny`.
    pub fn refused<'a>(self, side: &'a str, peer: &'a str) -> Event<'a> {
        const WHY: &str = "not allowed by --allow/--deny";
        Event::new(
            format!("Refused {peer}: {WHY}"),
            Record::Refused {
                side: self.side(side),
                peer,
                reason: (self == Voice::Listen).then_some(WHY),
            },
        )
    }

    /// A listening end's client accepted.
    pub fn accepted<'a>(self, side: &'a str, peer: &'a str) -> Event<'a> {
        Event::new(
            format!("Connected by {peer}"),
            Record::Connected(Peer {
                side: self.side(side),
                direction: (self == Voice::Listen).then_some("in"),
                peer,
                ..Peer::default()
            }),
        )
    }

    /// The session ended with `lr` bytes from left to right and `rl` back.
    pub fn closed<'a>(self, left: &'a str, right: &'a str, lr: u64, rl: u64) -> Option<Event<'a>> {
        match self {
            Voice::Pair => Some(Event::new(
                format!(
                    "Closed {left} <-> {right} ({lr} bytes left to right, {rl} bytes right to left)"
                ),
                Record::Relayed {
                    left,
                    right,
                    bytes_left_to_right: lr,
                    bytes_right_to_left: rl,
                    error: None,
                },
            )),
            // `listen`'s client is LEFT: in is what it sent.
            Voice::Listen => Some(Event::new(
                format!("Closed {left} (in {lr} bytes, out {rl} bytes)"),
                Record::Closed {
                    peer: left,
                    bytes_in: lr,
                    bytes_out: rl,
                    error: None,
                },
            )),
            Voice::Connect => None,
        }
    }

    /// A generated TLS certificate's line comes before `Listening on` in pair's words and
    /// after it in listen's (as `listen -k --tls` prints it).
    pub fn certificate_first(self) -> bool {
        self != Voice::Listen
    }

    /// pair names the side; connect and listen have one peer.
    fn side(self, side: &str) -> Option<&str> {
        (self == Voice::Pair).then_some(side)
    }
}

#[cfg(test)]
mod tests {
    use super::Voice;
    use crate::endpoint::Kind;
    use crate::event::log::Event;

    /// An event's JSON record (the text is the same in every voice but stdio's).
    fn json(e: Option<Event<'_>>) -> Option<String> {
        e.map(|e| e.record_line())
    }

    #[test]
    fn listen_and_connect_speak_as_themselves() {
        let (l, c, p) = (Voice::Listen, Voice::Connect, Voice::Pair);
        assert_eq!(json(l.opened(&Kind::Stdio, "right", "-", "stdio")), None);
        assert_eq!(json(c.opened(&Kind::Stdio, "left", "-", "stdio")), None);
        assert_eq!(
            json(p.opened(&Kind::Stdio, "left", "-", "stdio")).unwrap(),
            r#"{"event":"opened","side":"left","endpoint":"-","peer":"stdio"}"#
        );
        let tls = Kind::Tls(crate::sock::addr::HostPort {
            host: crate::sock::addr::Host::Name("h".into()),
            port: crate::sock::addr::Port::Number(1),
        });
        assert_eq!(
            json(c.opened(&tls, "right", "tls:h:1", "1.2.3.4:1")).unwrap(),
            r#"{"event":"connected","direction":"out","peer":"1.2.3.4:1"}"#
        );
        assert_eq!(
            l.listening("left", "[::]:5").record_line(),
            r#"{"event":"listening","addr":"[::]:5"}"#
        );
        assert_eq!(
            l.accepted("left", "1.2.3.4:9").record_line(),
            r#"{"event":"connected","direction":"in","peer":"1.2.3.4:9"}"#
        );
        assert_eq!(
            json(l.closed("1.2.3.4:9", "stdio", 3, 4)).unwrap(),
            r#"{"event":"closed","peer":"1.2.3.4:9","bytes_in":3,"bytes_out":4}"#
        );
        assert_eq!(json(c.closed("stdio", "1.2.3.4:1", 3, 4)), None);
        // pair's own words keep the side.
        assert_eq!(
            p.listening("left", "[::]:5").record_line(),
            r#"{"event":"listening","side":"left","addr":"[::]:5"}"#
        );
        assert_eq!(
            p.accepted("left", "1.2.3.4:9").record_line(),
            r#"{"event":"connected","side":"left","peer":"1.2.3.4:9"}"#
        );
        assert_eq!(
            json(p.closed("a", "b", 1, 2)).unwrap(),
            r#"{"event":"closed","left":"a","right":"b","bytes_left_to_right":1,"bytes_right_to_left":2}"#
        );
        assert_eq!(
            p.refused("left", "1.2.3.4:9").record_line(),
            r#"{"event":"refused","side":"left","peer":"1.2.3.4:9"}"#
        );
        assert_eq!(
            l.refused("left", "1.2.3.4:9").record_line(),
            r#"{"event":"refused","peer":"1.2.3.4:9","reason":"not allowed by --allow/--deny"}"#
        );
    }
}
