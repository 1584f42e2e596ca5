//! `sockcli listen`: echo with many peer clients, dual stack, ready file,
//! stdin kinds, big streams, signals.

use crate::ensure;
use crate::util::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Run a client command that sends `data` and prints what it gets back; expect an exact echo.
#[track_caller]
fn expect_echo(client: &mut Command, data: &[u8]) {
    let o = run(client, Some(data));
    o.expect_code(0).expect_stdout(data);
}

#[track_caller]
fn expect_still_running(r: &mut Running) {
    if r.try_status().is_some() {
        let o = r.finish();
        panic!("listen -k exited after its clients, it should keep serving\n{o}");
    }
}

// ---------------------------------------------------------------- --echo with peer clients

#[test]
fn echo_keep_open_python_clients_v4_and_v6() {
    let (mut r, addr) = spawn_listen(&["0", "--echo", "-k"]);
    let p = addr.port().to_string();
    let data = all_bytes();
    expect_echo(&mut py_peer(&["client", "127.0.0.1", &p]), &data);
    expect_echo(&mut py_peer(&["client", "::1", &p]), &data);
    // and a bigger one, so the echo has to deal with backpressure
    let big = xorshift_bytes(3 << 20, 9);
    expect_echo(&mut py_peer(&["client", "127.0.0.1", &p]), &big);
    expect_still_running(&mut r);
}

#[test]
fn echo_keep_open_concurrent_clients() {
    // Two clients connected at once; each gets its own bytes back.
    let (mut r, addr) = spawn_listen(&["127.0.0.1", "0", "--echo", "-k"]);
    let mut a = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    let mut b = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    }
    a.write_all(b"from-a\0").unwrap();
    b.write_all(b"from-b\0").unwrap();
    let mut ba = [0u8; 7];
    let mut bb = [0u8; 7];
    let ra = a.read_exact(&mut ba);
    let rb = b.read_exact(&mut bb);
    if ra.is_err() || rb.is_err() || &ba != b"from-a\0" || &bb != b"from-b\0" {
        let o = r.kill_and_collect();
        panic!("concurrent echo failed: a={ra:?} {ba:?}, b={rb:?} {bb:?}\n{o}");
    }
    expect_still_running(&mut r);
}

#[test]
fn echo_keep_open_socat_clients_v4_and_v6() {
    if !require_tool("socat") {
        return;
    }
    let (mut r, addr) = spawn_listen(&["0", "--echo", "-k"]);
    let p = addr.port();
    let data = all_bytes();
    expect_echo(
        Command::new("socat")
            .args(["-t", "5", "-"])
            .arg(format!("TCP:127.0.0.1:{p}")),
        &data,
    );
    expect_echo(
        Command::new("socat")
            .args(["-t", "5", "-"])
            .arg(format!("TCP6:[::1]:{p}")),
        &data,
    );
    expect_still_running(&mut r);
}

#[test]
fn echo_keep_open_nc_openbsd_clients_v4_and_v6() {
    if !require_tool("nc.openbsd") {
        return;
    }
    let (mut r, addr) = spawn_listen(&["0", "--echo", "-k"]);
    let p = addr.port().to_string();
    let data = all_bytes();
    expect_echo(
        Command::new("nc.openbsd").args(["-N", "127.0.0.1", &p]),
        &data,
    );
    expect_echo(Command::new("nc.openbsd").args(["-N", "::1", &p]), &data);
    expect_still_running(&mut r);
}

#[test]
fn echo_keep_open_ncat_clients_v4_and_v6() {
    if !require_tool("ncat") {
        return;
    }
    let (mut r, addr) = spawn_listen(&["0", "--echo", "-k"]);
    let p = addr.port().to_string();
    let data = all_bytes();
    expect_echo(Command::new("ncat").args(["127.0.0.1", &p]), &data);
    expect_echo(Command::new("ncat").args(["-6", "::1", &p]), &data);
    expect_still_running(&mut r);
}

#[test]
fn echo_single_client_then_exit_0() {
    let (mut r, addr) = spawn_listen(&["127.0.0.1", "0", "--echo"]);
    let data = all_bytes();
    expect_echo(
        &mut py_peer(&["client", "127.0.0.1", &addr.port().to_string()]),
        &data,
    );
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0);
}

// ---------------------------------------------------------------- relay mode, dual stack, -v

