//! `sockcli can`: on this host (no AF_CAN) every command exits 1 with one line naming the
//! missing module; in the CAN test bed (`canbed::boot`, one boot for every scenario) `can
//! send` is checked against candump and `can dump` against candump on the same bus.

use crate::canbed;
use crate::util::*;
use std::time::Duration;

/// Frames cansend puts on the bus in the dump scenarios: standard, extended, remote (with
/// and without a length), CAN FD (short, empty, 64 bytes, padded to 12), an 8-digit standard
/// id.
const FRAMES: [&str; 11] = [
    "123#DEADBEEF",
    "1F334455#11",
    "123#R",
    "123#R5",
    "123##1112233",
    "123##0",
    "123#",
    "7FF#0102030405060708",
    "00000123#AA",
    "12345678##3000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F",
    "123##1.01.02.03.04.05.06.07.08.09",
];

/// Error frames (cansend accepts 8-digit ids with the error flag) and one data frame.
const ERROR_FRAMES: [&str; 11] = [
    "20000004#0004000000000000",
    "20000002#0500000000000000",
    "20000008#0002000800000000",
    "200000C0#0000000000000A0B",
    "20000001#",
    "20000100#00",
    "2000000C#0010041200000000",
    "20000004#0004",
    "200001FF#FFFFFFFFFFFFFFFF",
    "20000200#00",
    "123#11",
];

/// candump's filter strings compared one by one.
const FILTERS: [&str; 8] = [
    "123:7FF",
    "123~7FF",
    "100:700",
    "12345678:1FFFFFFF",
    "123:7FF,7FF:7FF",
    "0~0",
    "#FFFFFFFF",
    "0:0,#FFFFFFFF",
];

fn cansend_all(frames: &[&str]) -> String {
    frames
        .iter()
        .map(|f| format!("cansend vcan0 '{f}'\n"))
        .collect()
}

