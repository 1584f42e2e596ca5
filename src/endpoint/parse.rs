//! The endpoint grammar: kind table, address and option parsing, and the canonical writer.

use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

use super::{EndpointOpts, Family, Host, HostPort, Kind, Port};
use crate::cli::value;
use crate::sock::vsock;

/// The shell `sh:` runs its command with.
pub(super) const SHELL: &str = "/bin/sh";

/// A kind as the grammar knows it, before its address is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Stdio,
    Tcp,
    TcpListen,
    Udp,
    UdpListen,
    Unix,
    UnixDgram,
    UnixListen,
    UnixDgramListen,
    Exec,
    Sh,
    File,
    Create,
    Append,
    Fd,
    Pty,
    Can,
    // --- TLS (issue 14 §1) ---
    Tls,
    TlsListen,
    // --- end TLS ---
    // Proxies (issue 14).
    Socks5,
    Socks4,
    HttpProxy,
    // VSOCK (issue 14).
    Vsock,
    VsockListen,
}

/// Every kind name and alias (lower case), with the family an alias implies.
const KINDS: &[(&str, Base, Option<Family>)] = &[
    ("-", Base::Stdio, None),
    ("stdio", Base::Stdio, None),
    ("tcp", Base::Tcp, None),
    ("tcp-connect", Base::Tcp, None),
    ("tcp4", Base::Tcp, Some(Family::V4)),
    ("tcp6", Base::Tcp, Some(Family::V6)),
    ("tcp-listen", Base::TcpListen, None),
    ("tcp-l", Base::TcpListen, None),
    ("tcp4-listen", Base::TcpListen, Some(Family::V4)),
    ("tcp4-l", Base::TcpListen, Some(Family::V4)),
    ("tcp6-listen", Base::TcpListen, Some(Family::V6)),
    ("tcp6-l", Base::TcpListen, Some(Family::V6)),
    ("udp", Base::Udp, None),
    ("udp-connect", Base::Udp, None),
    ("udp4", Base::Udp, Some(Family::V4)),
    ("udp6", Base::Udp, Some(Family::V6)),
    ("udp-listen", Base::UdpListen, None),
    ("udp-l", Base::UdpListen, None),
    ("udp4-listen", Base::UdpListen, Some(Family::V4)),
    ("udp4-l", Base::UdpListen, Some(Family::V4)),
    ("udp6-listen", Base::UdpListen, Some(Family::V6)),
    ("udp6-l", Base::UdpListen, Some(Family::V6)),
    ("unix", Base::Unix, None),
    ("unix-connect", Base::Unix, None),
    ("unix-dgram", Base::UnixDgram, None),
    ("unix-listen", Base::UnixListen, None),
    ("unix-l", Base::UnixListen, None),
    ("unix-dgram-listen", Base::UnixDgramListen, None),
    ("unix-dgram-l", Base::UnixDgramListen, None),
    ("exec", Base::Exec, None),
    ("sh", Base::Sh, None),
    ("system", Base::Sh, None),
    ("file", Base::File, None),
    ("create", Base::Create, None),
    ("append", Base::Append, None),
    ("fd", Base::Fd, None),
    ("pty", Base::Pty, None),
    ("can", Base::Can, None),
    // --- TLS (issue 14 §1) ---
    ("tls", Base::Tls, None),
    ("ssl", Base::Tls, None),
    ("openssl", Base::Tls, None),
    ("tls-listen", Base::TlsListen, None),
    ("tls-l", Base::TlsListen, None),
    ("ssl-listen", Base::TlsListen, None),
    ("openssl-listen", Base::TlsListen, None),
    // --- end TLS ---
    ("socks5", Base::Socks5, None),
    ("socks4", Base::Socks4, None),
    ("socks4a", Base::Socks4, None),
    ("http-proxy", Base::HttpProxy, None),
    ("vsock", Base::Vsock, None),
    ("vsock-connect", Base::Vsock, None),
    ("vsock-listen", Base::VsockListen, None),
    ("vsock-l", Base::VsockListen, None),
];

const KIND_LIST: &str = "-, stdio, tcp, tcp-listen, udp, udp-listen, unix, unix-dgram, \
                         unix-listen, unix-dgram-listen, exec, sh, file, create, append, fd, pty, can, \
                         tls, tls-listen, socks5, socks4, http-proxy, vsock, vsock-listen";

impl Base {
    fn lookup(kind: &str) -> Option<(Base, Option<Family>)> {
        KINDS
            .iter()
            .find(|(name, ..)| name.eq_ignore_ascii_case(kind))
            .map(|&(_, base, family)| (base, family))
    }

