//! Live capture as tcpdump does it on Linux: the `sys::packet` socket opened with the
//! loopback prologue and snap length of `filter::socket` attached before anything arrives,
//! and what pcap makes of its frames (link type, cooked header, direction).

use std::io;

use super::cooked::{self, SLL_HDR_LEN};
use super::filter::{Insn, socket::socket_program};
use super::link::{LinkType, PacketType};
use crate::sys::iface::{ARPHRD_RAWIP, arphrd_type, if_index, if_name};
use crate::sys::packet::Capture;
use crate::sys::ring::{Frame, RingConfig};

/// How to capture on an interface of ARPHRD type `arphrd`: the pcap link type, and whether the
/// socket must be cooked (SOCK_DGRAM, stored as LINUX_SLL). Ethernet and loopback are captured
/// raw as ETHERNET; ARPHRD_NONE (tun) and RAWIP raw as RAW (no link header); anything else
/// cooked.
pub fn link_type_for(arphrd: u16) -> (LinkType, bool) {
    match arphrd {
        libc::ARPHRD_ETHER | libc::ARPHRD_LOOPBACK => (LinkType::ETHERNET, false),
        libc::ARPHRD_NONE | ARPHRD_RAWIP => (LinkType::RAW, false),
        _ => (LinkType::LINUX_SLL, true),
    }
}

/// The frame's direction.
pub fn packet_type(f: &Frame) -> PacketType {
    PacketType::from_raw(u16::from(f.pkttype))
}

/// The LINKTYPE_LINUX_SLL header libpcap would write before the frame's data.
pub fn sll_header(f: &Frame) -> [u8; SLL_HDR_LEN] {
    cooked::sll_header(packet_type(f), f.hatype, f.addr, f.protocol)
}

/// Open a capture (see `sys::packet::Capture::open`) that shows loopback traffic once: the
/// outgoing copies on `lo` are rejected by the prologue (and skipped by the ring walk).
pub fn open(
    ifindex: Option<u32>,
    cooked: bool,
    snaplen: u32,
    ring: RingConfig,
) -> io::Result<Capture> {
    let lo = match ifindex {
        Some(i) => (arphrd_type(&if_name(i)?)? == libc::ARPHRD_LOOPBACK).then_some(i),
        None => if_index("lo").ok(),
    };
    let prog = to_sock_filters(&socket_program(None, snaplen, lo, ifindex.is_some()));
    let mut cap = Capture::open(ifindex, cooked, snaplen, ring, &prog)?;
    cap.set_skip_outgoing_on(lo);
    Ok(cap)
}

/// Attach the compiled `user` program behind the prologue (see `Capture::attach_filter`:
/// what was queued before is thrown away). For a cooked (SOCK_DGRAM) capture the program
/// sees the packet from its network header.
pub fn attach_filter(cap: &mut Capture, user: &[Insn]) -> io::Result<()> {
    let prog = socket_program(
        Some(user),
        cap.snaplen(),
        cap.skip_outgoing_on(),
        cap.ifindex().is_some(),
    );
    cap.attach_filter(&to_sock_filters(&prog))
}

