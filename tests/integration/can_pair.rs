//! `pair can:IFACE ...`: CAN over IP. On this host (no AF_CAN) a `can:` endpoint exits 1 with
//! the missing module named; in the CAN test bed (one boot) two bridges join vcan0 and vcan1
//! over UDP and over TCP with candump as the oracle on both buses, frames go to a file and
//! back, and a bad interface, a vanished one (under `pair` and under `can dump`) and a stream
//! that is not CAN frames each end with one line.

use crate::canbed;
use crate::util::*;

/// Shell helpers for the scenarios: wait (at most 5 s) for a TCP listener, or for a UDP or
/// TCP socket on PORT connected to 127.0.0.1 (state 01 in /proc/net/{udp,tcp}).
const PRELUDE: &str = r#"
hexport() { printf '%04X' "$1"; }
wait_proc() { # FILE PATTERN
    i=0
    while [ $i -lt 250 ]; do
        grep -q "$2" "$1" && return 0
        usleep 20000; i=$((i + 1))
    done
    echo "timed out waiting for $2 in $1" >&2; return 1
}
wait_listen() { wait_proc /proc/net/tcp "0100007F:$(hexport $1) 00000000:0000 0A"; }
wait_bound() { wait_proc /proc/net/udp "0100007F:$(hexport $1) 00000000:0000 07"; }
wait_peer() { wait_proc "/proc/net/$1" "0100007F:$(hexport $2) 0100007F:[0-9A-F]* 01"; }
"#;

/// Both buses recorded while cangen sends 1,000 classic frames at 1 ms gaps (ids and data
/// incrementing, so order shows), 50 extended and 50 CAN FD frames with BRS on vcan0; then
/// three frames the other way. `$A` and `$B` are the two bridges, already started.
const TRAFFIC: &str = r#"
candump -L -n 1100 -T 20000 vcan1 > got & C=$!
candump -L -n 1100 -T 20000 vcan0 > sent & D=$!
canbed-wait-rx vcan1 2 && canbed-wait-rx vcan0 2 || exit 1
cangen vcan0 -g 1 -n 1000 -I i -D i -L 8 || exit 1
cangen vcan0 -g 1 -n 50 -e -L 4 || exit 1
cangen vcan0 -g 1 -n 50 -f -b || exit 1
wait $C $D
cut -d' ' -f3 sent > s; cut -d' ' -f3 got > g
echo "sent=$(wc -l < s) got=$(wc -l < g)"
cmp s g && echo same
candump -L -n 3 -T 5000 vcan0 > back & C=$!
canbed-wait-rx vcan0 2 || exit 1
cansend vcan1 123#01; cansend vcan1 1F334455#R2; cansend vcan1 123##1AABB
wait $C; cut -d' ' -f3 back
"#;

