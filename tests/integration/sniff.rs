//! `sniff` end to end: live capture on `lo` (root), pcap files read back by tcpdump, and every
//! public capture file in tests/data/pcaps read with the same packet count as tcpdump.

use crate::util::*;
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Send a datagram every 50 ms from `from` to `port` on 127.0.0.1 until `r` exits (bounded).
fn feed_until_exit(r: &mut Running, from: &UdpSocket, port: u16) -> Out {
    let deadline = Instant::now() + WAIT;
    while r.try_status().is_none() && Instant::now() < deadline {
        let _ = from.send_to(b"hi\n", ("127.0.0.1", port));
        std::thread::sleep(Duration::from_millis(50));
    }
    r.finish_within(WAIT)
}

#[test]
fn live_capture_on_lo_prints_exact_lines_and_stats() {
    if !require_root("capturing packets") {
        return;
    }
    let port = free_udp_port(false);
    let from = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sport = from.local_addr().unwrap().port();
    let p = port.to_string();
    let mut r = Running::spawn(
        sockcli()
            .args([
                "sniff", "lo", "-c", "3", "-t", "udp", "and", "dst", "port", &p,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let out = feed_until_exit(&mut r, &from, port);
    out.expect_code(0);
    let line = format!("IP 127.0.0.1.{sport} > 127.0.0.1.{port}: UDP, length 3\n");
    out.expect_stdout(line.repeat(3).as_bytes());
    assert_eq!(
        out.stderr_str(),
        "3 packets captured, 0 dropped by kernel\n",
        "{out}"
    );
}

#[test]
fn written_pcap_is_read_back_by_tcpdump_and_by_us() {
    if !require_root("capturing packets") || !require_tool("tcpdump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lo.pcap");
    let port = free_udp_port(false);
    let from = UdpSocket::bind("127.0.0.1:0").unwrap();
    let p = port.to_string();
    let mut r = Running::spawn(
        sockcli()
            .args(["sniff", "lo", "-c", "5", "-w"])
            .arg(&file)
            .args(["udp", "port", &p])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    feed_until_exit(&mut r, &from, port).expect_code(0);
    let theirs = run(Command::new("tcpdump").args(["-n", "-r"]).arg(&file), None);
    theirs.expect_code(0);
    assert_eq!(theirs.stdout_str().lines().count(), 5, "{theirs}");
    assert!(theirs.stderr_str().contains("link-type EN10MB"), "{theirs}");
    let ours = run(sockcli().args(["sniff", "-t", "-r"]).arg(&file), None);
    ours.expect_code(0);
    assert_eq!(ours.stdout_str().lines().count(), 5, "{ours}");
    // The same lines tcpdump prints (no timestamps on either side).
    let theirs_t = run(
        Command::new("tcpdump").args(["-n", "-t", "-r"]).arg(&file),
        None,
    );
    assert_eq!(ours.stdout_str(), theirs_t.stdout_str());
}

#[test]
fn every_public_capture_file_reads_with_tcpdumps_packet_count() {
    if !require_tool("tcpdump") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pcaps");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    assert!(files.len() >= 100, "expected the 101 capture files");
    let (mut compared, mut mismatched) = (0, Vec::new());
    for f in &files {
        let ours = run(sockcli().args(["sniff", "-r"]).arg(f), None);
        ours.expect_no_panic();
        let theirs = run(
            Command::new("tcpdump").arg("--count").arg("-r").arg(f),
            None,
        );
        let count = theirs
            .stdout_str()
            .lines()
            .chain(theirs.stderr_str().lines())
            .find_map(|l| {
                l.strip_suffix(" packets")
                    .or(l.strip_suffix(" packet"))
                    .map(str::to_owned)
            })
            .and_then(|n| n.trim().parse::<usize>().ok());
        let (Some(count), Some(0)) = (count, theirs.code()) else {
            continue;
        };
        compared += 1;
        let got = ours
            .stdout_str()
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .count();
        if ours.code() != Some(0) || got != count {
            mismatched.push(format!(
                "{}: tcpdump {count}, sockcli {got} (exit {:?})",
                f.display(),
                ours.code()
            ));
        }
    }
    assert!(compared >= 90, "only {compared} files compared");
    assert!(
        mismatched.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatched.len(),
        mismatched.join("\n")
    );
}

#[test]
fn live_capture_without_cap_net_raw_exits_5() {
    if !require_root("dropping to nobody") || !require_tool("setpriv") {
        return;
    }
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        bin(),
        "sniff",
        "lo",
    ]);
    scrub_env(&mut c);
    let out = run_within(&mut c, None, WAIT);
    out.expect_code(5);
    let line = out.expect_one_error_line();
    assert!(line.contains("CAP_NET_RAW"), "{line}");
}

#[test]
fn bad_filters_exit_2_with_the_position() {
    let out = run(
        sockcli().args(["sniff", "-r", "-", "port", "xyz"]),
        Some(b""),
    );
    out.expect_code(2);
    assert_eq!(
        out.expect_one_error_line(),
        "sockcli: filter: expected a port number, found 'xyz' at position 6: 'port xyz'"
    );
}

/// `host NAME` is looked up like libpcap does (every address, or-ed): the packet counts on
/// our crafted capture equal tcpdump's for the same expressions, with names from the
/// namespace's hosts file; a name that does not resolve exits 3.
#[test]
fn filter_host_names_resolve_like_tcpdump() {
    if !require_tool("tcpdump") {
        return;
    }
    let Some(ns) = Netns::create("sockcli-sf") else {
        return;
    };
    ns.etc(
        "hosts",
        "10.0.0.1 one.test\n2001:db8::1 one.test\n10.0.0.2 two.test\n2001:db8::2 six.test\n",
    );
    ns.etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/crafted.pcap");
    let file = file.to_str().unwrap();
    let lines = |o: &Out| {
        o.stdout_str()
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .count()
    };
    for expr in [
        "host one.test",
        "src host two.test",
        "dst host two.test and udp",
        "ip6 host one.test",
        "ip host one.test or two.test",
        "ip6 host six.test or one.test",
        "not host six.test",
    ] {
        let ours = run_within(&mut ns.sockcli(&["sniff", "-r", file, expr]), None, WAIT);
        ours.expect_code(0);
        let mut t = ns.command("tcpdump");
        t.args(["-n", "-r", file, expr]);
        let theirs = run_within(&mut t, None, WAIT);
        theirs.expect_code(0);
        assert!(
            lines(&theirs) > 0,
            "{expr}: tcpdump matched nothing\n{theirs}"
        );
        assert_eq!(lines(&ours), lines(&theirs), "{expr}\n{ours}\n{theirs}");
    }
    let out = run_within(
        &mut ns.sockcli(&["sniff", "-r", file, "host", "nx.test"]),
        None,
        WAIT,
    );
    out.expect_code(3);
    let line = out.expect_one_error_line();
    assert!(line.contains("cannot resolve nx.test"), "{line}");
}

#[test]
fn unsupported_filter_syntax_is_named() {
    let out = run(
        sockcli().args(["sniff", "-r", "-", "ether", "host", "0:1:2:3:4:5"]),
        Some(b""),
    );
    out.expect_code(2);
    assert_eq!(
        out.expect_one_error_line(),
        "sockcli: filter: 'ether' is pcap-filter syntax that sockcli does not support at \
         position 1: 'ether host 0:1:2:3:4:5'"
    );
}

/// `-r -` and `-w -`: a pcapng file through a pipe, filtered, out as pcap that tcpdump reads
/// from its stdin with the count tcpdump's own filter gives; nanosecond files keep their
/// nanoseconds with `--nano`.
#[test]
fn pipes_in_and_out_and_nanoseconds() {
    if !require_tool("tcpdump") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let input = std::fs::read(dir.join("crafted.pcap")).unwrap();
    let ours = run(
        sockcli().args(["sniff", "-r", "-", "-w", "-", "udp or arp"]),
        Some(&input),
    );
    ours.expect_code(0);
    let mut t = Command::new("tcpdump");
    t.args(["-n", "-t", "-r", "-"]);
    let back = run(&mut t, Some(&ours.stdout));
    back.expect_code(0);
    let mut t = Command::new("tcpdump");
    t.args(["-n", "-t", "-r"])
        .arg(dir.join("crafted.pcap"))
        .arg("udp or arp");
    let direct = run(&mut t, None);
    direct.expect_code(0);
    assert!(direct.stdout_str().lines().count() >= 5, "{direct}");
    assert_eq!(back.stdout_str(), direct.stdout_str());

    // Nanoseconds: written with --nano, tcpdump reads them back to the digit.
    let ns = run(
        sockcli().args(["sniff", "-r", "-", "-w", "-", "--nano", "-c", "2"]),
        Some(&input),
    );
    ns.expect_code(0);
    let mut t = Command::new("tcpdump");
    t.args(["-n", "-tt", "--nano", "-r", "-"]);
    let theirs = run(&mut t, Some(&ns.stdout));
    theirs.expect_code(0);
    let printed = run(
        sockcli().args(["sniff", "-r", "-", "-tt", "--nano", "-c", "2"]),
        Some(&input),
    );
    printed.expect_code(0);
    assert_eq!(printed.stdout_str(), theirs.stdout_str());
    assert!(
        printed.stdout_str().starts_with("1700000000.000007000 "),
        "{printed}"
    );
}
