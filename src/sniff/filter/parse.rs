//! Tokenizer and recursive-descent parser for the pcap-filter subset.
//!
//! As in libpcap's grammar, `and` and `or` have equal precedence and associate left to right
//! (`a or b and c` is `(a or b) and c`; `tcpdump -d` agrees), `not` binds tighter, and a bare
//! value after `and`/`or`/`not` inherits the qualifiers of the last primitive
//! (`host a or b` is `host a or host b`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Dir, Expr, FilterError, Prim, Proto};

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    LParen,
    RParen,
    And,
    Or,
    Not,
}

/// The most tokens an expression may have. The parser, the compiler, `Display` and `Drop`
/// recurse once per nesting level or chained `and`/`or`, so this and MAX_DEPTH bound their
/// stack depth
/// (a 128 KiB argument of `((((`, `!!!!` or `ip&&ip&&` overflowed the stack). Real filters are
/// far shorter: a `host` or `port` test alone takes several of the kernel's 4096 instructions.
pub const MAX_TOKENS: usize = 4096;
/// The most `not`s and `(`s one primitive may sit inside (their recursion has big frames).
pub const MAX_DEPTH: usize = 256;

/// Tokens with their 1-based positions (character columns).
fn tokenize(s: &str) -> Result<Vec<(usize, Tok<'_>)>, FilterError> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    // Columns are asked for in increasing byte order: count on from the last one, so that a
    // long argument costs linear time, not quadratic.
    let mut last = (0usize, 1usize);
    let mut col = |i: usize| {
        last = (i, last.1 + s[last.0..i].chars().count());
        last.1
    };
    let too_long = |out: &Vec<(usize, Tok<'_>)>| {
        let msg = format!("expression too long (more than {MAX_TOKENS} words and operators)");
        FilterError::new(out[MAX_TOKENS].0, msg, s)
    };
    while let Some(&(i, c)) = it.peek() {
        if out.len() > MAX_TOKENS {
            return Err(too_long(&out));
        }
        let two = s.get(i..i + 2);
        match c {
            c if c.is_whitespace() => {
                it.next();
            }
            '(' | ')' | '!' => {
                it.next();
                let t = match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    _ => Tok::Not,
                };
                out.push((col(i), t));
            }
            '&' | '|' => {
                if two == Some("&&") || two == Some("||") {
                    it.next();
                    it.next();
                    out.push((col(i), if c == '&' { Tok::And } else { Tok::Or }));
                } else {
                    return Err(FilterError::new(col(i), format!("unexpected '{c}'"), s));
                }
            }
            _ => {
                let mut end = s.len();
                while let Some(&(j, d)) = it.peek() {
                    if d.is_whitespace() || "()!&|".contains(d) {
                        end = j;
                        break;
                    }
                    it.next();
                }
                let w = &s[i..end];
                let t = match w {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Word(w),
                };
                out.push((col(i), t));
            }
        }
    }
    if out.len() > MAX_TOKENS {
        return Err(too_long(&out));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Host,
    Net,
    Port,
    Portrange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quals {
    proto: Option<Proto>,
    dir: Dir,
    kind: Kind,
}

/// Looks up `host NAME`: every address of the name, or the resolver's reason.
pub type Resolver<'r> = &'r mut dyn FnMut(&str) -> Result<Vec<IpAddr>, String>;

struct Parser<'a, 'r> {
    src: &'a str,
    toks: Vec<(usize, Tok<'a>)>,
    i: usize,
    last: Option<Quals>,
    resolve: Resolver<'r>,
    /// `not`s and `(`s open around the current token, at most MAX_DEPTH.
    depth: usize,
}

/// pcap-filter words outside our subset: named in the error instead of "expected a host".
const UNSUPPORTED: &[&str] = &[
    "ether",
    "greater",
    "less",
    "len",
    "broadcast",
    "multicast",
    "inbound",
    "outbound",
    "proto",
    "protochain",
    "gateway",
    "mask",
    "sctp",
    "igmp",
    "igrp",
    "pim",
    "vrrp",
    "carp",
    "ah",
    "esp",
    "ifname",
    "on",
    "rnr",
    "rulenum",
    "reason",
    "rset",
    "srnr",
    "subrulenum",
    "action",
    "link",
    "ppp",
    "slip",
    "fddi",
    "tr",
    "wlan",
    "type",
    "subtype",
    "addr1",
    "addr2",
    "addr3",
    "addr4",
    "ra",
    "ta",
    "mpls",
    "pppoed",
    "pppoes",
    "geneve",
    "vxlan",
    "llc",
    "stp",
    "ipx",
    "netbeui",
    "decnet",
    "lat",
    "sca",
    "moprc",
    "mopdl",
    "iso",
    "esis",
    "isis",
    "clnp",
    "atalk",
    "aarp",
    "byte",
    "index",
    "lane",
    "oamf4",
    "oamf4s",
    "oamf4e",
    "oam",
    "metac",
    "bcc",
    "sc",
    "ilmic",
    "connectmsg",
    "metaconnect",
    "vpi",
    "vci",
    "hdpr",
    "dir",
    "ip4",
];

/// A word that can only be a host name (letters, digits, '-', '.', '_'; not all digits).
fn is_host_name(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_alphabetic())
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

fn proto_word(w: &str) -> Option<Proto> {
    Some(match w {
        "ip" => Proto::Ip,
        "ip6" => Proto::Ip6,
        "arp" => Proto::Arp,
        "rarp" => Proto::Rarp,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "icmp" => Proto::Icmp,
        "icmp6" => Proto::Icmp6,
        _ => return None,
    })
}

fn kind_word(w: &str) -> Option<Kind> {
    Some(match w {
        "host" => Kind::Host,
        "net" => Kind::Net,
        "port" => Kind::Port,
        "portrange" => Kind::Portrange,
        _ => return None,
    })
}

fn is_keyword(w: &str) -> bool {
    proto_word(w).is_some() || kind_word(w).is_some() || matches!(w, "src" | "dst" | "vlan")
}

impl<'a> Parser<'a, '_> {
    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError::new(pos, msg.into(), self.src))
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.i).map(|t| &t.1)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok<'a>> {
        self.toks.get(self.i + k).map(|t| &t.1)
    }

    /// Position of the current token, or just past the end.
    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .map_or(self.src.chars().count() + 1, |t| t.0)
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of expression".into(),
            Some(Tok::Word(w)) => format!("'{w}'"),
            Some(Tok::LParen) => "'('".into(),
            Some(Tok::RParen) => "')'".into(),
            Some(Tok::And) => "'and'".into(),
            Some(Tok::Or) => "'or'".into(),
            Some(Tok::Not) => "'not'".into(),
        }
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.term()?;
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.i += 1;
                    let r = self.term()?;
                    e = Expr::And(Box::new(e), Box::new(r));
                }
                Some(Tok::Or) => {
                    self.i += 1;
                    let r = self.term()?;
                    e = Expr::Or(Box::new(e), Box::new(r));
                }
                _ => return Ok(e),
            }
        }
    }

    fn term(&mut self) -> Result<Expr, FilterError> {
        if matches!(self.peek(), Some(Tok::Not | Tok::LParen)) {
            if self.depth == MAX_DEPTH {
                return self.err(self.pos(), format!("nested more than {MAX_DEPTH} deep"));
            }
            self.depth += 1;
            let e = self.term_inner();
            self.depth -= 1;
            return e;
        }
        self.term_inner()
    }

    fn term_inner(&mut self) -> Result<Expr, FilterError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.i += 1;
                Ok(Expr::Not(Box::new(self.term()?)))
            }
            Some(Tok::LParen) => {
                let open = self.pos();
                self.i += 1;
                let e = self.expr()?;
                match self.peek() {
                    Some(Tok::RParen) => {
                        self.i += 1;
                        Ok(e)
                    }
                    None => self.err(open, "unbalanced '('"),
                    _ => {
                        if let Some(w) = self.word() {
                            self.supported(w)?;
                        }
                        self.err(
                            self.pos(),
                            format!("expected ')', found {}", self.describe()),
                        )
                    }
                }
            }
            Some(Tok::Word(_)) => self.prim(),
            _ => self.err(
                self.pos(),
                format!("expected a primitive, found {}", self.describe()),
            ),
        }
    }

    /// Names pcap-filter syntax outside our subset instead of failing on it vaguely.
    fn supported(&self, w: &str) -> Result<(), FilterError> {
        if UNSUPPORTED.contains(&w) {
            return self.err(
                self.pos(),
                format!("'{w}' is pcap-filter syntax that sockcli does not support"),
            );
        }
        if w.contains(['[', '=', '<', '>']) {
            return self.err(
                self.pos(),
                format!("byte offsets and comparisons ('{w}') are not supported"),
            );
        }
        Ok(())
    }

    fn word(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn prim(&mut self) -> Result<Expr, FilterError> {
        let w = self.word().expect("prim starts with a word");
        if w == "vlan" {
            self.i += 1;
            let id = match self.word() {
                Some(v) if !is_keyword(v) => {
                    let pos = self.pos();
                    self.i += 1;
                    match v.parse::<u16>() {
                        Ok(n) if n < 4096 => Some(n),
                        _ => {
                            return self
                                .err(pos, format!("expected a VLAN ID (0-4095), found '{v}'"));
                        }
                    }
                }
                _ => None,
            };
            return Ok(Expr::Prim(Prim::Vlan(id)));
        }
        self.supported(w)?;
        if !is_keyword(w) {
            // A bare value: the last primitive's qualifiers, or `host`.
            let q = self.last.unwrap_or(Quals {
                proto: None,
                dir: Dir::SrcOrDst,
                kind: Kind::Host,
            });
            return self.value(q);
        }
        let mut proto = None;
        if let Some(p) = proto_word(w) {
            proto = Some(p);
            self.i += 1;
        }
        let mut dir = None;
        if let Some(d @ ("src" | "dst")) = self.word() {
            self.i += 1;
            let other = if d == "src" { "dst" } else { "src" };
            let combined = match (self.peek(), self.peek_at(1)) {
                (Some(Tok::Or), Some(Tok::Word(o))) if *o == other => Some(Dir::SrcOrDst),
                (Some(Tok::And), Some(Tok::Word(o))) if *o == other => Some(Dir::SrcAndDst),
                _ => None,
            };
            dir = Some(match combined {
                Some(c) => {
                    self.i += 2;
                    c
                }
                None if d == "src" => Dir::Src,
                None => Dir::Dst,
            });
        }
        let mut kind = None;
        if let Some(k) = self.word().and_then(kind_word) {
            kind = Some(k);
            self.i += 1;
        }
        if let (Some(p), None, None) = (proto, dir, kind) {
            return Ok(Expr::Prim(Prim::Proto(p)));
        }
        let q = Quals {
            proto,
            dir: dir.unwrap_or(Dir::SrcOrDst),
            kind: kind.unwrap_or(Kind::Host),
        };
        if let Some(p) = proto {
            let ok = match q.kind {
                Kind::Host | Kind::Net => {
                    matches!(p, Proto::Ip | Proto::Ip6 | Proto::Arp | Proto::Rarp)
                }
                Kind::Port | Kind::Portrange => {
                    matches!(p, Proto::Tcp | Proto::Udp)
                }
            };
            if !ok {
                let what = match q.kind {
                    Kind::Host => "host",
                    Kind::Net => "net",
                    Kind::Port => "port",
                    Kind::Portrange => "portrange",
                };
                return self.err(
                    self.toks[self.i - 1].0,
                    format!("'{}' does not go with '{what}'", p.name()),
                );
            }
        }
        self.value(q)
    }

    fn value(&mut self, q: Quals) -> Result<Expr, FilterError> {
        let pos = self.pos();
        let v = match self.word() {
            Some(v) if !is_keyword(v) => v,
            _ => {
                let what = match q.kind {
                    Kind::Host => "a host address",
                    Kind::Net => "a network",
                    Kind::Port => "a port number",
                    Kind::Portrange => "a port range",
                };
                return self.err(pos, format!("expected {what}, found {}", self.describe()));
            }
        };
        self.i += 1;
        self.last = Some(q);
        let Quals { proto, dir, kind } = q;
        let prim = match kind {
            Kind::Host => {
                let addr: IpAddr = match v.parse() {
                    Ok(a) => a,
                    Err(_) if is_host_name(v) => return self.host_name(pos, v, proto, dir),
                    Err(_) => {
                        return self
                            .err(pos, format!("expected a host address or name, found '{v}'"));
                    }
                };
                self.check_family(pos, proto, addr)?;
                Prim::Host { proto, dir, addr }
            }
            Kind::Net => {
                let (addr, prefix) =
                    match parse_net(v) {
                        Some(n) => n,
                        None => return self.err(
                            pos,
                            format!(
                                "expected a network (A.B.C.D/LEN, A.B.C, or IPv6/LEN), found '{v}'"
                            ),
                        ),
                    };
                self.check_family(pos, proto, addr)?;
                Prim::Net {
                    proto,
                    dir,
                    addr,
                    prefix,
                }
            }
            Kind::Port => {
                let p = match parse_port(v) {
                    Some(p) => p,
                    None => return self.err(pos, format!("expected a port number, found '{v}'")),
                };
                Prim::Port {
                    proto,
                    dir,
                    lo: p,
                    hi: p,
                }
            }
            Kind::Portrange => {
                let r = v
                    .split_once('-')
                    .and_then(|(a, b)| Some((parse_port(a)?, parse_port(b)?)));
                let Some((a, b)) = r else {
                    return self.err(
                        pos,
                        format!("expected a port range (LOW-HIGH), found '{v}'"),
                    );
                };
                Prim::Port {
                    proto,
                    dir,
                    lo: a.min(b),
                    hi: a.max(b),
                }
            }
        };
        Ok(Expr::Prim(prim))
    }

    /// `host NAME` is every address of NAME (of the family `proto` allows), or-ed, as in
    /// libpcap, which looks names up when it compiles the filter.
    fn host_name(
        &mut self,
        pos: usize,
        name: &str,
        proto: Option<Proto>,
        dir: Dir,
    ) -> Result<Expr, FilterError> {
        let addrs = (self.resolve)(name).map_err(|why| {
            FilterError::new(pos, format!("cannot resolve '{name}': {why}"), self.src)
        })?;
        let mut expr: Option<Expr> = None;
        let mut seen: Vec<IpAddr> = Vec::new();
        for addr in addrs {
            let fits = !matches!(
                (proto, addr),
                (Some(Proto::Ip6), IpAddr::V4(_))
                    | (Some(Proto::Ip | Proto::Arp | Proto::Rarp), IpAddr::V6(_))
            );
            if !fits || seen.contains(&addr) {
                continue;
            }
            seen.push(addr);
            let prim = Expr::Prim(Prim::Host { proto, dir, addr });
            expr = Some(match expr {
                None => prim,
                Some(e) => Expr::Or(Box::new(e), Box::new(prim)),
            });
        }
        match expr {
            Some(e) => Ok(e),
            None => self.err(
                pos,
                format!(
                    "'{name}' has no {} address",
                    if proto == Some(Proto::Ip6) {
                        "IPv6"
                    } else {
                        "IPv4"
                    }
                ),
            ),
        }
    }

    fn check_family(
        &self,
        pos: usize,
        proto: Option<Proto>,
        addr: IpAddr,
    ) -> Result<(), FilterError> {
        match (proto, addr) {
            (Some(Proto::Ip6), IpAddr::V4(_)) => self.err(pos, "an IPv4 address with 'ip6'"),
            (Some(p @ (Proto::Ip | Proto::Arp | Proto::Rarp)), IpAddr::V6(_)) => {
                self.err(pos, format!("an IPv6 address with '{}'", p.name()))
            }
            _ => Ok(()),
        }
    }
}