#[test]
fn can_commands_without_af_can_exit_1_naming_the_module() {
    // This host's kernel has no AF_CAN; where one has it, the check is meaningless.
    if std::fs::read_to_string("/proc/net/protocols")
        .is_ok_and(|p| p.lines().any(|l| l.starts_with("CAN")))
    {
        println!("skipped: this kernel has AF_CAN");
        return;
    }
    for args in [
        &["can", "dump", "vcan0"][..],
        &["can", "dump", "-L", "-c", "1", "any"],
        &["can", "dump", "-w", "/dev/null", "vcan0,123:7FF"],
        &["can", "send", "vcan0", "123#DEADBEEF"],
        &["can", "send", "vcan0", "-"],
    ] {
        let out = sockcli()
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("sockcli: this kernel has no AF_CAN sockets: the 'can' kernel module")
                && err.contains("modprobe can can-raw"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // Bad input is found before the socket: exit 2 naming the position.
    let out = sockcli()
        .args(["can", "send", "vcan0", "123#DEADBEEF", "123#DEADBEEG"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sockcli: bad frame '123#DEADBEEG' (argument 2): expected the second hex digit of a data byte, found 'G' at position 12\n"
    );
    let out = sockcli()
        .args(["can", "dump", "vcan0,123:7FF,12X~7FF"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sockcli: bad filter in 'vcan0,123:7FF,12X~7FF': expected a hex digit, found 'X' at position 17\n"
    );
}

/// Drops the `(...)` timestamp at the start of each line.
fn strip_ts(s: &str) -> String {
    s.lines()
        .map(|l| match (l.find('('), l.find(')')) {
            (Some(a), Some(b)) if a < 2 => l[b + 1..].trim_start().to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn can_send_and_dump_match_candump_in_the_vm() {
    let send_all = String::from(
        "candump -T 5000 -n 5 vcan0 > c & candump -T 5000 -n 5 -L vcan0 > l &\n\
         canbed-wait-rx vcan0 2 || exit 1\n\
         sockcli can send vcan0 123#DEADBEEF 1F334455#11 123#R 123#R5 123##1112233 || exit 1\n\
         wait; cat c; echo ==; cut -d' ' -f2- l\n",
    );
    let stdin = "printf '123#01\\n(1700000000.000001) vcan9 1F334455#0203\\n  7FF#R\\n' > in\n\
         candump -T 5000 -n 3 -L vcan1 > l & canbed-wait-rx vcan1 || exit 1\n\
         sockcli can send vcan1 - < in || exit 1\n\
         wait; cut -d' ' -f2- l\n\
         printf '123#01\\n12#3\\n' | sockcli can send vcan1 -; echo rc=$?\n";
    let n = FRAMES.len();
    // Each receiver registers one entry on vcan0, or two with an error mask.
    let pair_n = |sock: &str, cand: &str, frames: &[&str], entries: u32| {
        format!(
            "sockcli can dump {sock} > s 2> s.err & candump {cand} > c &\n\
             canbed-wait-rx vcan0 {entries} || exit 1\n{}wait; cat s; echo ==; cat c; echo ==; cat s.err\n",
            cansend_all(frames)
        )
    };
    let pair = |sock: &str, cand: &str, frames: &[&str]| pair_n(sock, cand, frames, 2);
    let default = pair(&format!("-c {n} vcan0"), &format!("-n {n} vcan0"), &FRAMES);
    let log = pair(
        &format!("-L -c {n} vcan0"),
        &format!("-L -n {n} vcan0"),
        &FRAMES,
    );
    let ts = pair("-ta -c 3 vcan0", "-ta -n 3 vcan0", &FRAMES[..3]);
    let tsd = pair("-td -c 3 vcan0", "-td -n 3 vcan0", &FRAMES[..3]);
    let ts_date = pair("-tA -c 3 vcan0", "-tA -n 3 vcan0", &FRAMES[..3]);
    let m = ERROR_FRAMES.len();
    let errors = pair_n(
        &format!("-e -c {m} vcan0,#FFFFFFFF"),
        &format!("-e -n {m} vcan0,#FFFFFFFF"),
        &ERROR_FRAMES,
        4,
    );
    // Every filter at once (11 receive-list entries per tool: two for a socket with two
    // filters or an error mask): candump ends 5 s after its last frame, then sockcli gets SIGINT
    // and must still print everything it received.
    let mut filters = String::from(": > pids\n");
    // sockcli's receivers are all registered (11 entries) before any candump starts, so the
    // count of 22 cannot be reached with a sockcli still starting up (under load it was).
    for (i, f) in FILTERS.iter().enumerate() {
        filters += &format!("sockcli can dump 'vcan0,{f}' > s{i} 2>/dev/null & echo $! >> pids\n");
    }
    filters += "canbed-wait-rx vcan0 11 || exit 1\n";
    for (i, f) in FILTERS.iter().enumerate() {
        filters += &format!("candump -T 5000 'vcan0,{f}' > c{i} &\n");
    }
    filters += &format!(
        "canbed-wait-rx vcan0 22 || exit 1\n{}\
         while [ $(cat /proc/[0-9]*/comm 2>/dev/null | grep -c candump) -gt 0 ]; do usleep 100000; done\n\
         for p in $(cat pids); do kill -INT $p; done\nwait\n",
        cansend_all(&FRAMES) + &cansend_all(&ERROR_FRAMES[..2])
    );
    for i in 0..FILTERS.len() {
        filters += &format!("echo \"== {i}\"; cat s{i}; echo ==; cat c{i}\n");
    }
    let multi = String::from(
        "ip link add dev longcan12 type vcan && ip link set up longcan12 || exit 1\n\
         sockcli can dump -L -c 3 any > s1 & candump -L -n 3 any > c1 &\n\
         sockcli can dump -c 2 vcan0 vcan1 > s2 & candump -n 2 vcan0 vcan1 > c2 &\n\
         sleep 3\ncansend longcan12 123#33; cansend vcan0 123#11; cansend vcan1 1F334455#22\n\
         wait; cat s1; echo ==; cat c1; echo ==; cat s2; echo ==; cat c2\n",
    );
    let pcap = format!(
        "sockcli can dump -c {n} -w x.pcap vcan0 2> err & canbed-wait-rx vcan0 || exit 1\n{}wait || exit 1\n\
         cat err >&2; base64 x.pcap\n",
        cansend_all(&FRAMES)
    );
    let json = "sockcli can dump --json -c 2 vcan0 & canbed-wait-rx vcan0 || exit 1\n\
                cansend vcan0 1F334455#11; cansend vcan0 123##3AABB; wait\n"
        .to_string();
    let scenarios = [
        ("send_all", send_all.as_str()),
        ("stdin", stdin),
        ("default", default.as_str()),
        ("log", log.as_str()),
        ("ts", ts.as_str()),
        ("tsd", tsd.as_str()),
        ("tsdate", ts_date.as_str()),
        ("errors", errors.as_str()),
        ("filters", filters.as_str()),
        ("multi", multi.as_str()),
        ("pcap", pcap.as_str()),
        ("json", json.as_str()),
    ];
    let Some(bed) = canbed::boot(&scenarios, true) else {
        return;
    };
    assert!(bed.errors.is_empty(), "{bed}");
    assert!(bed.elapsed < Duration::from_secs(110), "{bed}");
    for (name, _) in &scenarios {
        assert_eq!(bed.get(name).rc, 0, "scenario {name}:\n{bed}");
    }

    // can send, seen by candump byte for byte (the kernel adds FDF, 4, to the FD flags).
    assert_eq!(
        bed.get("send_all").stdout_str(),
        "  vcan0  123   [4]  DE AD BE EF\n\
         \x20 vcan0  1F334455   [1]  11\n\
         \x20 vcan0       123   [0]  remote request\n\
         \x20 vcan0       123   [5]  remote request\n\
         \x20 vcan0       123  [03]  11 22 33\n\
         ==\n\
         vcan0 123#DEADBEEF\nvcan0 1F334455#11\nvcan0 123#R\nvcan0 123#R5\nvcan0 123##5112233\n",
        "{bed}"
    );
    let stdin = bed.get("stdin").stdout_str();
    assert_eq!(
        stdin, "vcan1 123#01\nvcan1 1F334455#0203\nvcan1 7FF#R\nrc=2\n",
        "{bed}"
    );
    assert!(
        String::from_utf8_lossy(&bed.get("stdin").stderr).contains(
            "sockcli: bad frame on stdin line 2 '12#3': the CAN id must have 3 hex digits (standard) or 8 (extended), not 2 at position 1"
        ),
        "{bed}"
    );

    // can dump against candump on the same bus: equal lines (the kernel stamps a frame once,
    // so even the timestamps agree).
    for name in ["default", "log", "ts", "tsd", "tsdate", "errors"] {
        let out = bed.get(name).stdout_str();
        let parts: Vec<&str> = out.split("==\n").collect();
        assert_eq!(parts.len(), 3, "{name}:\n{bed}");
        assert!(!parts[1].is_empty(), "{name}: candump saw nothing\n{bed}");
        if parts[0] != parts[1] {
            // Timestamps aside, when the two sockets' stamps differ.
            assert_eq!(strip_ts(parts[0]), strip_ts(parts[1]), "{name}:\n{bed}");
        }
        assert!(
            parts[2].ends_with(" frames received, 0 dropped by kernel\n"),
            "{name}:\n{bed}"
        );
    }
    let default = bed.get("default").stdout_str();
    assert!(
        default.starts_with("  vcan0  123   [4]  DE AD BE EF\n"),
        "{bed}"
    );
    assert!(default.contains("  vcan0       123  [12]  01 02 03 04 05 06 07 08 09 00 00 00\n"));
    let errors = bed.get("errors").stdout_str();
    assert!(
        errors.contains("\tprotocol-violation{{bit-stuffing-error}{intermission}}\n"),
        "{bed}"
    );

    let filters = bed.get("filters").stdout_str();
    for (i, f) in FILTERS.iter().enumerate() {
        let start = filters.find(&format!("== {i}\n")).unwrap() + format!("== {i}\n").len();
        let end = filters[start..]
            .find("\n== ")
            .map(|e| start + e + 1)
            .unwrap_or(filters.len());
        let (s, c) = filters[start..end].split_once("==\n").unwrap();
        assert_eq!(s, c, "filter {f}:\n{bed}");
    }
    assert!(filters.contains("ERRORFRAME"), "{bed}");

    let multi = bed.get("multi").stdout_str();
    let parts: Vec<&str> = multi.split("==\n").collect();
    assert_eq!(strip_ts(parts[0]), strip_ts(parts[1]), "any:\n{bed}");
    assert!(parts[0].contains(")     vcan0 123#11\n"), "{bed}");
    assert_eq!(parts[2], parts[3], "vcan0 vcan1:\n{bed}");

    // The pcap file, read back on the host by tcpdump and by sniff's reader.
    let pcap = bed.get("pcap");
    let b64: String = pcap.stdout_str().split_whitespace().collect();
    let bytes = base64_decode(&b64);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("can.pcap");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().unwrap()), 227);
    match std::process::Command::new("tcpdump")
        .args(["-nr", path.to_str().unwrap()])
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // One line per packet; tcpdump hex-dumps a link type it does not decode under it.
            assert_eq!(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| !l.starts_with(char::is_whitespace))
                    .count(),
                FRAMES.len(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        Err(e) => println!("tcpdump not run: {e}"),
    }
    // sniff -r prints candump's words for each record (single-spaced, FD flags added).
    let sniff = sockcli()
        .args(["sniff", "-t", "-r", path.to_str().unwrap()])
        .output()
        .unwrap();
    let words = |l: &str| -> String {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.into_iter()
            .filter(|t| !matches!(*t, "CAN" | "vcan0" | "BRS" | "ESI"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ours: Vec<String> = String::from_utf8_lossy(&sniff.stdout)
        .lines()
        .map(words)
        .collect();
    let candump: Vec<String> = default
        .split("==\n")
        .nth(1)
        .unwrap()
        .lines()
        .map(words)
        .collect();
    assert_eq!(ours, candump, "{}", String::from_utf8_lossy(&sniff.stdout));
    // The first record: 123#DEADBEEF, id big-endian, then len and the data.
    assert_eq!(
        &bytes[24 + 16..24 + 16 + 12],
        b"\x00\x00\x01\x23\x04\x00\x00\x00\xDE\xAD\xBE\xEF"
    );

    let json = bed.get("json").stdout_str();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(lines.len(), 2, "{bed}");
    assert!(
        lines[0].contains(r#""iface":"vcan0","id":523453525,"extended":true,"rtr":false,"error":false,"fd":false,"len":1,"data":"11","frame":"1F334455#11""#),
        "{bed}"
    );
    assert!(
        lines[1].contains(
            r#""fd":true,"brs":true,"esi":true,"len":2,"data":"AABB","frame":"123##7AABB""#
        ),
        "{bed}"
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().filter(|&&c| c != b'=').count();
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= u32::from(if c == b'=' { 0 } else { val(c) }) << (18 - 6 * i);
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..n]);
    }
    out
}
