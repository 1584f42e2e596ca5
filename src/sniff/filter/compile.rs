//! AST → classic BPF, following libpcap's code generator closely enough that packet counts
//! agree with tcpdump: IPv4 port tests only on first fragments (`jset #0x1fff`) with the
//! header length from `ldxb 4*([nl]&0xf)`; IPv6 ports only at the fixed next header; `tcp`,
//! `udp`, `icmp6` on IPv6 also accept one fragment header; `host`/`net` without a protocol
//! also match ARP and RARP addresses; `vlan` shifts all later offsets by 4 (capture files) or
//! uses the ancillary VLAN loads (live sockets, where the kernel strips tags).
//!
//! Code is generated as jumping code with symbolic labels; jumps whose distance does not fit
//! the 8-bit `jt`/`jf` get a `ja` trampoline placed right after them.

use std::net::IpAddr;

use super::{Dir, Expr, FilterError, Prim, Proto};
use crate::sniff::link::LinkType;

/// One classic BPF instruction, layout-compatible with `struct sock_filter`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

impl Insn {
    pub const fn stmt(code: u16, k: u32) -> Insn {
        Insn {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }

    /// The instruction as socket2 attaches it (SO_ATTACH_FILTER).
    pub fn to_sock_filter(self) -> socket2::SockFilter {
        socket2::SockFilter::new(self.code, self.jt, self.jf, self.k)
    }
}

// Opcode parts (linux/filter.h).
pub const LD: u16 = 0x00;
pub const LDX: u16 = 0x01;
pub const ST: u16 = 0x02;
pub const STX: u16 = 0x03;
pub const ALU: u16 = 0x04;
pub const JMP: u16 = 0x05;
pub const RET: u16 = 0x06;
pub const MISC: u16 = 0x07;
pub const W: u16 = 0x00;
pub const H: u16 = 0x08;
pub const B: u16 = 0x10;
pub const IMM: u16 = 0x00;
pub const ABS: u16 = 0x20;
pub const IND: u16 = 0x40;
pub const MEM: u16 = 0x60;
pub const LEN: u16 = 0x80;
pub const MSH: u16 = 0xa0;
pub const ADD: u16 = 0x00;
pub const SUB: u16 = 0x10;
pub const MUL: u16 = 0x20;
pub const DIV: u16 = 0x30;
pub const OR: u16 = 0x40;
pub const AND: u16 = 0x50;
pub const LSH: u16 = 0x60;
pub const RSH: u16 = 0x70;
pub const NEG: u16 = 0x80;
pub const MOD: u16 = 0x90;
pub const XOR: u16 = 0xa0;
pub const JA: u16 = 0x00;
pub const JEQ: u16 = 0x10;
pub const JGT: u16 = 0x20;
pub const JGE: u16 = 0x30;
pub const JSET: u16 = 0x40;
pub const K: u16 = 0x00;
pub const X: u16 = 0x08;
pub const A: u16 = 0x10;
pub const TAX: u16 = 0x00;
pub const TXA: u16 = 0x80;

/// Ancillary data offsets (SKF_AD_*).
pub const SKF_AD_OFF: u32 = (-0x1000i32) as u32;
pub const SKF_AD_PROTOCOL: u32 = 0;
pub const SKF_AD_PKTTYPE: u32 = 4;
pub const SKF_AD_IFINDEX: u32 = 8;
pub const SKF_AD_VLAN_TAG: u32 = 44;
pub const SKF_AD_VLAN_TAG_PRESENT: u32 = 48;

/// The kernel's limit on program length (BPF_MAXINSNS).
pub const MAX_INSNS: usize = 4096;

/// What the program will see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Packets with this link-layer header (capture files, or live SOCK_RAW on that type).
    /// Supported: ETHERNET, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP.
    Link(LinkType),
    /// Live SOCK_DGRAM AF_PACKET: the network header at 0, the ethertype and VLAN tag from
    /// ancillary loads.
    KernelCooked,
    /// Live SOCK_RAW on Ethernet: tags stripped by the kernel, so `vlan` uses ancillary loads.
    KernelEthernet,
}

#[derive(Debug, Clone, Copy)]
enum Ld {
    Abs(u16, u32),
    /// `ldxb 4*([ip]&0xf)` then `ld [x + off]`.
    IpInd(u16, u32, u32),
    Anc(u32),
}