fn parse_port(s: &str) -> Option<u16> {
    if let Ok(n) = s.parse::<u16>() {
        return Some(n);
    }
    Some(match s {
        "ftp-data" => 20,
        "ftp" => 21,
        "ssh" => 22,
        "telnet" => 23,
        "smtp" => 25,
        "domain" => 53,
        "bootps" => 67,
        "bootpc" => 68,
        "http" => 80,
        "ntp" => 123,
        "snmp" => 161,
        "https" => 443,
        _ => return None,
    })
}

/// `A.B.C.D/LEN`, `A.B.C.D`, `A.B.C`, `A.B`, `A` (libpcap's implied masks), `IPV6/LEN`, `IPV6`.
fn parse_net(s: &str) -> Option<(IpAddr, u8)> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (s, None),
    };
    if a.contains(':') {
        let ip: Ipv6Addr = a.parse().ok()?;
        let len = len.unwrap_or(128);
        if len > 128 {
            return None;
        }
        return Some((IpAddr::V6(mask6(ip, len)), len));
    }
    let parts: Vec<&str> = a.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut b = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        b[i] = p.parse().ok()?;
    }
    let len = match len {
        Some(l) if l <= 32 => l,
        Some(_) => return None,
        None => 8 * parts.len() as u8,
    };
    let v = u32::from_be_bytes(b);
    let m = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    Some((IpAddr::V4(Ipv4Addr::from(v & m)), len))
}