    fn name(self) -> &'static str {
        match self {
            Base::Stdio => "stdio",
            Base::Tcp => "tcp",
            Base::TcpListen => "tcp-listen",
            Base::Udp => "udp",
            Base::UdpListen => "udp-listen",
            Base::Unix => "unix",
            Base::UnixDgram => "unix-dgram",
            Base::UnixListen => "unix-listen",
            Base::UnixDgramListen => "unix-dgram-listen",
            Base::Exec => "exec",
            Base::Sh => "sh",
            Base::File => "file",
            Base::Create => "create",
            Base::Append => "append",
            Base::Fd => "fd",
            Base::Pty => "pty",
            Base::Can => "can",
            Base::Tls => "tls",
            Base::TlsListen => "tls-listen",
            Base::Socks5 => "socks5",
            Base::Socks4 => "socks4",
            Base::HttpProxy => "http-proxy",
            Base::Vsock => "vsock",
            Base::VsockListen => "vsock-listen",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Base::Stdio => "stdio",
            Base::Tcp => "tcp:HOST:PORT",
            Base::TcpListen => "tcp-listen:[ADDR:]PORT",
            Base::Udp => "udp:HOST:PORT",
            Base::UdpListen => "udp-listen:[ADDR:]PORT",
            Base::Unix => "unix:PATH",
            Base::UnixDgram => "unix-dgram:PATH",
            Base::UnixListen => "unix-listen:PATH",
            Base::UnixDgramListen => "unix-dgram-listen:PATH",
            Base::Exec => "exec:COMMAND",
            Base::Sh => "sh:COMMAND",
            Base::File => "file:PATH",
            Base::Create => "create:PATH",
            Base::Append => "append:PATH",
            Base::Fd => "fd:N",
            Base::Pty => "pty[,link=PATH][,raw]",
            Base::Can => "can:IFACE",
            Base::Tls => "tls:HOST:PORT",
            Base::TlsListen => "tls-listen:[ADDR:]PORT",
            Base::Socks5 => "socks5:PROXY:PPORT:HOST:PORT",
            Base::Socks4 => "socks4:PROXY:PPORT:HOST:PORT",
            Base::HttpProxy => "http-proxy:PROXY:PPORT:HOST:PORT",
            Base::Vsock => "vsock:CID:PORT",
            Base::VsockListen => "vsock-listen:PORT",
        }
    }

    fn is_inet(self) -> bool {
        matches!(
            self,
            Base::Tcp | Base::TcpListen | Base::Udp | Base::UdpListen | Base::Tls | Base::TlsListen
        ) || self.is_proxy()
    }

    /// A proxy's connection is a tcp one: the tcp options apply to it.
    fn is_tcp(self) -> bool {
        matches!(
            self,
            Base::Tcp | Base::TcpListen | Base::Tls | Base::TlsListen
        ) || self.is_proxy()
    }

    fn is_tls(self) -> bool {
        matches!(self, Base::Tls | Base::TlsListen)
    }

    fn is_proxy(self) -> bool {
        matches!(self, Base::Socks5 | Base::Socks4 | Base::HttpProxy)
    }

    fn is_udp(self) -> bool {
        matches!(self, Base::Udp | Base::UdpListen)
    }

    fn is_listen(self) -> bool {
        matches!(
            self,
            Base::TcpListen
                | Base::UdpListen
                | Base::UnixListen
                | Base::UnixDgramListen
                | Base::TlsListen
                | Base::VsockListen
        )
    }

    fn is_unix(self) -> bool {
        matches!(
            self,
            Base::Unix | Base::UnixDgram | Base::UnixListen | Base::UnixDgramListen
        )
    }

    fn has_path(self) -> bool {
        self.is_unix() || matches!(self, Base::File | Base::Create | Base::Append)
    }
}

/// One option, under its main name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Nodelay,
    Keepalive,
    Reuseaddr,
    Reuseport,
    Broadcast,
    Bind,
    Sourceport,
    Sndbuf,
    Rcvbuf,
    Ttl,
    Tos,
    Backlog,
    Ipv4,
    Ipv6,
    Mode,
    Unlink,
    Link,
    Raw,
    // --- TLS (issue 14 §1) ---
    Ca,
    Sni,
    Alpn,
    Insecure,
    Cert,
    Key,
    Pin,
    // --- end TLS ---
}