fn dual_stack_verbose(client_host: &str, shown_as: &str) {
    let (mut r, ready) = spawn_listen_raw(&["-v", "0"], |_| {});
    ensure!(
        r.snapshot(),
        ready.starts_with("[::]:"),
        "ready file {ready:?} should be [::]:PORT for a listen with no address"
    );
    let addr: SocketAddr = ready.parse().expect("ready file parse");
    let port = addr.port();
    let c = run(
        &mut py_peer(&["client-wait", client_host, &port.to_string()]),
        Some(b"hello-v4"),
    );
    c.expect_code(0).expect_stdout(b""); // our stdin is /dev/null: nothing sent to the client
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0)
        .expect_stdout(b"hello-v4")
        .expect_stderr_contains(&format!("Listening on [::]:{port}"))
        .expect_stderr_contains(&format!("Connected by {shown_as}:"))
        .expect_stderr_contains(&format!("Closed {shown_as}:"))
        .expect_stderr_contains("(in 8 bytes, out 0 bytes)");
    ensure!(
        o,
        !o.stderr_str().contains("::ffff:"),
        "IPv4-mapped address shown"
    );
}

#[test]
fn dual_stack_v4_client_shown_as_plain_ipv4() {
    dual_stack_verbose("127.0.0.1", "127.0.0.1");
}

#[test]
fn dual_stack_v6_client() {
    dual_stack_verbose("::1", "[::1]");
}

#[test]
fn ready_file_formats() {
    let cases: &[(&[&str], &str)] = &[
        (&["127.0.0.1", "0"], "127.0.0.1:"),
        (&["::1", "0"], "[::1]:"),
        (&["0"], "[::]:"),
        (&["tcp-listen:127.0.0.1:0"], "127.0.0.1:"),
        (&["tcp-listen:[::1]:0"], "[::1]:"),
        (&["tcp-listen:0"], "[::]:"),
    ];
    for (args, prefix) in cases {
        let mut full: Vec<&str> = vec!["-v", "--echo"];
        full.extend_from_slice(args);
        let (mut r, ready) = spawn_listen_raw(&full, |_| {});
        let port = ready
            .strip_prefix(prefix)
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(0);
        ensure!(
            r.snapshot(),
            port != 0,
            "listen {args:?}: ready file {ready:?} should be {prefix}PORT"
        );
        let line = format!("Listening on {ready}\n");
        let logged = r.wait_stderr_contains(line.as_bytes(), Duration::from_secs(5));
        ensure!(
            r.snapshot(),
            logged,
            "listen {args:?}: -v should log {line:?}"
        );
        let addr = connectable(ready.parse().unwrap());
        let conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5));
        ensure!(
            r.snapshot(),
            conn.is_ok(),
            "listen {args:?}: cannot connect to {addr}: {conn:?}"
        );
    }
}

// ---------------------------------------------------------------- stdin kinds

#[test]
fn relay_stdin_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.bin");
    let data = xorshift_bytes(100_000, 11);
    std::fs::write(&path, &data).unwrap();
    let f = open(&path);
    let (mut r, addr) = spawn_listen_with(&["127.0.0.1", "0"], move |c| {
        c.stdin(f);
    });
    let c = run(
        &mut py_peer(&["client-wait", "127.0.0.1", &addr.port().to_string()]),
        Some(b"client-bytes"),
    );
    c.expect_code(0).expect_stdout(&data);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"client-bytes");
}

#[test]
fn relay_stdin_pipe() {
    let data = xorshift_bytes(300_000, 12);
    let (mut r, addr) = spawn_listen_with(&["::1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    r.feed_stdin(data.clone());
    let c = run(
        &mut py_peer(&["client-wait", "::1", &addr.port().to_string()]),
        Some(b"client-bytes\0\xff"),
    );
    c.expect_code(0).expect_stdout(&data);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"client-bytes\0\xff");
}

#[test]
fn relay_client_disconnect_with_stdin_open_ends_at_stdin_eof() {
    // A session ends when both directions are done (README "End of input and end of
    // session"): the client leaving does not cut off stdin that may still be on its way.
    let (mut r, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        s.write_all(b"bye\n").unwrap();
    } // dropped: FIN
    assert!(
        r.wait_stdout_contains(b"bye\n", Duration::from_secs(10)),
        "client bytes not printed"
    );
    assert!(
        r.wait_timeout(Duration::from_millis(300)).is_none(),
        "listen ended while stdin was still open"
    );
    r.close_stdin();
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"bye\n");
}