#[derive(Debug, Clone)]
enum Cond {
    True,
    False,
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Test {
        ld: Ld,
        mask: Option<u32>,
        op: u16,
        k: u32,
    },
}

fn and(a: Cond, b: Cond) -> Cond {
    match (&a, &b) {
        (Cond::False, _) | (_, Cond::False) => Cond::False,
        (Cond::True, _) => b,
        (_, Cond::True) => a,
        _ => Cond::And(Box::new(a), Box::new(b)),
    }
}

fn or(a: Cond, b: Cond) -> Cond {
    match (&a, &b) {
        (Cond::True, _) | (_, Cond::True) => Cond::True,
        (Cond::False, _) => b,
        (_, Cond::False) => a,
        _ => Cond::Or(Box::new(a), Box::new(b)),
    }
}

fn not(a: Cond) -> Cond {
    match a {
        Cond::True => Cond::False,
        Cond::False => Cond::True,
        a => Cond::Not(Box::new(a)),
    }
}

fn test(ld: Ld, op: u16, k: u32) -> Cond {
    Cond::Test {
        ld,
        mask: None,
        op,
        k,
    }
}

fn eq(ld: Ld, k: u32) -> Cond {
    test(ld, JEQ, k)
}

fn masked(ld: Ld, mask: u32, k: u32) -> Cond {
    if mask == u32::MAX {
        eq(ld, k)
    } else {
        Cond::Test {
            ld,
            mask: Some(mask),
            op: JEQ,
            k,
        }
    }
}

fn dir(d: Dir, src: Cond, dst: Cond) -> Cond {
    match d {
        Dir::Src => src,
        Dir::Dst => dst,
        Dir::SrcOrDst => or(src, dst),
        Dir::SrcAndDst => and(src, dst),
    }
}

#[derive(Debug, Clone, Copy)]
enum Item {
    I(Insn),
    J {
        code: u16,
        k: u32,
        jt: usize,
        jf: usize,
    },
    Ja(usize),
    Label(usize),
}

struct Gen {
    target: Target,
    /// Bytes of VLAN tags assumed so far (capture-file targets).
    shift: u32,
    items: Vec<Item>,
    labels: usize,
}

const ETH_IP: u32 = 0x0800;
const ETH_IP6: u32 = 0x86dd;
const ETH_ARP: u32 = 0x0806;
const ETH_RARP: u32 = 0x8035;

impl Gen {
    fn label(&mut self) -> usize {
        self.labels += 1;
        self.labels - 1
    }

    /// (ethertype offset, network header offset) of the link header, before VLAN shifts.
    fn link_offsets(&self) -> Option<(u32, u32)> {
        match self.target {
            Target::Link(LinkType::ETHERNET) | Target::KernelEthernet => Some((12, 14)),
            Target::Link(LinkType::LINUX_SLL) => Some((14, 16)),
            Target::Link(LinkType::LINUX_SLL2) => Some((0, 20)),
            _ => None,
        }
    }

    fn nl(&self) -> u32 {
        match self.target {
            Target::Link(LinkType::NULL | LinkType::LOOP) => 4,
            _ => self.link_offsets().map_or(0, |(_, n)| n + self.shift),
        }
    }

    /// BSD loopback: the 4-byte address family before the packet. NULL stores it in the
    /// writer's byte order, so both orders are accepted (the values cannot be confused);
    /// LOOP stores it in network order. IPv6 has three BSD values, as libpcap knows.
    fn loopback_family(&self, t: u32) -> Cond {
        let families: &[u32] = match t {
            ETH_IP => &[2],
            ETH_IP6 => &[24, 28, 30],
            _ => &[],
        };
        let swapped = self.target == Target::Link(LinkType::NULL);
        families.iter().fold(Cond::False, |c, &af| {
            let c = or(c, eq(Ld::Abs(W, 0), af));
            if swapped {
                or(c, eq(Ld::Abs(W, 0), af.swap_bytes()))
            } else {
                c
            }
        })
    }

