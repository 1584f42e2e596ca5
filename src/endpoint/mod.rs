//! Endpoint strings (SPEC §2, §4): `KIND:ADDRESS[,OPT[=VAL]]...` as `pair`, `connect` and
//! `listen` take them, parsed in one place into one [`Endpoint`]. Pure parsing: nothing here
//! resolves a name, opens a file or touches a socket.
//!
//! Grammar (kinds and options are case-insensitive; aliases in [`parse`]'s table):
//!
//! - `-` / `stdio`; `pty[,link=PATH][,raw]`
//! - `tcp:HOST:PORT`, `tcp-listen:[ADDR:]PORT`, `udp:HOST:PORT`, `udp-listen:[ADDR:]PORT`;
//!   IPv6 hosts are bracketed (`tcp:[::1]:80`, `tcp-listen:[::]:80`); `tcp4:`/`tcp6:` (and the
//!   udp and listen forms) also restrict the family
//! - `unix:PATH`, `unix-dgram:PATH`, `unix-listen:PATH`, `unix-dgram-listen:PATH` (`@name` is
//!   the abstract namespace); `file:PATH` (read), `create:PATH` (write, truncate),
//!   `append:PATH`; in paths and option values `\,` is a comma and `\\` a backslash, any other
//!   backslash is literal, and an unescaped comma starts the options
//! - `exec:COMMAND` (split like a shell, no shell run), `sh:COMMAND` (`/bin/sh -c COMMAND`): the
//!   whole rest is the command, commas included, so these take no options
//! - `fd:N`
//! - `can:IFACE`: a SocketCAN interface (`pair can:vcan0 udp:HOST:PORT` bridges a bus)
//! - `tls:HOST:PORT` (`ssl:`, `openssl:`), `tls-listen:[ADDR:]PORT`: TCP with TLS on top;
//!   options `ca=FILE`, `cert=FILE`, `key=FILE`, `alpn=P1;P2` (`;` between protocols: the
//!   comma starts the next option), and for clients `sni=NAME`, `pin=SHA256HEX`, `insecure`
//! - `socks5:PROXY:PPORT:HOST:PORT`, `socks4:...` (`socks4a:` too), `http-proxy:...`:
//!   HOST:PORT through a proxy (tcp options apply to the proxy connection)
//! - `vsock:CID:PORT`, `vsock-listen:PORT`: AF_VSOCK streams (VM ↔ host; CID 1 is local)

pub mod open;
mod parse;
pub mod proxy;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use crate::sock::SockOpts;
pub use crate::sock::addr::{Family, Host, HostPort, Port};

/// One endpoint: what it is, its options, and the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub kind: Kind,
    pub opts: EndpointOpts,
    /// The endpoint as typed (what [`fmt::Display`] prints).
    pub text: String,
}

/// What an endpoint connects to, listens on or runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `-` or `stdio`.
    Stdio,
    /// `tcp:HOST:PORT`.
    Tcp(HostPort),
    /// `tcp-listen:[ADDR:]PORT`; no ADDR (or `*`, or an empty one) is [`Host::Any`].
    TcpListen(HostPort),
    /// `udp:HOST:PORT`.
    Udp(HostPort),
    /// `udp-listen:[ADDR:]PORT`.
    UdpListen(HostPort),
    /// `unix:PATH` (stream) or `unix-dgram:PATH`; `@name` is kept as typed.
    Unix { path: PathBuf, dgram: bool },
    /// `unix-listen:PATH` or `unix-dgram-listen:PATH`.
    UnixListen { path: PathBuf, dgram: bool },
    /// `exec:CMD` (argv split like a shell) or `sh:CMD` (`["/bin/sh", "-c", CMD]`); `shown`
    /// is CMD as typed.
    Exec { argv: Vec<String>, shown: String },
    /// `file:PATH`, read.
    File(PathBuf),
    /// `create:PATH`, written (created or truncated).
    Create(PathBuf),
    /// `append:PATH`, written at the end (created if missing).
    Append(PathBuf),
    /// `fd:N`, an inherited file descriptor.
    Fd(i32),
    /// `pty`: a new pseudo-terminal (options `link=PATH`, `raw`).
    Pty,
    /// `can:IFACE`: a SocketCAN interface, one frame per message in the kernel's layout.
    Can(String),
    // --- TLS (issue 14 §1) ---
    /// `tls:HOST:PORT` (aliases `ssl:`, `openssl:`): TCP, then a TLS client.
    Tls(HostPort),
    /// `tls-listen:[ADDR:]PORT`: TCP listener, each client a TLS server connection.
    TlsListen(HostPort),
    // --- end TLS ---
    /// `socks5:`, `socks4:`, `http-proxy:PROXY:PPORT:HOST:PORT`: a tunnel through a proxy.
    Proxy(proxy::Via),
    /// `vsock:CID:PORT`: an AF_VSOCK stream.
    Vsock { cid: u32, port: u32 },
    /// `vsock-listen:PORT`: accept AF_VSOCK streams on PORT of every local CID.
    VsockListen { port: u32 },
}

