//! `sniff` end to end: live capture on `lo` (root), pcap files read back by tcpdump, and every
//! public capture file in tests/data/pcaps read with the same packet count as tcpdump.

use crate::ensure;
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

/// `sockcli sniff lo ARGS... FILTER` where FILTER's `{port}` is a free UDP port, and a
/// socket on 127.0.0.1 to send to that port from (its port is `sport`).
struct LoCapture {
    r: Running,
    from: UdpSocket,
    port: u16,
    sport: u16,
}

fn lo_capture(args: &[&str], filter: &str) -> LoCapture {
    let port = free_udp_port(false);
    let from = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sport = from.local_addr().unwrap().port();
    let filter = filter.replace("{port}", &port.to_string());
    let r = Running::spawn(
        sockcli()
            .args(["sniff", "lo"])
            .args(args)
            .args(filter.split(' '))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    LoCapture {
        r,
        from,
        port,
        sport,
    }
}

#[test]
fn live_capture_on_lo_prints_exact_lines_and_stats() {
    if !require_root("capturing packets") {
        return;
    }
    let LoCapture {
        mut r,
        from,
        port,
        sport,
    } = lo_capture(&["-c", "3", "-t"], "udp and dst port {port}");
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
    let LoCapture {
        mut r, from, port, ..
    } = lo_capture(
        &["-c", "5", "-w", file.to_str().unwrap()],
        "udp port {port}",
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
            // One line per packet starts with its `HH:MM:SS.ffffff` time; the rest are hex
            // dumps (tab) or a VXLAN packet's inner frame.
            .filter(|l| {
                let b = l.as_bytes();
                b.len() > 15
                    && b[..15].iter().enumerate().all(|(i, &c)| match i {
                        2 | 5 => c == b':',
                        8 => c == b'.',
                        _ => c.is_ascii_digit(),
                    })
            })
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

// ------------------------------------------------------------------------------ two namespaces

/// Namespaces A and B joined by a veth pair: `vethA` (02:00:00:00:00:0a, 10.9.0.1/24,
/// fd00:9::1/64) in A, `vethB` (02:00:00:00:00:0b, 10.9.0.2/24, fd00:9::2/64) in B.
/// Dropping it deletes both namespaces (and the pair with them).
struct Pair {
    a: Netns,
    b: Netns,
}

const MAC_A: &str = "02:00:00:00:00:0a";
const MAC_B: &str = "02:00:00:00:00:0b";

/// None (after printing why) without root, namespaces, veth or tcpdump.
fn pair() -> Option<Pair> {
    if !require_root("capturing in network namespaces") || !require_tool("tcpdump") {
        return None;
    }
    let a = Netns::create("sniffA")?;
    let b = Netns::create("sniffB")?;
    let made = a.ip(&[
        "link", "add", "vethA", "type", "veth", "peer", "name", "vethB", "netns", &b.name,
    ]);
    if !made {
        println!("skipped: cannot create a veth pair");
        return None;
    }
    for (ns, dev, mac, v4, v6) in [
        (&a, "vethA", MAC_A, "10.9.0.1/24", "fd00:9::1/64"),
        (&b, "vethB", MAC_B, "10.9.0.2/24", "fd00:9::2/64"),
    ] {
        let ok = ns.ip(&["link", "set", dev, "address", mac])
            && ns.ip(&["addr", "add", v4, "dev", dev])
            && ns.ip(&["addr", "add", v6, "dev", dev, "nodad"])
            && ns.ip(&["link", "set", dev, "up"]);
        assert!(ok, "cannot configure {dev} in {}", ns.name);
    }
    Some(Pair { a, b })
}

/// UDP broadcasts from A to 10.9.0.255 port 7, every 50 ms (bounded): no ARP needed, so
/// they tell when a capture in B is running without disturbing what follows.
const PROBE_PY: &str = r#"
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(400):
    s.sendto(b"probe", ("10.9.0.255", 7))
    time.sleep(0.05)
"#;

/// B: answers every datagram on port 9000 (IPv4 and IPv6) with "pong".
const SERVER_PY: &str = r#"
import select, socket
socks = []
for fam, host in ((socket.AF_INET, "10.9.0.2"), (socket.AF_INET6, "fd00:9::2")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 9000))
    socks.append(s)
print("ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        d, a = s.recvfrom(100)
        s.sendto(b"pong", a)
"#;

/// A: "ping" to B over IPv4 from port 40004, then over IPv6 from port 40006, each answered.
const CLIENT_PY: &str = r#"
import socket
for fam, src, dst, port in ((socket.AF_INET, "10.9.0.1", "10.9.0.2", 40004),
                            (socket.AF_INET6, "fd00:9::1", "fd00:9::2", 40006)):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.bind((src, port))
    s.sendto(b"ping", (dst, 9000))
    print(s.recv(100).decode(), flush=True)
"#;

/// Send `probe` (a Python snippet run in `from`) until every capture's stdout contains
/// `seen`, bounded; the captures are then known to be running with their filters.
fn probe_until_ready(from: &Netns, probe: &str, seen: &str, caps: &mut [&mut Running]) {
    let mut p = Running::spawn(&mut from.python(probe, &[]));
    for c in caps.iter_mut() {
        if !c.wait_stdout_contains(seen.as_bytes(), WAIT) {
            let o = c.kill_and_collect();
            panic!(
                "capture did not see the probe {seen:?}\n{o}\n{}",
                p.kill_and_collect()
            );
        }
    }
    p.kill_and_collect();
}

/// Bounded wait until namespace `ns` has `n` packet sockets bound (/proc/net/packet), for
/// a capture that prints nothing (`-w`).
fn wait_packet_sockets(ns: &Netns, n: usize) {
    let deadline = Instant::now() + WAIT;
    loop {
        let o = run(ns.command("cat").arg("/proc/net/packet"), None);
        let bound = o
            .stdout_str()
            .lines()
            .skip(1)
            .filter(|l| l.split_whitespace().nth(4).is_some_and(|i| i != "0"))
            .count();
        if bound >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} packet sockets not bound\n{o}"
        );
        std::thread::sleep(POLL);
    }
}

/// What `r` printed so far.
fn now(r: &Running) -> String {
    String::from_utf8_lossy(&r.stdout_snapshot()).into_owned()
}

/// SIGINT, then the output (bounded).
fn interrupt(r: &mut Running) -> Out {
    if r.try_status().is_none() {
        r.signal("INT");
    }
    r.finish_within(WAIT)
}

/// The lines of `out` that do not contain `skip` (the probes), without tcpdump's empty
/// line before its statistics.
fn lines_without(out: &str, skip: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.is_empty() && !l.contains(skip))
        .map(str::to_owned)
        .collect()
}

