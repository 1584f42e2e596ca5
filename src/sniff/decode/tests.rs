use super::*;
use crate::sniff::print::{PrintOpts, Printer, TsStyle};
use etherparse::PacketBuilder;

fn meta(link: LinkType, len: usize) -> Meta<'static> {
    Meta {
        ts_sec: 0,
        ts_nsec: 0,
        len: len as u32,
        link,
        iface: None,
        pkttype: None,
    }
}

fn line(link: LinkType, data: &[u8], wire: usize, e: bool) -> String {
    let mut out = Vec::new();
    decode(&meta(link, wire), data, e, &mut out);
    String::from_utf8(out).unwrap()
}

fn eth(data: &[u8]) -> String {
    line(LinkType::ETHERNET, data, data.len(), false)
}

const M1: [u8; 6] = [2, 0, 0, 0, 0, 1];
const M2: [u8; 6] = [2, 0, 0, 0, 0, 2];

fn build(b: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    b(&mut v);
    v
}

#[test]
fn udp_tcp_icmp_over_ethernet() {
    let udp = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .udp(40000, 9)
            .write(v, b"hello")
            .unwrap()
    });
    assert_eq!(eth(&udp), "IP 127.0.0.1.40000 > 127.0.0.1.9: UDP, length 5");
    assert_eq!(
        line(LinkType::ETHERNET, &udp, udp.len(), true),
        "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 47: \
         127.0.0.1.40000 > 127.0.0.1.9: UDP, length 5"
    );
    let tcp = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(22, 51234, 1, 501)
            .psh()
            .ack(1)
            .options(&[
                etherparse::TcpOptionElement::Noop,
                etherparse::TcpOptionElement::Noop,
                etherparse::TcpOptionElement::Timestamp(1, 2),
            ])
            .unwrap()
            .write(v, &[b'x'; 36])
            .unwrap()
    });
    assert_eq!(
        eth(&tcp),
        "IP 10.0.0.1.22 > 10.0.0.2.51234: Flags [P.], seq 1:37, ack 1, win 501, \
         options [nop,nop,TS val 1 ecr 2], length 36"
    );
    let syn = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv6([0; 16], [0; 16], 64)
            .tcp(1, 2, 4_000_000_000, 65535)
            .syn()
            .options(&[
                etherparse::TcpOptionElement::MaximumSegmentSize(1460),
                etherparse::TcpOptionElement::SelectiveAcknowledgementPermitted,
                etherparse::TcpOptionElement::WindowScale(7),
            ])
            .unwrap()
            .write(v, &[])
            .unwrap()
    });
    assert_eq!(
        eth(&syn),
        "IP6 ::.1 > ::.2: Flags [S], seq 4000000000, win 65535, \
         options [mss 1460,sackOK,wscale 7,eol], length 0"
    );
    let echo = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .icmpv4_echo_request(1, 1)
            .write(v, &[b'p'; 56])
            .unwrap()
    });
    assert_eq!(
        eth(&echo),
        "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64"
    );
    let mut src = [0u8; 16];
    src[15] = 1;
    let echo6 = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv6(src, src, 64)
            .icmpv6_echo_reply(1, 1)
            .write(v, &[b'p'; 56])
            .unwrap()
    });
    assert_eq!(
        eth(&echo6),
        "IP6 ::1 > ::1: ICMP6, echo reply, id 1, seq 1, length 64"
    );
}

#[test]
fn truncated_and_malformed() {
    let tcp = build(|v| {
        PacketBuilder::ethernet2(M1, M2)
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(22, 51234, 1, 501)
            .write(v, b"abc")
            .unwrap()
    });
    let w = tcp.len();
    let cut = |n: usize| line(LinkType::ETHERNET, &tcp[..n], w, false);
    assert_eq!(cut(44), "IP 10.0.0.1.22 > 10.0.0.2.51234:  [|tcp]");
    assert_eq!(cut(30), "IP  [|ip]");
    assert_eq!(cut(10), " [|ether]");
    assert_eq!(cut(36), "IP 10.0.0.1 > 10.0.0.2:  [|tcp]");
    let mut f = Vec::new();
    let fields = decode(&meta(LinkType::ETHERNET, w), &tcp[..44], false, &mut f);
    assert!(fields.truncated);
    // Every prefix of every test packet, under every link type: no panic.
    for link in [0, 1, 101, 108, 113, 228, 229, 276, 147] {
        for n in 0..=tcp.len() {
            line(LinkType(link), &tcp[..n], w, false);
            line(LinkType(link), &tcp[..n], w, true);
        }
    }
}

