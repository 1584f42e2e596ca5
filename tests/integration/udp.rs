//! UDP: `listen -u` (echo to every sender, relay to the last peer) and `connect -u`.

use crate::ensure;
use crate::util::*;
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

/// UDP connect sessions end within ~2 s (default idle); a stuck one is cut off at this bound.
const UDP_BOUND: Duration = Duration::from_secs(8);

#[track_caller]
fn run_udp(cmd: &mut Command, input: Option<&[u8]>) -> Out {
    run_within(cmd, input, UDP_BOUND)
}

fn connect_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("connect").args(args);
    c
}

#[test]
fn listen_udp_echo_keep_open_serves_every_sender() {
    // Dual-stack [::] listener; three client sockets (two v4, one v6), two rounds in
    // different orders: each socket must get exactly its own datagrams back.
    let (mut r, addr) = spawn_listen(&["-u", "0", "--echo", "-k"]);
    let p = addr.port().to_string();
    let c = run(
        &mut py_peer(&["udp-echo-check", &p, "127.0.0.1", "127.0.0.1", "::1"]),
        None,
    );
    if c.code() != Some(0) {
        let o = r.kill_and_collect();
        panic!("UDP echo check failed\n{c}\nsockcli:\n{o}");
    }
    c.expect_stdout(b"OK\n");
    ensure!(
        r.snapshot(),
        r.try_status().is_none(),
        "listen -u -k exited"
    );
}

#[test]
fn listen_udp_echo_v4_only_listener() {
    let (_r, addr) = spawn_listen(&["-u", "127.0.0.1", "0", "--echo", "-k"]);
    let c = run(
        &mut py_peer(&[
            "udp-echo-check",
            &addr.port().to_string(),
            "127.0.0.1",
            "127.0.0.1",
        ]),
        None,
    );
    c.expect_code(0).expect_stdout(b"OK\n");
}

#[test]
fn listen_udp_relay_replies_to_last_peer() {
    // Without -k/--echo: datagrams go to stdout, stdin goes to the last peer heard from,
    // and a second sender is not ignored (no locking onto the first one).
    let (mut r, addr) = spawn_listen_with(&["-u", "127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    let mut buf = [0u8; 2048];

    a.send_to(b"from-a\n", addr).unwrap();
    ensure!(
        r.snapshot(),
        r.wait_stdout_contains(b"from-a\n", Duration::from_secs(10)),
        "datagram from a not on stdout"
    );
    r.write_stdin(b"to-last-1\n");
    let got = a.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec());
    ensure!(
        r.snapshot(),
        matches!(&got, Ok(d) if d == b"to-last-1\n"),
        "a should receive stdin: {got:?}"
    );

    b.send_to(b"from-b\n", addr).unwrap();
    ensure!(
        r.snapshot(),
        r.wait_stdout_contains(b"from-b\n", Duration::from_secs(10)),
        "datagram from b (second sender) not on stdout"
    );
    r.write_stdin(b"to-last-2\n");
    let got = b.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec());
    ensure!(
        r.snapshot(),
        matches!(&got, Ok(d) if d == b"to-last-2\n"),
        "b (last peer) should receive stdin: {got:?}"
    );

    a.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let stray = a.recv_from(&mut buf);
    ensure!(
        r.snapshot(),
        stray.is_err(),
        "a got a datagram meant for b: {stray:?}"
    );

    a.send_to(b"from-a-again\n", addr).unwrap();
    ensure!(
        r.snapshot(),
        r.wait_stdout_contains(b"from-a-again\n", Duration::from_secs(10)),
        "a ignored after b"
    );
    let o = r.kill_and_collect();
    o.expect_stdout(b"from-a\nfrom-b\nfrom-a-again\n");
}

#[test]
fn connect_udp_gets_answer_and_ends_after_idle() {
    let (_srv, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let o = run_udp(
        &mut connect_cmd(&["-u", "-i", "300ms", "127.0.0.1", &port.to_string()]),
        Some(b"q\n"),
    );
    o.expect_code(0)
        .expect_stdout(b"answer:q\n")
        .expect_faster_than(Duration::from_secs(5));
}

#[test]
fn connect_udp_endpoint_v6() {
    let (_srv, port) = spawn_py_server(&["udp-server", "::1"]);
    let o = run_udp(
        &mut connect_cmd(&["-i", "300ms", &format!("udp:[::1]:{port}")]),
        Some(b"q6\0\n"),
    );
    o.expect_code(0)
        .expect_stdout(b"answer:q6\0\n")
        .expect_faster_than(Duration::from_secs(5));
}

#[test]
fn connect_udp_binary_from_regular_file() {
    let (_srv, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dgram.bin");
    let data: Vec<u8> = (0u8..=255).collect();
    std::fs::write(&path, &data).unwrap();
    let mut cmd = connect_cmd(&["-u", "-i", "300ms", "127.0.0.1", &port.to_string()]);
    cmd.stdin(open(&path));
    let o = Running::spawn(&mut cmd).finish_within(UDP_BOUND);
    let mut want = b"answer:".to_vec();
    want.extend_from_slice(&data);
    o.expect_code(0).expect_stdout(&want);
}

#[test]
fn connect_udp_default_idle_is_2s() {
    let (_srv, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let o = run_udp(
        &mut connect_cmd(&["-u", "127.0.0.1", &port.to_string()]),
        Some(b"q\n"),
    );
    o.expect_code(0)
        .expect_stdout(b"answer:q\n")
        .expect_faster_than(Duration::from_secs(6));
    ensure!(
        o,
        o.elapsed >= Duration::from_millis(1500),
        "ended before the default 2s idle timeout"
    );
}

#[test]
fn connect_udp_closed_port_is_connection_refused() {
    let port = free_udp_port(false);
    let o = run_udp(
        &mut connect_cmd(&["-u", "127.0.0.1", &port.to_string()]),
        Some(b"q\n"),
    );
    o.expect_code(1).expect_faster_than(Duration::from_secs(5));
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line.contains("connection refused"),
        "stderr line: {line}"
    );
}
