//! Proxy client dialogues (SOCKS5, SOCKS4/4a, HTTP CONNECT) as plain state machines: bytes
//! to send out, bytes read in, done or an error naming the proxy's own reason. Nothing here
//! touches a socket, so the same [`Dialogue`] serves the blocking opener of `connect` and
//! single `pair` (`endpoint::proxy`) and the `pair -k` reactor (`event::forward`).
//!
//! A dialogue never reads past the end of the proxy's answer ([`Dialogue::wants`] says how
//! many bytes may be read now), so bytes the target sends right after the tunnel opens stay
//! in the socket for the session.

mod http;
mod socks4;
mod socks5;

use std::fmt;
use std::net::IpAddr;

/// The proxy protocols (`-X`, the `socks5:`/`socks4:`/`http-proxy:` kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Socks5,
    /// SOCKS4, or SOCKS4a when the proxy resolves a name.
    Socks4,
    /// HTTP CONNECT.
    Http,
}

impl Protocol {
    /// The name `-X` takes and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Socks5 => "socks5",
            Protocol::Socks4 => "socks4",
            Protocol::Http => "http",
        }
    }

    /// The port a proxy listens on when none is given (nc and ncat: 1080 and 3128).
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Socks5 | Protocol::Socks4 => 1080,
            Protocol::Http => 3128,
        }
    }
}

/// Where the proxy is asked to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// A name the proxy resolves (the default: `--proxy-dns remote`).
    Name(String),
    /// An address (a literal, or a name resolved here with `--proxy-dns local`).
    Ip(IpAddr),
}

impl fmt::Display for Dest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dest::Name(n) => f.write_str(n),
            Dest::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Dest::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// `--proxy-auth USER:PASS` or `SOCKCLI_PROXY_AUTH`. Its `Debug` hides both parts: no
/// message, `-v` line or JSON record may carry them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub pass: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<hidden>)")
    }
}

impl Credentials {
    /// `USER:PASS` (the password may contain ':'); the error never quotes the value.
    pub fn parse(s: &str, source: &str) -> Result<Credentials, String> {
        match s.split_once(':') {
            Some((user, pass)) if !user.is_empty() => Ok(Credentials {
                user: user.to_string(),
                pass: pass.to_string(),
            }),
            _ => Err(format!("invalid {source} (expected USER:PASS)")),
        }
    }
}

/// How a proxy failure ends the command (exit code 5, 1 or 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Credentials refused, not allowed by the proxy's rules, 401, 403, 407: exit 5.
    Denied,
    /// The target refused or unreachable, a general failure, 502: exit 1.
    Failed,
    /// The proxy's TTL expired, 504: exit 4.
    TimedOut,
    /// Not an answer of the protocol: exit 1.
    Malformed,
}

/// A proxy's refusal or a malformed answer, as one line naming the proxy's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyError {
    pub failure: Failure,
    pub reason: String,
}

impl ProxyError {
    fn new(failure: Failure, reason: impl Into<String>) -> ProxyError {
        ProxyError {
            failure,
            reason: reason.into(),
        }
    }

    fn malformed(reason: impl Into<String>) -> ProxyError {
        ProxyError::new(Failure::Malformed, reason)
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ProxyError {}

/// One protocol's side of the dialogue. `missing` says how many more bytes complete the
/// answer awaited (0: it is complete); `answer` takes a complete answer, may queue the next
/// request on `out`, and says whether the tunnel is open.
trait Machine {
    fn missing(&self, buf: &[u8]) -> Result<usize, ProxyError>;
    fn answer(&mut self, buf: &[u8], out: &mut Vec<u8>) -> Result<bool, ProxyError>;
}

#[derive(Clone)]
enum Inner {
    Socks5(socks5::Socks5),
    Socks4(socks4::Socks4),
    Http(http::Http),
}

impl Inner {
    fn machine(&mut self) -> &mut dyn Machine {
        match self {
            Inner::Socks5(m) => m,
            Inner::Socks4(m) => m,
            Inner::Http(m) => m,
        }
    }
}

/// One client's dialogue with its proxy, from the first request to the open tunnel.
#[derive(Clone)]
pub struct Dialogue {
    inner: Inner,
    out: Vec<u8>,
    /// Bytes of `out` already written.
    sent: usize,
    /// The answer read so far.
    buf: Vec<u8>,
    done: bool,
}

impl Dialogue {
    /// The dialogue asking the proxy for `dest`:`port`, with its first request queued. An
    /// error is bad input (a name over 255 bytes, an IPv6 target for SOCKS4, credentials
    /// SOCKS5 cannot carry): exit 2.
    pub fn new(
        proto: Protocol,
        dest: &Dest,
        port: u16,
        creds: Option<&Credentials>,
    ) -> Result<Dialogue, String> {
        let mut out = Vec::new();
        let inner = match proto {
            Protocol::Socks5 => Inner::Socks5(socks5::Socks5::start(dest, port, creds, &mut out)?),
            Protocol::Socks4 => Inner::Socks4(socks4::Socks4::start(dest, port, creds, &mut out)?),
            Protocol::Http => Inner::Http(http::Http::start(dest, port, creds, &mut out)),
        };
        Ok(Dialogue {
            inner,
            out,
            sent: 0,
            buf: Vec::new(),
            done: false,
        })
    }

    /// What is still to be written to the proxy.
    pub fn output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn wrote(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }

    /// How many bytes may be read now without reading past the proxy's answer (0: write
    /// first, or the tunnel is open).
    pub fn wants(&self) -> usize {
        if self.done || !self.output().is_empty() {
            return 0;
        }
        match &self.inner {
            Inner::Socks5(m) => m.missing(&self.buf),
            Inner::Socks4(m) => m.missing(&self.buf),
            Inner::Http(m) => m.missing(&self.buf),
        }
        .unwrap_or(1)
        .max(1)
    }

    /// Bytes read from the proxy (at most [`wants`](Self::wants) of them).
    pub fn received(&mut self, data: &[u8]) -> Result<(), ProxyError> {
        self.buf.extend_from_slice(data);
        let m = self.inner.machine();
        if m.missing(&self.buf)? == 0 {
            self.done = m.answer(&self.buf, &mut self.out)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// The proxy closed the connection before its answer was complete.
    pub fn closed(&self) -> ProxyError {
        let what = if self.buf.is_empty() {
            "the proxy closed the connection without answering".to_string()
        } else {
            format!(
                "the proxy closed the connection after {} bytes of its answer",
                self.buf.len()
            )
        };
        ProxyError::malformed(what)
    }

    /// The tunnel is open: what follows is the target's.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// Printable text of a proxy's bytes, for messages (control characters escaped, at most 80
/// characters).
fn shown(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

#[cfg(test)]
mod tests;
