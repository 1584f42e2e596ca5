//! `-x/--hexdump[=FILE]`: the dump is parsed back into bytes and compared with what really
//! went each way; stdout stays byte-exact.

use crate::ensure;
use crate::util::*;
use std::process::{Command, Stdio};

/// The bytes of each direction (`>` sent, `<` received) in a dump; panics on a line that is
/// not a dump line or an offset that does not continue its direction.
#[track_caller]
fn parse_dump(text: &str) -> (Vec<u8>, Vec<u8>) {
    let (mut sent, mut received) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let bad = || -> ! { panic!("not a hexdump line: {line:?}") };
        let (marker, rest) = line.split_at(1);
        let buf = match marker {
            ">" => &mut sent,
            "<" => &mut received,
            _ => bad(),
        };
        let rest = rest.strip_prefix(' ').unwrap_or_else(|| bad());
        let (off, rest) = rest.split_once("  ").unwrap_or_else(|| bad());
        let off = u64::from_str_radix(off, 16).unwrap_or_else(|_| bad());
        assert_eq!(off, buf.len() as u64, "offset does not continue: {line:?}");
        let (hex, ascii) = rest.split_once("  |").unwrap_or_else(|| bad());
        let bytes: Vec<u8> = hex
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap_or_else(|_| bad()))
            .collect();
        assert!(!bytes.is_empty() && bytes.len() <= 16, "{line:?}");
        let shown: String = bytes
            .iter()
            .map(|&b| {
                if b == b' ' || b.is_ascii_graphic() {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        assert_eq!(ascii, format!("{shown}|"), "ASCII column of {line:?}");
        buf.extend(bytes);
    }
    (sent, received)
}

/// What PEER_PY's `rev` server answers to `data`.
fn rev_reply(data: &[u8]) -> Vec<u8> {
    let mut v = format!("{}\n", data.len()).into_bytes();
    v.extend(data.iter().rev());
    v
}

#[test]
fn dump_on_stderr_parses_back_to_both_directions() {
    let (_peer, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let data = all_bytes();
    let o = run(
        sockcli().args(["connect", "-x", "127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&rev_reply(&data));
    let (sent, received) = parse_dump(&o.stderr_str());
    ensure!(o, sent == data, "'>' lines are not what was sent");
    ensure!(
        o,
        received == rev_reply(&data),
        "'<' lines are not what came back"
    );
}

#[test]
fn dump_to_file_shows_the_framed_wire_and_stderr_stays_quiet() {
    let (_peer, port) = spawn_py_server(&["echo", "::1"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dump.txt");
    let o = run(
        sockcli()
            .args(["connect", "--frame", "len16"])
            .arg(format!("--hexdump={}", file.display()))
            .args(["::1", &port.to_string()]),
        Some(b"hi\nthere\n"),
    );
    o.expect_code(0).expect_stdout(b"hi\nthere\n");
    ensure!(
        o,
        o.stderr.is_empty(),
        "stderr should be empty with -x=FILE"
    );
    let dump = std::fs::read_to_string(&file).unwrap();
    let (sent, received) = parse_dump(&dump);
    let wire = b"\x00\x02hi\x00\x05there";
    ensure!(o, sent == wire, "sent {sent:?}\n{dump}");
    ensure!(o, received == wire, "received {received:?}\n{dump}");
}

#[test]
fn a_megabyte_each_way_with_the_dump_on() {
    // The dump forces the copying path; backpressure and byte-exactness must hold.
    let (_peer, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let data = xorshift_bytes(1 << 20, 77);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.txt");
    let o = run(
        sockcli()
            .arg("connect")
            .arg(format!("-x={}", file.display()))
            .args(["127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&rev_reply(&data));
    let (sent, received) = parse_dump(&std::fs::read_to_string(&file).unwrap());
    ensure!(o, sent == data, "'>' differs ({} bytes)", sent.len());
    ensure!(
        o,
        received == rev_reply(&data),
        "'<' differs ({} bytes)",
        received.len()
    );
}

#[test]
fn listen_dump_with_ncat_or_socat_as_the_client() {
    let client: Vec<String> = if find_on_path("ncat").is_some() {
        vec!["ncat".into(), "127.0.0.1".into()]
    } else if require_tool("socat") {
        vec!["socat".into(), "-t".into(), "5".into(), "-".into()]
    } else {
        return;
    };
    let (mut l, addr) = spawn_listen_with(&["-x", "127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    let from_server = b"from the server \x00\xff\n".to_vec();
    let from_client = all_bytes();
    l.feed_stdin(from_server.clone());
    let mut c = Command::new(&client[0]);
    c.args(&client[1..]);
    if client[0] == "ncat" {
        c.arg(addr.port().to_string());
    } else {
        c.arg(format!("TCP:127.0.0.1:{}", addr.port()));
    }
    run(&mut c, Some(&from_client))
        .expect_code(0)
        .expect_stdout(&from_server);
    let o = l.finish();
    o.expect_code(0).expect_stdout(&from_client);
    let (sent, received) = parse_dump(&o.stderr_str());
    ensure!(o, sent == from_server, "'>' lines");
    ensure!(o, received == from_client, "'<' lines");
}

#[test]
fn udp_dump_shows_one_datagram_per_transfer() {
    let (_peer, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let o = run_within(
        sockcli().args([
            "connect",
            "-u",
            "-i",
            "1s",
            "-x",
            "--frame",
            "line",
            "127.0.0.1",
            &port.to_string(),
        ]),
        Some(b"ab\ncd\n"),
        std::time::Duration::from_secs(10),
    );
    o.expect_code(0).expect_stdout(b"answer:ab\nanswer:cd\n");
    let err = o.stderr_str();
    let (sent, received) = parse_dump(&err);
    ensure!(
        o,
        sent == b"ab\ncd\n" && received == b"answer:ab\nanswer:cd\n"
    );
    // Each datagram is its own transfer, so its own line.
    ensure!(o, err.lines().count() == 4, "one line per datagram");
}