fn to_sock_filters(prog: &[Insn]) -> Vec<socket2::SockFilter> {
    prog.iter().map(|i| i.to_sock_filter()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::filter::socket::udp_dst_port;
    use crate::sniff::pcap::MAX_SNAPLEN;
    use crate::sys::iface::{arphrd_type, if_index};
    use crate::sys::packet::Stats;
    use crate::sys::privs::drop_privileges;
    use crate::sys::time::{children_cpu, thread_cpu};
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    fn root(test: &str) -> bool {
        let ok = rustix::process::geteuid().is_root();
        if !ok {
            println!("skipped: {test} needs root (CAP_NET_RAW, netns)");
        }
        ok
    }

    /// An owned copy of what the tests look at.
    #[derive(Debug, Clone)]
    struct Got {
        data: Vec<u8>,
        len: u32,
        pkttype: u8,
        ifindex: u32,
        protocol: u16,
        hatype: u16,
        sll: [u8; 16],
    }

    /// (src port, dst port, payload) of an IPv4/UDP packet starting at `ip`.
    fn udp(data: &[u8], ip: usize) -> Option<(u16, u16, &[u8])> {
        let ihl = usize::from(*data.get(ip)? & 0x0f) * 4;
        if data.get(ip)? >> 4 != 4 || *data.get(ip + 9)? != 17 {
            return None;
        }
        let u = ip + ihl;
        let sport = u16::from_be_bytes([*data.get(u)?, *data.get(u + 1)?]);
        let dport = u16::from_be_bytes([*data.get(u + 2)?, *data.get(u + 3)?]);
        Some((sport, dport, data.get(u + 8..).unwrap_or(&[])))
    }

    fn eth_udp(data: &[u8]) -> Option<(u16, u16, &[u8])> {
        (data.get(12..14)? == [0x08, 0x00]).then_some(())?;
        udp(data, 14)
    }

    /// Read frames until `done` says so or `limit` passes, then keep reading for `linger` to
    /// catch anything extra (duplicates).
    fn collect(
        cap: &mut Capture,
        limit: Duration,
        linger: Duration,
        mut keep: impl FnMut(&Got) -> bool,
        mut done: impl FnMut(&[Got]) -> bool,
    ) -> Vec<Got> {
        let mut out = Vec::new();
        let start = Instant::now();
        let mut until = start + limit;
        let mut lingering = false;
        loop {
            let now = Instant::now();
            if now >= until {
                if lingering || linger.is_zero() {
                    break;
                }
                lingering = true;
                until = now + linger;
            }
            cap.wait_ready(Some(until - now)).unwrap();
            cap.for_each_ready(|f| {
                let g = Got {
                    data: f.data.to_vec(),
                    len: f.len,
                    pkttype: f.pkttype,
                    ifindex: f.ifindex,
                    protocol: f.protocol,
                    hatype: f.hatype,
                    sll: sll_header(f),
                };
                if keep(&g) {
                    out.push(g);
                }
                true
            });
            if !lingering && done(&out) {
                if linger.is_zero() {
                    break;
                }
                lingering = true;
                until = Instant::now() + linger;
            }
        }
        out
    }

    fn lo_capture(snaplen: u32, cooked: bool, all: bool) -> Capture {
        let mut ring = RingConfig::for_buffer(4 << 20, snaplen);
        ring.retire_ms = 10;
        let lo = if all {
            None
        } else {
            Some(if_index("lo").unwrap())
        };
        open(lo, cooked, snaplen, ring).unwrap()
    }

    /// A bound receiver (so no ICMP unreachables) and a sender on 127.0.0.1.
    fn pair() -> (UdpSocket, UdpSocket, u16) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = rx.local_addr().unwrap().port();
        (rx, tx, port)
    }

    fn payload(i: usize) -> Vec<u8> {
        format!("sockcli-capture-{}-{i:04}", std::process::id()).into_bytes()
    }

    #[test]
    fn lo_udp_seen_once_with_payload_ports_and_lengths() {
        if !root("lo_udp_seen_once_with_payload_ports_and_lengths") {
            return;
        }
        let mut cap = lo_capture(MAX_SNAPLEN, false, false);
        let (_rx, tx, port) = pair();
        let sport = tx.local_addr().unwrap().port();
        const N: usize = 50;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= N,
        );
        assert_eq!(got.len(), N, "each datagram exactly once");
        let lo = if_index("lo").unwrap();
        for (i, g) in got.iter().enumerate() {
            let (s, d, p) = eth_udp(&g.data).unwrap();
            assert_eq!((s, d), (sport, port));
            assert_eq!(p, payload(i).as_slice(), "in order, intact");
            assert_eq!(g.len as usize, 14 + 20 + 8 + payload(i).len());
            assert_eq!(g.data.len(), g.len as usize);
            assert_eq!(g.pkttype, libc::PACKET_HOST);
            assert_eq!(g.ifindex, lo);
            assert_eq!(g.protocol, 0x0800);
            assert_eq!(g.hatype, libc::ARPHRD_LOOPBACK);
        }
    }

    #[test]
    fn snaplen_cuts_data_but_not_len() {
        if !root("snaplen_cuts_data_but_not_len") {
            return;
        }
        let mut cap = lo_capture(64, false, false);
        let (_rx, tx, port) = pair();
        let big = vec![0xabu8; 200];
        for _ in 0..5 {
            tx.send_to(&big, ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= 5,
        );
        assert_eq!(got.len(), 5);
        for g in &got {
            assert_eq!(g.len, 14 + 20 + 8 + 200);
            assert_eq!(g.data.len(), 64);
        }
    }

    #[test]
    fn filter_drops_other_traffic_and_stats_count_what_passed() {
        if !root("filter_drops_other_traffic_and_stats_count_what_passed") {
            return;
        }
        let mut cap = lo_capture(MAX_SNAPLEN, false, false);
        let (_rx, tx, port) = pair();
        let (_rx2, _, other) = pair();
        // Unfiltered traffic queued before the filter must not come out.
        for i in 0..10 {
            tx.send_to(&payload(i), ("127.0.0.1", other)).unwrap();
        }
        attach_filter(&mut cap, &udp_dst_port(port)).unwrap();
        const N: usize = 20;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", other)).unwrap();
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |_| true,
            |v| v.len() >= N,
        );
        assert_eq!(got.len(), N, "only the filtered port, once each");
        assert!(
            got.iter()
                .all(|g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port))
        );
        let st = cap.stats().unwrap();
        assert_eq!(
            st,
            Stats {
                packets: N as u64,
                drops: 0
            }
        );
        // Accumulates: nothing new, same totals.
        assert_eq!(cap.stats().unwrap(), st);
    }

    #[test]
    fn cooked_all_interfaces_gives_ip_and_sll_fields() {
        if !root("cooked_all_interfaces_gives_ip_and_sll_fields") {
            return;
        }
        let mut cap = lo_capture(MAX_SNAPLEN, true, true);
        let (_rx, tx, port) = pair();
        const N: usize = 10;
        for i in 0..N {
            tx.send_to(&payload(i), ("127.0.0.1", port)).unwrap();
        }
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::from_millis(100),
            |g| g.protocol == 0x0800 && udp(&g.data, 0).is_some_and(|(_, d, _)| d == port),
            |v| v.len() >= N,
        );
        assert_eq!(
            got.len(),
            N,
            "loopback duplicates skipped in all-interfaces mode too"
        );
        let lo = if_index("lo").unwrap();
        for (i, g) in got.iter().enumerate() {
            assert_eq!(udp(&g.data, 0).unwrap().2, payload(i).as_slice());
            assert_eq!(g.len as usize, 20 + 8 + payload(i).len());
            assert_eq!(g.ifindex, lo);
            assert_eq!(
                g.sll,
                [0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]
            );
        }
        let st = cap.stats().unwrap();
        assert!(st.packets >= N as u64 && st.drops == 0, "{st:?}");
    }

    /// IFF_PROMISC in the device flags. (SIOCGIFFLAGS only reports promiscuity set by
    /// `ip link set promisc on`, not the count packet sockets hold; sysfs shows both.)
    fn is_promiscuous(name: &str) -> io::Result<bool> {
        let s = std::fs::read_to_string(format!("/sys/class/net/{name}/flags"))?;
        let flags =
            u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).map_err(io::Error::other)?;
        Ok(flags & libc::IFF_PROMISC as u32 != 0)
    }

    fn ip(args: &[&str]) -> bool {
        std::process::Command::new("ip")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    struct Netns(String);
    impl Drop for Netns {
        fn drop(&mut self) {
            // Deleting the namespace deletes the veth end in it, and with it the pair.
            ip(&["netns", "del", &self.0]);
            ip(&["link", "del", &format!("{}a", self.0)]);
        }
    }

    #[test]
    fn promiscuous_on_a_veth_and_other_host_frames() {
        if !root("promiscuous_on_a_veth_and_other_host_frames") {
            return;
        }
        let ns = format!("scc{}", std::process::id() % 10_000_000);
        let (a, b) = (format!("{ns}a"), format!("{ns}b"));
        ip(&["netns", "del", &ns]);
        if !ip(&["netns", "add", &ns]) {
            println!("skipped: cannot create a network namespace");
            return;
        }
        let _guard = Netns(ns.clone());
        let exec = |args: &[&str]| {
            let mut v = vec!["netns", "exec", &ns];
            v.extend_from_slice(args);
            assert!(ip(&v), "ip {v:?}");
        };
        assert!(ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]));
        assert!(ip(&["link", "set", &b, "netns", &ns]));
        assert!(ip(&["link", "set", &a, "up"]));
        exec(&["ip", "addr", "add", "10.213.7.1/24", "dev", &b]);
        exec(&["ip", "link", "set", &b, "up"]);
        exec(&[
            "ip",
            "neigh",
            "add",
            "10.213.7.2",
            "lladdr",
            "02:00:5e:10:20:99",
            "dev",
            &b,
        ]);

        let idx = if_index(&a).unwrap();
        assert_eq!(arphrd_type(&a).unwrap(), libc::ARPHRD_ETHER);
        assert!(!is_promiscuous(&a).unwrap());
        let mut ring = RingConfig::for_buffer(1 << 20, MAX_SNAPLEN);
        ring.retire_ms = 10;
        let mut cap = open(Some(idx), false, MAX_SNAPLEN, ring).unwrap();
        cap.set_promiscuous(idx).unwrap();
        assert!(is_promiscuous(&a).unwrap(), "IFF_PROMISC set while open");

        exec(&[
            "bash",
            "-c",
            "for i in 1 2 3; do echo veth-$i > /dev/udp/10.213.7.2/4242; done",
        ]);
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == 4242),
            |v| v.len() >= 3,
        );
        assert_eq!(got.len(), 3);
        for g in &got {
            assert_eq!(&g.data[..6], &[0x02, 0x00, 0x5e, 0x10, 0x20, 0x99]);
            assert_eq!(g.pkttype, libc::PACKET_OTHERHOST);
            assert_eq!(g.ifindex, idx);
        }
        drop(cap);
        assert!(
            !is_promiscuous(&a).unwrap(),
            "closing the socket leaves promiscuous mode"
        );
    }

    #[test]
    fn link_types() {
        assert_eq!(
            link_type_for(libc::ARPHRD_ETHER),
            (LinkType::ETHERNET, false)
        );
        assert_eq!(
            link_type_for(libc::ARPHRD_LOOPBACK),
            (LinkType::ETHERNET, false)
        );
        assert_eq!(link_type_for(libc::ARPHRD_NONE), (LinkType::RAW, false));
        assert_eq!(link_type_for(libc::ARPHRD_PPP), (LinkType::LINUX_SLL, true));
    }

    /// By hand, as root: `cargo test --release --lib live::tests::throughput -- --ignored
    /// --nocapture`. Sends SOCKCLI_BENCH_N (1,000,000) 32-byte UDP datagrams flat out on lo
    /// from another thread and reports what the ring captured, the kernel's drops and the
    /// reader thread's CPU time. SOCKCLI_BENCH_MB sets the ring (64 MiB);
    /// SOCKCLI_BENCH_TCPDUMP=1 runs `tcpdump -i lo -w /dev/null` on the same load instead.
    #[test]
    #[ignore = "throughput check, run by hand"]
    fn throughput_lo() {
        if !root("throughput_lo") {
            return;
        }
        let env = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let n = env("SOCKCLI_BENCH_N", 1_000_000);
        let mb = env("SOCKCLI_BENCH_MB", 64);
        let tcpdump = std::env::var_os("SOCKCLI_BENCH_TCPDUMP").is_some();
        let (_rx, tx, port) = pair();
        tx.connect(("127.0.0.1", port)).unwrap();
        let send = move || {
            let t = Instant::now();
            let buf = [0x5au8; 32];
            for _ in 0..n {
                while tx.send(&buf).is_err() {}
            }
            t.elapsed()
        };
        if tcpdump {
            use std::io::{BufRead, BufReader};
            let mut child = std::process::Command::new("tcpdump")
                .args(["-i", "lo", "-n", "-w", "/dev/null", "-B"])
                .arg((mb * 1024).to_string())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let mut line = String::new();
            while err.read_line(&mut line).unwrap() > 0 && !line.contains("listening") {}
            let before = children_cpu();
            let sent_in = std::thread::spawn(send).join().unwrap();
            std::thread::sleep(Duration::from_millis(500));
            // SIGINT, so that tcpdump prints its counts.
            std::process::Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            child.wait().unwrap();
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
            println!(
                "tcpdump: sent {n} in {sent_in:?}; cpu {:?}\n{}",
                children_cpu() - before,
                rest.trim()
            );
            return;
        }
        let mut ring = RingConfig::for_buffer(mb << 20, MAX_SNAPLEN);
        ring.retire_ms = 50;
        let mut cap = open(Some(if_index("lo").unwrap()), false, MAX_SNAPLEN, ring).unwrap();
        let cpu0 = thread_cpu();
        let sender = std::thread::spawn(send);
        let want = port.to_be_bytes();
        let (mut ours, mut all, mut wakeups) = (0usize, 0usize, 0usize);
        let mut deadline = None;
        loop {
            if cap.wait_ready(Some(Duration::from_millis(100))).unwrap() {
                wakeups += 1;
            }
            all += cap.for_each_ready(|f| {
                ours += usize::from(f.data.get(36..38) == Some(&want[..]));
                true
            });
            if ours >= n {
                break;
            }
            if sender.is_finished() {
                let d = *deadline.get_or_insert_with(|| Instant::now() + Duration::from_secs(1));
                if Instant::now() > d {
                    break;
                }
            }
        }
        let cpu = thread_cpu() - cpu0;
        let sent_in = sender.join().unwrap();
        let st = cap.stats().unwrap();
        println!(
            "sockcli ring {} x {} KiB: sent {n} in {sent_in:?}; captured {ours} of ours ({all} \
             frames), {} received by filter, {} dropped by kernel; reader cpu {cpu:?}, \
             {wakeups} wakeups",
            ring.block_count,
            ring.block_size / 1024,
            st.packets,
            st.drops
        );
    }

    const CHILD_ENV: &str = "SOCKCLI_TEST_DROP_PRIVS_CHILD";

    /// Run in a child process by `drop_privileges_keeps_the_open_capture`.
    #[test]
    #[ignore = "run by drop_privileges_keeps_the_open_capture in a child process"]
    fn drop_privileges_child() {
        if std::env::var_os(CHILD_ENV).is_none() {
            println!("skipped: only meaningful in the child process");
            return;
        }
        let mut cap = lo_capture(MAX_SNAPLEN, false, false);
        drop_privileges("nobody").unwrap();
        use rustix::process::{geteuid, getgid, getgroups, getuid};
        let (uid, euid, gid) = (getuid().as_raw(), geteuid().as_raw(), getgid().as_raw());
        assert_eq!((uid, euid, gid), (65534, 65534, 65534));
        let groups: Vec<u32> = getgroups().unwrap().iter().map(|g| g.as_raw()).collect();
        assert_eq!(groups, [65534]);
        let e = open(None, true, 0, RingConfig::for_buffer(1 << 20, MAX_SNAPLEN))
            .err()
            .expect("no CAP_NET_RAW any more");
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("CAP_NET_RAW"), "{e}");
        // The socket opened before still captures.
        let (_rx, tx, port) = pair();
        tx.send_to(b"after-drop", ("127.0.0.1", port)).unwrap();
        let got = collect(
            &mut cap,
            Duration::from_secs(3),
            Duration::ZERO,
            |g| eth_udp(&g.data).is_some_and(|(_, d, _)| d == port),
            |v| !v.is_empty(),
        );
        assert_eq!(eth_udp(&got[0].data).unwrap().2, b"after-drop");
        println!("child-ok");
    }

    #[test]
    fn drop_privileges_keeps_the_open_capture() {
        if !root("drop_privileges_keeps_the_open_capture") {
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sniff::live::tests::drop_privileges_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("child-ok"),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