    fn ethertype(&self, t: u32) -> Cond {
        if let Some((et, nl)) = self.link_offsets() {
            let off = if self.shift == 0 {
                et
            } else {
                nl + self.shift - 2
            };
            return eq(Ld::Abs(H, off), t);
        }
        match (self.target, t) {
            (Target::KernelCooked, t) => eq(Ld::Anc(SKF_AD_PROTOCOL), t),
            (Target::Link(LinkType::NULL | LinkType::LOOP), t) => self.loopback_family(t),
            (Target::Link(LinkType::IPV4), ETH_IP) | (Target::Link(LinkType::IPV6), ETH_IP6) => {
                Cond::True
            }
            (Target::Link(LinkType::RAW), ETH_IP) => masked(Ld::Abs(B, 0), 0xf0, 0x40),
            (Target::Link(LinkType::RAW), ETH_IP6) => masked(Ld::Abs(B, 0), 0xf0, 0x60),
            _ => Cond::False,
        }
    }

    fn ipproto(&self, p: u32, v4: bool, v6: bool) -> Cond {
        let nl = self.nl();
        let c4 = if v4 {
            and(self.ethertype(ETH_IP), eq(Ld::Abs(B, nl + 9), p))
        } else {
            Cond::False
        };
        let c6 = if v6 {
            let frag = and(eq(Ld::Abs(B, nl + 6), 44), eq(Ld::Abs(B, nl + 40), p));
            and(self.ethertype(ETH_IP6), or(eq(Ld::Abs(B, nl + 6), p), frag))
        } else {
            Cond::False
        };
        or(c4, c6)
    }