#[test]
fn ipv6_addresses_like_inet_ntop() {
    let s = |a: [u8; 16]| {
        let mut v = Vec::new();
        put_ipv6(&mut v, a);
        String::from_utf8(v).unwrap()
    };
    let p = |t: &str| t.parse::<std::net::Ipv6Addr>().unwrap().octets();
    for (a, want) in [
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("fe80::200:ff:fe00:1", "fe80::200:ff:fe00:1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("::10.0.0.1", "::10.0.0.1"),
        ("1::", "1::"),
        ("1:0:0:2::3", "1:0:0:2::3"),
    ] {
        assert_eq!(s(p(a)), want);
    }
}

/// Minimal classic-pcap reader for the tests (both byte orders, µs and ns); `None` for
/// pcapng or anything else.
/// (seconds, nanoseconds, wire length, captured bytes)
pub(super) type Pkt<'a> = (i64, u32, u32, &'a [u8]);

pub(super) fn read_pcap(bytes: &[u8]) -> Option<(u32, Vec<Pkt<'_>>)> {
    let magic = bytes.get(..4)?;
    let (le, nano) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (true, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (false, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (true, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (false, true),
        _ => return None,
    };
    let u32at = |b: &[u8], at: usize| -> Option<u32> {
        let a: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    let link = u32at(bytes, 20)? & 0x0fff_ffff;
    let mut pkts = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let sec = u32at(bytes, at)?;
        let frac = u32at(bytes, at + 4)?;
        let caplen = u32at(bytes, at + 8)? as usize;
        let len = u32at(bytes, at + 12)?;
        let data = bytes.get(at + 16..at + 16 + caplen)?;
        let nsec = if nano { frac } else { frac * 1000 };
        pkts.push((i64::from(sec), nsec, len, data));
        at += 16 + caplen;
    }
    Some((link, pkts))
}

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Our lines for a file, as `-n -S -tt` would print them.
pub(super) fn our_lines(path: &std::path::Path, iface: Option<&str>) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let (link, pkts) = read_pcap(&bytes)?;
    let mut pr = Printer::new(PrintOpts {
        ts: TsStyle::Epoch,
        ..PrintOpts::default()
    });
    let mut out = Vec::new();
    for (sec, nsec, len, data) in pkts {
        let m = Meta {
            ts_sec: sec,
            ts_nsec: nsec,
            len,
            link: LinkType(link),
            iface,
            pkttype: None,
        };
        pr.print(&m, data, &mut out);
    }
    Some(
        String::from_utf8_lossy(&out)
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .map(str::to_owned)
            .collect(),
    )
}

fn tcpdump_lines(path: &std::path::Path) -> Option<Vec<String>> {
    let out = std::process::Command::new("tcpdump")
        .args(["-n", "-S", "-tt", "-r"])
        .arg(path)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn public_captures_decode_without_panic() {
    let mut files = 0;
    let mut packets = 0;
    for entry in std::fs::read_dir(data_dir().join("pcaps")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Some((link, pkts)) = read_pcap(&bytes) else {
            continue;
        };
        files += 1;
        for (_, _, len, data) in pkts {
            packets += 1;
            for e in [false, true] {
                let mut out = Vec::new();
                decode(&meta(LinkType(link), len as usize), data, e, &mut out);
                // Every prefix up to 200 bytes too: cut packets must not panic either.
                for n in (0..data.len().min(200)).step_by(3) {
                    out.clear();
                    decode(&meta(LinkType(link), len as usize), &data[..n], e, &mut out);
                }
            }
        }
    }
    assert!(
        files > 90 && packets > 600,
        "{files} files, {packets} packets"
    );
}

/// Lines of our own captures that differ from tcpdump on purpose (GRE is not decoded).
const KNOWN_DIFFERENT: &[(&str, usize)] = &[("crafted.pcap", 22)];

#[test]
fn same_lines_as_tcpdump() {
    if tcpdump_lines(&data_dir().join("lo.pcap")).is_none_or(|l| l.is_empty()) {
        println!("skipped: tcpdump not installed");
        return;
    }
    // Our own files: every line but the listed ones equals tcpdump's.
    for (name, iface) in [
        ("lo.pcap", None),
        ("any.pcap", Some("lo")),
        ("crafted.pcap", None),
        ("sll.pcap", None),
        ("raw.pcap", None),
        ("null.pcap", None),
        ("dns.pcap", None),
        ("dhcp.pcap", None),
    ] {
        let path = data_dir().join(name);
        let ours = our_lines(&path, iface).unwrap();
        let theirs = tcpdump_lines(&path).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{name}");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            if KNOWN_DIFFERENT.contains(&(name, i)) {
                assert_ne!(a, b, "{name} line {i} now matches: take it off the list");
            } else {
                assert_eq!(a, b, "{name} line {i}");
            }
        }
    }
    // The public files: count, and show a sample of what differs.
    let (mut same, mut total, mut shown) = (0, 0, 0);
    let mut names: Vec<_> = std::fs::read_dir(data_dir().join("pcaps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let Some(ours) = our_lines(&path, None) else {
            continue;
        };
        let theirs = tcpdump_lines(&path).unwrap();
        for (a, b) in ours.iter().zip(&theirs) {
            total += 1;
            if a == b {
                same += 1;
            } else if shown < 40 && std::env::var_os("SHOW_DIFF").is_some() {
                shown += 1;
                println!("{}\n  ours:    {a}\n  tcpdump: {b}", path.display());
            }
        }
    }
    println!("public captures: {same} of {total} lines equal tcpdump -n -S -tt");
    assert!(same > 0);
}