/// Option names and aliases (lower case), main names first in the order they are listed.
const OPTS: &[(&str, Opt)] = &[
    ("nodelay", Opt::Nodelay),
    ("keepalive", Opt::Keepalive),
    ("reuseaddr", Opt::Reuseaddr),
    ("reuseport", Opt::Reuseport),
    ("broadcast", Opt::Broadcast),
    ("bind", Opt::Bind),
    ("sourceport", Opt::Sourceport),
    ("sndbuf", Opt::Sndbuf),
    ("rcvbuf", Opt::Rcvbuf),
    ("ttl", Opt::Ttl),
    ("tos", Opt::Tos),
    ("backlog", Opt::Backlog),
    ("ipv4", Opt::Ipv4),
    ("ipv6", Opt::Ipv6),
    ("mode", Opt::Mode),
    ("unlink", Opt::Unlink),
    ("link", Opt::Link),
    ("raw", Opt::Raw),
    ("ca", Opt::Ca),
    ("sni", Opt::Sni),
    ("alpn", Opt::Alpn),
    ("insecure", Opt::Insecure),
    ("cert", Opt::Cert),
    ("key", Opt::Key),
    ("pin", Opt::Pin),
    ("sp", Opt::Sourceport),
    ("4", Opt::Ipv4),
    ("6", Opt::Ipv6),
    ("perm", Opt::Mode),
    ("unlink-early", Opt::Unlink),
];

impl Opt {
    fn lookup(name: &str) -> Option<Opt> {
        OPTS.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, o)| o)
    }

    fn name(self) -> &'static str {
        OPTS.iter()
            .find(|&&(_, o)| o == self)
            .map_or("?", |&(n, _)| n)
    }

    /// `Some(placeholder)` for options that need `=VALUE`, `None` for flags.
    fn value(self) -> Option<&'static str> {
        match self {
            Opt::Bind => Some("ADDR"),
            Opt::Sourceport => Some("PORT"),
            Opt::Sndbuf | Opt::Rcvbuf => Some("BYTES"),
            Opt::Ttl | Opt::Tos | Opt::Backlog => Some("N"),
            Opt::Mode => Some("OCTAL"),
            Opt::Link => Some("PATH"),
            Opt::Ca | Opt::Cert | Opt::Key => Some("FILE"),
            Opt::Sni => Some("NAME"),
            Opt::Alpn => Some("PROTO;PROTO"),
            Opt::Pin => Some("SHA256"),
            _ => None,
        }
    }

    fn applies(self, base: Base) -> bool {
        match self {
            Opt::Nodelay | Opt::Keepalive => base.is_tcp(),
            Opt::Broadcast => base.is_udp(),
            Opt::Reuseaddr
            | Opt::Reuseport
            | Opt::Bind
            | Opt::Ttl
            | Opt::Tos
            | Opt::Ipv4
            | Opt::Ipv6 => base.is_inet(),
            Opt::Sourceport => matches!(base, Base::Tcp | Base::Udp | Base::Tls) || base.is_proxy(),
            Opt::Sndbuf | Opt::Rcvbuf => base.is_inet() || base.is_unix(),
            Opt::Backlog => matches!(
                base,
                Base::TcpListen | Base::UnixListen | Base::TlsListen | Base::VsockListen
            ),
            Opt::Mode | Opt::Unlink => matches!(base, Base::UnixListen | Base::UnixDgramListen),
            Opt::Link | Opt::Raw => base == Base::Pty,
            Opt::Ca | Opt::Alpn | Opt::Cert | Opt::Key => base.is_tls(),
            Opt::Sni | Opt::Insecure | Opt::Pin => base == Base::Tls,
        }
    }
}

/// Parses an endpoint string (see the module documentation for the grammar).
pub(super) fn parse(s: &str) -> Result<super::Endpoint, String> {
    match parse_inner(s) {
        Ok((kind, opts)) => Ok(super::Endpoint {
            kind,
            opts,
            text: s.to_string(),
        }),
        Err(why) => Err(one_line(&format!("invalid endpoint '{s}': {why}"))),
    }
}

/// True for `-`, `stdio`, `pty` alone, and for any known kind followed by `:` or `,`.
pub(super) fn looks_like(arg: &str) -> bool {
    let kind = arg.split([':', ',']).next().unwrap_or(arg);
    match Base::lookup(kind) {
        Some((Base::Stdio | Base::Pty, _)) => true,
        Some(_) => kind.len() < arg.len(),
        None => false,
    }
}