    fn addr(&self, proto: Option<Proto>, d: Dir, addr: IpAddr, prefix: u8) -> Cond {
        let nl = self.nl();
        match addr {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                let m = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(prefix))
                };
                let at = |off: u32| {
                    if m == 0 {
                        Cond::True
                    } else {
                        masked(Ld::Abs(W, off), m, a & m)
                    }
                };
                let ip = and(self.ethertype(ETH_IP), dir(d, at(nl + 12), at(nl + 16)));
                let arp = |g: &Gen, t: u32| and(g.ethertype(t), dir(d, at(nl + 14), at(nl + 24)));
                match proto {
                    Some(Proto::Ip) => ip,
                    Some(Proto::Arp) => arp(self, ETH_ARP),
                    Some(Proto::Rarp) => arp(self, ETH_RARP),
                    _ => {
                        let either = or(self.ethertype(ETH_ARP), self.ethertype(ETH_RARP));
                        or(ip, and(either, dir(d, at(nl + 14), at(nl + 24))))
                    }
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                let m = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(prefix))
                };
                let at = |off: u32| {
                    let mut c = Cond::True;
                    for i in 0..4 {
                        let sh = 96 - 32 * i;
                        let mw = (m >> sh) as u32;
                        if mw != 0 {
                            c = and(
                                c,
                                masked(Ld::Abs(W, off + 4 * i), mw, (a >> sh) as u32 & mw),
                            );
                        }
                    }
                    c
                };
                and(self.ethertype(ETH_IP6), dir(d, at(nl + 8), at(nl + 24)))
            }
        }
    }

    fn port(&self, proto: Option<Proto>, d: Dir, lo: u16, hi: u16) -> Cond {
        let nl = self.nl();
        let protos: &[u32] = match proto {
            Some(Proto::Tcp) => &[6],
            Some(Proto::Udp) => &[17],
            _ => &[132, 6, 17],
        };
        let cmp = |ld: Ld| {
            if lo == hi {
                eq(ld, u32::from(lo))
            } else {
                and(
                    test(ld, JGE, u32::from(lo)),
                    not(test(ld, JGT, u32::from(hi))),
                )
            }
        };
        let any = |off: u32| {
            protos
                .iter()
                .fold(Cond::False, |c, &p| or(c, eq(Ld::Abs(B, off), p)))
        };
        let v6 = if proto == Some(Proto::Ip) {
            Cond::False
        } else {
            let ports = dir(d, cmp(Ld::Abs(H, nl + 40)), cmp(Ld::Abs(H, nl + 42)));
            and(self.ethertype(ETH_IP6), and(any(nl + 6), ports))
        };
        let v4 = if proto == Some(Proto::Ip6) {
            Cond::False
        } else {
            let first = not(test(Ld::Abs(H, nl + 6), JSET, 0x1fff));
            let ports = dir(d, cmp(Ld::IpInd(H, nl, nl)), cmp(Ld::IpInd(H, nl, nl + 2)));
            and(self.ethertype(ETH_IP), and(any(nl + 9), and(first, ports)))
        };
        or(v6, v4)
    }

    fn vlan(&mut self, id: Option<u16>) -> Cond {
        match self.target {
            Target::KernelCooked | Target::KernelEthernet => {
                let present = not(eq(Ld::Anc(SKF_AD_VLAN_TAG_PRESENT), 0));
                let idc = id.map_or(Cond::True, |id| {
                    masked(Ld::Anc(SKF_AD_VLAN_TAG), 0xfff, u32::from(id))
                });
                and(present, idc)
            }
            _ if self.link_offsets().is_some() => {
                let tpids = [0x8100, 0x88a8, 0x9100];
                let c = tpids
                    .iter()
                    .fold(Cond::False, |c, &t| or(c, self.ethertype(t)));
                let tci = self.nl();
                let idc = id.map_or(Cond::True, |id| {
                    masked(Ld::Abs(H, tci), 0xfff, u32::from(id))
                });
                self.shift += 4;
                and(c, idc)
            }
            _ => Cond::False,
        }
    }

    fn prim(&mut self, p: &Prim) -> Cond {
        match *p {
            Prim::Proto(p) => match p {
                Proto::Ip => self.ethertype(ETH_IP),
                Proto::Ip6 => self.ethertype(ETH_IP6),
                Proto::Arp => self.ethertype(ETH_ARP),
                Proto::Rarp => self.ethertype(ETH_RARP),
                Proto::Tcp => self.ipproto(6, true, true),
                Proto::Udp => self.ipproto(17, true, true),
                Proto::Icmp => self.ipproto(1, true, false),
                Proto::Icmp6 => self.ipproto(58, false, true),
            },
            Prim::Vlan(id) => self.vlan(id),
            Prim::Host { proto, dir, addr } => {
                let len = if addr.is_ipv4() { 32 } else { 128 };
                self.addr(proto, dir, addr, len)
            }
            Prim::Net {
                proto,
                dir,
                addr,
                prefix,
            } => self.addr(proto, dir, addr, prefix),
            Prim::Port { proto, dir, lo, hi } => self.port(proto, dir, lo, hi),
        }
    }

    fn expr(&mut self, e: &Expr, t: usize, f: usize) {
        match e {
            Expr::And(a, b) => {
                let m = self.label();
                self.expr(a, m, f);
                self.items.push(Item::Label(m));
                self.expr(b, t, f);
            }
            Expr::Or(a, b) => {
                let m = self.label();
                self.expr(a, t, m);
                self.items.push(Item::Label(m));
                self.expr(b, t, f);
            }
            Expr::Not(a) => self.expr(a, f, t),
            Expr::Prim(p) => {
                let c = self.prim(p);
                self.cond(&c, t, f);
            }
        }
    }

    fn cond(&mut self, c: &Cond, t: usize, f: usize) {
        match c {
            Cond::True => self.items.push(Item::Ja(t)),
            Cond::False => self.items.push(Item::Ja(f)),
            Cond::Not(a) => self.cond(a, f, t),
            Cond::And(a, b) => {
                let m = self.label();
                self.cond(a, m, f);
                self.items.push(Item::Label(m));
                self.cond(b, t, f);
            }
            Cond::Or(a, b) => {
                let m = self.label();
                self.cond(a, t, m);
                self.items.push(Item::Label(m));
                self.cond(b, t, f);
            }
            Cond::Test { ld, mask, op, k } => {
                match *ld {
                    Ld::Abs(size, off) => {
                        self.items.push(Item::I(Insn::stmt(LD | size | ABS, off)))
                    }
                    Ld::IpInd(size, ip, off) => {
                        self.items.push(Item::I(Insn::stmt(LDX | B | MSH, ip)));
                        self.items.push(Item::I(Insn::stmt(LD | size | IND, off)));
                    }
                    Ld::Anc(a) => self
                        .items
                        .push(Item::I(Insn::stmt(LD | W | ABS, SKF_AD_OFF + a))),
                }
                if let Some(m) = mask {
                    self.items.push(Item::I(Insn::stmt(ALU | AND | K, *m)));
                }
                self.items.push(Item::J {
                    code: JMP | op | K,
                    k: *k,
                    jt: t,
                    jf: f,
                });
            }
        }
    }

    /// Resolves labels, adding `ja` trampolines for conditional jumps beyond 255.
    fn layout(mut self) -> Vec<Insn> {
        loop {
            let mut pos = vec![0usize; self.labels];
            let mut n = 0;
            for it in &self.items {
                match it {
                    Item::Label(l) => pos[*l] = n,
                    _ => n += 1,
                }
            }
            let mut fix = None;
            let mut n = 0;
            for (i, it) in self.items.iter().enumerate() {
                match it {
                    Item::Label(_) => continue,
                    Item::J { jt, jf, .. } => {
                        if pos[*jt] - n - 1 > 255 {
                            fix = Some((i, true, *jt));
                            break;
                        }
                        if pos[*jf] - n - 1 > 255 {
                            fix = Some((i, false, *jf));
                            break;
                        }
                    }
                    _ => {}
                }
                n += 1;
            }
            match fix {
                Some((i, is_t, target)) => {
                    let l = self.label();
                    if let Item::J { jt, jf, .. } = &mut self.items[i] {
                        if is_t { *jt = l } else { *jf = l }
                    }
                    self.items.insert(i + 1, Item::Ja(target));
                    self.items.insert(i + 1, Item::Label(l));
                }
                None => {
                    let mut out = Vec::with_capacity(n);
                    for it in &self.items {
                        let here = out.len();
                        match *it {
                            Item::Label(_) => {}
                            Item::I(i) => out.push(i),
                            Item::Ja(l) => {
                                out.push(Insn::stmt(JMP | JA, (pos[l] - here - 1) as u32))
                            }
                            Item::J { code, k, jt, jf } => out.push(Insn {
                                code,
                                jt: (pos[jt] - here - 1) as u8,
                                jf: (pos[jf] - here - 1) as u8,
                                k,
                            }),
                        }
                    }
                    return out;
                }
            }
        }
    }
}

