//! DNS (UDP and TCP port 53) and mDNS (UDP port 5353) summaries as `tcpdump -n` 4.99 prints
//! them without `-v`: `12345+ A? example.com. (29)` for a query, `12345 1/0/0 A 1.2.3.4 (45)`
//! for a response (answers only; authority and additional records are counted, not shown).
//!
//! Every format here was read off tcpdump's output for the packets in
//! `tests/data/dns.pcap` (written by `tests/data/gen_dns.py`), including its quirks: the
//! rcode names `Resp17` and `Resp21` without a leading space, `[b2&3=0x...]` for a query's
//! unexpected flag bits, a `,` per extra question of a response, the extended rcode from the
//! first OPT record of the additional section, `<BAD PTR>` for a compression pointer that
//! does not go strictly backwards (which also bounds the walk), `<DOMAIN NAME TOO LONG>`,
//! `[|domain]` for a cut message, and an answer whose fixed part is cut ending the list
//! silently.
//!
//! Not reproduced: the EDNS options ECS, DAU, DHU, N3U and CHAIN (printed as hex), and the
//! `-v` forms (owner names, TTLs, the other sections).

use super::{Dec, be16, put_dec, put_hex, put_ipv4, put_ipv6};

/// Which decoder a UDP port pair selects: `Some(false)` DNS, `Some(true)` mDNS.
pub(super) fn udp_port(sport: u16, dport: u16) -> Option<bool> {
    if sport == 53 || dport == 53 {
        Some(false)
    } else if sport == 5353 || dport == 5353 {
        Some(true)
    } else {
        None
    }
}

/// A name could not be skipped: the message ends inside it, or a label type is unknown.
enum Skip {
    Cut,
    Bad,
}

/// The message ends before something tcpdump reads: `[|domain]`.
struct Cut;

const OPCODES: [&str; 16] = [
    "",
    " inv_q",
    " stat",
    " op3",
    " notify",
    " update",
    " op6",
    " op7",
    " op8",
    " updateA",
    " updateD",
    " updateDA",
    " updateM",
    " updateMA",
    " zoneInit",
    " zoneRef",
];

fn type_name(t: u16) -> Option<&'static str> {
    const LOW: [&str; 49] = [
        "", "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR", "HINFO",
        "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", "NSAP", "NSAP_PTR", "SIG", "KEY",
        "PX", "GPOS", "AAAA", "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT",
        "A6", "DNAME", "SINK", "OPT", "APL", "DS", "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY",
    ];
    Some(match t {
        1..=48 => LOW[usize::from(t)],
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "UNSPECA",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        _ => return None,
    })
}

fn class_name(c: u16) -> Option<&'static str> {
    Some(match c {
        1 => "IN",
        3 => "CHAOS",
        4 => "HS",
        255 => "ANY",
        _ => return None,
    })
}

fn edns_option_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1 => "LLQ",
        2 => "UL",
        3 => "NSID",
        5 => "DAU",
        6 => "DHU",
        7 => "N3U",
        8 => "ECS",
        9 => "EXPIRE",
        10 => "COOKIE",
        11 => "KEEPALIVE",
        12 => "PADDING",
        13 => "CHAIN",
        14 => "KEY-TAG",
        16 => "CLIENT-TAG",
        17 => "SERVER-TAG",
        _ => return None,
    })
}

/// Skip a name without following pointers; the offset after it.
fn skip_name(msg: &[u8], mut cp: usize) -> Result<usize, Skip> {
    loop {
        let i = *msg.get(cp).ok_or(Skip::Cut)?;
        cp += 1;
        match i & 0xc0 {
            0xc0 => return Ok(cp + 1),
            0x40 if i == 0x41 => {
                let bits = usize::from(*msg.get(cp).ok_or(Skip::Cut)?);
                cp += 1 + if bits == 0 { 32 } else { bits.div_ceil(8) };
            }
            0x40 | 0x80 => return Err(Skip::Bad),
            _ if i == 0 => return Ok(cp),
            _ => cp += usize::from(i),
        }
    }
}

