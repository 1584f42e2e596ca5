//! The compiler and the pcap reader against tcpdump on the shared capture files: record counts
//! per file, and accepted-packet counts for a table of expressions × files.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{Target, compile, parse, run};
use crate::sniff::link::LinkType;
use crate::sniff::pcap::{Reader, read_all};

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
                                            compile(&ast, Target::Link(r.link), 262_144).unwrap(),
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