/// ARP, then UDP over IPv4 and IPv6 from A to B and back, captured in B with `-e`: exact
/// lines, the same as tcpdump's (live, same time, same filter), the same from the `-w` file
/// read back by tcpdump and by us, and the JSON fields.
#[test]
fn two_namespaces_arp_and_udp_with_link_headers_like_tcpdump() {
    let Some(p) = pair() else { return };
    let filter = ["arp", "or", "udp"];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vethB.pcap");
    let mut w = Running::spawn(
        p.b.sockcli(&["sniff", "vethB", "-w"])
            .arg(&file)
            .args(filter),
    );
    wait_packet_sockets(&p.b, 1);
    let mut text = Running::spawn(p.b.sockcli(&["sniff", "vethB", "-e", "-t"]).args(filter));
    let mut json = Running::spawn(p.b.sockcli(&["sniff", "vethB", "--json"]).args(filter));
    let mut td = Running::spawn(
        p.b.command("tcpdump")
            .args(["-l", "-n", "-e", "-t", "-i", "vethB"])
            .args(filter),
    );
    probe_until_ready(
        &p.a,
        PROBE_PY,
        "10.9.0.255",
        &mut [&mut text, &mut json, &mut td],
    );
    let mut server = Running::spawn(&mut p.b.python(SERVER_PY, &[]));
    assert!(
        server.wait_stdout_contains(b"ready", WAIT),
        "{}",
        server.kill_and_collect()
    );
    // The exchange starts with ARP: nobody knows anybody yet.
    assert!(p.a.ip(&["neigh", "flush", "all"]) && p.b.ip(&["neigh", "flush", "all"]));
    let client = run(&mut p.a.python(CLIENT_PY, &[]), None);
    client.expect_code(0).expect_stdout(b"pong\npong\n");

    let (a, b) = (MAC_A, MAC_B);
    let want = [
        format!(
            "{a} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: \
             Request who-has 10.9.0.2 tell 10.9.0.1, length 28"
        ),
        format!(
            "{b} > {a}, ethertype ARP (0x0806), length 42: Reply 10.9.0.2 is-at {b}, length 28"
        ),
        format!(
            "{a} > {b}, ethertype IPv4 (0x0800), length 46: \
             10.9.0.1.40004 > 10.9.0.2.9000: UDP, length 4"
        ),
        format!(
            "{b} > {a}, ethertype IPv4 (0x0800), length 46: \
             10.9.0.2.9000 > 10.9.0.1.40004: UDP, length 4"
        ),
        format!(
            "{a} > {b}, ethertype IPv6 (0x86dd), length 66: \
             fd00:9::1.40006 > fd00:9::2.9000: UDP, length 4"
        ),
        format!(
            "{b} > {a}, ethertype IPv6 (0x86dd), length 66: \
             fd00:9::2.9000 > fd00:9::1.40006: UDP, length 4"
        ),
    ];
    let last = want.last().unwrap().as_bytes();
    for r in [&mut text, &mut td] {
        let ok = r.wait_stdout_contains(last, WAIT);
        ensure!(r.snapshot(), ok, "the last reply was not printed");
    }
    ensure!(
        json.snapshot(),
        json.wait_stdout_contains(b"\"sport\":9000,\"dport\":40006", WAIT)
    );
    let (text, json, td, w) = (
        interrupt(&mut text),
        interrupt(&mut json),
        interrupt(&mut td),
        interrupt(&mut w),
    );
    let ours = lines_without(&text.stdout_str(), "10.9.0.255");
    ensure!(
        text,
        ours == want,
        "our lines: {ours:#?}\nwanted: {want:#?}"
    );
    let theirs = lines_without(&td.stdout_str(), "10.9.0.255");
    ensure!(td, theirs == want, "tcpdump's lines: {theirs:#?}");

    // The -w file: tcpdump and we read the same lines back.
    let back = run(
        Command::new("tcpdump")
            .args(["-e", "-t", "-n", "-r"])
            .arg(&file),
        None,
    );
    back.expect_code(0);
    ensure!(
        back,
        lines_without(&back.stdout_str(), "10.9.0.255") == want,
        "{w}"
    );
    let ours_back = run(sockcli().args(["sniff", "-e", "-t", "-r"]).arg(&file), None);
    ours_back.expect_code(0);
    ensure!(
        ours_back,
        lines_without(&ours_back.stdout_str(), "10.9.0.255") == want
    );

    // JSON: link-layer fields and protocol of the same six packets.
    let records = lines_without(&json.stdout_str(), "10.9.0.255");
    let fields = [
        ("B", a, "ff:ff:ff:ff:ff:ff", 2054, "arp"),
        ("Out", b, a, 2054, "arp"),
        ("In", a, b, 2048, "udp"),
        ("Out", b, a, 2048, "udp"),
        ("In", a, b, 34525, "udp"),
        ("Out", b, a, 34525, "udp"),
    ];
    ensure!(json, records.len() == fields.len());
    for (rec, (dir, src, dst, et, proto)) in records.iter().zip(fields) {
        let want = format!(
            "\"iface\":null,\"direction\":\"{dir}\",\"len\":{len},\"caplen\":{len},\"link\":1,\
             \"src_mac\":\"{src}\",\"dst_mac\":\"{dst}\",\"ethertype\":{et},\"vlan\":null,\
             \"proto\":\"{proto}\",",
            len = match et {
                2054 => 42,
                2048 => 46,
                _ => 66,
            }
        );
        ensure!(json, rec.contains(&want), "record {rec}\nlacks {want}");
    }
}