/// Compiles `e` for `target`; accepted packets are kept up to `snaplen` bytes.
pub fn compile(e: &Expr, target: Target, snaplen: u32) -> Result<Vec<Insn>, FilterError> {
    if let Target::Link(l) = target {
        let ok = [
            LinkType::ETHERNET,
            LinkType::LINUX_SLL,
            LinkType::LINUX_SLL2,
            LinkType::RAW,
            LinkType::IPV4,
            LinkType::IPV6,
            LinkType::NULL,
            LinkType::LOOP,
        ];
        if l == LinkType::CAN_SOCKETCAN {
            // pcap-filter has no CAN primitives (tcpdump: "CAN link-layer type filtering
            // not implemented"); the kernel filters CAN ids when capturing.
            return Err(FilterError::new(
                0,
                "CAN frames (link type 227) cannot be filtered, as in tcpdump \
                 (filter ids when capturing: sockcli can dump IFACE,ID:MASK)"
                    .to_string(),
                &e.to_string(),
            ));
        }
        if !ok.contains(&l) {
            return Err(FilterError::new(
                0,
                format!("link type {} is not supported by the filter compiler", l.0),
                &e.to_string(),
            ));
        }
    }
    let mut g = Gen {
        target,
        shift: 0,
        items: Vec::new(),
        labels: 2,
    };
    g.expr(e, 0, 1);
    g.items.push(Item::Label(0));
    g.items.push(Item::I(Insn::stmt(RET | K, snaplen.max(1))));
    g.items.push(Item::Label(1));
    g.items.push(Item::I(Insn::stmt(RET | K, 0)));
    // Layout only adds trampolines, and its fix-one-jump-per-pass loop is slow on huge input
    // (minutes for 3333 `host`s): give up before it when the result is bound to be too long.
    let n = g
        .items
        .iter()
        .filter(|i| !matches!(i, Item::Label(_)))
        .count();
    let prog = if n > MAX_INSNS {
        Vec::new()
    } else {
        g.layout()
    };
    if prog.len() > MAX_INSNS || n > MAX_INSNS {
        return Err(FilterError::new(
            0,
            format!(
                "expression too long ({} instructions, the kernel takes {MAX_INSNS})",
                prog.len().max(n)
            ),
            &e.to_string(),
        ));
    }
    validate(&prog)
        .map_err(|m| FilterError::new(0, format!("internal error: {m}"), &e.to_string()))?;
    Ok(prog)
}

