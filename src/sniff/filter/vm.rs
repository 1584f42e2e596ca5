//! A classic BPF interpreter with the kernel's semantics: loads outside the packet, division
//! by a zero X and jumps outside the program end the run with 0 (drop). Ancillary loads
//! (`SKF_AD_OFF + ...`) read a small context.

use super::compile::*;

/// What ancillary loads see (a live socket's `skb` fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The ethertype in host order (`skb->protocol`, as SKF_AD_PROTOCOL returns it).
    pub protocol: u16,
    /// The stripped VLAN TCI, if any.
    pub vlan_tci: Option<u16>,
}

/// Runs `prog` over `pkt` (the captured bytes; `wirelen` the length on the wire, which
/// `ld len` reads). Returns how many bytes to keep: 0 = reject.
pub fn run(prog: &[Insn], pkt: &[u8], wirelen: u32) -> u32 {
    run_ctx(prog, pkt, wirelen, &Ctx::default())
}

fn load(pkt: &[u8], off: u32, size: u16, ctx: &Ctx) -> Option<u32> {
    if off >= SKF_AD_OFF {
        return match off - SKF_AD_OFF {
            SKF_AD_PROTOCOL => Some(u32::from(ctx.protocol)),
            SKF_AD_VLAN_TAG => Some(u32::from(ctx.vlan_tci.unwrap_or(0))),
            SKF_AD_VLAN_TAG_PRESENT => Some(u32::from(ctx.vlan_tci.is_some())),
            _ => None,
        };
    }
    let o = off as usize;
    match size {
        W => pkt
            .get(o..o.checked_add(4)?)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        H => pkt
            .get(o..o.checked_add(2)?)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]]))),
        B => pkt.get(o).map(|&b| u32::from(b)),
        _ => None,
    }
}