/// The capture puts vethB in promiscuous mode (`promiscuity 1`) and `-p` does not; a frame
/// from A to a MAC address that is not B's is seen as `"direction":"P"` (PACKET_OTHERHOST).
/// veth does not filter unicast by destination MAC (no hardware filter to program), so the
/// frame reaches a `-p` capture as well, as it reaches `tcpdump -p`.
#[test]
fn promiscuous_mode_on_veth_and_frames_for_another_host() {
    let Some(p) = pair() else { return };
    assert!(p.a.ip(&[
        "neigh",
        "add",
        "10.9.0.99",
        "lladdr",
        "02:00:00:00:00:99",
        "dev",
        "vethA",
        "nud",
        "permanent"
    ]));
    let promiscuity = || {
        let o = run(
            Command::new("ip").args(["-n", &p.b.name, "-d", "link", "show", "vethB"]),
            None,
        );
        let s = o.stdout_str();
        s.split_whitespace()
            .skip_while(|w| *w != "promiscuity")
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no promiscuity in\n{o}"))
    };
    assert_eq!(promiscuity(), "0");
    let send = "import socket\n\
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'other', ('10.9.0.99', 9))";
    for no_promisc in [false, true] {
        let mut args = vec!["sniff", "vethB", "--json"];
        let mut td_args = vec!["-l", "-n", "-e", "-t", "-i", "vethB"];
        if no_promisc {
            args.push("-p");
            td_args.push("-p");
        }
        let mut caps = vec![Running::spawn(p.b.sockcli(&args).arg("udp"))];
        if no_promisc {
            caps.push(Running::spawn(
                p.b.command("tcpdump").args(&td_args).arg("udp"),
            ));
        }
        {
            let mut refs: Vec<&mut Running> = caps.iter_mut().collect();
            probe_until_ready(&p.a, PROBE_PY, "10.9.0.255", &mut refs);
        }
        let level = promiscuity();
        run(&mut p.a.python(send, &[]), None).expect_code(0);
        for c in &mut caps {
            let ok = c.wait_stdout_contains(b"10.9.0.99", WAIT);
            ensure!(
                c.snapshot(),
                ok,
                "the frame for 02:00:00:00:00:99 was not seen"
            );
        }
        let mut outs: Vec<Out> = caps.iter_mut().map(interrupt).collect();
        let o = outs.remove(0);
        ensure!(
            o,
            level == if no_promisc { "0" } else { "1" },
            "promiscuity {level} while capturing (-p: {no_promisc})"
        );
        let rec = o
            .stdout_str()
            .lines()
            .find(|l| l.contains("\"dst\":\"10.9.0.99\""))
            .map(str::to_owned)
            .unwrap_or_default();
        ensure!(
            o,
            rec.contains(
                "\"direction\":\"P\",\"len\":47,\"caplen\":47,\"link\":1,\
                 \"src_mac\":\"02:00:00:00:00:0a\",\"dst_mac\":\"02:00:00:00:00:99\""
            ),
            "record {rec}"
        );
        if let Some(td) = outs.pop() {
            ensure!(
                td,
                td.stdout_str().contains(
                    "02:00:00:00:00:0a > 02:00:00:00:00:99, ethertype IPv4 (0x0800), length 47: \
                     10.9.0.1."
                )
            );
        }
        assert_eq!(
            promiscuity(),
            "0",
            "promiscuous mode left on after the capture"
        );
    }
}