/// The options after the address. Everything is off or unset by default; which options a kind
/// takes is checked by the parser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointOpts {
    /// `nodelay`: TCP_NODELAY (tcp kinds).
    pub nodelay: bool,
    /// `keepalive`: SO_KEEPALIVE (tcp kinds).
    pub keepalive: bool,
    /// `reuseaddr`: SO_REUSEADDR (tcp and udp kinds).
    pub reuseaddr: bool,
    /// `reuseport`: SO_REUSEPORT (tcp and udp kinds).
    pub reuseport: bool,
    /// `broadcast`: SO_BROADCAST (udp kinds).
    pub broadcast: bool,
    /// `bind=ADDR`: the listen address of `*-listen`, the source address of `tcp:`/`udp:`.
    pub bind: Option<std::net::IpAddr>,
    /// `sourceport=N` (alias `sp`): the source port of `tcp:`/`udp:`, 1-65535.
    pub sourceport: Option<u16>,
    /// `sndbuf=BYTES`: SO_SNDBUF (`65536`, `64k`, `1m`).
    pub sndbuf: Option<usize>,
    /// `rcvbuf=BYTES`: SO_RCVBUF.
    pub rcvbuf: Option<usize>,
    /// `ttl=N`, 1-255: IP TTL / IPv6 hop limit.
    pub ttl: Option<u32>,
    /// `tos=N`, 0-255: IP TOS / IPv6 traffic class.
    pub tos: Option<u32>,
    /// `backlog=N`, 1-65535: the listen(2) queue (stream listeners).
    pub backlog: Option<i32>,
    /// `ipv4`/`4`, `ipv6`/`6`, or a `tcp4:`-style kind. Never `Some(Family::Any)`.
    pub family: Option<Family>,
    /// `mode=OCTAL` (alias `perm`): the socket file's permissions (unix listeners), <= 0o7777.
    pub mode: Option<u32>,
    /// `unlink` (alias `unlink-early`): remove an existing socket file first (unix listeners).
    pub unlink: bool,
    /// `link=PATH`: a symlink to the pty's device (pty).
    pub link: Option<PathBuf>,
    /// `raw`: put the pty in raw mode (pty).
    pub raw: bool,
    /// `ca=`, `sni=`, `alpn=`, `insecure`, `cert=`, `key=`, `pin=` (tls kinds).
    pub tls: Box<crate::tls::TlsOpts>,
}

impl Endpoint {
    /// Parses an endpoint string; the error is one line quoting the whole endpoint and naming
    /// the wrong part, e.g. `invalid endpoint 'tcp:h:1,ttl=300': ttl=300 out of range 1-255`.
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        parse::parse(s)
    }

    /// Does this argument look like an endpoint string rather than a host? True for `-`,
    /// `stdio`, `pty`, `pty,...` and any `KIND:` or `KIND,` with a known kind or alias; false for
    /// host names and IPv6 literals (`::1`, `fe80::1%eth0`, `localhost:80`).
    pub fn looks_like(arg: &str) -> bool {
        parse::looks_like(arg)
    }

    /// The endpoint written in the canonical form: main kind names (`tcp4:` becomes
    /// `tcp:...,ipv4`), options in a fixed order, paths escaped. It parses back to the same
    /// [`Kind`] and [`EndpointOpts`].
    pub fn canonical(&self) -> String {
        parse::canonical(&self.kind, &self.opts)
    }
}

