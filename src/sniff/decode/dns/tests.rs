//! Expected lines are tcpdump 4.99's (`tcpdump -n -S -t -r tests/data/dns.pcap`), copied here
//! so the tests do not need tcpdump; `tests/data/dns.expected` holds the whole file's.

use super::super::tests::{our_lines, read_pcap};
use super::super::{Meta, decode};
use crate::sniff::link::LinkType;

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The line for packet `i` of dns.pcap, without the `IP a.p > b.p: ` prefix.
fn dns_line(pkts: &[(i64, u32, u32, &[u8])], i: usize) -> String {
    let (_, _, len, bytes) = pkts[i];
    let m = Meta {
        ts_sec: 0,
        ts_nsec: 0,
        len,
        link: LinkType::ETHERNET,
        iface: None,
        pkttype: None,
    };
    let mut out = Vec::new();
    decode(&m, bytes, false, &mut out);
    let s = String::from_utf8(out).unwrap();
    match s.split_once(": ") {
        Some((_, rest)) => rest.to_owned(),
        None => s,
    }
}

#[test]
fn every_packet_like_tcpdump() {
    let ours = our_lines(&data("dns.pcap"), None).unwrap();
    let want = std::fs::read_to_string(data("dns.expected")).unwrap();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(ours.len(), want.len());
    for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
        // Ours carry `-tt` timestamps; the file has none (`-t`).
        let a = a.split_once(' ').map_or(a.as_str(), |(_, r)| r);
        assert_eq!(a, *b, "dns.pcap packet {i}");
    }
}

