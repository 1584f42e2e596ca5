//! MPTCP TCP options (kind 30) inside `options [...]`, as `tcpdump -n` 4.99 prints them
//! without `-v`: `mptcp 12 capable v1 {0x73bb150358a0aecb}`, `mptcp 26 dss fin ack 1 seq 2
//! subseq 3 len 16 csum 0x1f`, `mptcp 16 join backup id 5 hmac 0x1 nonce 0x2`, `mptcp 16
//! add-addr v1 id 1 10.0.2.1 hmac 0x1`, `mptcp 5 rem-addr id 5 1`, `mptcp 4 prio backup id 5`,
//! `mptcp 12 fail seq 1`, `mptcp 12 fast-close key 0x1`, `mptcp 4 unknown`. A length the
//! subtype (and, for MP_CAPABLE and MP_JOIN, the SYN/ACK flags) does not allow prints
//! `[bad opt]`, which ends the line. Read off tcpdump's output for `tests/data/mptcp.pcap`
//! (written by `tests/data/gen_more.py`) and the public `mptcp-*.pcap` captures.

use super::{Dec, be16, be32, be64, put_hex, put_ipv4, put_ipv6};

const SUBTYPES: [&str; 8] = [
    "capable",
    "join",
    "dss",
    "add-addr",
    "rem-addr",
    "prio",
    "fail",
    "fast-close",
];

impl Dec<'_> {
    /// `opt` is the whole option (kind, length, body: exactly its length), `flags` the TCP
    /// flag byte. `None` when tcpdump prints `[bad opt]` (the caller prints it).
    pub(super) fn mptcp(&mut self, opt: &[u8], flags: u8) -> Option<()> {
        self.s("mptcp");
        let len = opt.len();
        let b2 = *opt.get(2)?;
        self.s(" ");
        self.dec(len as u64);
        self.s(" ");
        let sub = b2 >> 4;
        let Some(name) = SUBTYPES.get(usize::from(sub)) else {
            self.s("unknown");
            return Some(());
        };
        self.s(name);
        let (syn, ack) = (flags & 2 != 0, flags & 0x10 != 0);
        match sub {
            0 => {
                if !(syn && (len == 4 || len == 12) || !syn && (len == 20 || len == 22)) {
                    return None;
                }
                match b2 & 15 {
                    v @ (0 | 1) => {
                        self.s(if v == 0 { " v0" } else { " v1" });
                    }
                    v => {
                        self.s(" Unknown Version (");
                        self.dec(u64::from(v));
                        self.s(")");
                        return Some(());
                    }
                }
                if *opt.get(3)? & 0x80 != 0 {
                    self.s(" csum");
                }
                if len >= 12 {
                    self.label_hex(" {0x", be64(opt, 4)?);
                    if len >= 20 {
                        self.label_hex(",0x", be64(opt, 12)?);
                    }
                    self.s("}");
                }
            }
            1 => {
                let backup = b2 & 1 != 0;
                match len {
                    12 | 16 if syn && (len == 12 || ack) => {
                        if backup {
                            self.s(" backup");
                        }
                        self.s(" id ");
                        self.dec(u64::from(*opt.get(3)?));
                        if len == 12 {
                            self.label_hex(" token 0x", u64::from(be32(opt, 4)?));
                            self.label_hex(" nonce 0x", u64::from(be32(opt, 8)?));
                        } else {
                            self.label_hex(" hmac 0x", be64(opt, 4)?);
                            self.label_hex(" nonce 0x", u64::from(be32(opt, 12)?));
                        }
                    }
                    24 if ack => {
                        self.s(" hmac 0x");
                        for &b in opt.get(4..24)? {
                            put_hex(self.out, u32::from(b), 2);
                        }
                    }
                    _ => return None,
                }
            }
            2 if syn => return None,
            2 => self.mptcp_dss(opt)?,
            3 => {
                if !matches!(len, 8 | 10 | 16 | 18 | 20 | 22 | 28 | 30) {
                    return None;
                }
                self.s(match b2 & 15 {
                    0 => " v1",
                    1 => " v1-echo",
                    4 => " v0-ip4",
                    6 => " v0-ip6",
                    _ => " [bad version/echo]",
                });
                self.s(" id ");
                self.dec(u64::from(*opt.get(3)?));
                self.s(" ");
                let mut at = if len < 20 {
                    put_ipv4(self.out, opt.get(4..8)?.try_into().ok()?);
                    8
                } else {
                    put_ipv6(self.out, opt.get(4..20)?.try_into().ok()?);
                    20
                };
                if matches!(len, 10 | 18 | 22 | 30) {
                    self.s(":");
                    self.dec(u64::from(be16(opt, at)?));
                    at += 2;
                }
                if len - at == 8 {
                    self.label_hex(" hmac 0x", be64(opt, at)?);
                }
            }
            4 => {
                if len < 4 {
                    return None;
                }
                self.s(" id");
                for &id in &opt[3..] {
                    self.s(" ");
                    self.dec(u64::from(id));
                }
            }
            5 => {
                if len > 4 {
                    return None;
                }
                self.s(if b2 & 1 != 0 {
                    " backup"
                } else {
                    " non-backup"
                });
                if let Some(&id) = opt.get(3) {
                    self.s(" id ");
                    self.dec(u64::from(id));
                }
            }
            _ => {
                if len != 12 {
                    return None;
                }
                let v = be64(opt, 4)?;
                if sub == 6 {
                    self.s(" seq ");
                    self.dec(v);
                } else {
                    self.label_hex(" key 0x", v);
                }
            }
        }
        Some(())
    }

    /// `dss [fin] [ack N] [seq N subseq N len N [csum 0xN]]`, each field checked against the
    /// option's length as it is read.
    fn mptcp_dss(&mut self, opt: &[u8]) -> Option<()> {
        let f = *opt.get(3)?;
        if f & 0x10 != 0 {
            self.s(" fin");
        }
        let mut at = 4;
        let num = |d: &mut Self, at: &mut usize, wide: bool| -> Option<()> {
            let v = if wide {
                be64(opt, *at)?
            } else {
                u64::from(be32(opt, *at)?)
            };
            d.dec(v);
            *at += if wide { 8 } else { 4 };
            Some(())
        };
        if f & 1 != 0 {
            self.s(" ack ");
            num(self, &mut at, f & 2 != 0)?;
        }
        if f & 4 == 0 {
            return (at == opt.len()).then_some(());
        }
        self.s(" seq ");
        num(self, &mut at, f & 8 != 0)?;
        let subseq = be32(opt, at)?;
        self.s(" subseq ");
        self.dec(u64::from(subseq));
        let dlen = be16(opt, at + 4)?;
        self.s(" len ");
        self.dec(u64::from(dlen));
        at += 6;
        if opt.len() > at + 1 {
            self.label_hex(" csum 0x", u64::from(be16(opt, at)?));
            at += 2;
        }
        (at == opt.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected_file_matches, line_of};

    #[test]
    fn every_packet_like_tcpdump() {
        expected_file_matches("mptcp");
    }

    #[test]
    fn bad_option_ends_the_line() {
        let l = line_of("mptcp", 0);
        assert!(l.ends_with("options [mptcp 4 capable[bad opt]"), "{l}");
    }
}