impl std::str::FromStr for Endpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Endpoint, String> {
        Endpoint::parse(s)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Kind {
    /// Accepts connections or datagrams rather than making them.
    pub fn is_listen(&self) -> bool {
        matches!(
            self,
            Kind::TcpListen(_)
                | Kind::UdpListen(_)
                | Kind::UnixListen { .. }
                | Kind::TlsListen(_)
                | Kind::VsockListen { .. }
        )
    }

    /// Message-oriented: udp kinds and unix datagram sockets.
    pub fn is_datagram(&self) -> bool {
        matches!(
            self,
            Kind::Udp(_)
                | Kind::UdpListen(_)
                | Kind::Unix { dgram: true, .. }
                | Kind::UnixListen { dgram: true, .. }
        )
    }

    /// The kind's main name, as in the grammar: `tcp-listen`, `unix-dgram`, `sh`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Stdio => "stdio",
            Kind::Tcp(_) => "tcp",
            Kind::TcpListen(_) => "tcp-listen",
            Kind::Udp(_) => "udp",
            Kind::UdpListen(_) => "udp-listen",
            Kind::Unix { dgram: false, .. } => "unix",
            Kind::Unix { dgram: true, .. } => "unix-dgram",
            Kind::UnixListen { dgram: false, .. } => "unix-listen",
            Kind::UnixListen { dgram: true, .. } => "unix-dgram-listen",
            Kind::Exec { .. } if self.is_shell() => "sh",
            Kind::Exec { .. } => "exec",
            Kind::File(_) => "file",
            Kind::Create(_) => "create",
            Kind::Append(_) => "append",
            Kind::Fd(_) => "fd",
            Kind::Pty => "pty",
            Kind::Can(_) => "can",
            Kind::Tls(_) => "tls",
            Kind::TlsListen(_) => "tls-listen",
            Kind::Proxy(v) => match v.protocol {
                crate::proxy::Protocol::Socks5 => "socks5",
                crate::proxy::Protocol::Socks4 => "socks4",
                crate::proxy::Protocol::Http => "http-proxy",
            },
            Kind::Vsock { .. } => "vsock",
            Kind::VsockListen { .. } => "vsock-listen",
        }
    }

    /// An `sh:CMD` endpoint (`["/bin/sh", "-c", CMD]` with CMD as shown). An `exec:` command
    /// can never produce that argv: its third word is always shorter than the whole command.
    fn is_shell(&self) -> bool {
        match self {
            Kind::Exec { argv, shown } => {
                matches!(argv.as_slice(), [sh, c, cmd] if sh == parse::SHELL && c == "-c" && cmd == shown)
            }
            _ => false,
        }
    }
}

impl EndpointOpts {
    /// The socket options for this endpoint: `base` (the CLI flags) with the endpoint's options
    /// laid over it. Flags can only be turned on; a value given here replaces the flag's.
    /// `sourceport` implies SO_REUSEADDR, as `-p` does.
    pub fn sock_opts(&self, base: &SockOpts) -> SockOpts {
        SockOpts {
            source: self.bind.or(base.source),
            source_port: self.sourceport.or(base.source_port),
            nodelay: base.nodelay || self.nodelay,
            keepalive: base.keepalive || self.keepalive,
            sndbuf: self.sndbuf.or(base.sndbuf),
            rcvbuf: self.rcvbuf.or(base.rcvbuf),
            ttl: self.ttl.or(base.ttl),
            tos: self.tos.or(base.tos),
            reuseaddr: base.reuseaddr || self.reuseaddr || self.sourceport.is_some(),
            reuseport: base.reuseport || self.reuseport,
            broadcast: base.broadcast || self.broadcast,
            backlog: self.backlog.or(base.backlog),
        }
    }
}
