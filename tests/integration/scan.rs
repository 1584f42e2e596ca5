//! `connect -z HOST PORTS`: the zero-I/O scan against real listeners on 127.0.0.1 and ::1,
//! with nc.openbsd as the oracle for which ports are open.
//!
//! Open ports are listeners held by the test (the kernel completes handshakes without
//! accept()); closed ports are ports just bound and released; an unanswering ("filtered")
//! port is a listener with a full accept queue, whose SYNs the kernel drops.

use crate::ensure;
use crate::util::*;
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

const FAST: Duration = Duration::from_secs(5);

fn scan_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.args(["connect", "-z"]).args(args);
    c
}

fn scan(args: &[&str]) -> Out {
    run(&mut scan_cmd(args), None)
}

fn localhost(ipv6: bool) -> &'static str {
    if ipv6 { "::1" } else { "127.0.0.1" }
}

/// `n` listeners on the loopback address, held until dropped.
fn listeners(ipv6: bool, n: usize) -> Vec<TcpListener> {
    let a = if ipv6 { "[::1]:0" } else { "127.0.0.1:0" };
    (0..n)
        .map(|_| TcpListener::bind(a).expect("bind :0"))
        .collect()
}

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().unwrap().port()
}

/// Ports nothing listens on: bound and released (so no other test holds them either).
fn closed_ports(ipv6: bool, n: usize) -> Vec<u16> {
    (0..n).map(|_| free_tcp_port(ipv6)).collect()
}