/// Error messages are one line: control characters typed in the endpoint are escaped.
fn one_line(msg: &str) -> String {
    msg.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn parse_inner(s: &str) -> Result<(Kind, EndpointOpts), String> {
    if s.is_empty() {
        return Err(format!(
            "empty endpoint (expected KIND:ADDRESS, kinds: {KIND_LIST})"
        ));
    }
    let cut = s.find([':', ',']).unwrap_or(s.len());
    let (kind_text, sep, rest) = (&s[..cut], s[cut..].chars().next(), s.get(cut + 1..));
    let rest = rest.unwrap_or("");
    let (base, family) = match Base::lookup(kind_text) {
        Some(found) => found,
        None if kind_text.is_empty() => {
            return Err(format!(
                "missing kind (expected KIND:ADDRESS, kinds: {KIND_LIST})"
            ));
        }
        None => {
            return Err(format!(
                "unknown kind '{kind_text}' (expected one of: {KIND_LIST})"
            ));
        }
    };
    let mut opts = EndpointOpts {
        family,
        ..EndpointOpts::default()
    };
    // The source of the family, for conflict messages.
    let mut family_from = family.map(|_| kind_text.to_ascii_lowercase());

    if matches!(base, Base::Exec | Base::Sh) {
        if sep != Some(':') {
            return Err(format!("missing command (expected {})", base.usage()));
        }
        return Ok((command(base, rest)?, opts));
    }

    let pieces = match (base, sep) {
        (Base::Stdio | Base::Pty, Some(':')) => {
            return Err(format!(
                "{} takes no address (expected {})",
                base.name(),
                base.usage()
            ));
        }
        (Base::Stdio | Base::Pty, Some(_)) => {
            let mut pieces = split_escaped(rest);
            pieces.insert(0, String::new());
            pieces
        }
        (Base::Stdio | Base::Pty, None) => vec![String::new()],
        (_, Some(':')) => split_escaped(rest),
        (_, _) => {
            return Err(format!("missing address (expected {})", base.usage()));
        }
    };
    let (address, options) = pieces.split_first().expect("at least one piece");

    // The address first, so that errors read left to right.
    let kind = match base {
        Base::Stdio => Kind::Stdio,
        Base::Pty => Kind::Pty,
        Base::Tcp => Kind::Tcp(inet(base, address)?),
        Base::TcpListen => Kind::TcpListen(inet(base, address)?),
        Base::Udp => Kind::Udp(inet(base, address)?),
        Base::UdpListen => Kind::UdpListen(inet(base, address)?),
        Base::Unix | Base::UnixDgram => Kind::Unix {
            path: path(base, address)?,
            dgram: base == Base::UnixDgram,
        },
        Base::UnixListen | Base::UnixDgramListen => Kind::UnixListen {
            path: path(base, address)?,
            dgram: base == Base::UnixDgramListen,
        },
        Base::File => Kind::File(path(base, address)?),
        Base::Create => Kind::Create(path(base, address)?),
        Base::Append => Kind::Append(path(base, address)?),
        Base::Fd => Kind::Fd(fd(address)?),
        Base::Can => Kind::Can(can_iface(address)?),
        Base::Tls => Kind::Tls(inet(base, address)?),
        Base::TlsListen => Kind::TlsListen(inet(base, address)?),
        Base::Socks5 | Base::Socks4 | Base::HttpProxy => Kind::Proxy(via(base, address)?),
        Base::Vsock => {
            let (cid, port) = address
                .split_once(':')
                .ok_or_else(|| format!("missing port (expected {})", base.usage()))?;
            Kind::Vsock {
                cid: vsock::number(cid, "CID")?,
                port: vsock::number(port, "port")?,
            }
        }
        Base::VsockListen => Kind::VsockListen {
            port: vsock::number(address, "port")?,
        },
        Base::Exec | Base::Sh => unreachable!("handled above"),
    };

    let mut seen: Vec<Opt> = Vec::new();
    for piece in options {
        let (name, val) = match piece.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (piece.as_str(), None),
        };
        if name.is_empty() {
            return Err(if piece.is_empty() {
                "empty option (a stray comma?)".to_string()
            } else {
                format!("option '{piece}' has no name")
            });
        }
        let Some(opt) = Opt::lookup(name) else {
            return Err(unknown_option(base, name));
        };
        let label = if name.eq_ignore_ascii_case(opt.name()) {
            format!("'{}'", opt.name())
        } else {
            format!("'{name}' ({})", opt.name())
        };
        if !opt.applies(base) {
            return Err(format!("option {label} does not apply to {}", base.name()));
        }
        if seen.contains(&opt) {
            return Err(format!("option {label} given twice"));
        }
        seen.push(opt);
        let val = match (opt.value(), val) {
            (None, None) => "",
            (None, Some(_)) => return Err(format!("option {label} takes no value")),
            (Some(hint), None | Some("")) => {
                return Err(format!(
                    "option {label} needs a value ({}={hint})",
                    opt.name()
                ));
            }
            (Some(_), Some(v)) => v,
        };
        set_option(&mut opts, &mut family_from, opt, name, val)?;
    }

    if let Kind::Tcp(hp)
    | Kind::TcpListen(hp)
    | Kind::Udp(hp)
    | Kind::UdpListen(hp)
    | Kind::Tls(hp)
    | Kind::TlsListen(hp) = &kind
    {
        check_families(base, hp, &opts, family_from.as_deref())?;
    }
    if let Kind::Proxy(v) = &kind {
        check_families(base, &v.proxy, &opts, family_from.as_deref())?;
    }
    Ok((kind, opts))
}

