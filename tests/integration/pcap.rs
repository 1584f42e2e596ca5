//! `--pcap FILE`: the capture of a real session is read back by tcpdump, by `sockcli sniff -r`
//! and here (with etherparse), and must carry exactly the bytes that went each way.

use crate::ensure;
use crate::util::*;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::Command;

/// One packet of a capture: addresses, TCP numbers and flags (None for UDP), payload.
#[derive(Debug)]
struct Pkt {
    src: SocketAddr,
    dst: SocketAddr,
    tcp: Option<(u32, u32, u8)>,
    payload: Vec<u8>,
}

/// The packets of a classic pcap file (Ethernet), with the IPv4 header, TCP and UDP checksums
/// checked by recomputing them.
#[track_caller]
fn packets(path: &Path) -> Vec<Pkt> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() >= 24, "no pcap header");
    assert_eq!(
        u32::from_ne_bytes(bytes[0..4].try_into().unwrap()),
        0xa1b2_c3d4
    );
    assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().unwrap()), 1);
    let u32_at = |i: usize| u32::from_ne_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let mut at = 24;
    let mut out = Vec::new();
    while at < bytes.len() {
        let (caplen, len) = (u32_at(at + 8), u32_at(at + 12));
        assert_eq!(caplen, len, "record at {at} cut short");
        let frame = &bytes[at + 16..at + 16 + caplen];
        at += 16 + caplen;
        let p = SlicedPacket::from_ethernet(frame).unwrap();
        let (src, dst) = match p.net.as_ref().unwrap() {
            NetSlice::Ipv4(ip) => {
                let h = ip.header();
                assert_eq!(h.to_header().calc_header_checksum(), h.header_checksum());
                assert_eq!(h.total_len() as usize, frame.len() - 14);
                (
                    IpAddr::from(h.source_addr()),
                    IpAddr::from(h.destination_addr()),
                )
            }
            NetSlice::Ipv6(ip) => {
                let h = ip.header();
                (
                    IpAddr::from(h.source_addr()),
                    IpAddr::from(h.destination_addr()),
                )
            }
            NetSlice::Arp(_) => panic!("ARP in the capture"),
        };
        let octets4 = |a: IpAddr| match a {
            IpAddr::V4(a) => a.octets(),
            IpAddr::V6(_) => panic!("mixed families"),
        };
        let pkt = match p.transport.as_ref().unwrap() {
            TransportSlice::Tcp(t) => {
                let want = match src {
                    IpAddr::V4(_) => t.calc_checksum_ipv4(octets4(src), octets4(dst)),
                    IpAddr::V6(_) => panic!("IPv6 not expected here"),
                };
                assert_eq!(t.checksum(), want.unwrap(), "TCP checksum");
                let flags = t.header_slice()[13];
                Pkt {
                    src: SocketAddr::new(src, t.source_port()),
                    dst: SocketAddr::new(dst, t.destination_port()),
                    tcp: Some((t.sequence_number(), t.acknowledgment_number(), flags)),
                    payload: t.payload().to_vec(),
                }
            }
            TransportSlice::Udp(u) => {
                let want =
                    u.to_header()
                        .calc_checksum_ipv4_raw(octets4(src), octets4(dst), u.payload());
                assert_eq!(u.checksum(), want.unwrap(), "UDP checksum");
                Pkt {
                    src: SocketAddr::new(src, u.source_port()),
                    dst: SocketAddr::new(dst, u.destination_port()),
                    tcp: None,
                    payload: u.payload().to_vec(),
                }
            }
            other => panic!("unexpected transport {other:?}"),
        };
        out.push(pkt);
    }
    out
}

/// The two byte streams of a TCP capture (client's, server's), checking that every segment
/// starts where its side's stream stands and acknowledges all the other side sent.
#[track_caller]
fn streams(pkts: &[Pkt]) -> (Vec<u8>, Vec<u8>) {
    const SYN: u8 = 0x02;
    const FIN: u8 = 0x01;
    let (client, server) = (pkts[0].src, pkts[0].dst);
    assert_eq!(pkts[0].tcp.unwrap().2, SYN);
    assert_eq!(pkts[1].tcp.unwrap().2, SYN | 0x10);
    let mut nxt = [
        pkts[0].tcp.unwrap().0.wrapping_add(1),
        pkts[1].tcp.unwrap().0.wrapping_add(1),
    ];
    let mut bytes = [Vec::new(), Vec::new()];
    for p in &pkts[2..] {
        let (seq, ack, flags) = p.tcp.unwrap();
        let side = if p.src == client {
            assert_eq!(p.dst, server);
            0
        } else {
            assert_eq!((p.src, p.dst), (server, client));
            1
        };
        assert_eq!(seq, nxt[side], "sequence gap at {p:?}");
        assert_eq!(ack, nxt[1 - side], "stale ACK at {p:?}");
        nxt[side] = seq
            .wrapping_add(p.payload.len() as u32)
            .wrapping_add(u32::from(flags & FIN != 0));
        bytes[side].extend_from_slice(&p.payload);
    }
    let [c, s] = bytes;
    (c, s)
}

