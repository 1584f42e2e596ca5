//! `--frame`, `--crlf`, `--max-frame` against real peers: Python's `socket` + `struct` as the
//! oracle for length prefixes (big- and little-endian, split at awkward points), socat as a
//! client of `listen --frame`, and UDP datagrams per line.

use crate::ensure;
use crate::util::*;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Python peer for framed sessions: `KIND ADDR FMT ACTION [EXPECTED_HEX...]`.
///
/// KIND `tcp` (ADDR a host: prints its port), `unix` (ADDR a path: prints "ready") or `udp`.
/// FMT is a `struct` format for the prefix (`!H`, `!I`, `<H`, `<I`) or `line`.
/// ACTION:
/// - `exchange`: send MSGS split at awkward points (prefixes cut in pieces, small sleeps,
///   TCP_NODELAY), then read to EOF and check that it holds exactly EXPECTED, each behind its
///   prefix; prints OK or what differed. UDP: each datagram must be one EXPECTED message, and
///   it is answered with `re:` + message (FMT line: upper-cased, without a newline).
/// - `garbage`: send two good messages, then an HTTP status line; wait for EOF.
/// - `truncated`: send one good message, then a prefix of 10 and 3 bytes; close.
const FRAME_PY: &str = r#"
import socket, struct, sys, time, os

kind, addr, fmt, action = sys.argv[1:5]
expect = [bytes.fromhex(h) for h in sys.argv[5:]]
MSGS = [b"first", b"", b"x" * 300, b"tab\tand\nnewline", bytes(range(256))]

def pack(m):
    return struct.pack(fmt, len(m)) + m

def send_split(c, wire):
    steps = [1, 2, 3, 5, 7, 11]
    i = k = 0
    while i < len(wire):
        n = steps[k % len(steps)]
        k += 1
        c.sendall(wire[i:i + n])
        i += n
        time.sleep(0.003)

def readall(c):
    buf = bytearray()
    while True:
        d = c.recv(1 << 16)
        if not d:
            return bytes(buf)
        buf += d

def parse(buf):
    w = struct.calcsize(fmt)
    msgs = []
    while buf:
        if len(buf) < w:
            return msgs, "partial prefix %r" % buf
        (n,) = struct.unpack(fmt, buf[:w])
        if len(buf) < w + n:
            return msgs, "partial message: prefix %d, %d bytes" % (n, len(buf) - w)
        msgs.append(buf[w:w + n])
        buf = buf[w + n:]
    return msgs, None

def verdict(got, err):
    if got == expect and err is None:
        print("OK", flush=True)
    else:
        print("FAILED got=%r err=%r expected=%r" % (got, err, expect), flush=True)

if kind == "udp":
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    print(s.getsockname()[1], flush=True)
    got = []
    err = None
    s.settimeout(15)
    while len(got) < len(expect):
        d, a = s.recvfrom(65536)
        if fmt == "line":
            got.append(d)
            s.sendto(d.rstrip(b"\n").upper(), a)
        else:
            w = struct.calcsize(fmt)
            (n,) = struct.unpack(fmt, d[:w])
            if n != len(d) - w:
                err = "datagram %r: prefix %d" % (d, n)
            got.append(d[w:])
            s.sendto(pack(b"re:" + d[w:]), a)
    verdict(got, err)
    sys.exit(0)

if kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(addr)
    s.listen(1)
    print("ready", flush=True)
else:
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(1)
    print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(15)
if kind != "unix":
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
if action == "exchange":
    send_split(c, b"".join(pack(m) for m in MSGS))
    verdict(*parse(readall(c)))
elif action == "garbage":
    try:
        # sockcli gives up at "HTTP": the rest may meet a closed socket.
        send_split(c, pack(b"ok") + pack(b"fine") + b"HTTP/1.0 200 OK\r\n")
        readall(c)
    except OSError:
        pass
    print("done", flush=True)
elif action == "truncated":
    c.sendall(pack(b"whole"))
    time.sleep(0.05)
    c.sendall(struct.pack(fmt, 10) + b"abc")
    print("done", flush=True)
c.close()
"#;

/// What `MSGS` of FRAME_PY look like on stdout: each message and a newline.
fn msgs_as_lines() -> Vec<u8> {
    let mut v = Vec::new();
    for m in [
        b"first".to_vec(),
        Vec::new(),
        vec![b'x'; 300],
        b"tab\tand\nnewline".to_vec(),
        (0..=255u8).collect(),
    ] {
        v.extend(m);
        v.push(b'\n');
    }
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Start FRAME_PY; returns it and its first line (port or "ready").
#[track_caller]
fn frame_peer(args: &[&str]) -> (Running, String) {
    let mut c = python(FRAME_PY, args);
    let mut r = Running::spawn(&mut c);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let out = r.stdout_snapshot();
        if let Some(i) = out.iter().position(|&b| b == b'\n') {
            return (r, String::from_utf8_lossy(&out[..i]).into_owned());
        }
        if r.try_status().is_some() || std::time::Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("frame peer not ready\n{o}");
        }
        std::thread::sleep(POLL);
    }
}