fn unknown_option(base: Base, name: &str) -> String {
    let valid: Vec<&str> = OPTS
        .iter()
        .filter(|&&(n, o)| o.applies(base) && n == o.name())
        .map(|&(n, _)| n)
        .collect();
    let comma = if base.has_path() {
        "; a comma in a path is written \\,"
    } else {
        ""
    };
    if valid.is_empty() {
        format!(
            "unknown option '{name}' for {b} ({b} takes no options{comma})",
            b = base.name()
        )
    } else {
        format!(
            "unknown option '{name}' for {} (expected one of: {}{comma})",
            base.name(),
            valid.join(", ")
        )
    }
}

fn set_option(
    opts: &mut EndpointOpts,
    family_from: &mut Option<String>,
    opt: Opt,
    typed: &str,
    val: &str,
) -> Result<(), String> {
    match opt {
        Opt::Nodelay => opts.nodelay = true,
        Opt::Keepalive => opts.keepalive = true,
        Opt::Reuseaddr => opts.reuseaddr = true,
        Opt::Reuseport => opts.reuseport = true,
        Opt::Broadcast => opts.broadcast = true,
        Opt::Unlink => opts.unlink = true,
        Opt::Raw => opts.raw = true,
        Opt::Ipv4 | Opt::Ipv6 => {
            let want = if opt == Opt::Ipv4 {
                Family::V4
            } else {
                Family::V6
            };
            if let (Some(have), Some(from)) = (opts.family, family_from.as_deref())
                && have != want
            {
                return Err(format!("option '{typed}' conflicts with {from}"));
            }
            opts.family = Some(want);
            *family_from = Some(format!("option '{typed}'"));
        }
        Opt::Bind => {
            let ip = val
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .unwrap_or(val);
            opts.bind = Some(ip.parse::<IpAddr>().map_err(|_| {
                format!(
                    "invalid bind address '{val}' (expected an IP address such as 127.0.0.1 or ::1)"
                )
            })?);
        }
        Opt::Sourceport => {
            opts.sourceport = Some(number(val, "sourceport", 1, 65535)? as u16);
        }
        Opt::Sndbuf => opts.sndbuf = Some(size(val, "sndbuf")?),
        Opt::Rcvbuf => opts.rcvbuf = Some(size(val, "rcvbuf")?),
        Opt::Ttl => opts.ttl = Some(number(val, "ttl", 1, 255)? as u32),
        Opt::Tos => opts.tos = Some(number(val, "tos", 0, 255)? as u32),
        Opt::Backlog => opts.backlog = Some(number(val, "backlog", 1, 65535)? as i32),
        Opt::Mode => opts.mode = Some(mode(val)?),
        Opt::Link => {
            if val.contains('\0') {
                return Err("link path contains a NUL byte".into());
            }
            opts.link = Some(PathBuf::from(val));
        }
        // --- TLS (issue 14 §1) ---
        Opt::Insecure => opts.tls.insecure = true,
        Opt::Ca => opts.tls.ca = Some(file(val, "ca")?),
        Opt::Cert => opts.tls.cert = Some(file(val, "cert")?),
        Opt::Key => opts.tls.key = Some(file(val, "key")?),
        Opt::Sni => {
            if !val
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b))
            {
                return Err(format!("invalid sni '{val}' (expected a host name)"));
            }
            opts.tls.sni = Some(val.to_string());
        }
        Opt::Alpn => opts.tls.alpn = crate::tls::parse_alpn(val, &[';'])?,
        Opt::Pin => opts.tls.pin = Some(crate::tls::parse_pin(val)?),
        // --- end TLS ---
    }
    Ok(())
}

