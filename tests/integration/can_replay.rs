//! `can replay` and `can gen`: bad input on this host (exit 2 before any socket), and one VM
//! boot (`canbed::boot`) in which candump is the oracle: a replayed log reaches candump frame
//! for frame and in order, canplayer's interface assignments give the same result as
//! canplayer's, `--realtime` keeps the recorded gaps, and `gen`'s rate, ids and FD frames are
//! what candump sees.

use crate::canbed;
use crate::util::*;

const CANGEN_LOG: &str = include_str!("../data/can/cangen.log");

/// A log for two logged interfaces: can0 (three frames) and can1 (two).
const TWO_IFACES: &str = "(1700000000.000001) can0 123#01\n\
    (1700000000.000002) can1 1F334455#02\n\
    # a comment, skipped\n\
    \n\
    (1700000000.000003) can0 123##1AABB\n\
    (1700000000.000004) can1 7FF#R\n\
    (1700000000.000005) can0 00000123#0304\n";

/// Two frames 100 ms apart, then gaps of 100, 0, 20, 50 and 100 ms. Under plain TCG on a
/// loaded host a process's first CAN send took 10-20 ms and its first timed wake-up was 4-6
/// ms late (canplayer's too); on the steady guest clock every gap is within 0.3 ms.
const GAPS: &str = "(1700000000.000000) vcan0 0FE#FE\n\
    (1700000000.100000) vcan0 0FF#FF\n\
    (1700000000.200000) vcan0 100#00\n\
    (1700000000.200000) vcan0 101#01\n\
    (1700000000.220000) vcan0 102#02\n\
    (1700000000.270000) vcan0 103#03\n\
    (1700000000.370000) vcan0 104#04\n";
const GAPS_MS: [f64; 6] = [100.0, 100.0, 0.0, 20.0, 50.0, 100.0];

/// Line 3 is bad.
const BAD: &str = "(1700000000.000001) vcan0 123#01\n\
    (1700000000.000002) vcan0 123#02\n\
    (1700000000.000003) vcan0 123#0\n\
    (1700000000.000004) vcan0 123#04\n";

fn run_host(args: &[&str], stdin: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = sockcli()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn can_replay_and_gen_bad_input_exits_2_before_any_socket() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.log");
    std::fs::write(&bad, BAD).unwrap();
    let bad = bad.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["can", "replay", bad],
            "line 3: expected the second hex digit of a data byte, found the end at position 32",
        ),
        (
            &["can", "replay", "--iface", "vcan0=", bad],
            "sockcli: bad --iface 'vcan0=': '' is not an interface name (WRITEIF=LOGIF",
        ),
        (
            &["can", "replay", "--iface", "a=x", "--iface", "b=x", bad],
            "sockcli: bad --iface 'b=x': x is already assigned",
        ),
        (&["can", "replay", "--loop", "0", bad], "--loop"),
        (
            &["can", "replay", "--loop", "2", "-"],
            "sockcli: --loop needs a LOG file that can be read again, not stdin or a pipe",
        ),
        (
            &["can", "gen", "vcan0", "--id", "80000000"],
            "over 1FFFFFFF",
        ),
        (&["can", "gen", "vcan0", "--len", "9"], "bad --len '9'"),
        (&["can", "gen", "vcan0", "--rate", "0"], "--rate"),
        (
            &["can", "gen", "vcan0", "-R", "--fd"],
            "cannot be used with",
        ),
    ];
    for (args, want) in cases {
        let (code, err) = run_host(args, "");
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (code, err) = run_host(&["can", "replay", bad], "");
    assert_eq!(
        err,
        format!(
            "sockcli: {bad} line 3: expected the second hex digit of a data byte, found the end at position 32\n"
        )
    );
    assert_eq!(code, Some(2));
    let (code, err) = run_host(&["can", "replay", "/nonexistent/x.log"], "");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("sockcli: cannot open /nonexistent/x.log: no such file"),
        "{err}"
    );
    // This host has no AF_CAN: a good log and gen end with the one-line reason.
    if !std::fs::read_to_string("/proc/net/protocols")
        .is_ok_and(|p| p.lines().any(|l| l.starts_with("CAN")))
    {
        let good = dir.path().join("good.log");
        std::fs::write(&good, GAPS).unwrap();
        for args in [
            &["can", "replay", good.to_str().unwrap()][..],
            &["can", "gen", "vcan0", "--count", "1"],
        ] {
            let (code, err) = run_host(args, "");
            assert_eq!(code, Some(1), "{args:?}: {err}");
            assert!(
                err.starts_with("sockcli: this kernel has no AF_CAN sockets"),
                "{err}"
            );
        }
    }
}