pub fn run_ctx(prog: &[Insn], pkt: &[u8], wirelen: u32, ctx: &Ctx) -> u32 {
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    // Every jump is forward, so the program ends within prog.len() steps.
    while let Some(&i) = prog.get(pc) {
        pc += 1;
        match i.code & 0x07 {
            LD => {
                a = match i.code & 0xe0 {
                    IMM => i.k,
                    LEN => wirelen,
                    MEM => match mem.get(i.k as usize) {
                        Some(&v) => v,
                        None => return 0,
                    },
                    ABS => match load(pkt, i.k, i.code & 0x18, ctx) {
                        Some(v) => v,
                        None => return 0,
                    },
                    IND => match x
                        .checked_add(i.k)
                        .and_then(|o| load(pkt, o, i.code & 0x18, ctx))
                    {
                        Some(v) if x.wrapping_add(i.k) < SKF_AD_OFF => v,
                        _ => return 0,
                    },
                    _ => return 0,
                }
            }
            LDX => {
                x = match i.code & 0xf8 {
                    0x00 => i.k,
                    0x80 => wirelen,
                    0x60 => match mem.get(i.k as usize) {
                        Some(&v) => v,
                        None => return 0,
                    },
                    0xb0 => match pkt.get(i.k as usize) {
                        Some(&b) => 4 * u32::from(b & 0xf),
                        None => return 0,
                    },
                    _ => return 0,
                }
            }
            ST | STX => match mem.get_mut(i.k as usize) {
                Some(m) => *m = if i.code & 0x07 == ST { a } else { x },
                None => return 0,
            },
            ALU => {
                let v = if i.code & X != 0 { x } else { i.k };
                a = match i.code & 0xf0 {
                    ADD => a.wrapping_add(v),
                    SUB => a.wrapping_sub(v),
                    MUL => a.wrapping_mul(v),
                    DIV if v == 0 => return 0,
                    DIV => a / v,
                    MOD if v == 0 => return 0,
                    MOD => a % v,
                    OR => a | v,
                    AND => a & v,
                    XOR => a ^ v,
                    LSH => a.checked_shl(v).unwrap_or(0),
                    RSH => a.checked_shr(v).unwrap_or(0),
                    NEG => a.wrapping_neg(),
                    _ => return 0,
                }
            }
            JMP => {
                let v = if i.code & X != 0 { x } else { i.k };
                let taken = match i.code & 0xf0 {
                    JA => {
                        pc = match pc.checked_add(i.k as usize) {
                            Some(p) => p,
                            None => return 0,
                        };
                        continue;
                    }
                    JEQ => a == v,
                    JGT => a > v,
                    JGE => a >= v,
                    JSET => a & v != 0,
                    _ => return 0,
                };
                pc += usize::from(if taken { i.jt } else { i.jf });
            }
            RET => return if i.code & 0x18 == A { a } else { i.k },
            _ => match i.code {
                c if c == MISC | TAX => x = a,
                c if c == MISC | TXA => a = x,
                _ => return 0,
            },
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(code: u16, k: u32) -> Insn {
        Insn::stmt(code, k)
    }
    fn j(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }

    #[test]
    fn loads_alu_jumps() {
        let pkt = [0x12, 0x34, 0x56, 0x78, 0x45];
        assert_eq!(
            run(&[s(LD | W | ABS, 0), s(RET | A, 0)], &pkt, 9),
            0x1234_5678
        );
        assert_eq!(run(&[s(LD | H | ABS, 1), s(RET | A, 0)], &pkt, 9), 0x3456);
        assert_eq!(run(&[s(LD | B | ABS, 4), s(RET | A, 0)], &pkt, 9), 0x45);
        assert_eq!(
            run(&[s(LD | W | ABS, 2), s(RET | A, 0)], &pkt, 9),
            0,
            "out of bounds"
        );
        assert_eq!(run(&[s(LD | LEN, 0), s(RET | A, 0)], &pkt, 9), 9);
        assert_eq!(
            run(
                &[s(LDX | B | MSH, 4), s(TXA | MISC, 0), s(RET | A, 0)],
                &pkt,
                9
            ),
            20
        );
        assert_eq!(
            run(
                &[s(LDX | IMM, 1), s(LD | B | IND, 3), s(RET | A, 0)],
                &pkt,
                9
            ),
            0x45
        );
        assert_eq!(
            run(
                &[s(LDX | IMM, 2), s(LD | B | IND, 3), s(RET | A, 0)],
                &pkt,
                9
            ),
            0
        );
        let alu = [
            s(LD | IMM, 7),
            s(ALU | MUL | K, 6),
            s(ALU | SUB | K, 2),
            s(ALU | DIV | K, 4),
            s(ALU | LSH | K, 4),
            s(ALU | OR | K, 1),
            s(ALU | XOR | K, 3),
            s(ALU | MOD | K, 100),
            s(RET | A, 0),
        ];
        assert_eq!(
            run(&alu, &pkt, 9),
            (((((7 * 6 - 2) / 4) << 4) | 1) ^ 3) % 100
        );
        assert_eq!(
            run(
                &[s(LDX | IMM, 0), s(ALU | DIV | X, 0), s(RET | K, 5)],
                &pkt,
                9
            ),
            0
        );
        let mem = [
            s(LD | IMM, 3),
            s(ST, 15),
            s(LD | IMM, 0),
            s(LDX | MEM, 15),
            s(TXA | MISC, 0),
            s(RET | A, 0),
        ];
        assert_eq!(run(&mem, &pkt, 9), 3);
        let jumps = [
            s(LD | B | ABS, 4),
            j(JMP | JGT | K, 0x40, 0, 2),
            j(JMP | JSET | K, 0x4, 2, 0),
            s(RET | K, 1),
            s(RET | K, 2),
            s(JMP | JA, 0),
            s(RET | K, 3),
        ];
        assert_eq!(run(&jumps, &pkt, 9), 3);
        assert_eq!(
            run(&[s(JMP | JA, 5), s(RET | K, 1)], &pkt, 9),
            0,
            "jump past the end"
        );
    }

    #[test]
    fn ancillary() {
        let ctx = Ctx {
            protocol: 0x86dd,
            vlan_tci: Some(0x2064),
        };
        let p = [s(LD | W | ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), s(RET | A, 0)];
        assert_eq!(run_ctx(&p, &[], 0, &ctx), 0x86dd);
        let p = [
            s(LD | W | ABS, SKF_AD_OFF + SKF_AD_VLAN_TAG),
            s(ALU | AND | K, 0xfff),
            s(RET | A, 0),
        ];
        assert_eq!(run_ctx(&p, &[], 0, &ctx), 0x64);
        let p = [
            s(LD | W | ABS, SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT),
            s(RET | A, 0),
        ];
        assert_eq!(run_ctx(&p, &[], 0, &Ctx::default()), 0);
        assert_eq!(run_ctx(&p, &[], 0, &ctx), 1);
    }
}
