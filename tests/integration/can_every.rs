//! `sockcli can send --every DUR [--count N]` (cyclic sending through the kernel's BCM): bad
//! input on this host (exit 2 before any socket; exit 1 without AF_CAN), one VM boot
//! (`canbed::boot`) in which candump is the oracle for the frames, their order, what Ctrl-C,
//! SIGTERM and SIGKILL leave behind (no frame after exit), the interface going down and a CAN
//! FD frame on a classic interface, and one boot with a steady guest clock for the timing.

use crate::canbed;
use crate::util::*;

/// Runs `sockcli ARGS` with `stdin` and returns (exit code, stderr).
fn run(args: &[&str], stdin: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = sockcli()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that fails before reading stdin closes it: ignore EPIPE.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn can_every_bad_input_exits_2_naming_the_flag_or_position() {
    let cases: [(&[&str], &str, &str); 9] = [
        (
            &["can", "send", "--count", "5", "vcan0", "123#11"],
            "",
            "sockcli: the following required arguments were not provided: --every <DUR>",
        ),
        (
            &["can", "send", "--every", "0", "vcan0", "123#11"],
            "",
            "sockcli: invalid value '0' for '--every <DUR>': interval '0' must be more than 0",
        ),
        (
            &["can", "send", "--every", "1500ns", "vcan0", "123#11"],
            "",
            "sockcli: invalid value '1500ns' for '--every <DUR>': interval '1500ns' is not a whole number of microseconds",
        ),
        (
            &["can", "send", "--every", "401days", "vcan0", "123#11"],
            "",
            "sockcli: invalid value '401days' for '--every <DUR>': interval '401days' is over 400 days",
        ),
        (
            &[
                "can", "send", "--every", "1ms", "--count", "0", "vcan0", "123#11",
            ],
            "",
            "sockcli: invalid value '0' for '--count <N>'",
        ),
        (
            &[
                "can",
                "send",
                "--every",
                "10ms",
                "vcan0",
                "123#11",
                "123#DEADBEEG",
            ],
            "",
            "sockcli: bad frame '123#DEADBEEG' (argument 2): expected the second hex digit of a data byte, found 'G' at position 12\n",
        ),
        (
            &["can", "send", "--every", "10ms", "vcan0", "-"],
            "123#11\n\n12#3\n",
            "sockcli: bad frame on stdin line 3 '12#3': the CAN id must have 3 hex digits (standard) or 8 (extended), not 2 at position 1\n",
        ),
        (
            &[
                "can", "send", "--every", "10ms", "vcan0", "123#11", "123##111",
            ],
            "",
            "sockcli: frame '123##111' (argument 2) is CAN FD but '123#11' (argument 1) is classic: one --every job sends only classic or only CAN FD frames\n",
        ),
        (
            &["can", "send", "--every", "10ms", "vcan0", "-"],
            &"123#11\n".repeat(257),
            "sockcli: too many frames for --every at stdin line 257: the kernel's BCM takes at most 256 in one job\n",
        ),
    ];
    for (args, stdin, want) in cases {
        let (code, err) = run(args, stdin);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.starts_with(want), "{args:?}: {err:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    // 256 frames are fine: on this host (no AF_CAN) it gets as far as the socket.
    if std::fs::read_to_string("/proc/net/protocols")
        .is_ok_and(|p| p.lines().any(|l| l.starts_with("CAN")))
    {
        println!("skipped the no-AF_CAN check: this kernel has AF_CAN");
        return;
    }
    let (code, err) = run(
        &["can", "send", "--every", "10ms", "vcan0", "-"],
        &"123#11\n".repeat(256),
    );
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err,
        "sockcli: this kernel has no AF_CAN sockets: the 'can' kernel module is missing or not loaded (modprobe can can-bcm)\n"
    );
}

/// candump -L lines without their timestamp: `IFACE FRAME`.
fn frames_of(log: &str) -> Vec<String> {
    log.lines()
        .map(|l| l.split_once(") ").map_or(l, |(_, r)| r).to_string())
        .collect()
}

/// Waits (bounded, 10 s) until file $1 has at least $2 lines: the sender is running.
const WAIT_LINES: &str = "wait_lines() { i=0; while [ $(wc -l < $1) -lt $2 ] && [ $i -lt 500 ]; do usleep 20000; i=$((i+1)); done; }\n";

#[test]
fn can_every_sends_through_the_bcm_as_candump_sees_it_in_the_vm() {
    // cansend puts each frame on the bus once (the oracle's lines), then the job cycles them.
    let cycle = "candump -L -T 3000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         for f in 100#01 200#R 1F334455#0303; do cansend vcan0 $f; done\n\
         sockcli can send --every 5ms --count 7 vcan0 100#01 200#R 1F334455#0303 || exit 1\n\
         wait; cat d\n";
    let fd = "candump -L -T 3000 vcan1 > d & canbed-wait-rx vcan1 || exit 1\n\
         for f in 100##101 200##2AABB 300##0; do cansend vcan1 $f; done\n\
         sockcli can send --every 5ms --count 5 vcan1 100##101 200##2AABB 300##0 || exit 1\n\
         wait; cat d\n";
    let stdin = "candump -L -T 3000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         printf '100#01\\n\\n(1700000000.000001) vcan9 1F334455#0203\\n' | \
         sockcli can send --every 5ms --count 4 vcan0 - || exit 1\n\
         wait; cat d\n";
    // A job of one frame: the kernel sends it inside TX_SETUP and never reports TX_EXPIRED.
    let one = "candump -L -T 3000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can send --every 1s --count 1 vcan0 123#01 || exit 1\n\
         wait; cat d\n";
    // Endless jobs stopped by a signal: after exit a fresh candump must see nothing for 1 s.
    let signal = |sig: &str| {
        format!(
            "{WAIT_LINES}candump -L -T 3000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
             sockcli can send --every 10ms vcan0 123#11 2> err & p=$!\n\
             wait_lines d 20\n\
             kill -{sig} $p; wait $p; echo rc=$?\n\
             candump -L -T 1000 vcan0 > after; echo after=$(wc -l < after)\n\
             wait; echo frames=$(wc -l < d); cat err >&2\n"
        )
    };
    let (sigint, sigterm, sigkill) = (signal("INT"), signal("TERM"), signal("KILL"));
    let classic = "ip link add dev c16 type vcan && ip link set c16 mtu 16 && ip link set up c16 || exit 1\n\
         cat /sys/class/net/c16/mtu\n\
         candump -L -T 3000 c16 > d & canbed-wait-rx c16 || exit 1\n\
         sockcli can send --every 10ms --count 3 c16 123##1AA; echo rc=$?\n\
         sockcli can send --every 10ms --count 2 c16 123#AA; echo rc=$?\n\
         wait; echo ==; cat d\n";
    let down = format!(
        "{WAIT_LINES}ip link add dev c17 type vcan && ip link set up c17 || exit 1\n\
         candump -L c17 > d 2>/dev/null & canbed-wait-rx c17 || exit 1\n\
         sockcli can send --every 10ms c17 123#11 & p=$!\n\
         wait_lines d 5\n\
         ip link set down c17; wait $p; echo rc=$?\n\
         sockcli can send --every 10ms c17 123#11; echo rc=$?\n"
    );
    let scenarios = [
        ("cycle", cycle),
        ("fd", fd),
        ("stdin", stdin),
        ("one", one),
        ("sigint", sigint.as_str()),
        ("sigterm", sigterm.as_str()),
        ("sigkill", sigkill.as_str()),
        ("classic", classic),
        ("down", down.as_str()),
    ];
    let Some(bed) = canbed::boot(&scenarios, true) else {
        return;
    };
    assert!(bed.errors.is_empty(), "bed setup failed:\n{bed}");
    for (name, _) in &scenarios {
        assert_eq!(bed.get(name).rc, 0, "scenario {name} failed:\n{bed}");
    }

    // Several frames go out in turn, as cansend's copies of them print.
    for (name, n, cycled) in [("cycle", 3, 7), ("fd", 3, 5)] {
        let got = frames_of(&bed.get(name).stdout_str());
        assert_eq!(got.len(), n + cycled, "{name}:\n{bed}");
        let want: Vec<String> = (0..cycled).map(|i| got[i % n].clone()).collect();
        assert_eq!(&got[n..], &want[..], "{name}:\n{bed}");
    }
    let fd = frames_of(&bed.get("fd").stdout_str());
    assert!(fd[0].starts_with("vcan1 100##"), "{bed}");
    assert_eq!(
        frames_of(&bed.get("stdin").stdout_str()),
        [
            "vcan0 100#01",
            "vcan0 1F334455#0203",
            "vcan0 100#01",
            "vcan0 1F334455#0203"
        ],
        "{bed}"
    );
    assert_eq!(
        frames_of(&bed.get("one").stdout_str()),
        ["vcan0 123#01"],
        "{bed}"
    );

    // Signals: the job is deleted (exit 130/143 with a line) and nothing is sent after exit;
    // SIGKILL leaves the kernel nothing either, because closing the socket deletes its jobs.
    for (name, rc, line) in [
        (
            "sigint",
            130,
            "sockcli: interrupted by SIGINT: stopped sending on vcan0 (the kernel's cyclic job is deleted)\n",
        ),
        (
            "sigterm",
            143,
            "sockcli: interrupted by SIGTERM: stopped sending on vcan0 (the kernel's cyclic job is deleted)\n",
        ),
        // busybox sh's notice of a job killed by a signal; sockcli itself says nothing.
        ("sigkill", 137, "Killed\n"),
    ] {
        let s = bed.get(name);
        let out = s.stdout_str();
        assert!(
            out.starts_with(&format!("rc={rc}\nafter=0\nframes=")),
            "{name}:\n{bed}"
        );
        let frames: usize = out
            .trim_end()
            .rsplit('=')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(frames >= 20, "{name}: {frames} frames\n{bed}");
        assert_eq!(String::from_utf8_lossy(&s.stderr), line, "{name}:\n{bed}");
    }

    // A CAN FD frame on a classic interface: exit 1, nothing sent; classic frames go out.
    let c = bed.get("classic");
    let out = c.stdout_str();
    let (head, dump) = out.split_once("==\n").unwrap_or((&out, ""));
    assert_eq!(head, "16\nrc=1\nrc=0\n", "{bed}");
    assert_eq!(frames_of(dump), ["c16 123#AA", "c16 123#AA"], "{bed}");
    assert_eq!(
        String::from_utf8_lossy(&c.stderr),
        "sockcli: cannot send CAN FD frames on c16: it is a classic CAN interface (MTU 16), a CAN FD frame does not fit\n",
        "{bed}"
    );

    // The interface going down ends an endless job with exit 1 and a line; a down interface
    // is refused up front.
    let d = bed.get("down");
    assert_eq!(d.stdout_str(), "rc=1\nrc=1\n", "{bed}");
    assert_eq!(
        String::from_utf8_lossy(&d.stderr),
        "sockcli: sending on c17 stopped: the interface went down\n\
         sockcli: cannot send on c17: the interface is down\n",
        "{bed}"
    );
}

#[test]
fn can_every_10ms_gaps_are_10ms_as_candump_stamps_them_in_the_vm() {
    // 50 frames 10 ms apart: candump -td stamps each with the kernel's receive time; it ends
    // 3 s after the last frame, so a 51st frame would be counted.
    let count50 = "candump -td -T 3000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can send --every 10ms --count 50 vcan0 123#DEADBEEF || exit 1\n\
         wait; cat d\n";
    // Guest time that host load cannot stretch (see canbed::STEADY_CLOCK).
    let scenarios = [("count50", count50)];
    let Some(bed) = canbed::boot_with(&scenarios, true, canbed::STEADY_CLOCK) else {
        return;
    };
    assert!(bed.errors.is_empty(), "bed setup failed:\n{bed}");
    assert_eq!(bed.get("count50").rc, 0, "{bed}");
    // Exactly 50 frames; the gaps as candump stamps them.
    let dump = bed.get("count50").stdout_str();
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines.len(), 50, "{bed}");
    let mut gaps_ms = Vec::new();
    for l in &lines {
        assert!(
            l.ends_with("  vcan0  123   [4]  DE AD BE EF"),
            "{l:?}\n{bed}"
        );
        let secs: f64 = l
            .trim_start()
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .and_then(|(t, _)| t.parse().ok())
            .unwrap_or_else(|| panic!("no -td stamp in {l:?}\n{bed}"));
        gaps_ms.push(secs * 1000.0);
    }
    let gaps = &gaps_ms[1..];
    let within = gaps.iter().filter(|g| (8.0..=12.0).contains(*g)).count();
    println!(
        "count50: {within} of {} gaps within 10 ms ± 2 ms; gaps (ms): {}",
        gaps.len(),
        gaps.iter()
            .map(|g| format!("{g:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Every gap within 10 ms ± 2 ms, as the issue asks. Under icount the guest's clock is
    // not stretched by host load (plain TCG on this loaded host gave 1-19 late gaps of 49).
    assert_eq!(within, gaps.len(), "gaps outside 10 ms ± 2 ms:\n{bed}");
}