/// Checks a program like the kernel's `bpf_check_classic`: known opcodes, jumps inside the
/// program, no constant division by zero, scratch memory indexes below 16, a final `ret`.
pub fn validate(prog: &[Insn]) -> Result<(), String> {
    if prog.is_empty() || prog.len() > MAX_INSNS {
        return Err(format!("program length {}", prog.len()));
    }
    for (pc, i) in prog.iter().enumerate() {
        let rest = prog.len() - pc - 1;
        let bad = || Err(format!("bad opcode {:#06x} at {pc}", i.code));
        match i.code & 0x07 {
            LD => match i.code & 0xe0 {
                IMM | LEN => {}
                ABS | IND if matches!(i.code & 0x18, W | H | B) => {}
                MEM if i.k < 16 => {}
                _ => return bad(),
            },
            LDX => match i.code & 0xf8 {
                0x00 | 0x80 => {}
                0x60 if i.k < 16 => {}
                0xb0 => {}
                _ => return bad(),
            },
            ST | STX => {
                if i.code & 0xf8 != 0 || i.k >= 16 {
                    return bad();
                }
            }
            ALU => match i.code & 0xf0 {
                DIV | MOD if i.code & X == 0 && i.k == 0 => {
                    return Err(format!("division by zero at {pc}"));
                }
                ADD | SUB | MUL | DIV | OR | AND | LSH | RSH | MOD | XOR => {}
                NEG if i.code & X == 0 => {}
                _ => return bad(),
            },
            JMP => match i.code & 0xf0 {
                JA => {
                    if i.code != JMP | JA || i.k as usize >= rest {
                        return Err(format!("jump out of range at {pc}"));
                    }
                }
                JEQ | JGT | JGE | JSET => {
                    if usize::from(i.jt) >= rest || usize::from(i.jf) >= rest {
                        return Err(format!("jump out of range at {pc}"));
                    }
                }
                _ => return bad(),
            },
            RET => {
                if !matches!(i.code & 0x18, K | A) {
                    return bad();
                }
            }
            _ => {
                if !matches!(i.code, c if c == MISC | TAX || c == MISC | TXA) {
                    return bad();
                }
            }
        }
    }
    if prog[prog.len() - 1].code & 0x07 != RET {
        return Err("program does not end in ret".into());
    }
    Ok(())
}

