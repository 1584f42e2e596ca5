//! Addresses as users type them (SPEC §2): `HOST PORT` pairs, endpoint strings, ports and
//! service names, resolution through the system's getaddrinfo, and printing addresses back.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::SockAddr;

use crate::sys;

/// Which address families a command may use (`-4`, `-6`, default both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    #[default]
    Any,
    V4,
    V6,
}

impl Family {
    fn ai_family(self) -> i32 {
        match self {
            Family::Any => libc::AF_UNSPEC,
            Family::V4 => libc::AF_INET,
            Family::V6 => libc::AF_INET6,
        }
    }
}

/// Transport of an internet endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// A host as typed: a name or literal, the any-address (`''`, `0.0.0.0`, `::`), or
/// `<broadcast>` (INADDR_BROADCAST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Name(String),
    Any,
    Broadcast,
}

impl Host {
    pub fn parse(s: &str) -> Host {
        match s {
            "" | "*" => Host::Any,
            "<broadcast>" => Host::Broadcast,
            _ => Host::Name(s.to_string()),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) if n.contains(':') => write!(f, "[{n}]"),
            Host::Name(n) => f.write_str(n),
            Host::Any => f.write_str("*"),
            Host::Broadcast => f.write_str("<broadcast>"),
        }
    }
}

/// A port as typed: a number, or a service name looked up in /etc/services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Port {
    Number(u16),
    Service(String),
}

impl Port {
    pub fn parse(s: &str) -> Result<Port, String> {
        if s.is_empty() {
            return Err("empty port".into());
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return match s.parse::<u32>() {
                Ok(n) if n <= 65535 => Ok(Port::Number(n as u16)),
                _ => Err(format!(
                    "invalid port '{s}': must be 0-65535 or a service name"
                )),
            };
        }
        let ok = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b));
        if !ok || s.starts_with('-') {
            return Err(format!(
                "invalid port '{s}': must be 0-65535 or a service name"
            ));
        }
        Ok(Port::Service(s.to_string()))
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Number(n) => write!(f, "{n}"),
            Port::Service(s) => f.write_str(s),
        }
    }
}

/// An internet address as typed: host and port, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub host: Host,
    pub port: Port,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// A resolution failure, with the resolver's own reason (maps to exit code 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    pub what: String,
    pub reason: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.what, self.reason)
    }
}

impl std::error::Error for ResolveError {}

/// How to resolve a [`HostPort`].
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    pub family: Family,
    pub proto: Proto,
    /// For binding: the any-address when the host is `Host::Any` (AI_PASSIVE).
    pub passive: bool,
    /// `-n`: the host must be a numeric literal (AI_NUMERICHOST).
    pub numeric: bool,
}

/// Resolve with getaddrinfo, keeping the resolver's order and dropping duplicates.
pub fn resolve(hp: &HostPort, how: Lookup) -> Result<Vec<SocketAddr>, ResolveError> {
    let service = hp.port.to_string();
    let host = match &hp.host {
        Host::Any => None,
        Host::Broadcast => {
            let port = resolve_port(&hp.port, how.proto)?;
            if how.family == Family::V6 {
                return Err(ResolveError {
                    what: "<broadcast>".into(),
                    reason: "broadcast is IPv4 only".into(),
                });
            }
            return Ok(vec![SocketAddr::new(Ipv4Addr::BROADCAST.into(), port)]);
        }
        Host::Name(n) => Some(n.as_str()),
    };
    let mut flags = libc::AI_ADDRCONFIG;
    if how.passive || host.is_none() {
        flags |= libc::AI_PASSIVE;
    }
    if how.numeric {
        flags |= libc::AI_NUMERICHOST;
    }
    // Literal addresses must not depend on which families are configured (AI_ADDRCONFIG
    // would refuse ::1 on a host whose only IPv6 address is loopback), and neither may an
    // explicit -4/-6: the user asked for that family.
    if how.family != Family::Any
        || host.is_some_and(|h| h.split('%').next().unwrap_or(h).parse::<IpAddr>().is_ok())
    {
        flags &= !libc::AI_ADDRCONFIG;
    }
    let hints = sys::Hints {
        family: how.family.ai_family(),
        socktype: socktype(how.proto),
        protocol: 0,
        flags,
    };
    // A container or namespace with only `lo` has no "configured" family at all: a name that
    // resolves must not fail because of AI_ADDRCONFIG, so ask again without it.
    let found = sys::getaddrinfo(host, Some(&service), hints).or_else(|e| {
        if flags & libc::AI_ADDRCONFIG != 0 && e.code != libc::EAI_SERVICE {
            let plain = sys::Hints {
                flags: flags & !libc::AI_ADDRCONFIG,
                ..hints
            };
            sys::getaddrinfo(host, Some(&service), plain).map_err(|_| e)
        } else {
            Err(e)
        }
    });
    let found = found.map_err(|e| ResolveError {
        what: match host {
            Some(h) if e.code == libc::EAI_SERVICE => format!("service '{service}' for {h}"),
            None if e.code == libc::EAI_SERVICE => format!("service '{service}'"),
            Some(h) => format!("'{h}'"),
            None => "the any-address".into(),
        },
        reason: e.message,
    })?;
    let mut addrs: Vec<SocketAddr> = Vec::with_capacity(found.len());
    for ai in found {
        if !addrs.contains(&ai.addr) {
            addrs.push(ai.addr);
        }
    }
    Ok(addrs)
}