/// `(ts) iface frame` lines: the timestamps in seconds and the rest of each line.
fn log_lines(s: &str) -> Vec<(f64, String)> {
    s.lines()
        .filter(|l| l.starts_with('('))
        .map(|l| {
            let end = l.find(')').unwrap();
            let ts: f64 = l[1..end].parse().unwrap();
            (ts, l[end + 1..].trim_start().to_string())
        })
        .collect()
}

/// Frame columns only (`vcan0 123#11`), whitespace-normalised.
fn frames_of(s: &str) -> Vec<String> {
    log_lines(s)
        .into_iter()
        .map(|(_, r)| r.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn heredoc(path: &str, text: &str) -> String {
    format!("cat > {path} <<'LOG_END'\n{text}LOG_END\n")
}

#[test]
fn can_replay_and_gen_against_candump_in_the_vm() {
    let setup = heredoc("/tmp/cangen.log", CANGEN_LOG)
        + &heredoc("/tmp/two.log", TWO_IFACES)
        + &heredoc("/tmp/gaps.log", GAPS)
        + &heredoc("/tmp/bad.log", BAD)
        + &heredoc(
            "/tmp/long.log",
            "(1.000000) vcan0 001#01\n(1.000000) vcan0 002#02\n(100.000000) vcan0 003#03\n",
        )
        + "wc -l < /tmp/cangen.log\n";
    let n = CANGEN_LOG.lines().count();
    let replay = format!(
        "candump -L -T 5000 -n {n} vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can replay -v /tmp/cangen.log || exit 1\nwait $! || exit 1\ncat d\n"
    );
    // The same assignment through sockcli and canplayer; candump on both interfaces.
    let assign = |tool: &str| {
        format!(
            "candump -L -T 1500 vcan0 vcan1 > d & canbed-wait-rx vcan0 && canbed-wait-rx vcan1 || exit 1\n\
             {tool} || exit 1\nwait\ncat d\n"
        )
    };
    let map_sockcli = assign("sockcli can replay --iface vcan1=can0 /tmp/two.log");
    let map_canplayer = assign("canplayer -t -I /tmp/two.log vcan1=can0");
    let map2_sockcli =
        assign("sockcli can replay --iface vcan0=can0 --iface vcan1=can1 /tmp/two.log");
    let map2_canplayer = assign("canplayer -t -I /tmp/two.log vcan0=can0 vcan1=can1");
    // A bare --iface takes every interface no assignment names.
    let mixed_sockcli = assign("sockcli can replay --iface vcan0=can1 --iface vcan1 /tmp/two.log");
    let mixed_canplayer = assign("canplayer -t -I /tmp/two.log vcan0=can1 vcan1=can0");
    let catchall = assign("sockcli can replay --iface vcan1 /tmp/two.log");
    let unmapped = "candump -L -T 1500 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can replay /tmp/two.log; echo rc=$?\nwait; cat d\n";
    let loop3 = "candump -L -T 3000 -n 21 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can replay --loop 3 /tmp/gaps.log || exit 1\nwait $! || exit 1\ncat d\n";
    // From the file nothing goes out; from a pipe (ids changed to 124) the lines before the
    // bad one do.
    let malformed = "candump -L -T 5000 -n 2 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can replay /tmp/bad.log; echo rc=$?\n\
         sed s/123#/124#/ /tmp/bad.log | sockcli can replay -; echo rc=$?\nwait; echo ==; cat d\n";
    let interrupt = "candump -L -n 2 vcan0 > d & c=$!; canbed-wait-rx vcan0 || exit 1\n\
         sockcli can replay --realtime /tmp/long.log 2> err & s=$!\n\
         wait $c; kill -INT $s; wait $s; echo rc=$?; cat err; cat d\n";
    // Ctrl-C while stdin's producer is quiet: noticed at once, not at the next line.
    let stdin_interrupt = "candump -L -n 1 vcan0 > d & c=$!; canbed-wait-rx vcan0 || exit 1\n\
         (echo '(1.000000) vcan0 123#01'; sleep 20) | sockcli can replay - 2> err & s=$!\n\
         wait $c; kill -INT $s; wait $s; echo rc=$?; cat err; cat d\n";
    // An interface deleted, or set down, between two frames: exit 1 with one line.
    let vanish = "ip link add dev vcan2 type vcan && ip link set up vcan2 || exit 1\n\
         ip link add dev vcan3 type vcan && ip link set up vcan3 || exit 1\n\
         printf '(1.000000) vcan2 001#01\\n(9.000000) vcan2 002#02\\n' > gone.log\n\
         candump -n 1 vcan2 > /dev/null & c=$!; canbed-wait-rx vcan2 || exit 1\n\
         sockcli can replay --realtime gone.log & s=$!\n\
         wait $c; ip link del vcan2; wait $s; echo rc=$?\n\
         candump -n 1 vcan3 > /dev/null & c=$!; canbed-wait-rx vcan3 || exit 1\n\
         sockcli can gen vcan3 --rate 100 & s=$!\n\
         wait $c; ip link set vcan3 down; wait $s; echo rc=$?\n";
    let gen_rate = "candump -L -T 5000 -n 1000 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can gen vcan0 --count 1000 --rate 1000 -v || exit 1\nwait $! || exit 1\ncat d\n";
    let gen_inc = "candump -L -T 5000 -n 300 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can gen vcan0 --count 300 --id INCREMENT --data INCREMENT --len 2 || exit 1\n\
         wait $! || exit 1\ncat d\n";
    let gen_fd = "candump -L -T 5000 -n 400 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
         sockcli can gen vcan0 --count 200 --fd --seed 9 || exit 1\n\
         sockcli can gen vcan0 --count 200 --fd --seed 9 || exit 1\n\
         wait $! || exit 1\ncat d\n";
    let gen_fast = "candump -r 4000000 -L -T 5000 -n 5000 vcan1 > d & canbed-wait-rx vcan1 || exit 1\n\
         sockcli can gen vcan1 --count 5000 -e -v || exit 1\nwait $! || exit 1\nwc -l < d\n";
    let gen_missing = "sockcli can gen vcan9 --count 1; echo rc=$?\n";
    let gen_interrupt = "candump -n 20 vcan0 > /dev/null & c=$!; canbed-wait-rx vcan0 || exit 1\n\
         sockcli can gen vcan0 --rate 100 2> err & s=$!\n\
         wait $c; kill -INT $s; wait $s; echo rc=$?; cat err\n";
    // vcan1 as a classic interface: CAN FD frames in the log stop the replay before any frame.
    let classic = "ip link set vcan1 down && ip link set vcan1 mtu 16 && ip link set vcan1 up || exit 1\n\
         candump -L -T 1500 vcan1 > d & canbed-wait-rx vcan1 || exit 1\n\
         sockcli can replay --iface vcan1=vcan0 /tmp/cangen.log; echo rc=$?\n\
         sockcli can gen vcan1 --fd --count 1; echo rc=$?\nwait; echo ==; cat d\n\
         ip link set vcan1 down; ip link set vcan1 mtu 72; ip link set vcan1 up\n";
    let scenarios = [
        ("setup", setup.as_str()),
        ("replay", replay.as_str()),
        ("map_sockcli", map_sockcli.as_str()),
        ("map_canplayer", map_canplayer.as_str()),
        ("map2_sockcli", map2_sockcli.as_str()),
        ("map2_canplayer", map2_canplayer.as_str()),
        ("mixed_sockcli", mixed_sockcli.as_str()),
        ("mixed_canplayer", mixed_canplayer.as_str()),
        ("catchall", catchall.as_str()),
        ("unmapped", unmapped),
        ("loop3", loop3),
        ("malformed", malformed),
        ("interrupt", interrupt),
        ("stdin_interrupt", stdin_interrupt),
        ("vanish", vanish),
        ("gen_rate", gen_rate),
        ("gen_inc", gen_inc),
        ("gen_fd", gen_fd),
        ("gen_fast", gen_fast),
        ("gen_missing", gen_missing),
        ("gen_interrupt", gen_interrupt),
        ("classic", classic),
    ];
    let Some(bed) = canbed::boot(&scenarios, true) else {
        return;
    };
    println!("{bed}");
    assert!(bed.errors.is_empty(), "{bed}");
    for (name, _) in &scenarios {
        assert_eq!(bed.get(name).rc, 0, "scenario {name}:\n{bed}");
    }
    assert_eq!(bed.get("setup").stdout_str().trim(), n.to_string(), "{bed}");

    // The whole cangen log, frame for frame and in order (FD flags, RTR, extended ids).
    let replay = bed.get("replay");
    assert_eq!(
        frames_of(&replay.stdout_str()),
        frames_of(CANGEN_LOG),
        "{bed}"
    );
    let err = String::from_utf8_lossy(&replay.stderr);
    assert!(
        err.starts_with(&format!(
            "{n} frames sent, 0 skipped (interface not assigned), in "
        )),
        "{err}"
    );

    // Assignments: sockcli and canplayer put the same frames on the same interfaces.
    for (s, c) in [
        ("map_sockcli", "map_canplayer"),
        ("map2_sockcli", "map2_canplayer"),
        ("mixed_sockcli", "mixed_canplayer"),
    ] {
        let (s, c) = (bed.get(s).stdout_str(), bed.get(c).stdout_str());
        assert!(!c.is_empty(), "canplayer sent nothing:\n{bed}");
        assert_eq!(frames_of(&s), frames_of(&c), "{bed}");
    }
    assert_eq!(
        frames_of(&bed.get("map_sockcli").stdout_str()),
        ["vcan1 123#01", "vcan1 123##5AABB", "vcan1 00000123#0304"],
        "{bed}"
    );
    assert_eq!(frames_of(&bed.get("map2_sockcli").stdout_str()).len(), 5);
    assert_eq!(
        frames_of(&bed.get("catchall").stdout_str()),
        [
            "vcan1 123#01",
            "vcan1 1F334455#02",
            "vcan1 123##5AABB",
            "vcan1 7FF#R",
            "vcan1 00000123#0304"
        ],
        "{bed}"
    );
    // Without assignments the log's own interfaces are used: can0 does not exist here.
    assert_eq!(bed.get("unmapped").stdout_str(), "rc=2\n", "{bed}");
    assert!(
        String::from_utf8_lossy(&bed.get("unmapped").stderr)
            .contains("sockcli: no such CAN interface 'can0'"),
        "{bed}"
    );

    // --loop 3: the log three times.
    let gaps: Vec<String> = frames_of(GAPS);
    let tripled: Vec<String> = gaps.iter().cycle().take(21).cloned().collect();
    assert_eq!(frames_of(&bed.get("loop3").stdout_str()), tripled, "{bed}");

    // A bad line: exit 2 naming it, nothing sent from a file; stdin stops at the line.
    let m = bed.get("malformed");
    assert!(m.stdout_str().starts_with("rc=2\nrc=2\n==\n"), "{bed}");
    assert_eq!(
        frames_of(&m.stdout_str()),
        ["vcan0 124#01", "vcan0 124#02"],
        "only the pipe's first two lines go out:\n{bed}"
    );
    assert_eq!(
        String::from_utf8_lossy(&m.stderr),
        "sockcli: /tmp/bad.log line 3: expected the second hex digit of a data byte, found the end at position 32\n\
         sockcli: stdin line 3: expected the second hex digit of a data byte, found the end at position 32\n",
        "{bed}"
    );

    // Ctrl-C during a 99 s gap: 130 and how many frames went out.
    let i = bed.get("interrupt").stdout_str();
    assert!(
        i.starts_with("rc=130\n2 frames sent\n"),
        "interrupt:\n{bed}"
    );
    assert_eq!(frames_of(&i), ["vcan0 001#01", "vcan0 002#02"], "{bed}");

    let si = bed.get("stdin_interrupt").stdout_str();
    assert!(si.starts_with("rc=130\n1 frames sent\n"), "{bed}");
    assert_eq!(frames_of(&si), ["vcan0 123#01"], "{bed}");

    let v = bed.get("vanish");
    assert_eq!(v.stdout_str(), "rc=1\nrc=1\n", "{bed}");
    assert_eq!(
        String::from_utf8_lossy(&v.stderr),
        "sockcli: gone.log line 2: sending on vcan2 failed: the interface is gone\n\
         sockcli: sending on vcan3 failed: the interface went down\n",
        "{bed}"
    );

    // gen --count 1000 --rate 1000: 1000 frames over about a second.
    let g = log_lines(&bed.get("gen_rate").stdout_str());
    assert_eq!(g.len(), 1000, "{bed}");
    let span = g[999].0 - g[0].0;
    println!("gen --rate 1000: 1000 frames over {span:.3} s");
    assert!(
        (0.95..1.3).contains(&span),
        "1000 frames at 1000/s took {span} s"
    );
    let err = String::from_utf8_lossy(&bed.get("gen_rate").stderr);
    assert!(err.starts_with("1000 frames sent in "), "{err}");

    // --id INCREMENT --data INCREMENT: ids 000, 001, ... and a little-endian counter.
    let inc = frames_of(&bed.get("gen_inc").stdout_str());
    assert_eq!(inc.len(), 300, "{bed}");
    for (k, f) in inc.iter().enumerate() {
        let c = (k as u16).to_le_bytes();
        assert_eq!(
            *f,
            format!("vcan0 {:03X}#{:02X}{:02X}", k, c[0], c[1]),
            "{bed}"
        );
    }

    // --fd: every frame CAN FD (## in candump's log), lengths spread over the FD sizes, and
    // the same seed gives the same frames.
    let fd = frames_of(&bed.get("gen_fd").stdout_str());
    assert_eq!(fd.len(), 400, "{bed}");
    assert!(fd.iter().all(|f| f.contains("##4")), "{bed}");
    assert_eq!(fd[..200], fd[200..], "--seed 9 twice:\n{bed}");
    let lens: std::collections::BTreeSet<usize> = fd
        .iter()
        .map(|f| (f.split("##").nth(1).unwrap().len() - 1) / 2)
        .collect();
    assert!(
        lens.contains(&64) && lens.contains(&12) && lens.len() >= 12,
        "{lens:?}"
    );

    let fast = bed.get("gen_fast");
    assert_eq!(fast.stdout_str().trim(), "5000", "{bed}");
    let err = String::from_utf8_lossy(&fast.stderr);
    assert!(err.starts_with("5000 frames sent in "), "{err}");
    println!("gen without --rate: {}", err.trim());

    let missing = bed.get("gen_missing");
    assert_eq!(missing.stdout_str(), "rc=2\n", "{bed}");
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "sockcli: no such CAN interface 'vcan9'\n"
    );

    let gi = bed.get("gen_interrupt").stdout_str();
    let mut lines = gi.lines();
    assert_eq!(lines.next(), Some("rc=130"), "{bed}");
    let sent: u64 = lines
        .next()
        .and_then(|l| l.strip_suffix(" frames sent"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count:\n{bed}"));
    assert!((20..200).contains(&sent), "{sent}:\n{bed}");

    let classic = bed.get("classic");
    assert_eq!(classic.stdout_str(), "rc=1\nrc=1\n==\n", "{bed}");
    let err = String::from_utf8_lossy(&classic.stderr);
    let first_fd = CANGEN_LOG.lines().position(|l| l.contains("##")).unwrap() + 1;
    assert!(
        err.contains(&format!(
            "sockcli: cannot replay /tmp/cangen.log line {first_fd}: vcan1 is a classic CAN interface (MTU 16), a CAN FD frame does not fit\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "sockcli: cannot generate CAN FD frames: vcan1 is a classic CAN interface (MTU 16)"
        ),
        "{err}"
    );
}

#[test]
fn can_replay_realtime_keeps_the_recorded_gaps_in_the_vm() {
    // Three runs of each, on the steady guest clock (canbed::STEADY_CLOCK): host load cannot
    // stretch one wake-up against the others there, so every gap of every run is checked.
    let realtime = |tool: &str| {
        heredoc("/tmp/gaps.log", GAPS)
            + &format!(
                "for i in 1 2 3; do\n\
                 candump -L -T 5000 -n 7 vcan0 > d & canbed-wait-rx vcan0 || exit 1\n\
                 {tool} || exit 1\nwait $! || exit 1\ncat d; echo ==\ndone\n"
            )
    };
    let rt_sockcli = realtime("sockcli can replay --realtime /tmp/gaps.log");
    let rt_canplayer = realtime("canplayer -I /tmp/gaps.log");
    let scenarios = [
        ("rt_sockcli", rt_sockcli.as_str()),
        ("rt_canplayer", rt_canplayer.as_str()),
    ];
    let Some(bed) = canbed::boot_with(&scenarios, true, canbed::STEADY_CLOCK) else {
        return;
    };
    assert!(bed.errors.is_empty(), "{bed}");
    for (name, _) in &scenarios {
        assert_eq!(bed.get(name).rc, 0, "scenario {name}:\n{bed}");
    }
    // Every recorded gap kept within 5 ms in every run, as candump's timestamps show;
    // canplayer's are printed alongside.
    for name in ["rt_sockcli", "rt_canplayer"] {
        let out = bed.get(name).stdout_str();
        let runs: Vec<Vec<f64>> = out
            .split("==\n")
            .filter(|r| !r.is_empty())
            .map(|r| {
                let l = log_lines(r);
                assert_eq!(l.len(), 7, "{name}:\n{bed}");
                if name == "rt_sockcli" {
                    assert_eq!(
                        l.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
                        frames_of(GAPS)
                    );
                }
                l.windows(2).map(|w| (w[1].0 - w[0].0) * 1000.0).collect()
            })
            .collect();
        assert_eq!(runs.len(), 3, "{name}:\n{bed}");
        println!("{name}: gaps {runs:.2?} ms, want {GAPS_MS:?}");
        if name == "rt_sockcli" {
            for r in &runs {
                for (g, want) in r.iter().zip(GAPS_MS) {
                    assert!((g - want).abs() <= 5.0, "{name}: gaps {r:?} ms:\n{bed}");
                }
            }
        }
    }
}
