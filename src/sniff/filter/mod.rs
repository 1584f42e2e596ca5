//! Capture filters: the common subset of pcap-filter(7), parsed (`parse`), compiled to classic
//! BPF for a link type or a live AF_PACKET socket (`compile`, with `socket` adding the
//! loopback prologue and the snap length for the socket), and run in user space (`vm`) for
//! capture files.
//!
//! Supported: `host`, `net` (CIDR and `A.B.C` forms), `port`, `portrange`, the direction
//! qualifiers `src`, `dst`, `src or dst`, `src and dst`, the protocols `ip ip6 arp rarp tcp udp
//! icmp icmp6`, `vlan [ID]`, `and or not && || !` and parentheses.

use std::fmt;
use std::net::IpAddr;

pub mod compile;
pub mod parse;
pub mod socket;
pub mod vm;

#[allow(unused_imports)] // re-exports for cmd::sniff
pub use compile::{Insn, Target, compile, validate};
#[allow(unused_imports)]
pub use parse::parse;
#[allow(unused_imports)]
pub use vm::{Ctx, run, run_ctx};

/// A parse or compile error: what is wrong and where (1-based character column in the
/// expression; one past the end for "unexpected end").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub pos: usize,
    pub msg: String,
    /// The whole expression, quoted in the message.
    pub expr: String,
}

impl FilterError {
    pub fn new(pos: usize, msg: String, expr: &str) -> FilterError {
        FilterError {
            pos,
            msg,
            expr: expr.to_string(),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos == 0 {
            write!(f, "filter: {}: '{}'", self.msg, self.expr)
        } else {
            write!(
                f,
                "filter: {} at position {}: '{}'",
                self.msg, self.pos, self.expr
            )
        }
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Ip,
    Ip6,
    Arp,
    Rarp,
    Tcp,
    Udp,
    Icmp,
    Icmp6,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Ip => "ip",
            Proto::Ip6 => "ip6",
            Proto::Arp => "arp",
            Proto::Rarp => "rarp",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Icmp6 => "icmp6",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prim {
    /// A protocol alone: `tcp`, `ip6`, `arp`, ...
    Proto(Proto),
    /// `vlan [ID]`; like libpcap, shifts the offsets of everything after it by 4 bytes
    /// (for capture files, where tags are in the packet).
    Vlan(Option<u16>),
    /// `[ip|ip6|arp|rarp] [DIR] host ADDR`
    Host {
        proto: Option<Proto>,
        dir: Dir,
        addr: IpAddr,
    },
    /// `[ip|ip6|arp|rarp] [DIR] net ADDR/PREFIX` (ADDR already masked)
    Net {
        proto: Option<Proto>,
        dir: Dir,
        addr: IpAddr,
        prefix: u8,
    },
    /// `[tcp|udp] [DIR] port N` (lo == hi) or `portrange LO-HI`
    Port {
        proto: Option<Proto>,
        dir: Dir,
        lo: u16,
        hi: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Prim(Prim),
}

fn quals(f: &mut fmt::Formatter<'_>, proto: &Option<Proto>, dir: &Dir) -> fmt::Result {
    if let Some(p) = proto {
        write!(f, "{} ", p.name())?;
    }
    match dir {
        Dir::Src => write!(f, "src "),
        Dir::Dst => write!(f, "dst "),
        Dir::SrcAndDst => write!(f, "src and dst "),
        Dir::SrcOrDst => Ok(()),
    }
}

impl fmt::Display for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prim::Proto(p) => write!(f, "{}", p.name()),
            Prim::Vlan(None) => write!(f, "vlan"),
            Prim::Vlan(Some(id)) => write!(f, "vlan {id}"),
            Prim::Host { proto, dir, addr } => {
                quals(f, proto, dir)?;
                write!(f, "host {addr}")
            }
            Prim::Net {
                proto,
                dir,
                addr,
                prefix,
            } => {
                quals(f, proto, dir)?;
                write!(f, "net {addr}/{prefix}")
            }
            Prim::Port { proto, dir, lo, hi } => {
                quals(f, proto, dir)?;
                if lo == hi {
                    write!(f, "port {lo}")
                } else {
                    write!(f, "portrange {lo}-{hi}")
                }
            }
        }
    }
}

/// Fully parenthesized, so that the output parses back to the same tree.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(a, b) => write!(f, "({a} and {b})"),
            Expr::Or(a, b) => write!(f, "({a} or {b})"),
            Expr::Not(a) => write!(f, "(not {a})"),
            Expr::Prim(p) => write!(f, "{p}"),
        }
    }
}

#[cfg(test)]
mod tcpdump;