#[test]
fn can_endpoints_without_af_can_exit_1_naming_the_module() {
    if std::fs::read_to_string("/proc/net/protocols")
        .is_ok_and(|p| p.lines().any(|l| l.starts_with("CAN")))
    {
        println!("skipped: this kernel has AF_CAN");
        return;
    }
    for args in [
        &["pair", "can:vcan0", "udp:127.0.0.1:9"][..],
        &["pair", "-", "can:vcan0"],
    ] {
        let out = sockcli()
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(
            err,
            "sockcli: this kernel has no AF_CAN sockets: the 'can' kernel module is missing or not loaded (modprobe can can-raw)\n",
            "{args:?}"
        );
    }
    for (ep, msg) in [
        (
            "can:",
            "missing interface name (expected can:IFACE, e.g. can:vcan0)",
        ),
        (
            "can:any",
            "can:any cannot send: name one interface (can:vcan0)",
        ),
        (
            "can:vcan0,nodelay",
            "option 'nodelay' does not apply to can",
        ),
    ] {
        let out = sockcli().args(["pair", ep, "-"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{ep}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("sockcli: invalid endpoint '{ep}': {msg}\n")
        );
    }
    let out = sockcli()
        .args([
            "pair",
            "--pcap",
            "/dev/null",
            "can:vcan0",
            "udp:127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sockcli: --pcap records TCP/UDP conversations; it cannot record 'can:vcan0' (use can dump -w)\n"
    );
}

#[test]
fn can_bridges_over_udp_and_tcp_lose_nothing_in_the_vm() {
    // The UDP bridge as the issue writes it: the listening side first; the connecting side's
    // hello tells it where vcan0's frames go before vcan1 has sent anything.
    let udp = format!(
        "{PRELUDE}\
         sockcli pair can:vcan0 udp-listen:127.0.0.1:29536 2> a.err & A=$!\n\
         wait_bound 29536 || exit 1\n\
         sockcli pair can:vcan1 udp:127.0.0.1:29536 2> b.err & B=$!\n\
         wait_peer udp 29536 || exit 1\n\
         {TRAFFIC}\
         kill -INT $A $B; wait $A; echo rcA=$?; wait $B; echo rcB=$?; cat a.err b.err >&2\n"
    );
    // TCP: frames cut out of the byte stream again; when the connecting bridge is stopped,
    // the listening one sees EOF and ends by itself.
    let tcp = format!(
        "{PRELUDE}\
         sockcli pair can:vcan0 tcp-listen:127.0.0.1:29537 2> a.err & A=$!\n\
         wait_listen 29537 || exit 1\n\
         sockcli pair can:vcan1 tcp:127.0.0.1:29537 2> b.err & B=$!\n\
         wait_peer tcp 29537 || exit 1\n\
         {TRAFFIC}\
         kill -INT $B; wait $B; echo rcB=$?\n\
         i=0; while kill -0 $A 2>/dev/null && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done\n\
         kill -0 $A 2>/dev/null && echo A still running\n\
         wait $A; echo rcA=$?; cat a.err b.err >&2\n"
    );
    // Frames into a file (the stream format) and from it onto another bus, and onto a
    // classic interface that cannot carry the CAN FD one.
    let file = "sockcli pair can:vcan0 create:f.bin 2> err & P=$!\n\
        canbed-wait-rx vcan0 1 || exit 1\n\
        cansend vcan0 123#DEADBEEF; cansend vcan0 1F334455#R; cansend vcan0 123##1AABB\n\
        i=0; while [ $(wc -c < f.bin) -lt 104 ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done\n\
        kill -INT $P; wait $P; echo rc=$?; cat err\n\
        wc -c < f.bin; od -An -tx1 -v f.bin\n\
        candump -L -n 3 -T 5000 vcan1 > r & canbed-wait-rx vcan1 1 || exit 1\n\
        sockcli pair file:f.bin can:vcan1; echo rc=$?\n\
        wait; cut -d' ' -f3 r\n\
        ip link add dev c16 type vcan && ip link set c16 mtu 16 && ip link set up c16 || exit 1\n\
        candump -L -n 3 -T 2000 c16 > r16 & canbed-wait-rx c16 1 || exit 1\n\
        sockcli pair file:f.bin can:c16 2> e16; echo rc=$?\n\
        wait; cut -d' ' -f3 r16; cat e16\n";
    let errors = "sockcli pair can:nosuch0 udp:127.0.0.1:9; echo rc=$?\n\
        ip link add dev down0 type vcan || exit 1\n\
        sockcli pair can:down0 udp:127.0.0.1:9; echo rc=$?\n\
        ip link add dev gone0 type vcan && ip link set up gone0 || exit 1\n\
        sockcli pair can:gone0 udp:127.0.0.1:9 2> g.err & P=$!\n\
        canbed-wait-rx gone0 1 || exit 1\n\
        cansend gone0 123#01\n\
        ip link del gone0\n\
        i=0; while kill -0 $P 2>/dev/null && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done\n\
        wait $P; echo rc=$?; cat g.err\n\
        ip link add dev gone1 type vcan && ip link set up gone1 || exit 1\n\
        sockcli can dump gone1 > d1 2> d1.err & P=$!\n\
        canbed-wait-rx gone1 1 || exit 1\n\
        cansend gone1 123#02; i=0; while [ ! -s d1 ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done\n\
        ip link del gone1\n\
        i=0; while kill -0 $P 2>/dev/null && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done\n\
        wait $P; echo rc=$?; cat d1 d1.err\n\
        printf 'xxxxxxxxxxxxxxxxxxxxxxx' > junk\n\
        sockcli pair file:junk can:vcan0; echo rc=$?\n\
        printf 'abc' > short\n\
        sockcli pair file:short can:vcan0; echo rc=$?\n";
    // pair -k: every TCP client gets its own CAN socket on vcan0, so each sees the bus.
    let many = format!(
        "{PRELUDE}\
         sockcli pair -k tcp-listen:127.0.0.1:29538 can:vcan0 2> k.err & K=$!\n\
         wait_listen 29538 || exit 1\n\
         sockcli pair can:vcan1 tcp:127.0.0.1:29538 & B=$!\n\
         sockcli pair tcp:127.0.0.1:29538 create:c2.bin & F=$!\n\
         canbed-wait-rx vcan0 2 || exit 1\n\
         candump -L -n 1 -T 5000 vcan1 > r & C=$! ; canbed-wait-rx vcan1 2 || exit 1\n\
         cansend vcan0 1F334455#0102\n\
         wait $C; cut -d' ' -f3 r\n\
         i=0; while [ $(wc -c < c2.bin) -lt 16 ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done\n\
         od -An -tx1 -v c2.bin\n\
         kill -INT $B $F; wait $B $F; kill -INT $K; wait $K; echo rcK=$?; cat k.err >&2\n"
    );
    let scenarios = [
        ("many", many.as_str()),
        ("udp", udp.as_str()),
        ("tcp", tcp.as_str()),
        ("file", file),
        ("errors", errors),
    ];
    let Some(bed) = canbed::boot(&scenarios, true) else {
        return;
    };
    assert!(bed.errors.is_empty(), "{bed}");
    for (name, _) in &scenarios {
        assert_eq!(bed.get(name).rc, 0, "scenario {name}:\n{bed}");
    }
    let back = "123#01\n1F334455#R2\n123##5AABB\n";
    for name in ["udp", "tcp"] {
        let out = bed.get(name).stdout_str();
        assert!(
            out.starts_with(&format!("sent=1100 got=1100\nsame\n{back}")),
            "{name}:\n{bed}"
        );
    }
    assert!(
        bed.get("udp").stdout_str().ends_with("rcA=130\nrcB=130\n"),
        "{bed}"
    );
    assert!(
        bed.get("tcp").stdout_str().ends_with("rcB=130\nrcA=0\n"),
        "{bed}"
    );

    assert_eq!(
        bed.get("many").stdout_str(),
        "1F334455#0102\n 55 44 33 9f 02 00 00 00 01 02 00 00 00 00 00 00\nrcK=130\n",
        "{bed}"
    );

    // The stream format: can_frame, can_frame (RTR flag in the id), canfd_frame with FDF.
    let file = bed.get("file").stdout_str();
    let mut expect = String::from("rc=130\n104\n");
    let mut bytes: Vec<u8> = Vec::new();
    bytes.extend([
        0x23, 0x01, 0, 0, 4, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0,
    ]);
    bytes.extend([0x55, 0x44, 0x33, 0xDF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut fd = vec![0x23, 0x01, 0, 0, 2, 0x05, 0, 0, 0xAA, 0xBB];
    fd.resize(72, 0);
    bytes.extend(fd);
    for line in bytes.chunks(16) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        expect += &format!(" {}\n", hex.join(" "));
    }
    expect += "rc=0\n123#DEADBEEF\n1F334455#R\n123##5AABB\nrc=0\n123#DEADBEEF\n1F334455#R\n";
    expect += "sockcli: warning: dropped a CAN FD frame: the interface carries classic CAN only (MTU 16); later ones are dropped silently\n";
    assert_eq!(file, expect, "{bed}");

    let errors = bed.get("errors").stdout_str();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines[0], "rc=2", "{bed}");
    assert_eq!(lines[1], "rc=1", "{bed}");
    assert_eq!(lines[2], "rc=1", "{bed}");
    assert_eq!(
        lines[3], "sockcli: read from can:gone0 failed: network is down",
        "{bed}"
    );
    // can dump on an interface deleted under it (the kernel downs it first): what it
    // received, the totals, one line.
    assert_eq!(lines[4], "rc=1", "{bed}");
    assert_eq!(lines[5], "  gone1  123   [1]  02", "{bed}");
    assert_eq!(lines[6], "1 frames received, 0 dropped by kernel", "{bed}");
    assert_eq!(
        lines[7], "sockcli: receiving on gone1 ended: the interface went down",
        "{bed}"
    );
    assert_eq!(lines[8], "rc=1", "{bed}");
    assert_eq!(lines[9], "rc=1", "{bed}");
    let stderr = String::from_utf8_lossy(&bed.get("errors").stderr).into_owned();
    for line in [
        "sockcli: no such CAN interface 'nosuch0'\n",
        "sockcli: cannot use down0: the interface is down\n",
        "sockcli: read from file:junk failed: the CAN frame at byte 0 of the stream says 120 data bytes, more than a can_frame holds (8): the stream is not CAN frames\n",
        "sockcli: read from file:short failed: connection closed inside a CAN frame: 3 of 8 bytes received\n",
    ] {
        assert!(stderr.contains(line), "{line}{bed}");
    }
}