/// `tcpdump -d`-style listing, for debugging and tests.
pub fn dump(prog: &[Insn]) -> String {
    let mut s = String::new();
    for (pc, i) in prog.iter().enumerate() {
        let sz = match i.code & 0x18 {
            H => "h",
            B => "b",
            _ => "",
        };
        let txt = match i.code & 0x07 {
            LD if i.code & 0xe0 == ABS => format!("ld{sz} [{}]", i.k),
            LD if i.code & 0xe0 == IND => format!("ld{sz} [x + {}]", i.k),
            LDX if i.code & 0xe0 == MSH => format!("ldxb 4*([{}]&0xf)", i.k),
            ALU => format!("alu{:#x} #{:#x}", i.code & 0xf0, i.k),
            JMP if i.code & 0xf0 == JA => format!("ja {}", pc + 1 + i.k as usize),
            JMP => {
                let op = match i.code & 0xf0 {
                    JEQ => "jeq",
                    JGT => "jgt",
                    JGE => "jge",
                    _ => "jset",
                };
                format!(
                    "{op} #{:#x} jt {} jf {}",
                    i.k,
                    pc + 1 + usize::from(i.jt),
                    pc + 1 + usize::from(i.jf)
                )
            }
            RET => format!("ret #{}", i.k),
            _ => format!("{:#06x} {} {} {:#x}", i.code, i.jt, i.jf, i.k),
        };
        s.push_str(&format!("({pc:03}) {txt}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::filter::parse;
    use crate::sniff::pcap::MAX_SNAPLEN;

    fn prog(s: &str, t: Target) -> Vec<Insn> {
        compile(&parse(s).unwrap(), t, MAX_SNAPLEN).unwrap()
    }

    #[test]
    fn simple_programs_look_like_libpcap() {
        let p = prog("ip", Target::Link(LinkType::ETHERNET));
        assert_eq!(
            dump(&p),
            "(000) ldh [12]\n(001) jeq #0x800 jt 2 jf 3\n(002) ret #262144\n(003) ret #0\n"
        );
        let p = prog("ip6", Target::KernelCooked);
        assert_eq!(p[0], Insn::stmt(LD | W | ABS, SKF_AD_OFF + SKF_AD_PROTOCOL));
        let p = prog("ip", Target::Link(LinkType::IPV4));
        assert_eq!(dump(&p), "(000) ja 1\n(001) ret #262144\n(002) ret #0\n");
        let d = dump(&prog("udp port 53", Target::Link(LinkType::ETHERNET)));
        assert!(d.contains("jset #0x1fff"), "{d}");
        assert!(d.contains("ldxb 4*([14]&0xf)"), "{d}");
        let d = dump(&prog("vlan and tcp", Target::Link(LinkType::ETHERNET)));
        assert!(d.contains("ldh [16]") && d.contains("ldb [27]"), "{d}");
        let d = dump(&prog("vlan 5", Target::KernelEthernet));
        assert!(
            d.contains(&format!("ld [{}]", SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT)),
            "{d}"
        );
    }

    #[test]
    fn long_programs_get_trampolines() {
        let mut s = String::from("host 10.0.0.0");
        for i in 1..60 {
            s.push_str(&format!(" or host 10.0.0.{i}"));
        }
        s = format!("({s}) and tcp");
        let p = prog(&s, Target::Link(LinkType::ETHERNET));
        assert!(p.len() > 300);
        validate(&p).unwrap();
        assert!(p.iter().any(|i| i.code == JMP | JA));
        // Check the far jumps work: a TCP packet from 10.0.0.59 must pass, 10.0.0.60 not.
        let mut pkt = vec![0u8; 54];
        pkt[12] = 0x08;
        pkt[14] = 0x45;
        pkt[23] = 6;
        pkt[26..30].copy_from_slice(&[10, 0, 0, 59]);
        assert_ne!(super::super::run(&p, &pkt, 54), 0);
        pkt[29] = 60;
        assert_eq!(super::super::run(&p, &pkt, 54), 0);
    }

    #[test]
    fn too_long_is_an_error() {
        let mut s = String::from("port 1");
        for i in 2..400 {
            s.push_str(&format!(" or port {i}"));
        }
        let e = compile(&parse(&s).unwrap(), Target::Link(LinkType::ETHERNET), 65535).unwrap_err();
        assert!(e.msg.starts_with("expression too long"), "{}", e.msg);
    }

    #[test]
    fn unsupported_link() {
        let e = compile(&parse("tcp").unwrap(), Target::Link(LinkType(105)), 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "filter: link type 105 is not supported by the filter compiler: 'tcp'"
        );
    }

    #[test]
    fn validate_rejects() {
        let ret = Insn::stmt(RET | K, 1);
        assert!(validate(&[]).is_err());
        assert!(validate(&[Insn::stmt(LD | W | ABS, 0)]).is_err());
        assert!(
            validate(&[
                Insn {
                    code: JMP | JEQ,
                    jt: 1,
                    jf: 0,
                    k: 0
                },
                ret
            ])
            .is_err()
        );
        assert!(validate(&[Insn::stmt(JMP | JA, 1), ret]).is_err());
        assert!(validate(&[Insn::stmt(ALU | DIV | K, 0), ret]).is_err());
        assert!(validate(&[Insn::stmt(LD | MEM, 16), ret]).is_err());
        assert!(validate(&[Insn::stmt(0xffff, 0), ret]).is_err());
        assert!(validate(&[Insn::stmt(ALU | DIV | K, 2), ret]).is_ok());
    }

    /// Found by the shape tests after fuzzing: 1365 `host`s took layout's trampoline loop
    /// minutes (3333 took 150 s under ASan) before failing as too long.
    #[test]
    fn oversized_programs_fail_before_layout() {
        let s = ["host 10.0.0.1"; 1365].join(" or ");
        let t = std::time::Instant::now();
        let e = compile(
            &parse(&s).unwrap(),
            Target::Link(LinkType::ETHERNET),
            MAX_SNAPLEN,
        );
        let msg = e.unwrap_err().msg;
        assert!(msg.starts_with("expression too long ("), "{msg}");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        // Near the limit (needing trampolines) it still compiles.
        let s = ["host 10.0.0.1"; 100].join(" or ");
        let p = prog(&s, Target::Link(LinkType::ETHERNET));
        assert!(p.len() <= MAX_INSNS && validate(&p).is_ok());
    }
}