/// The peer's verdict (the line after its readiness line).
#[track_caller]
fn peer_verdict(peer: &mut Running, sockcli: &Out) -> String {
    let o = peer.finish();
    let text = o.stdout_str();
    let verdict = text.lines().nth(1).unwrap_or("").to_string();
    if verdict != "OK" && verdict != "done" {
        panic!("peer says {verdict:?}\npeer:\n{o}\nsockcli:\n{sockcli}");
    }
    verdict
}

/// stdin lines: an empty one, binary bytes, a `\r` kept in the message, no final newline.
const STDIN_LINES: &[u8] = b"hello\n\n\x00\xff binary\r\nlast line without newline";
const STDIN_MSGS: [&[u8]; 4] = [
    b"hello",
    b"",
    b"\x00\xff binary\r",
    b"last line without newline",
];

#[test]
fn len_modes_exchange_messages_split_anywhere_with_python() {
    for (mode, fmt) in [
        ("len16", "!H"),
        ("len32", "!I"),
        ("len16le", "<H"),
        ("len32le", "<I"),
    ] {
        let mut args = vec!["tcp".to_string(), "127.0.0.1".into(), fmt.into()];
        args.push("exchange".into());
        args.extend(STDIN_MSGS.iter().map(|m| hex(m)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (mut peer, port) = frame_peer(&args);
        let o = run(
            sockcli().args(["connect", "--frame", mode, "127.0.0.1", &port]),
            Some(STDIN_LINES),
        );
        peer_verdict(&mut peer, &o);
        o.expect_code(0).expect_stdout(&msgs_as_lines());
    }
}

#[test]
fn len32le_over_a_unix_socket_and_len16_over_ipv6() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame.sock");
    let p = path.to_str().unwrap();
    let mut args = vec!["unix", p, "<I", "exchange"];
    let hexes: Vec<String> = STDIN_MSGS.iter().map(|m| hex(m)).collect();
    args.extend(hexes.iter().map(String::as_str));
    let (mut peer, _) = frame_peer(&args);
    let o = run(
        sockcli().args(["connect", "--frame", "len32le", "-U", p]),
        Some(STDIN_LINES),
    );
    peer_verdict(&mut peer, &o);
    o.expect_code(0).expect_stdout(&msgs_as_lines());

    let mut args = vec!["tcp", "::1", "!H", "exchange"];
    args.extend(hexes.iter().map(String::as_str));
    let (mut peer, port) = frame_peer(&args);
    let o = run(
        sockcli().args(["connect", "--frame", "len16", &format!("tcp:[::1]:{port}")]),
        Some(STDIN_LINES),
    );
    peer_verdict(&mut peer, &o);
    o.expect_code(0).expect_stdout(&msgs_as_lines());
}

#[test]
fn oversized_length_is_a_protocol_error_after_what_was_decoded() {
    let (mut peer, port) = frame_peer(&["tcp", "127.0.0.1", "!I", "garbage"]);
    let mut c = sockcli();
    c.args(["connect", "--frame", "len32", "127.0.0.1", &port]);
    // stdin stays open: the error, not an EOF, must end the session.
    c.stdin(Stdio::piped());
    let mut r = Running::spawn(&mut c);
    let o = r.finish();
    let line = o.expect_one_error_line();
    o.expect_code(1).expect_stdout(b"ok\nfine\n");
    ensure!(
        o,
        line == format!(
            "sockcli: bad message from 127.0.0.1:{port}: len32 message length 1213486160 is over \
             the --max-frame limit of 16777216 bytes (prefix 48 54 54 50 \"HTTP\")"
        ),
        "error line {line:?}"
    );
    peer_verdict(&mut peer, &o);

    // --max-frame lowers the limit: the 300-byte message is one too many.
    let (mut peer, port) = frame_peer(&["tcp", "127.0.0.1", "!H", "exchange"]);
    let o = run(
        sockcli().args([
            "connect",
            "--frame",
            "len16",
            "--max-frame",
            "299",
            "127.0.0.1",
            &port,
        ]),
        None,
    );
    o.expect_code(1).expect_stdout(b"first\n\n");
    o.expect_stderr_contains("len16 message length 300 is over the --max-frame limit of 299 bytes");
    drop(peer.kill_and_collect());
}

#[test]
fn a_message_cut_off_by_the_peer_closing_exits_1() {
    let (mut peer, port) = frame_peer(&["tcp", "127.0.0.1", "<H", "truncated"]);
    let o = run(
        sockcli().args(["connect", "--frame", "len16le", "127.0.0.1", &port]),
        None,
    );
    o.expect_code(1).expect_stdout(b"whole\n");
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line.ends_with("connection closed inside a message: 3 of 10 bytes received"),
        "{line:?}"
    );
    peer_verdict(&mut peer, &o);
}