fn join(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn sorted_lines(ports: &[u16]) -> String {
    let set: BTreeSet<u16> = ports.iter().copied().collect();
    set.iter().map(|p| format!("{p}\n")).collect()
}

/// A port whose SYNs are dropped: a listener with backlog 0 whose one queue place is taken
/// by a connection nobody accepts. Keep the returned pair alive while scanning.
fn unanswering_port(ipv6: bool) -> (socket2::Socket, TcpStream, u16) {
    use socket2::{Domain, Socket, Type};
    let addr: SocketAddr = if ipv6 { "[::1]:0" } else { "127.0.0.1:0" }
        .parse()
        .unwrap();
    let l = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    l.bind(&addr.into()).unwrap();
    l.listen(0).unwrap();
    let bound = l.local_addr().unwrap().as_socket().unwrap();
    let filler = TcpStream::connect(bound).unwrap();
    (l, filler, bound.port())
}

/// A listener on a port below `port` (tries the 200 ports under it).
fn listener_below(port: u16) -> TcpListener {
    (1..=200u16)
        .filter_map(|d| port.checked_sub(d))
        .find_map(|p| TcpListener::bind(("127.0.0.1", p)).ok())
        .expect("a free port below the unanswering one")
}

// ---------------------------------------------------------------- what is printed

fn prints_open_ports_in_order(ipv6: bool, extra: &[&str]) {
    let open = listeners(ipv6, 3);
    let open_ports: Vec<u16> = open.iter().map(port_of).collect();
    let closed = closed_ports(ipv6, 4);
    // Given out of order and with a duplicate: printed sorted, once each.
    let mut list: Vec<u16> = closed.iter().chain(&open_ports).copied().collect();
    list.reverse();
    list.push(open_ports[0]);
    let mut args = extra.to_vec();
    let joined = join(&list);
    args.extend([localhost(ipv6), joined.as_str()]);
    let o = scan(&args);
    o.expect_code(0)
        .expect_faster_than(FAST)
        .expect_stdout(sorted_lines(&open_ports).as_bytes());
    ensure!(o, o.stderr.is_empty(), "stderr must stay empty without -v");
}

#[test]
fn scan_prints_open_ports_sorted_v4() {
    prints_open_ports_in_order(false, &[]);
}

#[test]
fn scan_prints_open_ports_sorted_v6() {
    prints_open_ports_in_order(true, &[]);
}

#[test]
fn scan_parallel_1_gives_the_same_ports() {
    prints_open_ports_in_order(false, &["--parallel", "1"]);
    prints_open_ports_in_order(true, &["--parallel", "1"]);
}

#[test]
fn scan_range_includes_listeners() {
    // A range around a listener; other processes on this machine may listen in it too, so
    // only "ours are found, output is sorted and unique" is exact here (the nc test below
    // compares the whole set).
    let open = listeners(false, 2);
    let ports: Vec<u16> = open.iter().map(port_of).collect();
    let lo = ports.iter().min().unwrap().saturating_sub(100).max(1);
    let hi = ports.iter().max().unwrap().saturating_add(100);
    let o = scan(&["127.0.0.1", &format!("{lo}-{hi}")]);
    o.expect_code(0).expect_faster_than(FAST);
    let got: Vec<u16> = o
        .stdout_str()
        .lines()
        .map(|l| l.parse().expect("one port number per line"))
        .collect();
    ensure!(o, got.windows(2).all(|w| w[0] < w[1]), "not sorted/unique");
    for p in &ports {
        ensure!(o, got.contains(p), "listener {p} not reported");
    }
}

#[test]
fn scan_json_lines() {
    for ipv6 in [false, true] {
        let open = listeners(ipv6, 2);
        let mut ports: Vec<u16> = open.iter().map(port_of).collect();
        ports.sort();
        let closed = closed_ports(ipv6, 2);
        let list = join(&[&ports[..], &closed[..]].concat());
        let o = scan(&["--json", localhost(ipv6), &list]);
        let host = localhost(ipv6);
        let want: String = ports
            .iter()
            .map(|p| format!("{{\"host\":\"{host}\",\"port\":{p},\"state\":\"open\"}}\n"))
            .collect();
        o.expect_code(0).expect_stdout(want.as_bytes());
    }
}

#[test]
fn scan_none_open_exits_1_quietly() {
    let closed = closed_ports(false, 5);
    let o = scan(&["127.0.0.1", &join(&closed)]);
    o.expect_code(1).expect_faster_than(FAST).expect_stdout(b"");
    ensure!(
        o,
        o.stderr.is_empty(),
        "nothing open is not an error message"
    );
}

#[test]
fn scan_verbose_summary_on_stderr() {
    let open = listeners(false, 1);
    let closed = closed_ports(false, 3);
    let list = join(&[&[port_of(&open[0])][..], &closed[..]].concat());
    let o = scan(&["-v", "127.0.0.1", &list]);
    o.expect_code(0)
        .expect_stdout(format!("{}\n", port_of(&open[0])).as_bytes())
        .expect_stderr_contains("Scanning 127.0.0.1 (127.0.0.1): 4 ports, up to 512 in flight")
        .expect_stderr_contains("Scanned 4 ports of 127.0.0.1 in ")
        .expect_stderr_contains(": 1 open, 3 closed, 0 timed out, 0 failed");
}

#[test]
fn scan_localhost_name_and_family_flags() {
    let open = listeners(false, 1);
    let p = port_of(&open[0]).to_string();
    scan(&["-4", "localhost", &p])
        .expect_code(0)
        .expect_stdout(format!("{p}\n").as_bytes());
    // -n forbids the lookup: exit 3 (resolution), as for a plain connect.
    scan(&["-n", "localhost", &p]).expect_code(3);
    let open6 = listeners(true, 1);
    let p6 = port_of(&open6[0]).to_string();
    scan(&["-6", "::1", &p6])
        .expect_code(0)
        .expect_stdout(format!("{p6}\n").as_bytes());
    // -4 with an IPv6 literal has no address to scan: a resolution error, as for connect.
    scan(&["-4", "::1", &p6]).expect_code(3);
}

#[test]
fn scan_with_source_address() {
    let open = listeners(false, 1);
    let p = port_of(&open[0]).to_string();
    scan(&["-s", "127.0.0.1", "127.0.0.1", &p])
        .expect_code(0)
        .expect_stdout(format!("{p}\n").as_bytes());
}

// ---------------------------------------------------------------- timeouts and signals

#[test]
fn scan_unanswering_port_times_out_as_not_open() {
    let (_l, _filler, silent) = unanswering_port(false);
    let open = listeners(false, 1);
    let p = port_of(&open[0]);
    let o = scan(&["-v", "-w", "300ms", "127.0.0.1", &join(&[silent, p])]);
    // A timed-out port is "not open", not a timeout of the command (exit 4).
    o.expect_code(0)
        .expect_faster_than(FAST)
        .expect_stdout(format!("{p}\n").as_bytes())
        .expect_stderr_contains("1 open, 0 closed, 1 timed out");
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(250),
        "-w not waited for"
    );
    let o = scan(&["-w", "300ms", "127.0.0.1", &silent.to_string()]);
    o.expect_code(1).expect_stdout(b"");
}

#[test]
fn scan_whole_timeout_exits_4_after_printing_what_was_found() {
    let (_l, _filler, silent) = unanswering_port(false);
    let below = listener_below(silent);
    let p = port_of(&below);
    let o = scan(&[
        "-w",
        "10s",
        "--timeout",
        "500ms",
        "127.0.0.1",
        &join(&[p, silent]),
    ]);
    o.expect_code(4)
        .expect_faster_than(FAST)
        .expect_stdout(format!("{p}\n").as_bytes());
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("--timeout"), "line: {line}");
}

#[test]
fn scan_sigint_exits_130_after_printing_what_was_found() {
    let (_l, _filler, silent) = unanswering_port(false);
    let below = listener_below(silent);
    let p = port_of(&below);
    let mut r = Running::spawn(&mut scan_cmd(&[
        "-w",
        "15s",
        "127.0.0.1",
        &join(&[p, silent]),
    ]));
    let line = format!("{p}\n");
    if !r.wait_stdout_contains(line.as_bytes(), WAIT) {
        let o = r.kill_and_collect();
        panic!("open port {p} not printed while the scan waits\n{o}");
    }
    r.signal("INT");
    let o = r.finish_within(FAST);
    o.expect_code(130).expect_stdout(line.as_bytes());
}

// ---------------------------------------------------------------- bad input (exit 2)

