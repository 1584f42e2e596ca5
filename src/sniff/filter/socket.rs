//! The program attached to a live capture socket: a prologue that rejects the loopback
//! duplicates, then the compiled filter with its snap length.
//!
//! Every packet on `lo` passes the packet tap twice (once outgoing, once incoming). Like
//! tcpdump, a capture shows it once: outgoing frames on the loopback interface are rejected in
//! the kernel, so they cost neither ring space nor a count in the capture's statistics. Outgoing
//! frames on other interfaces are kept (`pkttype` Outgoing).
//!
//! Snap length: the kernel cuts each packet to the filter's return value, so the program
//! returns at most `snaplen` (a bare `ret #snaplen` when there is no user filter).

use super::compile::{
    ABS, B, IMM, Insn, JEQ, JMP, K, LD, RET, SKF_AD_IFINDEX, SKF_AD_OFF, SKF_AD_PKTTYPE, W,
};
use crate::sniff::link::PacketType;

/// The program for a socket: the prologue rejecting outgoing frames on `lo_ifindex` (when
/// `bound`, the socket sees that interface only, so the ifindex test is left out), then
/// `user` with its accepting `ret #k` capped at `snaplen`, or `ret #snaplen` without a user
/// program.
pub fn socket_program(
    user: Option<&[Insn]>,
    snaplen: u32,
    lo_ifindex: Option<u32>,
    bound: bool,
) -> Vec<Insn> {
    let ad = |off: u32| SKF_AD_OFF.wrapping_add(off);
    let mut prog = Vec::with_capacity(user.map_or(1, <[_]>::len) + 6);
    if let Some(lo) = lo_ifindex {
        if !bound {
            prog.push(Insn::stmt(LD | W | ABS, ad(SKF_AD_IFINDEX)));
            // Not lo: skip the pkttype test and the reject (3 instructions).
            prog.push(Insn::jump(JMP | JEQ | K, lo, 0, 3));
        }
        prog.push(Insn::stmt(LD | B | ABS, ad(SKF_AD_PKTTYPE)));
        let outgoing = u32::from(PacketType::Outgoing.to_raw());
        prog.push(Insn::jump(JMP | JEQ | K, outgoing, 0, 1));
        prog.push(Insn::stmt(RET | K, 0));
        // A starts at 0 in a classic BPF program; keep that for the user's.
        prog.push(Insn::stmt(LD | IMM, 0));
    }
    match user {
        Some(user) => prog.extend(user.iter().map(|&ins| {
            if ins.code == RET | K && ins.k != 0 {
                Insn {
                    k: ins.k.min(snaplen),
                    ..ins
                }
            } else {
                ins
            }
        })),
        None => prog.push(Insn::stmt(RET | K, snaplen)),
    }
    prog
}

/// `udp dst port P` for Ethernet, as tcpdump -d would write it (without fragments/IPv6).
#[cfg(test)]
pub fn udp_dst_port(p: u16) -> Vec<Insn> {
    use super::compile::H;
    vec![
        Insn::stmt(LD | H | ABS, 12),
        Insn::jump(JMP | JEQ | K, 0x0800, 0, 5),
        Insn::stmt(LD | B | ABS, 23),
        Insn::jump(JMP | JEQ | K, 17, 0, 3),
        Insn::stmt(LD | H | ABS, 36),
        Insn::jump(JMP | JEQ | K, u32::from(p), 0, 1),
        Insn::stmt(RET | K, 0xffff),
        Insn::stmt(RET | K, 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_prologue_and_snaplen_cap() {
        let user = udp_dst_port(53);
        // Bound to lo: pkttype test, reject, A = 0, then the program with ret capped.
        let p = socket_program(Some(&user), 100, Some(1), true);
        assert_eq!(p.len(), 4 + user.len());
        assert_eq!(p[0].k, (libc::SKF_AD_OFF + libc::SKF_AD_PKTTYPE) as u32);
        assert_eq!(p[1].k, u32::from(libc::PACKET_OUTGOING));
        assert_eq!(u32::from(p[2].code), libc::BPF_RET | libc::BPF_K);
        assert_eq!(p[2].k, 0);
        assert_eq!(p[4 + 6].k, 100);
        assert_eq!(p[4 + 7].k, 0);
        // All interfaces: the ifindex test jumps over pkttype + reject to A = 0.
        let p = socket_program(None, 65535, Some(1), false);
        assert_eq!(p.len(), 7);
        assert_eq!(p[0].k, (libc::SKF_AD_OFF + libc::SKF_AD_IFINDEX) as u32);
        assert_eq!((p[1].k, p[1].jt, p[1].jf), (1, 0, 3));
        assert_eq!(u32::from(p[5].code), libc::BPF_LD | libc::BPF_IMM);
        assert_eq!(p[6].k, 65535);
        // Not loopback: the program alone.
        assert_eq!(socket_program(None, 7, None, true).len(), 1);
        // The kernel's checker takes them.
        assert!(super::super::compile::validate(&p).is_ok());
    }
}