/// The extended rcode bits from the first OPT record in the additional section, when the
/// message holds everything up to it.
fn ext_rcode(msg: &[u8], counts: [u16; 4]) -> Option<u8> {
    let mut cp = 12;
    for _ in 0..counts[0] {
        cp = skip_name(msg, cp).ok()? + 4;
    }
    for _ in 0..u32::from(counts[1]) + u32::from(counts[2]) {
        cp = skip_name(msg, cp).ok()?;
        cp += 10 + usize::from(be16(msg, cp + 8)?);
    }
    for _ in 0..counts[3] {
        cp = skip_name(msg, cp).ok()?;
        if be16(msg, cp)? == 41 {
            return msg.get(cp + 4).copied();
        }
        cp += 10 + usize::from(be16(msg, cp + 8)?);
    }
    None
}

/// One byte as tcpdump prints untrusted text: `M-` for the high bit, `^X` for control
/// characters.
fn put_char(out: &mut Vec<u8>, mut c: u8) {
    if c >= 0x80 {
        out.extend_from_slice(b"M-");
        c &= 0x7f;
    }
    if c < 0x20 || c == 0x7f {
        out.push(b'^');
        out.push(c ^ 0x40);
    } else {
        out.push(c);
    }
}

impl Dec<'_> {
    /// A DNS message over UDP: `msg` is the captured payload, `length` its length on the
    /// wire.
    pub(super) fn dns_udp(&mut self, msg: &[u8], length: usize, mdns: bool) {
        self.dns(msg, length, mdns);
    }

    /// A TCP segment to or from port 53 carrying one length-prefixed message.
    pub(super) fn dns_tcp(&mut self, data: &[u8], length: usize) {
        if length < 2 {
            self.s(" [DNS over TCP: length ");
            self.dec(length as u64);
            self.s(" < 2] (invalid)");
            self.f.truncated = true;
            return;
        }
        let Some(prefix) = be16(data, 0) else {
            self.trunc("domain");
            return;
        };
        let length = length - 2;
        if usize::from(prefix) != length {
            self.s(" [prefix length(");
            self.dec(u64::from(prefix));
            self.s(") != length(");
            self.dec(length as u64);
            self.s(")] (invalid)");
            self.f.truncated = true;
            return;
        }
        self.s(" ");
        self.dns(&data[2..], length, false);
    }

    fn dns(&mut self, msg: &[u8], length: usize, mdns: bool) {
        if length < 12 {
            self.s("domain [length ");
            self.dec(length as u64);
            self.s(" < 12] (invalid)");
            self.f.truncated = true;
            return;
        }
        if self.dns_body(msg, length, mdns).is_err() {
            self.trunc("domain");
        }
    }

    fn dns_body(&mut self, msg: &[u8], length: usize, mdns: bool) -> Result<(), Cut> {
        let w = |i: usize| be16(msg, 2 * i).ok_or(Cut);
        let (id, flags) = (w(0)?, w(1)?);
        let counts = [w(2)?, w(3)?, w(4)?, w(5)?];
        let [mut qd, mut an, ns, ar] = counts;
        let opcode = usize::from((flags >> 11) & 15);
        self.dec(u64::from(id));
        self.s(OPCODES[opcode]);
        let mut cp = 12;
        if flags & 0x8000 != 0 {
            let ext = ext_rcode(msg, counts).unwrap_or(0);
            let rcode = u16::from(ext) << 4 | (flags & 15);
            match rcode {
                0 => {}
                17 | 21 => {
                    self.s("Resp");
                    self.dec(u64::from(rcode));
                }
                _ => {
                    self.s(" ");
                    match rcode {
                        1 => self.s("FormErr"),
                        2 => self.s("ServFail"),
                        3 => self.s("NXDomain"),
                        4 => self.s("NotImp"),
                        5 => self.s("Refused"),
                        6 => self.s("YXDomain"),
                        7 => self.s("YXRRSet"),
                        8 => self.s("NXRRSet"),
                        9 => self.s("NotAuth"),
                        10 => self.s("NotZone"),
                        15 => self.s("NoChange"),
                        16 => self.s("BadVers"),
                        23 => self.s("BadCookie"),
                        _ => {
                            self.s("Resp");
                            self.dec(u64::from(rcode));
                        }
                    }
                }
            }
            for (bit, on, c) in [
                (0x0400, true, "*"),
                (0x0080, false, "-"),
                (0x0200, true, "|"),
                (0x0020, true, "$"),
            ] {
                if (flags & bit != 0) == on {
                    self.s(c);
                }
            }
            if qd != 1 {
                self.count(qd, "q");
            }
            for i in 0..qd {
                if i > 0 {
                    self.s(",");
                }
                cp = skip_name(msg, cp).map_err(|_| Cut)? + 4;
            }
            self.s(" ");
            self.dec(u64::from(an));
            self.s("/");
            self.dec(u64::from(ns));
            self.s("/");
            self.dec(u64::from(ar));
            if an > 0 {
                cp = self.rr(msg, cp, mdns)?;
                an -= 1;
                while cp < msg.len() && an > 0 {
                    self.s(",");
                    cp = self.rr(msg, cp, mdns)?;
                    an -= 1;
                }
            }
            if an > 0 {
                return Err(Cut);
            }
        } else {
            if flags & 0x0100 != 0 {
                self.s("+");
            }
            if flags & 0x0010 != 0 {
                self.s("%");
            }
            if flags & 0x06cf != 0 {
                self.s(" [b2&3=0x");
                let digits = (16 - flags.leading_zeros()).div_ceil(4);
                put_hex(self.out, u32::from(flags), digits);
                self.s("]");
            }
            if opcode == 1 {
                if qd > 0 {
                    self.count(qd, "q");
                }
                if an != 1 {
                    self.count(an, "a");
                }
            } else {
                if an > 0 {
                    self.count(an, "a");
                }
                if qd != 1 {
                    self.count(qd, "q");
                }
            }
            if ns > 0 {
                self.count(ns, "n");
            }
            if ar > 0 {
                self.count(ar, "au");
            }
            if qd > 0 {
                cp = self.question(msg, cp, mdns)?;
                qd -= 1;
                while cp < msg.len() && qd > 0 {
                    cp = self.question(msg, cp, mdns)?;
                    qd -= 1;
                }
            }
            if qd > 0 {
                return Err(Cut);
            }
        }
        self.s(" (");
        self.dec(length as u64);
        self.s(")");
        Ok(())
    }

    /// ` [3q]`.
    fn count(&mut self, n: u16, what: &str) {
        self.s(" [");
        self.dec(u64::from(n));
        self.s(what);
        self.s("]");
    }

    fn type_(&mut self, t: u16) {
        match type_name(t) {
            Some(n) => self.s(n),
            None => {
                self.s("Type");
                self.dec(u64::from(t));
            }
        }
    }

    fn class(&mut self, c: u16) {
        match class_name(c) {
            Some(n) => self.s(n),
            None => {
                self.s("(Class ");
                self.dec(u64::from(c));
                self.s(")");
            }
        }
    }

    /// ` A? example.com.` (with the class when not IN, ` (QU)`/` (QM)` for mDNS).
    fn question(&mut self, msg: &[u8], start: usize, mdns: bool) -> Result<usize, Cut> {
        let cp = skip_name(msg, start).map_err(|_| Cut)?;
        let (Some(t), Some(mut c)) = (be16(msg, cp), be16(msg, cp + 2)) else {
            return Err(Cut);
        };
        let qu = mdns && c & 0x8000 != 0;
        if mdns {
            c &= 0x7fff;
        }
        self.s(" ");
        self.type_(t);
        if c != 1 {
            self.s(" ");
            self.class(c);
        }
        if mdns {
            self.s(if qu { " (QU)" } else { " (QM)" });
        }
        self.s("? ");
        Ok(self.name(msg, start)? + 4)
    }

    /// One answer: ` A 1.2.3.4`. A record whose fixed part is cut prints nothing and ends
    /// the list (the offset returned is the end of the capture).
    fn rr(&mut self, msg: &[u8], start: usize, mdns: bool) -> Result<usize, Cut> {
        let end = msg.len();
        let cp = match skip_name(msg, start) {
            Ok(cp) if cp + 10 <= end => cp,
            Err(Skip::Cut) => return Err(Cut),
            _ => return Ok(end),
        };
        let typ = be16(msg, cp).ok_or(Cut)?;
        let mut class = be16(msg, cp + 2).ok_or(Cut)?;
        let ttl = super::be32(msg, cp + 4).ok_or(Cut)?;
        let rdlen = usize::from(be16(msg, cp + 8).ok_or(Cut)?);
        let flush = mdns && class & 0x8000 != 0;
        if mdns {
            class &= 0x7fff;
        }
        if class != 1 && typ != 41 {
            self.s(" ");
            self.class(class);
        }
        if flush {
            self.s(" (Cache flush)");
        }
        self.s(" ");
        self.type_(typ);
        let cp = cp + 10;
        let rp = cp + rdlen;
        if rp > end {
            return Err(Cut);
        }
        let get = |at: usize, n: usize| msg.get(at..at + n).ok_or(Cut);
        match typ {
            1 => {
                let a = get(cp, 4)?;
                self.s(" ");
                put_ipv4(self.out, [a[0], a[1], a[2], a[3]]);
            }
            2 | 5 | 12 | 39 => {
                self.s(" ");
                self.name(msg, cp)?;
            }
            15 => {
                self.s(" ");
                self.name(msg, cp + 2)?;
                self.s(" ");
                self.dec(u64::from(be16(msg, cp).ok_or(Cut)?));
            }
            16 => {
                let mut p = cp;
                while p < rp {
                    let n = usize::from(*msg.get(p).ok_or(Cut)?);
                    self.s(" \"");
                    self.text(msg, p + 1, n)?;
                    self.s("\"");
                    p += 1 + n;
                }
            }
            28 => {
                let a = get(cp, 16)?;
                self.s(" ");
                put_ipv6(self.out, a.try_into().unwrap_or([0; 16]));
            }
            33 => {
                self.s(" ");
                self.name(msg, cp + 6)?;
                let f = get(cp, 6)?;
                self.s(":");
                self.dec(u64::from(u16::from_be_bytes([f[4], f[5]])));
                self.s(" ");
                self.dec(u64::from(u16::from_be_bytes([f[0], f[1]])));
                self.s(" ");
                self.dec(u64::from(u16::from_be_bytes([f[2], f[3]])));
            }
            38 => {
                let pbit = *msg.get(cp).ok_or(Cut)?;
                if pbit > 128 {
                    self.s(" ");
                    self.dec(u64::from(pbit));
                    self.s("(bad plen)");
                } else {
                    let pbyte = usize::from(pbit / 8);
                    if pbit < 128 {
                        let mut a = [0u8; 16];
                        a[pbyte..].copy_from_slice(get(cp + 1, 16 - pbyte)?);
                        self.s(" ");
                        self.dec(u64::from(pbit));
                        self.s(" ");
                        put_ipv6(self.out, a);
                    }
                    if pbit > 0 {
                        self.s(" ");
                        self.name(msg, cp + 1 + 16 - pbyte)?;
                    }
                }
            }
            41 => {
                self.s(" UDPsize=");
                self.dec(u64::from(class));
                if ttl & 0x8000 != 0 {
                    self.s(" DO");
                }
                if rdlen > 0 {
                    self.s(" [");
                    self.edns_options(msg, cp, rp)?;
                    self.s("]");
                }
            }
            104 => self.text(msg, cp, rdlen)?,
            256 => {
                let f = get(cp, 4)?;
                self.s(" ");
                self.dec(u64::from(u16::from_be_bytes([f[0], f[1]])));
                self.s(" ");
                self.dec(u64::from(u16::from_be_bytes([f[2], f[3]])));
                self.s(" ");
                self.text(msg, cp + 4, rdlen.saturating_sub(4))?;
            }
            _ => {}
        }
        Ok(rp)
    }

    /// `n` bytes at `at` as escaped text, up to where the capture ends.
    fn text(&mut self, msg: &[u8], at: usize, n: usize) -> Result<(), Cut> {
        for k in at..at + n {
            put_char(self.out, *msg.get(k).ok_or(Cut)?);
        }
        Ok(())
    }

    fn hex_bytes(&mut self, b: &[u8]) {
        for &x in b {
            put_hex(self.out, u32::from(x), 2);
        }
    }

    /// `NSID 61626364,PADDING (3)` (the brackets are the caller's).
    fn edns_options(&mut self, msg: &[u8], mut cp: usize, rp: usize) -> Result<(), Cut> {
        let mut first = true;
        while cp < rp {
            let (Some(code), Some(len)) = (be16(msg, cp), be16(msg, cp + 2)) else {
                return Err(Cut);
            };
            let len = usize::from(len);
            if !first {
                self.s(",");
            }
            first = false;
            match edns_option_name(code) {
                Some(n) => self.s(n),
                None => {
                    self.s("Opt");
                    self.dec(u64::from(code));
                }
            }
            cp += 4;
            let data = msg.get(cp..cp + len).ok_or(Cut)?;
            cp += len;
            if len == 0 {
                continue;
            }
            self.s(" ");
            let valid = match code {
                9 => len == 4,
                10 => len == 8 || (16..=40).contains(&len),
                11 => len == 2,
                14 => len % 2 == 0,
                _ => true,
            };
            if !valid {
                self.s(" (invalid)");
                continue;
            }
            match code {
                9 => {
                    self.dec(u64::from(super::be32(data, 0).unwrap_or(0)));
                    self.s(" sec");
                }
                11 => {
                    let t = be16(data, 0).unwrap_or(0);
                    self.dec(u64::from(t / 10));
                    self.s(".");
                    self.dec(u64::from(t % 10));
                    self.s(" sec");
                }
                12 => {
                    self.s("(");
                    self.dec(len as u64);
                    self.s(")");
                }
                14 => {
                    for (i, t) in data.chunks_exact(2).enumerate() {
                        if i > 0 {
                            self.s(" ");
                        }
                        self.dec(u64::from(u16::from_be_bytes([t[0], t[1]])));
                    }
                }
                _ => self.hex_bytes(data),
            }
        }
        Ok(())
    }

    /// A possibly compressed name, `example.com.`; the offset after it where it starts.
    /// Each pointer must go strictly backwards from the previous one (or the name's start),
    /// which bounds the walk.
    fn name(&mut self, msg: &[u8], start: usize) -> Result<usize, Cut> {
        let mut cp = start;
        let mut max = start;
        let mut after: Option<usize> = None;
        let mut chars = 0usize;
        let mut quiet = false;
        let byte = |at: usize| msg.get(at).copied().ok_or(Cut);
        let mut i = byte(cp)?;
        cp += 1;
        if i == 0 {
            self.s(".");
        }
        // tcpdump stops quietly when a length byte is the last captured one.
        while i != 0 && cp < msg.len() {
            match i & 0xc0 {
                0xc0 => {
                    let off = usize::from(i & 0x3f) << 8 | usize::from(byte(cp)?);
                    if after.is_none() {
                        after = Some(cp + 1);
                    }
                    if off >= max {
                        if !quiet {
                            self.s("<BAD PTR>");
                        }
                        return Err(Cut);
                    }
                    max = off;
                    cp = off;
                    i = byte(cp)?;
                    cp += 1;
                    continue;
                }
                0x40 => {
                    let elt = i & 0x3f;
                    if elt != 1 {
                        if !quiet {
                            self.s("<ELT ");
                            self.dec(u64::from(elt));
                            self.s(">");
                        }
                        return Err(Cut);
                    }
                    cp = self.bitlabel(msg, cp, quiet)?;
                }
                0x80 => {
                    if !quiet {
                        self.s("<BAD LABEL TYPE>");
                    }
                    return Err(Cut);
                }
                _ => {
                    let n = usize::from(i);
                    if !quiet {
                        self.text(msg, cp, n)?;
                    }
                    cp += n;
                }
            }
            if !quiet {
                self.s(".");
            }
            chars += usize::from(i) + 1;
            if chars > 255 && !quiet {
                self.s("<DOMAIN NAME TOO LONG>");
                quiet = true;
            }
            i = byte(cp)?;
            cp += 1;
        }
        Ok(after.unwrap_or(cp))
    }

    /// An EDNS0 bit-string label after its type byte: `\[xab/8]`; the offset after it.
    fn bitlabel(&mut self, msg: &[u8], cp: usize, quiet: bool) -> Result<usize, Cut> {
        let count = *msg.get(cp).ok_or(Cut)?;
        let bits = if count == 0 { 256 } else { usize::from(count) };
        let bytes = msg.get(cp + 1..cp + 1 + bits.div_ceil(8)).ok_or(Cut)?;
        if !quiet {
            self.s("\\[x");
            let (full, rest) = (bits / 8, bits % 8);
            self.hex_bytes(&bytes[..full]);
            if rest > 0 {
                let b = bytes[full] & !(0xffu8 >> rest);
                if rest <= 4 {
                    put_hex(self.out, u32::from(b >> 4), 1);
                } else {
                    put_hex(self.out, u32::from(b), 2);
                }
            }
            self.s("/");
            put_dec(self.out, bits as u64);
            self.s("]");
        }
        Ok(cp + 1 + bytes.len())
    }
}

#[cfg(test)]
mod tests;