#[test]
fn a_stdin_line_too_long_for_len16_is_refused() {
    let (_peer, port) = spawn_py_server(&["sha", "127.0.0.1"]);
    let mut input = b"fits\n".to_vec();
    input.extend(vec![b'a'; 70_000]);
    input.push(b'\n');
    let o = run(
        sockcli().args([
            "connect",
            "--frame",
            "len16",
            "127.0.0.1",
            &port.to_string(),
        ]),
        Some(&input),
    );
    o.expect_code(1);
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line == "sockcli: cannot frame stdin: a stdin line is longer than 65535 bytes \
                 (the most a 16-bit length prefix can say)",
        "{line:?}"
    );
}

#[test]
fn line_mode_and_crlf_on_the_wire_via_python_echo() {
    let (_peer, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let port = port.to_string();
    let input = b"a\nb\r\n\nc";
    for (args, want) in [
        (&["--frame", "line"][..], &b"a\nb\r\n\nc\n"[..]),
        (&["--frame", "line", "--crlf"], b"a\r\nb\r\n\r\nc\r\n"),
        (&["-C"], b"a\r\nb\r\n\r\nc"),
        (&[], b"a\nb\r\n\nc"),
    ] {
        run(
            sockcli()
                .arg("connect")
                .args(args)
                .args(["127.0.0.1", &port]),
            Some(input),
        )
        .expect_code(0)
        .expect_stdout(want);
    }
}

#[test]
fn udp_line_mode_sends_one_datagram_per_line() {
    let lines: [&[u8]; 3] = [b"one\n", b"two\n", b"three\n"];
    let mut args = vec!["udp".to_string(), "127.0.0.1".into(), "line".into()];
    args.push("exchange".into());
    args.extend(lines.iter().map(|m| hex(m)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (mut peer, port) = frame_peer(&args);
    // One write of three lines (a raw read would make it one datagram); the replies come
    // without a newline and each becomes one line.
    let o = run_within(
        sockcli().args([
            "connect",
            "-u",
            "-i",
            "1s",
            "--frame",
            "line",
            "127.0.0.1",
            &port,
        ]),
        Some(b"one\ntwo\nthree"),
        Duration::from_secs(10),
    );
    peer_verdict(&mut peer, &o);
    o.expect_code(0).expect_stdout(b"ONE\nTWO\nTHREE\n");
}

#[test]
fn udp_len16_sends_prefix_and_message_in_one_datagram() {
    let mut args = vec!["udp".to_string(), "127.0.0.1".into(), "!H".into()];
    args.push("exchange".into());
    args.extend([b"alpha".as_slice(), b""].iter().map(|m| hex(m)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (mut peer, port) = frame_peer(&args);
    let o = run_within(
        sockcli().args([
            "connect",
            "-u",
            "-i",
            "1s",
            "--frame",
            "len16",
            "127.0.0.1",
            &port,
        ]),
        Some(b"alpha\n\n"),
        Duration::from_secs(10),
    );
    peer_verdict(&mut peer, &o);
    o.expect_code(0).expect_stdout(b"re:alpha\nre:\n");
}

#[test]
fn listen_len16_with_socat_as_the_client() {
    if !require_tool("socat") {
        return;
    }
    let (mut l, addr) = spawn_listen_with(&["--frame", "len16", "127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    l.feed_stdin(b"reply one\nreply two".to_vec());
    let o = run(
        Command::new("socat")
            .args(["-t", "5", "-"])
            .arg(format!("TCP:127.0.0.1:{}", addr.port())),
        Some(b"\x00\x05hello\x00\x00\x00\x03abc"),
    );
    o.expect_code(0)
        .expect_stdout(b"\x00\x09reply one\x00\x09reply two");
    l.finish().expect_code(0).expect_stdout(b"hello\n\nabc\n");
}

#[test]
fn bad_frame_flags_are_usage_errors() {
    let o = run(
        sockcli().args(["connect", "--frame", "len64", "127.0.0.1", "9"]),
        None,
    );
    o.expect_code(2);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("len64"), "{line:?}");
    let o = run(
        sockcli().args(["connect", "--frame", "len32", "--crlf", "127.0.0.1", "9"]),
        None,
    );
    o.expect_code(2);
    o.expect_one_error_line();
    o.expect_stderr_contains("--crlf");
    let o = run(
        sockcli().args(["connect", "--max-frame", "0", "127.0.0.1", "9"]),
        None,
    );
    o.expect_code(2);
}