#[test]
fn record_types_flags_and_edge_cases() {
    let bytes = std::fs::read(data("dns.pcap")).unwrap();
    let (_, pkts) = read_pcap(&bytes).unwrap();
    let want = std::fs::read_to_string(data("dns.expected")).unwrap();
    // Find a packet by the id tcpdump printed first (ids are unique below 1000).
    let find = |id: &str| -> usize {
        want.lines()
            .position(|l| {
                l.split_once(": ").is_some_and(|(_, r)| {
                    r.starts_with(id) && !r[id.len()..].starts_with(|c: char| c.is_ascii_digit())
                })
            })
            .unwrap_or_else(|| panic!("no packet {id}"))
    };
    for (id, line) in [
        // queries
        ("12345", "12345+ A? example.com. (29)"),
        ("1", "1 A? example.com. (29)"),
        ("2", "2+ AAAA? example.com. (29)"),
        ("10", "10+ NS? . (17)"),
        ("11", "11+ [1au] A? example.com. (40)"),
        ("13", "13+ TXT CHAOS? version.bind. (30)"),
        ("15", "15+ A (Class 254)? example.com. (29)"),
        ("18", "18+ Type65280? example.com. (29)"),
        ("22", "22+% A? example.com. (29)"),
        ("27", "27+ [b2&3=0x103] A? example.com. (29)"),
        ("28", "28+ [2q] A? a.example. AAAA? b.example. (42)"),
        ("29", "29+ [0q] (12)"),
        ("30", "30+ [1a] [1n] [1au] A? example.com. (45)"),
        ("32", "32 inv_q [1q] [0a] A? example.com. (29)"),
        ("214", "214 zoneInit+ A? example.com. (29)"),
        // responses and record types
        ("33", "33 2/0/0 A 93.184.216.34, A 93.184.216.35 (61)"),
        ("34", "34 2/0/0 CNAME example.com., A 1.2.3.4 (85)"),
        ("36", "36 1/0/0 PTR example.com. (69)"),
        (
            "37",
            "37 2/0/0 MX mx1.example.com. 10, MX mx2.example.com. 20 (80)",
        ),
        (
            "38",
            "38 2/0/0 NS a.iana-servers.net., NS b.iana-servers.net. (93)",
        ),
        ("39", "39 1/0/0 AAAA 2001:db8::1 (57)"),
        (
            "40",
            "40 2/0/0 TXT \"v=spf1 -all\", TXT \"abc\" \"\" \"a\"b\\c\" \"^A^?M-^? \" (81)",
        ),
        ("41", "41 1/0/0 SOA (102)"),
        ("42", "42 1/0/0 SRV sip.example.com.:5060 10 60 (74)"),
        ("43", "43 NXDomain 0/1/0 (118)"),
        ("49", "49*-|$ 1/0/0 A 1.2.3.4 (45)"),
        ("59", "59 1/0/0 CHAOS A 1.2.3.4 (45)"),
        ("61", "61 1/0/0 DNAME example.net. (54)"),
        ("64", "64 3/0/0 RRSIG, DNSKEY, DS (129)"),
        ("66", "66 1/0/0 URI 10 1 ftp://ftp.example.com/ (67)"),
        ("70", "70 1/0/0 A6 64 ::aaaa:aaaa:aaaa:aaaa a.example. (61)"),
        ("75", "75 [2q], 1/0/0 A 1.2.3.4 (58)"),
        ("76", "76 notify 0/0/0 (29)"),
        // EDNS: extended rcodes from the OPT record, OPT as an answer
        ("53", "53Resp17 0/0/1 (40)"),
        ("54", "54 BadCookie 0/0/1 (40)"),
        ("55", "55 BadVers 0/0/1 (40)"),
        ("57", "57 1/0/0 OPT UDPsize=512 DO (40)"),
        (
            "58",
            "58 1/0/0 OPT UDPsize=512 [COOKIE 0202020202020202] (52)",
        ),
        (
            "148",
            "148 1/0/0 OPT UDPsize=512 [NSID 61626364,PADDING (3)] (55)",
        ),
        // names: escapes, compression abuse, bad labels, length limit
        ("82", "82+ A? cafM-i.example. (30)"),
        ("83", "83+ A? x^Ay^?.example. (30)"),
        ("90", "90+ A? <BAD PTR> [|domain]"),
        ("91", "91+ A? a.<BAD PTR> [|domain]"),
        ("92", "92+ A? a.<BAD PTR> [|domain]"),
        ("95", "95+ [|domain]"),
        ("100", "100+ A? \\[xabc/12].com. (25)"),
        ("103", "103 1/0/0 CNAME www.<BAD PTR> [|domain]"),
        ("104", "104 1/0/0 CNAME example.com. (43)"),
        ("161", "161 1/0/0 CNAME a.<ELT 0> [|domain]"),
        ("162", "162 1/0/0 CNAME a.<BAD LABEL TYPE> [|domain]"),
        // truncation
        ("115", "115 1/0/0 A [|domain]"),
        ("117", "117 1/0/0 (35)"),
        ("120", "120 2/0/0 A 1.2.3.4, (46)"),
        ("121", "121 2/0/0 A 1.2.3.4 [|domain]"),
        ("126", "126+ [3q] A? example.com. [|domain]"),
        ("128", "128 1/0/0 TXT \"hello [|domain]"),
        ("166", "166 1/0/0 NS abc [|domain]"),
    ] {
        assert_eq!(dns_line(&pkts, find(id)), line, "id {id}");
    }
    // Whole lines: mDNS, TCP, lengths.
    let line = |i: usize| want.lines().nth(i).unwrap();
    let starts = |p: &str| want.lines().position(|l| l.contains(p)).unwrap();
    for (what, expect) in [
        (
            "0 A (QU)?",
            "IP 10.0.0.1.5353 > 10.0.0.2.5353: 0 A (QU)? printer.local. (31)",
        ),
        (
            "(Cache flush) A",
            "IP 10.0.0.1.5353 > 10.0.0.2.5353: 0*- [0q] 1/0/0 (Cache flush) A 10.0.0.9 (41)",
        ),
        (
            "domain [length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.53: domain [length 0 < 12] (invalid)",
        ),
        (
            "601 1/0/0",
            "IP 10.0.0.1.53 > 10.0.0.2.40000: Flags [P.], seq 1000:1047, ack 2000, win 512, \
             length 47 601 1/0/0 A 10.0.0.9 (45)",
        ),
    ] {
        let i = starts(what);
        assert_eq!(line(i), expect);
        let (_, _, len, bytes) = pkts[i];
        let m = Meta {
            ts_sec: 0,
            ts_nsec: 0,
            len,
            link: LinkType::ETHERNET,
            iface: None,
            pkttype: None,
        };
        let mut out = Vec::new();
        decode(&m, bytes, false, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), expect);
    }
}

#[test]
fn malformed_messages_never_panic() {
    let bytes = std::fs::read(data("dns.pcap")).unwrap();
    let (_, pkts) = read_pcap(&bytes).unwrap();
    let mut out = Vec::new();
    let mut seed = 0x1234_5678u32;
    for (_, _, len, pkt) in pkts {
        // Every prefix, and copies with bytes of the DNS part overwritten.
        for n in 0..=pkt.len() {
            out.clear();
            let m = Meta {
                ts_sec: 0,
                ts_nsec: 0,
                len,
                link: LinkType::ETHERNET,
                iface: None,
                pkttype: None,
            };
            decode(&m, &pkt[..n], false, &mut out);
        }
        let mut p = pkt.to_vec();
        for _ in 0..64 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            if p.len() > 42 {
                let at = 42 + seed as usize % (p.len() - 42);
                p[at] = (seed >> 24) as u8;
            }
            out.clear();
            let m = Meta {
                ts_sec: 0,
                ts_nsec: 0,
                len,
                link: LinkType::ETHERNET,
                iface: None,
                pkttype: None,
            };
            decode(&m, &p, false, &mut out);
        }
    }
}