/// Tagged frames (802.1Q, VLAN 10, priority 3) sent from A through a packet socket: the
/// kernel in B strips the tag before the capture sees the frame (into the ring's
/// tp_vlan_tci); sniff puts it back as libpcap does. This kernel may lack 802.1Q devices
/// (`type vlan`), so the frames are built by hand rather than sent through vethA.10.
const VLAN_PY: &str = r#"
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def frame(dst_mac, dst_ip, dport, payload):
    udp = struct.pack("!HHHH", 40001, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton("10.10.0.1"), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    tag = struct.pack("!HH", 0x8100, (3 << 13) | 10)
    return bytes.fromhex(dst_mac) + bytes.fromhex("02000000000a") + tag + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("vethA", 0))
if sys.argv[1] == "probe":
    for _ in range(400):
        s.send(frame("ffffffffffff", "10.10.0.255", 7, b"probe"))
        time.sleep(0.05)
else:
    for i in range(3):
        s.send(frame("02000000000b", "10.10.0.2", 9000, b"vlan%d" % i))
"#;

#[test]
fn vlan_tags_stripped_by_the_kernel_are_put_back() {
    let Some(p) = pair() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vlan.pcap");
    let mut w = Running::spawn(
        p.b.sockcli(&["sniff", "vethB", "-w"])
            .arg(&file)
            .args(["vlan", "10", "and", "udp"]),
    );
    wait_packet_sockets(&p.b, 1);
    let mut text = Running::spawn(&mut p.b.sockcli(&["sniff", "vethB", "-e", "-t", "vlan", "10"]));
    let mut json = Running::spawn(&mut p.b.sockcli(&["sniff", "vethB", "--json", "vlan", "10"]));
    let mut td = Running::spawn(
        p.b.command("tcpdump")
            .args(["-l", "-n", "-e", "-t", "-i", "vethB", "vlan", "10"]),
    );
    let probe = VLAN_PY.replace("sys.argv[1]", "'probe'");
    probe_until_ready(
        &p.a,
        &probe,
        "10.10.0.255",
        &mut [&mut text, &mut json, &mut td],
    );
    run(&mut p.a.python(VLAN_PY, &["send"]), None).expect_code(0);
    let want = format!(
        "{MAC_A} > {MAC_B}, ethertype 802.1Q (0x8100), length 51: vlan 10, p 3, \
         ethertype IPv4 (0x0800), 10.10.0.1.40001 > 10.10.0.2.9000: UDP, length 5"
    );
    let want = vec![want; 3];
    for r in [&mut text, &mut td] {
        let deadline = Instant::now() + WAIT;
        while lines_without(&now(r), "10.10.0.255").len() < 3 && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
    }
    let deadline = Instant::now() + WAIT;
    while now(&json).matches("10.10.0.2\"").count() < 3 && Instant::now() < deadline {
        std::thread::sleep(POLL);
    }
    let (text, json, td, w) = (
        interrupt(&mut text),
        interrupt(&mut json),
        interrupt(&mut td),
        interrupt(&mut w),
    );
    let ours = lines_without(&text.stdout_str(), "10.10.0.255");
    ensure!(text, ours == want, "our lines: {ours:#?}");
    let theirs = lines_without(&td.stdout_str(), "10.10.0.255");
    ensure!(td, theirs == want, "tcpdump's lines: {theirs:#?}");
    let records = lines_without(&json.stdout_str(), "10.10.0.255");
    ensure!(json, records.len() == 3);
    for r in &records {
        ensure!(
            json,
            r.contains(
                "\"len\":51,\"caplen\":51,\"link\":1,\"src_mac\":\"02:00:00:00:00:0a\",\
                        \"dst_mac\":\"02:00:00:00:00:0b\",\"ethertype\":2048,\"vlan\":[10],\
                        \"proto\":\"udp\""
            ),
            "record {r}"
        );
    }
    // The -w file holds the tag: tcpdump shows it and its own `vlan 10` filter counts them.
    let back = run(
        Command::new("tcpdump")
            .args(["-e", "-t", "-n", "-r"])
            .arg(&file),
        None,
    );
    back.expect_code(0);
    ensure!(
        back,
        lines_without(&back.stdout_str(), "10.10.0.255") == want,
        "{w}"
    );
    let counted = run(
        Command::new("tcpdump").args(["-n", "-r"]).arg(&file).args([
            "vlan",
            "10",
            "and",
            "dst",
            "10.10.0.2",
        ]),
        None,
    );
    counted.expect_code(0);
    ensure!(counted, counted.stdout_str().lines().count() == 3);
}