fn mask6(ip: Ipv6Addr, len: u8) -> Ipv6Addr {
    let v = u128::from(ip);
    let m = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    Ipv6Addr::from(v & m)
}

/// Parses a filter expression in which host names are an error (no lookups: for tests and
/// fuzzing). The empty expression (only blanks) is an error here: the caller decides what
/// "no filter" means.
pub fn parse(src: &str) -> Result<Expr, FilterError> {
    parse_with(src, &mut |_| Err("names are not looked up here".into()))
}

/// Parses a filter expression, looking host names up with `resolve`.
pub fn parse_with(src: &str, resolve: Resolver<'_>) -> Result<Expr, FilterError> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        last: None,
        resolve,
        depth: 0,
    };
    if p.toks.is_empty() {
        return p.err(1, "empty expression");
    }
    let e = p.expr()?;
    if p.i < p.toks.len() {
        if let Some(w) = p.word() {
            p.supported(w)?;
        }
        let what = p.describe();
        let msg = match p.peek() {
            Some(Tok::RParen) => "unbalanced ')'".to_string(),
            _ => format!("expected 'and' or 'or', found {what}"),
        };
        return p.err(p.pos(), msg);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse(s)
            .map(|e| e.to_string())
            .unwrap_or_else(|e| format!("ERR {}: {}", e.pos, e.msg))
    }

    #[test]
    fn primitives() {
        assert_eq!(p("tcp"), "tcp");
        assert_eq!(p("icmp6"), "icmp6");
        assert_eq!(p("vlan"), "vlan");
        assert_eq!(p("vlan 100"), "vlan 100");
        assert_eq!(p("host 10.0.0.1"), "host 10.0.0.1");
        assert_eq!(p("10.0.0.1"), "host 10.0.0.1");
        assert_eq!(p("src 10.0.0.1"), "src host 10.0.0.1");
        assert_eq!(p("ip6 dst host fe80::1"), "ip6 dst host fe80::1");
        assert_eq!(p("arp host 1.2.3.4"), "arp host 1.2.3.4");
        assert_eq!(p("net 192.168.0.0/16"), "net 192.168.0.0/16");
        assert_eq!(p("net 10.1"), "net 10.1.0.0/16");
        assert_eq!(p("net 10.1.2.3/8"), "net 10.0.0.0/8");
        assert_eq!(p("net fe80::/10"), "net fe80::/10");
        assert_eq!(p("port 53"), "port 53");
        assert_eq!(p("port domain"), "port 53");
        assert_eq!(p("tcp src port 80"), "tcp src port 80");
        assert_eq!(p("udp portrange 1-1023"), "udp portrange 1-1023");
        assert_eq!(p("portrange 2000-1000"), "portrange 1000-2000");
        assert_eq!(p("src or dst port 5"), "port 5");
        assert_eq!(p("src and dst host 1.1.1.1"), "src and dst host 1.1.1.1");
        assert_eq!(p("dst or src host 1.1.1.1"), "host 1.1.1.1");
    }

    #[test]
    fn precedence_and_inheritance() {
        assert_eq!(p("tcp or udp and icmp"), "((tcp or udp) and icmp)");
        assert_eq!(p("tcp and udp or icmp"), "((tcp and udp) or icmp)");
        assert_eq!(p("tcp or (udp and icmp)"), "(tcp or (udp and icmp))");
        assert_eq!(p("not tcp and udp"), "((not tcp) and udp)");
        assert_eq!(p("! tcp && udp || ip6"), "(((not tcp) and udp) or ip6)");
        assert_eq!(p("!(tcp||udp)"), "(not (tcp or udp))");
        assert_eq!(
            p("host 1.1.1.1 or 2.2.2.2"),
            "(host 1.1.1.1 or host 2.2.2.2)"
        );
        assert_eq!(
            p("tcp dst port 22 or 23"),
            "(tcp dst port 22 or tcp dst port 23)"
        );
        assert_eq!(p("port 1 and not 2"), "(port 1 and (not port 2))");
        assert_eq!(p("src or dst port 1 or 2"), "(port 1 or port 2)");
        assert_eq!(p("src port 1 or dst port 2"), "(src port 1 or dst port 2)");
        assert_eq!(p("((tcp))"), "tcp");
    }

    #[test]
    fn unsupported_syntax_is_named() {
        let msg = |w: &str| format!("'{w}' is pcap-filter syntax that sockcli does not support");
        assert_eq!(
            p("ether host 0:1:2:3:4:5"),
            format!("ERR 1: {}", msg("ether"))
        );
        assert_eq!(p("ip proto 17"), format!("ERR 4: {}", msg("proto")));
        assert_eq!(p("(udp greater 3)"), format!("ERR 6: {}", msg("greater")));
        assert_eq!(p("tcp and less 100"), format!("ERR 9: {}", msg("less")));
        assert_eq!(
            p("tcp[13] = 2"),
            "ERR 1: byte offsets and comparisons ('tcp[13]') are not supported"
        );
        assert_eq!(
            p("host 1.2.3.4 and len<=100"),
            "ERR 18: byte offsets and comparisons ('len<=100') are not supported"
        );
    }

    #[test]
    fn host_names_are_looked_up_and_ored() {
        let mut hosts = |name: &str| match name {
            "dual.test" => Ok(vec![
                "10.0.0.1".parse().unwrap(),
                "2001:db8::1".parse().unwrap(),
                "10.0.0.1".parse().unwrap(),
            ]),
            "v6.test" => Ok(vec!["2001:db8::2".parse().unwrap()]),
            _ => Err("Name or service not known".to_string()),
        };
        let mut q = |s: &str| {
            parse_with(s, &mut hosts)
                .map(|e| e.to_string())
                .unwrap_or_else(|e| format!("ERR {}: {}", e.pos, e.msg))
        };
        assert_eq!(q("host dual.test"), "(host 10.0.0.1 or host 2001:db8::1)");
        assert_eq!(
            q("src host dual.test"),
            "(src host 10.0.0.1 or src host 2001:db8::1)"
        );
        assert_eq!(q("ip host dual.test"), "ip host 10.0.0.1");
        assert_eq!(q("ip6 dst host dual.test"), "ip6 dst host 2001:db8::1");
        assert_eq!(q("tcp and host v6.test"), "(tcp and host 2001:db8::2)");
        assert_eq!(q("ip host v6.test"), "ERR 9: 'v6.test' has no IPv4 address");
        assert_eq!(
            q("host nx.test"),
            "ERR 6: cannot resolve 'nx.test': Name or service not known"
        );
        assert_eq!(
            p("host a.test"),
            "ERR 6: cannot resolve 'a.test': names are not looked up here"
        );
        assert_eq!(
            p("host a%b"),
            "ERR 6: expected a host address or name, found 'a%b'"
        );
    }

    #[test]
    fn errors_with_positions() {
        assert_eq!(p("port xyz"), "ERR 6: expected a port number, found 'xyz'");
        assert_eq!(
            p("tcp port"),
            "ERR 9: expected a port number, found end of expression"
        );
        assert_eq!(p(""), "ERR 1: empty expression");
        assert_eq!(
            p("tcp and"),
            "ERR 8: expected a primitive, found end of expression"
        );
        assert_eq!(p("(tcp"), "ERR 1: unbalanced '('");
        assert_eq!(p("tcp)"), "ERR 4: unbalanced ')'");
        assert_eq!(p("(tcp udp)"), "ERR 6: expected ')', found 'udp'");
        assert_eq!(p("tcp udp"), "ERR 5: expected 'and' or 'or', found 'udp'");
        assert_eq!(
            p("host example.com"),
            "ERR 6: cannot resolve 'example.com': names are not looked up here"
        );
        assert_eq!(
            p("net 1.2.3.4/33"),
            "ERR 5: expected a network (A.B.C.D/LEN, A.B.C, or IPv6/LEN), found '1.2.3.4/33'"
        );
        assert_eq!(
            p("portrange 5"),
            "ERR 11: expected a port range (LOW-HIGH), found '5'"
        );
        assert_eq!(
            p("vlan 5000"),
            "ERR 6: expected a VLAN ID (0-4095), found '5000'"
        );
        assert_eq!(p("tcp & udp"), "ERR 5: unexpected '&'");
        assert_eq!(
            p("icmp host 1.2.3.4"),
            "ERR 6: 'icmp' does not go with 'host'"
        );
        assert_eq!(p("ip6 host 1.2.3.4"), "ERR 10: an IPv4 address with 'ip6'");
        assert_eq!(p("ip host ::1"), "ERR 9: an IPv6 address with 'ip'");
        // Like libpcap ("illegal qualifier of 'port'").
        assert_eq!(p("ip6 port 547"), "ERR 5: 'ip6' does not go with 'port'");
        assert_eq!(p("host and"), "ERR 6: expected a host address, found 'and'");
        assert_eq!(p("and"), "ERR 1: expected a primitive, found 'and'");
        assert_eq!(p("()"), "ERR 2: expected a primitive, found ')'");
        assert_eq!(
            p("é port x"),
            "ERR 1: expected a host address or name, found 'é'"
        );
        assert_eq!(
            p("host 1.1.1.1 and é"),
            "ERR 18: expected a host address or name, found 'é'"
        );
        let e = parse("port xyz").unwrap_err();
        assert_eq!(
            e.to_string(),
            "filter: expected a port number, found 'xyz' at position 6: 'port xyz'"
        );
    }

    #[test]
    fn random_token_soup_never_panics() {
        let words = [
            "tcp",
            "udp",
            "icmp",
            "icmp6",
            "arp",
            "rarp",
            "ip",
            "ip6",
            "vlan",
            "host",
            "net",
            "port",
            "portrange",
            "src",
            "dst",
            "and",
            "or",
            "not",
            "&&",
            "||",
            "!",
            "(",
            ")",
            "10.0.0.1",
            "fe80::1",
            "10.0",
            "1-100",
            "80",
            "99999",
            "x",
            "/",
            "::",
            "&",
            "|",
            "é",
            "1.2.3.4/40",
        ];
        let mut x = 0x9e37_79b9u32;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let n = x % 9;
            let mut s = String::new();
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                s.push_str(words[x as usize % words.len()]);
                if x & 0x100 != 0 {
                    s.push(' ');
                }
            }
            if let Ok(e) = parse(&s) {
                // Whatever parses also compiles (or fails cleanly) and round-trips.
                let again = parse(&e.to_string()).expect(&s);
                assert_eq!(again.to_string(), e.to_string(), "{s}");
            }
        }
    }

    /// Found beyond the fuzzer's 4 KB inputs: nesting or chaining as deep as a command-line
    /// argument allows (128 KiB) overflowed the stack in the parser or the compiler.
    #[test]
    fn too_many_tokens_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}tcp{}", "(".repeat(60_000), ")".repeat(60_000));
        let nots = format!("{}tcp", "!".repeat(60_000));
        let chain = ["ip"; 32_000].join("&&");
        // The error points at the first token past the limit (a column, 1-based).
        for (s, pos) in [(&deep, 4097), (&nots, 4097), (&chain, 2048 * 4 + 1)] {
            let e = parse(s).unwrap_err();
            assert_eq!(e.pos, pos, "{}", e.msg);
            assert_eq!(
                e.msg,
                "expression too long (more than 4096 words and operators)"
            );
        }
        // Within the token limit, nesting has its own.
        for open in ["!", "(", "not ", "!("] {
            let s = format!("tcp or {}udp", open.repeat(MAX_DEPTH + 1));
            let e = parse(&s).unwrap_err();
            assert_eq!(e.msg, "nested more than 256 deep", "{s}");
            let s = format!("tcp or {}udp", open.repeat(MAX_DEPTH / open.len()));
            assert!(
                !matches!(parse(&s), Err(e) if e.msg.contains("deep")),
                "{s}"
            );
        }
        let s = format!("{}tcp{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parse(&s).unwrap().to_string(), "tcp");
        // A chain at the token limit parses, compiles (each `ip` is one `ja` on IPv4) and drops, on a main
        // thread's 8 MiB stack even in a debug build (a test thread has 2 MiB).
        let s = ["ip"; 2048].join("&&");
        let t = std::thread::Builder::new().stack_size(8 << 20);
        let ok = t.spawn(move || {
            let e = parse(&s).unwrap();
            let target = super::super::Target::Link(crate::sniff::link::LinkType::IPV4);
            super::super::compile(&e, target, 65_535).is_ok()
        });
        assert!(ok.unwrap().join().unwrap());
    }
}
