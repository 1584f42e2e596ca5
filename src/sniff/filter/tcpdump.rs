//! The compiler and the pcap reader against tcpdump on the shared capture files: record counts
//! per file, and accepted-packet counts for a table of expressions × files.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{Insn, Target, compile, parse, run};
use crate::sniff::link::LinkType;
use crate::sniff::pcap::{MAX_SNAPLEN, Reader, read_all};

const EXPRS: &[&str] = &[
    "tcp",
    "udp",
    "icmp",
    "icmp6",
    "arp",
    "ip",
    "ip6",
    "vlan",
    "not ip",
    "host 10.0.0.1",
    "src host 192.168.1.1",
    "dst host 192.168.1.4",
    "host 127.0.0.1",
    "host fe80::20c:29ff:fe9b:a15d",
    "ip6 src host fe80::211:22ff:fe33:4455",
    "dst net 192.168.0.0/16",
    "net 10",
    "net fe80::/10",
    "src net 209.87.249",
    "port 53",
    "src port 68",
    "dst port 547",
    "udp port 67 or udp port 68",
    "portrange 1-1023",
    "tcp portrange 1-1023",
    "tcp and not port 22",
    "udp or icmp",
    "(tcp or udp) and dst portrange 1000-2000",
    "ip6 and udp",
    "host 192.168.1.1 or 192.168.1.4",
    "port 8053 and not src 209.87.249.18",
    "tcp or udp and not ip6",
    "! (udp || tcp) && ip",
    "src and dst net 127.0.0.0/8",
    "vlan and tcp",
    "ip and port 4500",
    "ip6 and dst port 547",
    "arp host 10.80.131.1",
    "icmp or icmp6 or arp",
];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pcaps")
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