/// `-e` on "any" (cooked v1 with the interface known): `lo    In  ` and then the cooked
/// header without the direction again (it printed `lo    In   In 00:...` before); the part
/// after the prefix is what tcpdump prints for the same packets captured as LINUX_SLL
/// (`-y LINUX_SLL -e`), whose line starts with the direction instead.
#[test]
fn link_headers_on_any_print_the_direction_once() {
    if !require_tool("tcpdump") {
        return;
    }
    let Some(ns) = Netns::create("sniffany") else {
        return;
    };
    let filter = ["udp", "port", "9000"];
    let mut ours = Running::spawn(
        ns.sockcli(&["sniff", "any", "-e", "-t", "-c", "4"])
            .args(filter),
    );
    let mut td = Running::spawn(
        ns.command("tcpdump")
            .args(["-n", "-e", "-t", "-c", "4", "-i", "any", "-y", "LINUX_SLL"])
            .args(filter),
    );
    let feed = "import socket, time\n\
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
                s.bind(('127.0.0.1', 40004))\n\
                for _ in range(400):\n    \
                    s.sendto(b'hi\\n', ('127.0.0.1', 9000))\n    \
                    time.sleep(0.05)\n";
    let mut feeder = Running::spawn(&mut ns.python(feed, &[]));
    let (ours, td) = (ours.finish_within(WAIT), td.finish_within(WAIT));
    feeder.kill_and_collect();
    ours.expect_code(0);
    td.expect_code(0);
    let tail = "00:00:00:00:00:00 ethertype IPv4 (0x0800), length 47: \
                127.0.0.1.40004 > 127.0.0.1.9000: UDP, length 3";
    // Both leave out the outgoing copy of what loops back on `lo`, as libpcap does.
    ours.expect_stdout(format!("lo    In  {tail}\n").repeat(4).as_bytes());
    td.expect_stdout(format!(" In {tail}\n").repeat(4).as_bytes());
}