/// A file named by a TLS option.
fn file(val: &str, name: &str) -> Result<PathBuf, String> {
    if val.contains('\0') {
        return Err(format!("{name} path contains a NUL byte"));
    }
    Ok(PathBuf::from(val))
}

/// A CAN interface name, as the kernel takes it (IFNAMSIZ: at most 15 bytes, no '/',
/// whitespace or ':'); `any` receives from every interface but cannot send, so it is refused.
fn can_iface(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("missing interface name (expected can:IFACE, e.g. can:vcan0)".into());
    }
    if name == "any" {
        return Err("can:any cannot send: name one interface (can:vcan0)".into());
    }
    if name.len() > 15 {
        return Err(format!("interface name '{name}' is longer than 15 bytes"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err(format!("interface name '{name}' contains {c:?}"));
    }
    Ok(name.to_string())
}

/// A decimal number in `lo..=hi`.
fn number(val: &str, name: &str, lo: u64, hi: u64) -> Result<u64, String> {
    if val.is_empty() || !val.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid {name} '{val}' (expected a number {lo}-{hi})"
        ));
    }
    match val.parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(format!("{name}={val} out of range {lo}-{hi}")),
    }
}

/// A socket buffer size, as the CLI's `--sndbuf` takes it.
fn size(val: &str, name: &str) -> Result<usize, String> {
    value::bytes(val).map_err(|_| {
        format!(
            "invalid {name} '{val}' (expected bytes like 65536, 64k or 1m, at most {})",
            i32::MAX
        )
    })
}

/// Octal permissions: `600`, `0600`, `0o600`, at most `7777`.
fn mode(val: &str) -> Result<u32, String> {
    let digits = val.strip_prefix("0o").unwrap_or(val);
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(format!(
            "invalid mode '{val}' (expected octal permissions like 600 or 0600)"
        ));
    }
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o7777 => Ok(m),
        _ => Err(format!("mode={val} out of range 0-7777 (octal)")),
    }
}

/// Splits at unescaped commas; `\,` is a comma and `\\` a backslash, any other backslash stays.
fn split_escaped(s: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let cur = pieces.last_mut().expect("never empty");
        match c {
            '\\' if matches!(chars.peek(), Some(',' | '\\')) => {
                cur.push(chars.next().expect("peeked"));
            }
            ',' => pieces.push(String::new()),
            _ => cur.push(c),
        }
    }
    pieces
}

/// The inverse of [`split_escaped`] for one piece.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(',', "\\,")
}

fn command(base: Base, cmd: &str) -> Result<Kind, String> {
    if cmd.contains('\0') {
        return Err("command contains a NUL byte".into());
    }
    let argv = if base == Base::Sh {
        if cmd.trim().is_empty() {
            return Err(format!("empty command (expected {})", base.usage()));
        }
        vec![SHELL.to_string(), "-c".to_string(), cmd.to_string()]
    } else {
        let argv = shlex::split(cmd).ok_or_else(|| {
            format!("unbalanced quotes (or a trailing backslash) in command '{cmd}'")
        })?;
        if argv.is_empty() {
            return Err(format!("empty command (expected {})", base.usage()));
        }
        argv
    };
    Ok(Kind::Exec {
        argv,
        shown: cmd.to_string(),
    })
}

fn path(base: Base, p: &str) -> Result<PathBuf, String> {
    if p.is_empty() {
        return Err(format!("empty path (expected {})", base.usage()));
    }
    if p.contains('\0') {
        return Err("path contains a NUL byte".into());
    }
    if base.is_unix() && p == "@" {
        return Err("empty abstract socket name after '@'".into());
    }
    Ok(PathBuf::from(p))
}

fn fd(s: &str) -> Result<i32, String> {
    if s.is_empty() {
        return Err("missing file descriptor (expected fd:N)".into());
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid file descriptor '{s}' (expected fd:N, N a number)"
        ));
    }
    s.parse::<i32>()
        .map_err(|_| format!("fd:{s} out of range 0-{}", i32::MAX))
}