#[test]
fn scan_bad_port_lists_exit_2_naming_the_value() {
    for bad in [
        "90-80",
        "0",
        "70000",
        "1-2-3",
        "abc",
        "abc?",
        "1-70000",
        "22,,80",
        "nosuchservice",
    ] {
        let o = scan(&["127.0.0.1", bad]);
        o.expect_code(2).expect_faster_than(FAST).expect_stdout(b"");
        let line = o.expect_one_error_line();
        ensure!(o, line.contains(&format!("'{bad}'")), "line: {line}");
    }
    // One bad item in a longer list is named on its own.
    let o = scan(&["127.0.0.1", "22,80-79,443"]);
    o.expect_code(2);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("'80-79'"), "line: {line}");
}

#[test]
fn scan_needs_host_and_ports() {
    for args in [&["127.0.0.1"][..], &[][..]] {
        let o = scan(args);
        o.expect_code(2).expect_stdout(b"");
        o.expect_one_error_line();
    }
    let o = run(
        sockcli().args(["connect", "-z", "-u", "127.0.0.1", "1"]),
        None,
    );
    o.expect_code(2);
}

// ---------------------------------------------------------------- nc.openbsd as the oracle

/// The open ports `nc -z -v HOST LO-HI` reports ("Connection to H P port [...] succeeded!").
fn nc_open_ports(host: &str, lo: u16, hi: u16) -> (BTreeSet<u16>, Out) {
    let o = run(
        Command::new("nc").args(["-z", "-v", "-w", "2", host, &format!("{lo}-{hi}")]),
        None,
    );
    let set = o
        .stderr_str()
        .lines()
        .filter(|l| l.contains("succeeded"))
        .filter_map(|l| l.split_whitespace().nth(3)?.parse().ok())
        .collect();
    (set, o)
}

/// Does anything listen on TCP `port` (any address), per /proc/net/tcp{,6}?
fn tcp_listening(port: u16) -> bool {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|t| {
        std::fs::read_to_string(t).is_ok_and(|s| {
            s.lines().skip(1).any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 3
                    && cols[3] == "0A"
                    && cols[1]
                        .rsplit_once(':')
                        .is_some_and(|(_, p)| u16::from_str_radix(p, 16) == Ok(port))
            })
        })
    })
}

fn agrees_with_nc(ipv6: bool) {
    if !require_tool("nc") {
        return;
    }
    let nc_help = run(Command::new("nc").arg("-h"), None);
    if !nc_help.stderr_str().contains("OpenBSD") {
        eprintln!("skipped: nc is not netcat-openbsd");
        return;
    }
    let host = localhost(ipv6);
    let open = listeners(ipv6, 3);
    let ports: Vec<u16> = open.iter().map(port_of).collect();
    let lo = ports.iter().min().unwrap().saturating_sub(20).max(1);
    let hi = ports.iter().max().unwrap().saturating_add(20);
    // Other processes may open or close ports in the range between the two scans: the sets
    // must agree in one of three tries (each try is two sub-second scans).
    let mut last = String::new();
    for _ in 0..3 {
        let o = scan(&[host, &format!("{lo}-{hi}")]);
        o.expect_code(0);
        let ours: BTreeSet<u16> = o.stdout_str().lines().map(|l| l.parse().unwrap()).collect();
        let (mut theirs, nc_out) = nc_open_ports(host, lo, hi);
        // nc -z counts a TCP self-connect as open (the kernel may pick the scanned port as
        // the source port, and the SYN meets itself); sockcli does not. Drop those.
        theirs.retain(|p| ours.contains(p) || tcp_listening(*p));
        for p in &ports {
            ensure!(o, ours.contains(p), "listener {p} missing");
        }
        if ours == theirs {
            return;
        }
        last = format!("sockcli: {ours:?}\nnc: {theirs:?}\n{o}\n{nc_out}");
    }
    panic!("sockcli and nc -z disagree on {host} {lo}-{hi}:\n{last}");
}

#[test]
fn scan_agrees_with_nc_v4() {
    agrees_with_nc(false);
}

#[test]
fn scan_agrees_with_nc_v6() {
    agrees_with_nc(true);
}

#[test]
fn scan_waits_for_unanswering_ports_in_parallel() {
    // 20 ports that never answer, -w 400ms: one at a time that is 8 s; in flight together,
    // well under 2 s.
    let silent: Vec<_> = (0..20).map(|_| unanswering_port(false)).collect();
    let ports: Vec<u16> = silent.iter().map(|s| s.2).collect();
    let o = scan(&["-v", "-w", "400ms", "127.0.0.1", &join(&ports)]);
    o.expect_code(1)
        .expect_stdout(b"")
        .expect_faster_than(Duration::from_secs(2))
        .expect_stderr_contains("0 open, 0 closed, 20 timed out");
    let o = scan(&[
        "-v",
        "-w",
        "400ms",
        "--parallel",
        "5",
        "127.0.0.1",
        &join(&ports),
    ]);
    o.expect_code(1).expect_stderr_contains("20 timed out");
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(1500),
        "--parallel 5 must wait 4 rounds of -w"
    );
}