fn have_tcpdump() -> bool {
    Command::new("tcpdump")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Packets tcpdump keeps: records in `tcpdump -r FILE -w - EXPR`.
fn tcpdump_count(file: &PathBuf, expr: Option<&str>) -> usize {
    let mut c = Command::new("tcpdump");
    c.arg("-r").arg(file).arg("-w").arg("-");
    if let Some(e) = expr {
        c.arg(e);
    }
    let out = c.stderr(Stdio::null()).output().unwrap();
    read_all(&out.stdout).0.len()
}

#[test]
fn every_file_reads_like_tcpdump() {
    if !have_tcpdump() {
        eprintln!("skipped: tcpdump not installed");
        return;
    }
    let mut bad = Vec::new();
    for f in files() {
        let bytes = std::fs::read(&f).unwrap();
        let (recs, err) = read_all(&bytes);
        let want = tcpdump_count(&f, None);
        if recs.len() != want || err.is_some() {
            bad.push(format!(
                "{}: ours {} ({:?}), tcpdump {want}",
                f.display(),
                recs.len(),
                err.map(|e| e.to_string())
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn filters_match_tcpdump() {
    if !have_tcpdump() {
        eprintln!("skipped: tcpdump not installed");
        return;
    }
    let supported = [
        LinkType::ETHERNET,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::RAW,
        LinkType::IPV4,
        LinkType::IPV6,
    ];
    let files: Vec<PathBuf> = files()
        .into_iter()
        .filter(|f| {
            let bytes = std::fs::read(f).unwrap();
            Reader::new(&bytes[..])
                .ok()
                .and_then(|r| r.link())
                .is_some_and(|l| supported.contains(&l))
        })
        .collect();
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|s| {
        let hs: Vec<_> = files
            .chunks(files.len().div_ceil(8).max(1))
            .map(|chunk| {
                s.spawn(move || {
                    let mut ok = 0;
                    let mut bad = Vec::new();
                    for f in chunk {
                        let bytes = std::fs::read(f).unwrap();
                        for e in EXPRS {
                            let ast = parse(e).unwrap();
                            let mut rd = Reader::new(&bytes[..]).unwrap();
                            let mut progs = Vec::new();
                            let mut n = 0;
                            while let Ok(Some(r)) = rd.next() {
                                let p = match progs.iter().find(|(l, _)| *l == r.link) {
                                    Some((_, p)) => p,
                                    None => {
                                        progs.push((
                                            r.link,
                                            compile(&ast, Target::Link(r.link), MAX_SNAPLEN)
                                                .unwrap(),
                                        ));
                                        &progs.last().unwrap().1
                                    }
                                };
                                if run(p, r.data, r.len) != 0 {
                                    n += 1;
                                }
                            }
                            let want = tcpdump_count(f, Some(e));
                            if n == want {
                                ok += 1;
                            } else {
                                bad.push(format!(
                                    "{} '{e}': ours {n}, tcpdump {want}",
                                    f.file_name().unwrap().to_string_lossy()
                                ));
                            }
                        }
                    }
                    (ok, bad)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: usize = results.iter().map(|r| r.0).sum();
    let bad: Vec<&String> = results.iter().flat_map(|r| &r.1).collect();
    eprintln!(
        "filters vs tcpdump: {ok} of {} (expression, file) pairs match over {} files",
        ok + bad.len(),
        files.len()
    );
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Rewrites an Ethernet capture with another link header: Linux cooked v1 or v2 (the
/// ethertype and payload kept), or raw IP, BSD NULL (little-endian family, as a PC writes
/// it) or OpenBSD LOOP (network order) with only the IPv4/IPv6 frames kept.
fn convert(bytes: &[u8], to: LinkType) -> Vec<u8> {
    let mut rd = Reader::new(bytes).unwrap();
    let mut w = crate::sniff::pcap::Writer::new(Vec::new(), to, MAX_SNAPLEN).unwrap();
    let mut pkt = Vec::new();
    while let Ok(Some(r)) = rd.next() {
        if r.data.len() < 14 {
            continue;
        }
        let (et, payload) = (&r.data[12..14], &r.data[14..]);
        pkt.clear();
        match to {
            LinkType::LINUX_SLL => {
                pkt.extend([0, 0, 0, 1, 0, 6]);
                pkt.extend(&r.data[6..12]);
                pkt.extend([0, 0]);
                pkt.extend(et);
            }
            LinkType::LINUX_SLL2 => {
                pkt.extend(et);
                pkt.extend([0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
                pkt.extend(&r.data[6..12]);
                pkt.extend([0, 0]);
            }
            _ => {
                let af: u32 = match et {
                    [0x08, 0x00] => 2,
                    [0x86, 0xdd] => 24,
                    _ => continue,
                };
                match to {
                    LinkType::NULL => pkt.extend(af.to_le_bytes()),
                    LinkType::LOOP => pkt.extend(af.to_be_bytes()),
                    _ => {}
                }
            }
        }
        pkt.extend(payload);
        let len = r.len.saturating_sub(14) + (pkt.len() - payload.len()) as u32;
        w.write(r.ts_sec, r.ts_nsec, len, &pkt).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn filters_match_tcpdump_on_converted_link_types() {
    if !have_tcpdump() {
        eprintln!("skipped: tcpdump not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ok = 0;
    let mut bad = Vec::new();
    for f in files() {
        let bytes = std::fs::read(&f).unwrap();
        if Reader::new(&bytes[..]).unwrap().link() != Some(LinkType::ETHERNET) {
            continue;
        }
        for to in [
            LinkType::LINUX_SLL,
            LinkType::LINUX_SLL2,
            LinkType::RAW,
            LinkType::NULL,
            LinkType::LOOP,
        ] {
            let conv = convert(&bytes, to);
            let path = dir.path().join(format!(
                "{}-{}.pcap",
                f.file_stem().unwrap().to_string_lossy(),
                to.0
            ));
            std::fs::write(&path, &conv).unwrap();
            for e in EXPRS.iter().filter(|e| !e.contains("vlan")) {
                let prog = compile(&parse(e).unwrap(), Target::Link(to), MAX_SNAPLEN).unwrap();
                let mut rd = Reader::new(&conv[..]).unwrap();
                let mut n = 0;
                while let Ok(Some(r)) = rd.next() {
                    if run(&prog, r.data, r.len) != 0 {
                        n += 1;
                    }
                }
                let want = tcpdump_count(&path, Some(e));
                if n == want {
                    ok += 1;
                } else {
                    bad.push(format!(
                        "{} '{e}': ours {n}, tcpdump {want}",
                        path.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    eprintln!(
        "converted link types vs tcpdump: {ok} of {} pairs match",
        ok + bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The live-socket targets, checked against the Ethernet program on the same packets with the
/// link header removed as the kernel would (ethertype and VLAN tag moved to ancillary data).
#[test]
fn kernel_targets_agree_with_ethernet() {
    let mut checked = 0;
    for f in files() {
        let bytes = std::fs::read(&f).unwrap();
        if Reader::new(&bytes[..]).unwrap().link() != Some(LinkType::ETHERNET) {
            continue;
        }
        for e in EXPRS {
            let ast = parse(e).unwrap();
            let eth = compile(&ast, Target::Link(LinkType::ETHERNET), 65535).unwrap();
            let cooked = compile(&ast, Target::KernelCooked, 65535).unwrap();
            let keth = compile(&ast, Target::KernelEthernet, 65535).unwrap();
            let mut rd = Reader::new(&bytes[..]).unwrap();
            while let Ok(Some(r)) = rd.next() {
                let d = r.data;
                if d.len() < 18 {
                    continue;
                }
                let et = u16::from_be_bytes([d[12], d[13]]);
                let tagged = et == 0x8100;
                if tagged != e.starts_with("vlan") {
                    continue; // untagged packets for plain expressions, tagged for `vlan ...`
                }
                let want = run(&eth, d, r.len) != 0;
                let (ctx, net, stripped) = if tagged {
                    let tci = u16::from_be_bytes([d[14], d[15]]);
                    let inner = u16::from_be_bytes([d[16], d[17]]);
                    let mut s = d[..12].to_vec();
                    s.extend(&d[16..]);
                    (
                        super::Ctx {
                            protocol: inner,
                            vlan_tci: Some(tci),
                        },
                        &d[18..],
                        s,
                    )
                } else {
                    (
                        super::Ctx {
                            protocol: et,
                            vlan_tci: None,
                        },
                        &d[14..],
                        d.to_vec(),
                    )
                };
                assert_eq!(
                    super::run_ctx(&cooked, net, r.len, &ctx) != 0,
                    want,
                    "cooked '{e}' {}",
                    f.display()
                );
                assert_eq!(
                    super::run_ctx(&keth, &stripped, r.len, &ctx) != 0,
                    want,
                    "kernel eth '{e}' {}",
                    f.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// The kernel accepts every compiled program (SO_ATTACH_FILTER on a UDP socket runs the same
/// checker as on a packet socket, without privileges).
#[test]
fn kernel_accepts_programs() {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    for e in EXPRS {
        for t in [
            Target::Link(LinkType::ETHERNET),
            Target::Link(LinkType::LINUX_SLL),
            Target::KernelCooked,
            Target::KernelEthernet,
        ] {
            let prog: Vec<socket2::SockFilter> = compile(&parse(e).unwrap(), t, 65535)
                .unwrap()
                .into_iter()
                .map(Insn::to_sock_filter)
                .collect();
            let r = sock.attach_filter(&prog);
            assert!(r.is_ok(), "'{e}' {t:?}: {r:?}");
        }
    }
}

/// tcpdump reads what the writer writes, in both precisions.
#[test]
fn tcpdump_reads_our_files() {
    if !have_tcpdump() {
        eprintln!("skipped: tcpdump not installed");
        return;
    }
    let src = std::fs::read(data_dir().join("dns_udp_8053.pcap")).unwrap();
    for p in [
        crate::sniff::pcap::Precision::Micro,
        crate::sniff::pcap::Precision::Nano,
    ] {
        let mut rd = Reader::new(&src[..]).unwrap();
        let mut w = crate::sniff::pcap::Writer::with_precision(
            Vec::new(),
            LinkType::ETHERNET,
            MAX_SNAPLEN,
            p,
        )
        .unwrap();
        let mut n = 0;
        while let Some(r) = rd.next().unwrap() {
            w.write(r.ts_sec, r.ts_nsec + 789, r.len, r.data).unwrap();
            n += 1;
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), w.into_inner().unwrap()).unwrap();
        let out = Command::new("tcpdump")
            .args(["-n", "--time-stamp-precision=nano", "-r"])
            .arg(f.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.lines().count(), n, "{text}");
        let frac = if p == crate::sniff::pcap::Precision::Nano {
            "789 IP"
        } else {
            "000 IP"
        };
        assert!(text.lines().next().unwrap().contains(frac), "{text}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("link-type EN10MB"));
    }
}

/// No shared capture has VLAN tags: tag every other frame of two Ethernet captures (IDs 100
/// and 200 alternately, TPIDs 0x8100 and 0x88a8) and compare `vlan` expressions with tcpdump,
/// and the live targets (tag in ancillary data) with the Ethernet program.
#[test]
fn vlan_tagged_frames_match_tcpdump() {
    if !have_tcpdump() {
        eprintln!("skipped: tcpdump not installed");
        return;
    }
    let exprs = [
        "vlan",
        "not vlan",
        "vlan 100",
        "vlan 200",
        "vlan and tcp",
        "vlan and udp port 53",
        "vlan 100 and host 192.168.1.11",
        "vlan and ip6",
        "tcp or vlan",
        "udp and not vlan",
        "vlan 200 and (tcp or udp) and portrange 1-1023",
    ];
    let dir = tempfile::tempdir().unwrap();
    let (mut ok, mut bad, mut tagged_checked) = (0, Vec::new(), 0);
    for name in [
        "dns_tcp_8053.pcap",
        "dns_udp_2.pcap",
        "dhcpv6-mud.pcap",
        "dns-badvers.pcap",
    ] {
        let src = std::fs::read(data_dir().join(name)).unwrap();
        let mut rd = Reader::new(&src[..]).unwrap();
        let mut w =
            crate::sniff::pcap::Writer::new(Vec::new(), LinkType::ETHERNET, MAX_SNAPLEN).unwrap();
        let mut i = 0u16;
        while let Some(r) = rd.next().unwrap() {
            i += 1;
            let mut p = r.data[..12].to_vec();
            let (tpid, id): (u16, u16) = if i.is_multiple_of(2) {
                (0x8100, 100)
            } else {
                (0x88a8, 200)
            };
            p.extend(tpid.to_be_bytes());
            p.extend((0x2000 | id).to_be_bytes());
            p.extend(&r.data[12..]);
            w.write(r.ts_sec, r.ts_nsec, r.len + 4, &p).unwrap();
            if i.is_multiple_of(3) {
                w.write(r.ts_sec, r.ts_nsec, r.len, r.data).unwrap(); // untagged too
            }
        }
        let bytes = w.into_inner().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        for e in exprs {
            let ast = parse(e).unwrap();
            let eth = compile(&ast, Target::Link(LinkType::ETHERNET), MAX_SNAPLEN).unwrap();
            let keth = compile(&ast, Target::KernelEthernet, MAX_SNAPLEN).unwrap();
            let cooked = compile(&ast, Target::KernelCooked, MAX_SNAPLEN).unwrap();
            let mut rd = Reader::new(&bytes[..]).unwrap();
            let mut n = 0;
            while let Some(r) = rd.next().unwrap() {
                let d = r.data;
                let hit = run(&eth, d, r.len) != 0;
                n += usize::from(hit);
                let tpid = u16::from_be_bytes([d[12], d[13]]);
                // The live targets agree when the expression's non-VLAN part only looks past
                // the tag (every `vlan ...` expression here starts with `vlan`).
                if (tpid == 0x8100 || tpid == 0x88a8) && e.starts_with("vlan") {
                    let tci = u16::from_be_bytes([d[14], d[15]]);
                    let inner = u16::from_be_bytes([d[16], d[17]]);
                    let ctx = super::Ctx {
                        protocol: inner,
                        vlan_tci: Some(tci),
                    };
                    let mut stripped = d[..12].to_vec();
                    stripped.extend(&d[16..]);
                    assert_eq!(
                        super::run_ctx(&keth, &stripped, r.len, &ctx) != 0,
                        hit,
                        "{e}"
                    );
                    assert_eq!(
                        super::run_ctx(&cooked, &d[18..], r.len, &ctx) != 0,
                        hit,
                        "{e}"
                    );
                    tagged_checked += 1;
                }
            }
            let want = tcpdump_count(&path, Some(e));
            if n == want {
                ok += 1;
            } else {
                bad.push(format!("{name} '{e}': ours {n}, tcpdump {want}"));
            }
        }
    }
    eprintln!(
        "vlan-tagged files vs tcpdump: {ok} of {} pairs match; {tagged_checked} tagged frames checked on live targets",
        ok + bad.len()
    );
    assert!(tagged_checked > 50);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