/// Ctrl-C loses nothing: datagrams sent just before SIGINT still sit in the ring's open
/// block, and are printed before the totals and exit 130.
#[test]
fn sigint_right_after_a_burst_loses_nothing() {
    if !require_root("capturing packets") {
        return;
    }
    let LoCapture {
        mut r,
        from,
        port,
        sport,
    } = lo_capture(&["-t"], "udp and dst port {port}");
    // Ready once a canary shows up (sent every 50 ms, bounded by WAIT).
    let deadline = Instant::now() + WAIT;
    let mut canaries = 0;
    while !r.wait_stdout_contains(b"length 1\n", Duration::from_millis(50)) {
        assert!(Instant::now() < deadline, "no canary seen");
        from.send_to(b"c", ("127.0.0.1", port)).unwrap();
        canaries += 1;
    }
    // Every canary sent may still arrive; count them in the lines instead of guessing.
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..20 {
        from.send_to(b"burst", ("127.0.0.1", port)).unwrap();
    }
    r.signal("INT");
    let out = r.finish_within(WAIT);
    out.expect_code(130);
    let text = out.stdout_str();
    let burst = format!("IP 127.0.0.1.{sport} > 127.0.0.1.{port}: UDP, length 5");
    assert_eq!(text.lines().filter(|l| *l == burst).count(), 20, "{out}");
    let seen_canaries = text.lines().filter(|l| l.ends_with("length 1")).count();
    assert!((1..=canaries).contains(&seen_canaries), "{out}");
    assert_eq!(
        out.stderr_str(),
        format!(
            "{} packets captured, 0 dropped by kernel\n",
            20 + seen_canaries
        ),
        "{out}"
    );
}