/// `HOST:PORT`, `[V6]:PORT`, and for listeners also `PORT` alone and an empty or `*` ADDR.
fn inet(base: Base, s: &str) -> Result<HostPort, String> {
    let listen = base.is_listen();
    let missing_port = || format!("missing port (expected {})", base.usage());
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("missing ']' after the IPv6 address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p,
            None if after.is_empty() => return Err(missing_port()),
            None => return Err(format!("expected ':PORT' after ']', found '{after}'")),
        };
        (v6_host(inside)?, port)
    } else if let Some((h, p)) = s.rsplit_once(':') {
        if h.contains(':') {
            return Err("too many ':' (IPv6 addresses are bracketed, as in [::1]:80)".into());
        }
        (plain_host(h)?, p)
    } else if listen {
        (Host::Any, s)
    } else if s.is_empty() {
        return Err(format!("missing host and port (expected {})", base.usage()));
    } else {
        return Err(missing_port());
    };
    if port.is_empty() {
        return Err(missing_port());
    }
    let port = Port::parse(port)?;
    if !listen {
        if host == Host::Any {
            return Err(format!("missing host (expected {})", base.usage()));
        }
        if port == Port::Number(0) {
            return Err("port 0 is only valid for a listener".into());
        }
    }
    if host == Host::Broadcast && base.is_tcp() {
        return Err("<broadcast> is for udp only".into());
    }
    Ok(HostPort { host, port })
}

/// `PROXY:PPORT:HOST:PORT` (either host bracketed when IPv6): the proxy ends at the second
/// ':' outside brackets.
fn via(base: Base, s: &str) -> Result<super::proxy::Via, String> {
    let protocol = match base {
        Base::Socks5 => crate::proxy::Protocol::Socks5,
        Base::Socks4 => crate::proxy::Protocol::Socks4,
        _ => crate::proxy::Protocol::Http,
    };
    let host_end = match s.strip_prefix('[') {
        Some(rest) => rest.find(']').map_or(s.len(), |i| i + 2),
        None => s.find(':').unwrap_or(s.len()),
    };
    let split = s[host_end..]
        .strip_prefix(':')
        .and_then(|rest| rest.find(':'))
        .map(|i| host_end + 1 + i);
    let Some(split) = split else {
        return Err(format!(
            "missing HOST:PORT after the proxy (expected {})",
            base.usage()
        ));
    };
    Ok(super::proxy::Via {
        protocol,
        proxy: inet(base, &s[..split])?,
        target: inet(base, &s[split + 1..])?,
    })
}

/// The inside of `[...]`: an IPv6 literal with an optional `%scope`.
fn v6_host(inside: &str) -> Result<Host, String> {
    if inside.is_empty() {
        return Err("empty brackets (expected an IPv6 address, as in [::1]:80)".into());
    }
    let (ip, scope) = match inside.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (inside, None),
    };
    if ip.parse::<Ipv6Addr>().is_err() {
        return Err(format!(
            "'[{inside}]' is not an IPv6 address (only IPv6 addresses are bracketed)"
        ));
    }
    if let Some(scope) = scope {
        let ok = !scope.is_empty()
            && scope
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok {
            return Err(format!("invalid scope id '%{scope}' in '[{inside}]'"));
        }
    }
    Ok(Host::Name(inside.to_string()))
}

/// An unbracketed host: a name or IPv4 literal, empty or `*` (any), `<broadcast>`.
fn plain_host(h: &str) -> Result<Host, String> {
    match h {
        "" | "*" => Ok(Host::Any),
        "<broadcast>" => Ok(Host::Broadcast),
        _ if !h.starts_with('-')
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) =>
        {
            Ok(Host::Name(h.to_string()))
        }
        _ => Err(format!("invalid host '{h}'")),
    }
}

fn host_family(host: &Host) -> Option<Family> {
    match host {
        Host::Broadcast => Some(Family::V4),
        Host::Any => None,
        Host::Name(n) => match n.split('%').next().unwrap_or(n).parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => Some(Family::V4),
            Ok(IpAddr::V6(_)) => Some(Family::V6),
            Err(_) => None,
        },
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 | Family::Any => "IPv6",
    }
}