/// `-e` on a live "any" capture: the interface prefix carries the direction, the cooked
/// header part does not repeat it; read from a file (no interface) it is tcpdump's SLL line.
#[test]
fn cooked_link_header_prints_the_direction_once() {
    let ip = build(|v| {
        PacketBuilder::ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .udp(40000, 9)
            .write(v, b"hi\n")
            .unwrap()
    });
    let mut data =
        crate::sniff::cooked::sll_header(PacketType::Host, 772, &[0; 6], 0x0800).to_vec();
    data.extend_from_slice(&ip);
    let tail = "00:00:00:00:00:00 ethertype IPv4 (0x0800), length 47: \
                127.0.0.1.40000 > 127.0.0.1.9: UDP, length 3";
    let live = Meta {
        iface: Some("lo"),
        pkttype: Some(PacketType::Host),
        ..meta(LinkType::LINUX_SLL, data.len())
    };
    let mut out = Vec::new();
    decode(&live, &data, true, &mut out);
    assert_eq!(String::from_utf8(out).unwrap(), format!("lo    In  {tail}"));
    let mut out = Vec::new();
    decode(&live, &data, false, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "lo    In  IP 127.0.0.1.40000 > 127.0.0.1.9: UDP, length 3"
    );
    let file = line(LinkType::LINUX_SLL, &data, data.len(), true);
    assert_eq!(file, format!(" In {tail}"));
}

/// Our line for packet `i` of `tests/data/NAME.pcap` (no timestamp).
pub(super) fn line_of(name: &str, i: usize) -> String {
    let bytes = std::fs::read(data_dir().join(format!("{name}.pcap"))).unwrap();
    let (link, pkts) = read_pcap(&bytes).unwrap();
    let (_, _, len, data) = pkts[i];
    let mut out = Vec::new();
    decode(&meta(LinkType(link), len as usize), data, false, &mut out);
    String::from_utf8(out).unwrap()
}

/// Every line of `tests/data/NAME.pcap` equals `NAME.expected` (tcpdump 4.99's
/// `-n -S -t -r` output, written by the generator script), and every prefix of every packet
/// decodes without a panic.
pub(super) fn expected_file_matches(name: &str) {
    let path = data_dir().join(format!("{name}.pcap"));
    let ours = our_lines(&path, None).unwrap();
    let want = std::fs::read_to_string(data_dir().join(format!("{name}.expected"))).unwrap();
    let want: Vec<&str> = want.lines().filter(|l| !l.starts_with('\t')).collect();
    assert_eq!(ours.len(), want.len(), "{name}");
    for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
        // Ours carry `-tt` timestamps; the file has none (`-t`). A packet's second line
        // (VXLAN's inner frame) has none either.
        let a = match a.split_once(' ') {
            Some((ts, r))
                if !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                r
            }
            _ => a.as_str(),
        };
        assert_eq!(a, *b, "{name}.pcap packet {i}");
    }
    let bytes = std::fs::read(&path).unwrap();
    let (link, pkts) = read_pcap(&bytes).unwrap();
    let mut out = Vec::new();
    for (_, _, len, data) in pkts {
        for n in 0..=data.len() {
            for e in [false, true] {
                out.clear();
                decode(&meta(LinkType(link), len as usize), &data[..n], e, &mut out);
            }
        }
    }
}

/// UDP length field against the IP payload: `bad length` unless the datagram is a first
/// fragment; application decoders get the smaller of the two. Short BOOTP messages.
#[test]
fn udp_lengths_like_tcpdump() {
    expected_file_matches("udp");
    let u = "IP 10.0.0.1.40000 > 10.0.0.2.";
    let b = "IP 10.0.0.1.68 > 10.0.0.2.67: BOOTP/DHCP, ";
    for (i, want) in [
        (0, format!("{u}9: UDP, bad length 100 > 20")),
        (1, format!("{u}9: UDP, length 10")),
        (3, format!("{u}9: UDP, bad length 21 > 20")),
        (4, format!("{u}9: UDP, length 100")),
        (15, format!("{u}123: NTPv0, unspecified, length 20")),
        (91, format!("{b}unknown (0x00) [|bootp]")),
        (92, format!("{b}unknown (0x00), length 3")),
    ] {
        assert_eq!(line_of("udp", i), want, "udp.pcap packet {i}");
    }
}
