//! TEMPORARY minimal endpoint types (replaced by the parser branch).

pub mod open;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::sock::SockOpts;
use crate::sock::addr::{Family, HostPort};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub kind: Kind,
    pub opts: EndpointOpts,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Stdio,
    Tcp(HostPort),
    TcpListen(HostPort),
    Udp(HostPort),
    UdpListen(HostPort),
    Unix { path: PathBuf, dgram: bool },
    UnixListen { path: PathBuf, dgram: bool },
    Exec { argv: Vec<String>, shown: String },
    File(PathBuf),
    Create(PathBuf),
    Append(PathBuf),
    Fd(i32),
    Pty,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointOpts {
    pub nodelay: bool,
    pub keepalive: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub broadcast: bool,
    pub bind: Option<IpAddr>,
    pub sourceport: Option<u16>,
    pub sndbuf: Option<usize>,
    pub rcvbuf: Option<usize>,
    pub ttl: Option<u32>,
    pub tos: Option<u32>,
    pub backlog: Option<i32>,
    pub family: Option<Family>,
    pub mode: Option<u32>,
    pub unlink: bool,
    pub link: Option<PathBuf>,
    pub raw: bool,
}

impl EndpointOpts {
    pub fn sock_opts(&self, base: &SockOpts) -> SockOpts {
        let mut o = base.clone();
        o.nodelay |= self.nodelay;
        o.keepalive |= self.keepalive;
        o.reuseaddr |= self.reuseaddr;
        o.reuseport |= self.reuseport;
        o.broadcast |= self.broadcast;
        o.source = self.bind.or(o.source);
        o.source_port = self.sourceport.or(o.source_port);
        o.sndbuf = self.sndbuf.or(o.sndbuf);
        o.rcvbuf = self.rcvbuf.or(o.rcvbuf);
        o.ttl = self.ttl.or(o.ttl);
        o.tos = self.tos.or(o.tos);
        o.backlog = self.backlog.or(o.backlog);
        o
    }
}

impl Kind {
    pub fn is_listen(&self) -> bool {
        matches!(
            self,
            Kind::TcpListen(_) | Kind::UdpListen(_) | Kind::UnixListen { .. }
        )
    }
    pub fn is_datagram(&self) -> bool {
        matches!(
            self,
            Kind::Udp(_)
                | Kind::UdpListen(_)
                | Kind::Unix { dgram: true, .. }
                | Kind::UnixListen { dgram: true, .. }
        )
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Endpoint {
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        let mk = |kind| {
            Ok(Endpoint {
                kind,
                opts: EndpointOpts::default(),
                text: s.to_string(),
            })
        };
        if s == "-" || s == "stdio" {
            return mk(Kind::Stdio);
        }
        if s == "pty" {
            return mk(Kind::Pty);
        }
        let (k, rest) = s
            .split_once(':')
            .ok_or_else(|| format!("invalid endpoint '{s}'"))?;
        match k {
            "exec" => mk(Kind::Exec {
                argv: shlex::split(rest).ok_or("bad quotes")?,
                shown: rest.into(),
            }),
            "sh" => mk(Kind::Exec {
                argv: vec!["/bin/sh".into(), "-c".into(), rest.into()],
                shown: rest.into(),
            }),
            "file" => mk(Kind::File(rest.into())),
            "create" => mk(Kind::Create(rest.into())),
            "append" => mk(Kind::Append(rest.into())),
            "fd" => mk(Kind::Fd(rest.parse().map_err(|_| "bad fd")?)),
            "unix-dgram" => mk(Kind::Unix {
                path: rest.into(),
                dgram: true,
            }),
            _ => {
                use crate::sock::addr::{Endpoint as Old, Proto};
                match Old::parse(s)? {
                    Old::Connect(Proto::Tcp, hp) => mk(Kind::Tcp(hp)),
                    Old::Connect(Proto::Udp, hp) => mk(Kind::Udp(hp)),
                    Old::Listen(Proto::Tcp, hp) => mk(Kind::TcpListen(hp)),
                    Old::Listen(Proto::Udp, hp) => mk(Kind::UdpListen(hp)),
                    Old::Unix(path) => mk(Kind::Unix { path, dgram: false }),
                    Old::UnixListen(path) => mk(Kind::UnixListen { path, dgram: false }),
                }
            }
        }
    }
}