/// The family asked for, the host literal's and the bind address's must agree; a listener
/// takes its address either in the address part or from `bind=`, not both.
fn check_families(
    base: Base,
    hp: &HostPort,
    opts: &EndpointOpts,
    family_from: Option<&str>,
) -> Result<(), String> {
    let host = host_family(&hp.host);
    let bind = opts
        .bind
        .map(|ip| if ip.is_ipv4() { Family::V4 } else { Family::V6 });
    if let (Some(want), Some(from)) = (opts.family, family_from) {
        if let Some(h) = host.filter(|&h| h != want) {
            return Err(format!(
                "{} address '{}' conflicts with {from}",
                family_name(h),
                hp.host
            ));
        }
        if let (Some(b), Some(ip)) = (bind.filter(|&b| b != want), opts.bind) {
            return Err(format!(
                "bind={ip} is {} and conflicts with {from}",
                family_name(b)
            ));
        }
    }
    if let Some(ip) = opts.bind {
        if base.is_listen() && hp.host != Host::Any {
            return Err(format!(
                "bind={ip} and the listen address '{}' both given (use one)",
                hp.host
            ));
        }
        if let (Some(h), Some(b)) = (host, bind)
            && h != b
        {
            return Err(format!(
                "bind={ip} is {} but the host '{}' is {}",
                family_name(b),
                hp.host,
                family_name(h)
            ));
        }
    }
    Ok(())
}

/// Writes a kind and its options in the canonical form (see `Endpoint::canonical`).
pub(super) fn canonical(kind: &Kind, opts: &EndpointOpts) -> String {
    let listen_addr = |hp: &HostPort| match hp.host {
        Host::Any => hp.port.to_string(),
        _ => hp.to_string(),
    };
    let path = |p: &PathBuf| escape(&p.to_string_lossy());
    let mut out = match kind {
        Kind::Stdio | Kind::Pty => kind.name().to_string(),
        Kind::Tcp(hp) | Kind::Udp(hp) => format!("{}:{hp}", kind.name()),
        Kind::TcpListen(hp) | Kind::UdpListen(hp) | Kind::TlsListen(hp) => {
            format!("{}:{}", kind.name(), listen_addr(hp))
        }
        Kind::Tls(hp) => format!("tls:{hp}"),
        Kind::Unix { path: p, .. } | Kind::UnixListen { path: p, .. } => {
            format!("{}:{}", kind.name(), path(p))
        }
        Kind::File(p) | Kind::Create(p) | Kind::Append(p) => {
            format!("{}:{}", kind.name(), path(p))
        }
        // The command is the rest of the string, commas and all: it takes no options.
        Kind::Exec { shown, .. } => return format!("{}:{shown}", kind.name()),
        Kind::Fd(n) => format!("fd:{n}"),
        Kind::Can(name) => format!("can:{name}"),
        Kind::Proxy(v) => format!("{}:{}:{}", kind.name(), v.proxy, v.target),
        Kind::Vsock { cid, port } => format!("vsock:{cid}:{port}"),
        Kind::VsockListen { port } => format!("vsock-listen:{port}"),
    };
    let mut flag = |on: bool, name: &str| {
        if on {
            out.push(',');
            out.push_str(name);
        }
    };
    flag(opts.nodelay, "nodelay");
    flag(opts.keepalive, "keepalive");
    flag(opts.reuseaddr, "reuseaddr");
    flag(opts.reuseport, "reuseport");
    flag(opts.broadcast, "broadcast");
    flag(opts.family == Some(Family::V4), "ipv4");
    flag(opts.family == Some(Family::V6), "ipv6");
    flag(opts.unlink, "unlink");
    flag(opts.raw, "raw");
    flag(opts.tls.insecure, "insecure");
    let mut valued = |v: Option<String>, name: &str| {
        if let Some(v) = v {
            out.push_str(&format!(",{name}={v}"));
        }
    };
    valued(opts.bind.map(|ip| ip.to_string()), "bind");
    valued(opts.sourceport.map(|n| n.to_string()), "sourceport");
    valued(opts.sndbuf.map(|n| n.to_string()), "sndbuf");
    valued(opts.rcvbuf.map(|n| n.to_string()), "rcvbuf");
    valued(opts.ttl.map(|n| n.to_string()), "ttl");
    valued(opts.tos.map(|n| n.to_string()), "tos");
    valued(opts.backlog.map(|n| n.to_string()), "backlog");
    valued(opts.mode.map(|m| format!("{m:04o}")), "mode");
    valued(opts.link.as_ref().map(path), "link");
    // --- TLS (issue 14 §1) ---
    let t = &opts.tls;
    valued(t.ca.as_ref().map(path), "ca");
    valued(t.sni.clone(), "sni");
    valued((!t.alpn.is_empty()).then(|| t.alpn.join(";")), "alpn");
    valued(t.cert.as_ref().map(path), "cert");
    valued(t.key.as_ref().map(path), "key");
    valued(t.pin.map(|p| crate::tls::hex(&p)), "pin");
    out
}