/// tcpdump's text for the file, or None (after a skip notice) when it is not installed.
fn tcpdump(path: &Path, verbose: bool) -> Option<Out> {
    if !require_tool("tcpdump") {
        return None;
    }
    let mut cmd = Command::new("tcpdump");
    cmd.arg("-r").arg(path).arg("-nn");
    if verbose {
        cmd.arg("-vv");
    }
    let o = run(&mut cmd, None);
    o.expect_code(0);
    Some(o)
}

#[test]
fn a_megabyte_each_way_reads_back_in_tcpdump_sniff_and_byte_for_byte() {
    let (_peer, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let data = xorshift_bytes(1 << 20, 4242);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.pcap");
    let o = run(
        sockcli()
            .arg("connect")
            .arg("--pcap")
            .arg(&file)
            .args(["127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&data);
    ensure!(o, o.stderr.is_empty(), "stderr should be quiet");

    // (c) The payload in the file is what went each way, in order, with continuous numbers.
    let pkts = packets(&file);
    let (sent, received) = streams(&pkts);
    ensure!(
        o,
        sent == data,
        "client stream differs ({} bytes)",
        sent.len()
    );
    ensure!(
        o,
        received == data,
        "server stream differs ({} bytes)",
        received.len()
    );
    let client = pkts[0].src;
    ensure!(o, client.ip().is_loopback() && client.port() != port);
    ensure!(o, pkts[0].dst == SocketAddr::from(([127, 0, 0, 1], port)));
    // One FIN from each side (ours after stdin's EOF, the echo server's after it), then the
    // last ACK.
    let fins: Vec<bool> = pkts
        .iter()
        .filter(|p| p.tcp.unwrap().2 & 0x01 != 0)
        .map(|p| p.src == client)
        .collect();
    ensure!(o, fins == [true, false], "FINs from client? {fins:?}");
    let last = pkts.last().unwrap();
    ensure!(
        o,
        last.tcp.unwrap().2 == 0x10 && last.payload.is_empty(),
        "{last:?}"
    );

    // (b) sockcli sniff -r: one line per packet, the handshake first.
    let s = run(sockcli().arg("sniff").arg("-r").arg(&file), None);
    s.expect_code(0);
    let text = s.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    ensure!(s, lines.len() == pkts.len(), "{} packets", pkts.len());
    ensure!(s, lines[0].contains("Flags [S],"));
    ensure!(s, lines[1].contains("Flags [S.],"));
    ensure!(s, lines[2].contains("Flags [.],"));
    ensure!(s, !text.contains("[|"), "sniff found a truncated packet");

    // (a) tcpdump: the same packets, no complaints; -vv checks every checksum.
    let Some(t) = tcpdump(&file, false) else {
        return;
    };
    let text = t.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    ensure!(t, lines.len() == pkts.len(), "{} packets", pkts.len());
    ensure!(
        t,
        lines[0].contains("Flags [S],") && lines[1].contains("Flags [S.],")
    );
    ensure!(t, lines[2].contains("Flags [.],"));
    for bad in ["bad", "truncated", "[|"] {
        ensure!(t, !text.contains(bad), "tcpdump says {bad:?}");
    }
    let v = tcpdump(&file, true).unwrap();
    let text = v.stdout_str();
    for bad in ["incorrect", "bad", "truncated", "[|"] {
        ensure!(v, !text.contains(bad), "tcpdump -vv says {bad:?}");
    }
    let correct = text.matches("(correct)").count();
    ensure!(v, correct == pkts.len(), "{correct} correct checksums");
}

#[test]
fn udp_datagrams_are_one_packet_each() {
    let (_peer, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("udp.pcap");
    let o = run(
        sockcli()
            .args(["connect", "-u", "-i", "300ms", "--pcap"])
            .arg(&file)
            .args(["127.0.0.1", &port.to_string()]),
        Some(b"query\n"),
    );
    o.expect_code(0).expect_stdout(b"answer:query\n");
    let pkts = packets(&file);
    let got: Vec<(u16, &[u8])> = pkts
        .iter()
        .map(|p| (p.dst.port(), &p.payload[..]))
        .collect();
    let client = pkts[0].src;
    ensure!(
        o,
        got == [
            (port, &b"query\n"[..]),
            (client.port(), &b"answer:query\n"[..])
        ],
        "{pkts:?}"
    );
    ensure!(o, pkts.iter().all(|p| p.tcp.is_none()));
    let s = run(sockcli().arg("sniff").arg("-r").arg(&file), None);
    s.expect_code(0);
    ensure!(s, s.stdout_str().lines().count() == 2);
    let Some(v) = tcpdump(&file, true) else {
        return;
    };
    let text = v.stdout_str();
    ensure!(v, text.matches("udp sum ok").count() == 2, "checksums");
    ensure!(v, !text.contains("bad") && !text.contains("incorrect"));
}

#[test]
fn a_unix_socket_session_gets_placeholder_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("echo.sock");
    let sock_s = sock.to_str().unwrap();
    let (_srv, _) = spawn_listen_raw(&["-U", sock_s, "--echo", "-k"], |_| {});
    let file = dir.path().join("unix.pcap");
    let o = run(
        sockcli()
            .args(["connect", "-U", sock_s, "--pcap"])
            .arg(&file),
        Some(b"over a unix socket\n"),
    );
    o.expect_code(0).expect_stdout(b"over a unix socket\n");
    let pkts = packets(&file);
    ensure!(o, pkts[0].src == SocketAddr::from(([10, 0, 0, 1], 49152)));
    ensure!(o, pkts[0].dst == SocketAddr::from(([10, 0, 0, 2], 49153)));
    let (sent, received) = streams(&pkts);
    ensure!(o, sent == b"over a unix socket\n" && received == sent);
}

#[test]
fn pcap_is_refused_where_there_is_no_stdio_session() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.pcap");
    for (args, want) in [
        (
            &["listen", "-k", "--echo", "0"][..],
            "--pcap cannot be used with --echo",
        ),
        (
            &["listen", "-u", "0"][..],
            "--pcap is not supported by listen -u",
        ),
        (&["listen", "-k", "0"][..], "--pcap cannot be used with -k"),
        (
            &["connect", "--exec", "cat", "127.0.0.1", "9"][..],
            "--pcap cannot be used with --exec/--sh-exec",
        ),
    ] {
        let o = run(sockcli().args(args).arg("--pcap").arg(&file), None);
        o.expect_code(2);
        let line = o.expect_one_error_line();
        ensure!(o, line.contains(want), "want {want:?}");
        ensure!(o, !file.exists(), "the file was created");
    }
    // stdout carries the data; a bad path fails before connecting.
    let o = run(
        sockcli().args(["connect", "--pcap", "-", "127.0.0.1", "9"]),
        None,
    );
    o.expect_code(2);
    ensure!(
        o,
        o.expect_one_error_line()
            .contains("--pcap needs a file name")
    );
    let o = run(
        sockcli()
            .arg("connect")
            .arg("--pcap")
            .arg(dir.path().join("no/such/dir.pcap"))
            .args(["127.0.0.1", "9"]),
        None,
    );
    o.expect_code(1);
    ensure!(
        o,
        o.expect_one_error_line()
            .contains("cannot create pcap file")
    );
}

#[test]
fn listen_relay_writes_its_session_with_the_local_side_as_client() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("listen.pcap");
    let input = dir.path().join("in.txt");
    std::fs::write(&input, b"from listener\n").unwrap();
    let (mut srv, addr) =
        spawn_listen_with(&["--pcap", file.to_str().unwrap(), "127.0.0.1", "0"], |c| {
            c.stdin(open(&input));
        });
    let c = run(
        &mut py_peer(&["client", "127.0.0.1", &addr.port().to_string()]),
        Some(b"from client\n"),
    );
    c.expect_code(0).expect_stdout(b"from listener\n");
    let o = srv.finish();
    o.expect_code(0).expect_stdout(b"from client\n");
    let pkts = packets(&file);
    // The SYN comes from the side whose bytes are stdin's: here the listening socket.
    ensure!(o, pkts[0].src == addr, "{:?}", pkts[0]);
    let (sent, received) = streams(&pkts);
    ensure!(
        o,
        sent == b"from listener\n" && received == b"from client\n"
    );
}
