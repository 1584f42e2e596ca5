//! `sniff -r` on SocketCAN captures (LINKTYPE_CAN_SOCKETCAN, 227): tests/data/can.pcap
//! (`gen_can.py`: standard, extended, remote, CAN FD, error frames and cut or garbage records)
//! printed in candump's words, as JSON with the `can` object, refused with a filter, and counted
//! the same by tcpdump. The file `can dump -w` writes in the VM is checked in `can.rs`.

use crate::ensure;
use crate::util::*;
use std::process::Command;

fn data() -> String {
    format!("{}/tests/data/can.pcap", env!("CARGO_MANIFEST_DIR"))
}

/// The lines `sniff -r can.pcap -t` prints, one per record of `gen_can.py`.
const LINES: [&str; 12] = [
    "CAN 123 [4] DE AD BE EF",
    "CAN 1F334455 [1] 11",
    "CAN 123 [0] remote request",
    "CAN 123 [5] remote request",
    "CAN 123 [03] 11 22 33 BRS",
    "CAN 123 [02] AA BB BRS ESI",
    "CAN 123 [12] 01 02 03 04 05 06 07 08 09 00 00 00",
    "CAN 2000000C [8] 00 10 04 12 00 00 00 00 ERRORFRAME \
     controller-problem{rx-error-passive},protocol-violation{{bit-stuffing-error}{intermission}}",
    "CAN 20000200 [1] 00 ERRORFRAME",
    "CAN 123 [4] DE AD [|can]",
    "CAN [|can]",
    "CAN 123 [12] [|can]",
];

#[test]
fn sniff_reads_can_socketcan_in_candump_words() {
    let o = run(sockcli().args(["sniff", "-r", &data(), "-t"]), None);
    o.expect_code(0);
    let want: String = LINES.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(o.stdout_str(), want, "{o}");

    // Timestamps as for any other link type.
    let o = run(
        sockcli().args(["sniff", "-r", &data(), "-tt", "-c", "2"]),
        None,
    );
    assert_eq!(
        o.stdout_str(),
        "1700000000.000001 CAN 123 [4] DE AD BE EF\n1700000001.000001 CAN 1F334455 [1] 11\n",
        "{o}"
    );

    // Written back by -w (same link type, lengths and bytes), it reads the same.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.pcap");
    let w = run(
        sockcli().args(["sniff", "-r", &data(), "-w", copy.to_str().unwrap()]),
        None,
    );
    w.expect_code(0);
    let again = run(
        sockcli().args(["sniff", "-r", copy.to_str().unwrap(), "-t"]),
        None,
    );
    assert_eq!(again.stdout_str(), want, "{again}");
}

#[test]
fn sniff_json_carries_can_dump_json_fields() {
    let o = run(sockcli().args(["sniff", "-r", &data(), "--json"]), None);
    o.expect_code(0);
    let out = o.stdout_str();
    let recs: Vec<&str> = out.lines().collect();
    ensure!(o, recs.len() == LINES.len());
    // (record, what its `can` object holds); `null` for records that are not a whole frame.
    let cans = [
        (
            0,
            r#""can":{"id":291,"extended":false,"rtr":false,"error":false,"fd":false,"len":4,"data":"DEADBEEF","frame":"123#DEADBEEF"}"#,
        ),
        (
            1,
            r#""can":{"id":523453525,"extended":true,"rtr":false,"error":false,"fd":false,"len":1,"data":"11","frame":"1F334455#11"}"#,
        ),
        (
            3,
            r#""can":{"id":291,"extended":false,"rtr":true,"error":false,"fd":false,"len":5,"data":"","frame":"123#R5"}"#,
        ),
        (
            5,
            r#""can":{"id":291,"extended":false,"rtr":false,"error":false,"fd":true,"brs":true,"esi":true,"len":2,"data":"AABB","frame":"123##7AABB"}"#,
        ),
        (
            7,
            r#""can":{"id":12,"extended":false,"rtr":false,"error":true,"fd":false,"len":8,"data":"0010041200000000","frame":"2000000C#0010041200000000","error_words":"controller-problem{rx-error-passive},protocol-violation{{bit-stuffing-error}{intermission}}"}"#,
        ),
        (9, r#""truncated":true,"can":null,"#),
        (10, r#""truncated":true,"can":null,"#),
        (11, r#""truncated":true,"can":null,"#),
    ];
    for (i, want) in cans {
        ensure!(
            o,
            recs[i].contains(want),
            "record {i}: {}\nlacks {want}",
            recs[i]
        );
    }
    ensure!(
        o,
        recs[0].starts_with(r#"{"ts":1700000000.000001,"iface":null,"#)
    );
    ensure!(o, recs[0].contains(r#""len":16,"caplen":16,"link":227,"#));
    ensure!(o, recs[0].contains(r#""proto":"can","#));
    ensure!(
        o,
        recs[0].ends_with(r#""summary":"CAN 123 [4] DE AD BE EF"}"#)
    );
    ensure!(o, recs[9].contains(r#""len":16,"caplen":10,"#));
}

#[test]
fn sniff_can_with_a_filter_is_one_line_exit_2() {
    let o = run(sockcli().args(["sniff", "-r", &data(), "ip"]), None);
    o.expect_code(2);
    let line = o.expect_one_error_line();
    assert!(
        line.starts_with("sockcli: filter: CAN frames (link type 227) cannot be filtered"),
        "{o}"
    );
    ensure!(o, o.stdout.is_empty());
}

#[test]
fn tcpdump_counts_the_same_can_records() {
    if !require_tool("tcpdump") {
        return;
    }
    let o = run(Command::new("tcpdump").args(["-n", "-r", &data()]), None);
    o.expect_code(0);
    // tcpdump names the link type and prints each record as UNSUPPORTED (or hex-dumps it):
    // one unindented line per record.
    let n = o
        .stdout_str()
        .lines()
        .filter(|l| !l.starts_with(char::is_whitespace))
        .count();
    ensure!(o, n == LINES.len(), "tcpdump saw {n} records");
    ensure!(o, o.stderr_str().contains("CAN_SOCKETCAN"));
}