/// Resolve a port or service name alone (for `<broadcast>` and source ports).
pub fn resolve_port(port: &Port, proto: Proto) -> Result<u16, ResolveError> {
    match port {
        Port::Number(n) => Ok(*n),
        Port::Service(name) => {
            let hints = sys::Hints {
                family: libc::AF_INET,
                socktype: socktype(proto),
                protocol: 0,
                flags: libc::AI_PASSIVE | libc::AI_NUMERICHOST,
            };
            let found = sys::getaddrinfo(None, Some(name), hints).map_err(|e| ResolveError {
                what: format!("service '{name}'"),
                reason: e.message,
            })?;
            Ok(found.first().map_or(0, |ai| ai.addr.port()))
        }
    }
}

fn socktype(proto: Proto) -> i32 {
    match proto {
        Proto::Tcp => libc::SOCK_STREAM,
        Proto::Udp => libc::SOCK_DGRAM,
    }
}

/// The wildcard addresses a server binds when given no address.
pub fn any_addr(family: Family, port: u16) -> SocketAddr {
    match family {
        Family::V4 => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port),
        Family::Any | Family::V6 => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port),
    }
}

/// A unix socket address from a path; a leading `@` names the Linux abstract namespace.
pub fn unix_addr(path: &std::path::Path) -> std::io::Result<SockAddr> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        let mut abstract_name = vec![0u8];
        abstract_name.extend_from_slice(name);
        return SockAddr::unix(std::ffi::OsStr::from_bytes(&abstract_name));
    }
    SockAddr::unix(path)
}

/// Print an address the way users read it: IPv4-mapped IPv6 as plain IPv4, IPv6 bracketed,
/// unix paths as paths, abstract names as `@name`, unnamed unix sockets as `(unnamed)`.
pub fn display(addr: &SockAddr) -> String {
    if let Some(sa) = addr.as_socket() {
        return display_inet(sa);
    }
    if let Some(name) = addr.as_abstract_namespace() {
        return format!("@{}", String::from_utf8_lossy(name));
    }
    if let Some(path) = addr.as_pathname() {
        return path.display().to_string();
    }
    if let Some((cid, port)) = addr.as_vsock_address() {
        return super::vsock::display(cid, port);
    }
    "(unnamed)".to_string()
}

pub fn display_inet(sa: SocketAddr) -> String {
    match sa {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()).to_string(),
            None => sa.to_string(),
        },
        SocketAddr::V4(_) => sa.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort {
            host: Host::parse(host),
            port: Port::Number(port),
        }
    }

    #[test]
    fn ports() {
        assert_eq!(Port::parse("80"), Ok(Port::Number(80)));
        assert_eq!(Port::parse("0"), Ok(Port::Number(0)));
        assert_eq!(Port::parse("http"), Ok(Port::Service("http".into())));
        assert!(Port::parse("70000").unwrap_err().contains("70000"));
        assert!(Port::parse("99999999999999").is_err());
        assert!(Port::parse("").is_err());
        assert!(Port::parse("a b").is_err());
    }

    #[test]
    fn resolves_literals_and_broadcast() {
        let how = Lookup {
            family: Family::Any,
            proto: Proto::Tcp,
            passive: false,
            numeric: true,
        };
        assert_eq!(
            resolve(&hp("127.0.0.1", 7), how).unwrap(),
            vec!["127.0.0.1:7".parse().unwrap()]
        );
        assert_eq!(
            resolve(&hp("::1", 7), how).unwrap(),
            vec!["[::1]:7".parse().unwrap()]
        );
        let b = resolve(&hp("<broadcast>", 9), how).unwrap();
        assert_eq!(b, vec!["255.255.255.255:9".parse().unwrap()]);
        let v4only = Lookup {
            family: Family::V4,
            ..how
        };
        assert!(resolve(&hp("::1", 7), v4only).is_err());
        let err = resolve(&hp("not a host", 7), how).unwrap_err();
        assert!(err.to_string().contains("'not a host'"));
    }

    #[test]
    fn displays_mapped_v4_plainly() {
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5".parse().unwrap();
        assert_eq!(display_inet(mapped), "127.0.0.1:5");
        assert_eq!(display(&unix_addr("@sock".as_ref()).unwrap()), "@sock");
        assert_eq!(display(&unix_addr("/tmp/a".as_ref()).unwrap()), "/tmp/a");
    }
}