#[test]
fn relay_with_terminal_stdin_ends_when_client_leaves() {
    // A person at a terminal is not kept waiting once the peer is gone (as with ncat).
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let (mut r, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdin(Stdio::from(tty));
    });
    {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        s.write_all(b"bye\n").unwrap();
    }
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"bye\n");
    drop(master);
}

// ---------------------------------------------------------------- 64 MiB

#[test]
fn stream_64mib_recv_from_socat_v4() {
    if !require_tool("socat") {
        return;
    }
    let (big, sha) = big_file();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recv.bin");
    let f = create(&out);
    let (mut r, addr) = spawn_listen_with(&["127.0.0.1", "0"], move |c| {
        c.stdout(f);
    });
    let s = run(
        Command::new("socat")
            .arg("-u")
            .arg(format!("OPEN:{}", big.display()))
            .arg(format!("TCP:127.0.0.1:{}", addr.port())),
        None,
    );
    s.expect_code(0);
    let o = r.finish();
    o.expect_code(0);
    expect_file_sha(&o, &out, sha);
}

#[test]
fn stream_64mib_recv_from_nc_openbsd_dual_stack() {
    if !require_tool("nc.openbsd") {
        return;
    }
    let (big, sha) = big_file();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recv.bin");
    let f = create(&out);
    let (mut r, addr) = spawn_listen_with(&["0"], move |c| {
        c.stdout(f);
    });
    let mut nc = Command::new("nc.openbsd");
    nc.args(["-N", "127.0.0.1", &addr.port().to_string()])
        .stdin(open(big));
    let n = Running::spawn(&mut nc).finish();
    n.expect_code(0);
    let o = r.finish();
    o.expect_code(0);
    expect_file_sha(&o, &out, sha);
}

#[test]
fn stream_64mib_send_to_python_v6() {
    let (big, sha) = big_file();
    let f = open(big);
    let (mut r, addr) = spawn_listen_with(&["::1", "0"], move |c| {
        c.stdin(f);
    });
    let c = run(
        &mut py_peer(&["client-sha", "::1", &addr.port().to_string()]),
        None,
    );
    c.expect_code(0)
        .expect_stdout(format!("{sha} {BIG_LEN}\n").as_bytes());
    let o = r.finish();
    o.expect_code(0).expect_stdout(b"");
}

// ---------------------------------------------------------------- signals

fn signal_while_client_connected(sig: &str, code: i32) {
    let (mut r, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.write_all(b"before-signal\n\0\x01").unwrap();
    let seen = r.wait_stdout_contains(b"before-signal\n\0\x01", Duration::from_secs(10));
    if !seen {
        let o = r.kill_and_collect();
        panic!("client bytes never reached stdout\n{o}");
    }
    r.signal(sig);
    let o = r.finish_within(Duration::from_secs(5));
    o.expect_code(code).expect_stdout(b"before-signal\n\0\x01");
    // The socket was closed: the client sees EOF (or a reset), not silence.
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut b = [0u8; 16];
    let res = s.read(&mut b);
    let timed_out = matches!(&res, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut);
    ensure!(
        o,
        !timed_out && !matches!(res, Ok(n) if n > 0),
        "client socket after signal: {res:?}"
    );
}

#[test]
fn sigterm_exits_143_after_flushing() {
    signal_while_client_connected("TERM", 143);
}

#[test]
fn sigint_exits_130_after_flushing() {
    signal_while_client_connected("INT", 130);
}

#[test]
fn sigterm_while_waiting_for_client_exits_143() {
    let (mut r, _addr) = spawn_listen(&["127.0.0.1", "0"]);
    r.signal("TERM");
    let o = r.finish_within(Duration::from_secs(5));
    o.expect_code(143);
}

#[test]
fn listen_takes_netcat_style_dash_p_and_dash_s() {
    let (mut r, addr) = spawn_listen(&["-s", "127.0.0.1", "-p", "0", "--echo"]);
    assert!(addr.is_ipv4());
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.write_all(b"ping").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut s, &mut got).unwrap();
    assert_eq!(got, b"ping");
    r.finish_within(Duration::from_secs(10)).expect_code(0);
    let o = run(sockcli().args(["listen", "-p", "0", "1234"]), None);
    o.expect_code(2).expect_stderr_contains("-s/-p");
}