/// A first word that is neither an interface nor a resolvable name: one line saying both,
/// exit 2 (a name that fails later in the filter is a resolution failure, exit 3).
#[test]
fn unknown_interface_word_says_both_readings() {
    let Some(ns) = Netns::create("sockcli-sw") else {
        return;
    };
    ns.etc("hosts", "127.0.0.1 localhost\n");
    ns.etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    let out = run_within(&mut ns.sockcli(&["sniff", "eth9", "tcp"]), None, WAIT);
    out.expect_code(2);
    let line = out.expect_one_error_line();
    assert!(
        line.starts_with(
            "sockcli: no such interface 'eth9', and as a filter its name does not resolve: "
        ),
        "{line}"
    );
    let out = run_within(
        &mut ns.sockcli(&["sniff", "tcp", "and", "host", "eth9"]),
        None,
        WAIT,
    );
    out.expect_code(3);
}

/// `-Z nobody`: the capture keeps working after root is gone (the process's uids and gids
/// are nobody's while it captures), and the packet still comes through.
#[test]
fn dash_z_drops_root_and_keeps_capturing() {
    if !require_root("dropping privileges") {
        return;
    }
    let LoCapture {
        mut r, from, port, ..
    } = lo_capture(&["-Z", "nobody", "-c", "1", "-t"], "udp port {port}");
    let status = format!("/proc/{}/status", r.pid());
    let deadline = Instant::now() + WAIT;
    let ids = |key: &str| -> Option<String> {
        let text = std::fs::read_to_string(&status).ok()?;
        let line = text.lines().find(|l| l.starts_with(key))?;
        Some(
            line.split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    while ids("Uid:").as_deref() != Some("65534 65534 65534 65534") {
        assert!(
            Instant::now() < deadline,
            "uid never became nobody's: {:?}",
            ids("Uid:")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for key in ["Gid:", "Groups:"] {
        let v = ids(key).unwrap_or_default();
        assert!(
            !v.split(' ').any(|g| g == "0"),
            "{key} still has group 0: {v}"
        );
    }
    let out = feed_until_exit(&mut r, &from, port);
    out.expect_code(0);
    assert_eq!(out.stdout_str().lines().count(), 1, "{out}");
    assert_eq!(
        out.stderr_str(),
        "1 packets captured, 0 dropped by kernel\n",
        "{out}"
    );
}

/// Issue 13, defect 2: the interface a capture is bound to is deleted mid-capture (a veth
/// pair removed in its namespace). It used to spin at 100% CPU forever on the socket's
/// pending error; now it prints the totals and one line naming the interface, and exits 1
/// within a second.
#[test]
fn interface_deleted_mid_capture_ends_with_totals_and_exit_1() {
    let Some(ns) = Netns::create("sniffgone") else {
        return;
    };
    if !ns.ip(&[
        "link", "add", "gone0", "type", "veth", "peer", "name", "gone1",
    ]) {
        println!("skipped: cannot create a veth pair");
        return;
    }
    assert!(ns.ip(&["link", "set", "gone0", "up"]) && ns.ip(&["link", "set", "gone1", "up"]));
    let mut r = Running::spawn(&mut ns.sockcli(&["sniff", "gone0", "-t"]));
    wait_packet_sockets(&ns, 1);
    assert!(ns.ip(&["link", "del", "gone0"]), "cannot delete gone0");
    let deleted = Instant::now();
    let st = r.wait_timeout(Duration::from_secs(1));
    let took = deleted.elapsed();
    if st.is_none() {
        let o = r.kill_and_collect();
        panic!("still running {took:?} after the interface was deleted\n{o}");
    }
    let out = r.finish();
    out.expect_code(1);
    let err = out.stderr_str();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let (n, rest) = lines[0].split_once(' ').unwrap_or_default();
    assert!(
        n.parse::<u64>().is_ok() && rest == "packets captured, 0 dropped by kernel",
        "{out}"
    );
    assert!(
        lines[1].starts_with("sockcli: ") && lines[1].contains("gone0"),
        "{out}"
    );
}
