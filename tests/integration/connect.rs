//! `sockcli connect` against Python, socat, ncat and nc.openbsd peers.

use crate::ensure;
use crate::util::*;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn connect_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("connect").args(args);
    c
}

// ---------------------------------------------------------------- echo, binary data

fn echo_via_python(host: &str, target: impl Fn(u16) -> Vec<String>) {
    let (_srv, port) = spawn_py_server(&["echo", host]);
    let data = all_bytes();
    let args = target(port);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = run(&mut connect_cmd(&args), Some(&data));
    o.expect_code(0).expect_stdout(&data);
}

#[test]
fn echo_binary_python_v4() {
    echo_via_python("127.0.0.1", |p| vec!["127.0.0.1".into(), p.to_string()]);
}

#[test]
fn echo_binary_python_v6() {
    echo_via_python("::1", |p| vec!["::1".into(), p.to_string()]);
}

#[test]
fn echo_binary_python_endpoint_v4() {
    echo_via_python("127.0.0.1", |p| vec![format!("tcp:127.0.0.1:{p}")]);
}

#[test]
fn echo_binary_python_endpoint_v6_bracketed() {
    echo_via_python("::1", |p| vec![format!("tcp:[::1]:{p}")]);
}

#[test]
fn echo_binary_python_localhost_name() {
    // Name resolution path (localhost from /etc/hosts), server on v4 only:
    // whatever order getaddrinfo returns, the client must end up on 127.0.0.1.
    echo_via_python("127.0.0.1", |p| vec!["localhost".into(), p.to_string()]);
}

#[test]
fn echo_binary_socat_exec_cat_v4() {
    if !require_tool("socat") {
        return;
    }
    let port = free_tcp_port(false);
    let _srv = spawn_tcp_peer(
        Command::new("socat")
            .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"))
            .arg("EXEC:cat"),
        port,
    );
    let data = all_bytes();
    let o = run(
        &mut connect_cmd(&["127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&data);
}

#[test]
fn echo_binary_socat_pipe_v6() {
    if !require_tool("socat") {
        return;
    }
    let port = free_tcp_port(true);
    let _srv = spawn_tcp_peer(
        Command::new("socat")
            .arg(format!("TCP6-LISTEN:{port},bind=[::1],reuseaddr,fork"))
            .arg("PIPE"),
        port,
    );
    let data = all_bytes();
    let o = run(&mut connect_cmd(&["::1", &port.to_string()]), Some(&data));
    o.expect_code(0).expect_stdout(&data);
}

/// ncat --exec drops the child's pending output when the client half-closes,
/// so stdin is closed only after the whole echo has come back.
fn echo_via_ncat(ipv6: bool) {
    if !require_tool("ncat") {
        return;
    }
    let port = free_tcp_port(ipv6);
    let host = if ipv6 { "::1" } else { "127.0.0.1" };
    let mut srv = Command::new("ncat");
    if ipv6 {
        srv.arg("-6");
    }
    srv.args(["-l", "-k", host, &port.to_string(), "--exec", "/bin/cat"]);
    let _srv = spawn_tcp_peer(&mut srv, port);
    let data = all_bytes();
    let mut cmd = connect_cmd(&[host, &port.to_string()]);
    cmd.stdin(Stdio::piped());
    let mut r = Running::spawn(&mut cmd);
    r.write_stdin(&data);
    let echoed = r.wait_stdout_contains(&data, Duration::from_secs(10));
    r.close_stdin();
    let o = r.finish();
    ensure!(o, echoed, "echo did not come back before stdin EOF");
    o.expect_code(0).expect_stdout(&data);
}

#[test]
fn echo_binary_ncat_exec_v4() {
    echo_via_ncat(false);
}

#[test]
fn echo_binary_ncat_exec_v6() {
    echo_via_ncat(true);
}

#[test]
fn verbose_connected_to_and_clean_stdout() {
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let data = b"verbose\n".to_vec();
    let o = run(
        &mut connect_cmd(&["-v", "127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0)
        .expect_stdout(&data)
        .expect_stderr_contains(&format!("Connected to 127.0.0.1:{port}"));
}

// ---------------------------------------------------------------- half-close

fn rev_expected(data: &[u8]) -> Vec<u8> {
    let mut v = format!("{}\n", data.len()).into_bytes();
    v.extend(data.iter().rev());
    v
}

#[test]
fn half_close_stdin_pipe() {
    let (_srv, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let data = xorshift_bytes(200_000, 3);
    let o = run(
        &mut connect_cmd(&["127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&rev_expected(&data));
}

#[test]
fn half_close_stdin_regular_file() {
    let (_srv, port) = spawn_py_server(&["rev", "::1"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.bin");
    let data = xorshift_bytes(200_000, 4);
    std::fs::write(&path, &data).unwrap();
    let mut cmd = connect_cmd(&["::1", &port.to_string()]);
    cmd.stdin(open(&path));
    let o = Running::spawn(&mut cmd).finish();
    o.expect_code(0).expect_stdout(&rev_expected(&data));
}

#[test]
fn half_close_explicit_n_flag() {
    let (_srv, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let data = b"with -N\n".to_vec();
    let o = run(
        &mut connect_cmd(&["-N", "127.0.0.1", &port.to_string()]),
        Some(&data),
    );
    o.expect_code(0).expect_stdout(&rev_expected(&data));
}

#[test]
fn data_sent_after_stdin_eof_reaches_stdout() {
    // Server reads until our FIN, waits 300 ms, then sends 1 MiB and closes.
    let (_srv, port) = spawn_py_server(&["late", "127.0.0.1", "0.3", "1048576"]);
    let o = run(
        &mut connect_cmd(&["127.0.0.1", &port.to_string()]),
        Some(b"request\n"),
    );
    o.expect_code(0).expect_stdout(&pattern(1 << 20));
}

#[test]
fn data_sent_after_stdin_eof_stdin_null() {
    // stdin at EOF from the start (/dev/null): still receives everything.
    let (_srv, port) = spawn_py_server(&["late", "::1", "0.3", "1048576"]);
    let o = Running::spawn(&mut connect_cmd(&["::1", &port.to_string()])).finish();
    o.expect_code(0).expect_stdout(&pattern(1 << 20));
}

// ---------------------------------------------------------------- 64 MiB streams

#[test]
fn stream_64mib_send_to_python_sha_v4() {
    let (big, sha) = big_file();
    let (_srv, port) = spawn_py_server(&["sha", "127.0.0.1"]);
    let mut cmd = connect_cmd(&["127.0.0.1", &port.to_string()]);
    cmd.stdin(open(big));
    let o = Running::spawn(&mut cmd).finish();
    o.expect_code(0)
        .expect_stdout(format!("{sha} {BIG_LEN}\n").as_bytes());
}

#[test]
fn stream_64mib_send_to_nc_openbsd_v6() {
    if !require_tool("nc.openbsd") {
        return;
    }
    let (big, sha) = big_file();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recv.bin");
    let port = free_tcp_port(true);
    let mut nc = Command::new("nc.openbsd");
    nc.args(["-6", "-d", "-l", "::1", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(create(&out))
        .stderr(Stdio::piped());
    let mut nc = Running::spawn_as_is(&mut nc);
    wait_tcp_listening(&mut nc, port);
    let mut cmd = connect_cmd(&["::1", &port.to_string()]);
    cmd.stdin(open(big));
    let o = Running::spawn(&mut cmd).finish();
    o.expect_code(0).expect_stdout(b"");
    let n = nc.finish();
    n.expect_code(0);
    expect_file_sha(&o, &out, sha);
}

#[test]
fn stream_64mib_recv_from_socat_v4() {
    if !require_tool("socat") {
        return;
    }
    let (big, sha) = big_file();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recv.bin");
    let port = free_tcp_port(false);
    let _srv = spawn_tcp_peer(
        Command::new("socat")
            .arg("-u")
            .arg(format!("OPEN:{}", big.display()))
            .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr")),
        port,
    );
    let mut cmd = connect_cmd(&["127.0.0.1", &port.to_string()]);
    cmd.stdout(create(&out)).stderr(Stdio::piped());
    let o = Running::spawn_as_is(&mut cmd).finish();
    o.expect_code(0);
    expect_file_sha(&o, &out, sha);
}

#[test]
fn stream_64mib_recv_from_ncat_v6() {
    if !require_tool("ncat") {
        return;
    }
    let (big, sha) = big_file();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recv.bin");
    let port = free_tcp_port(true);
    let mut srv = Command::new("ncat");
    srv.args(["-6", "-l", "::1", &port.to_string(), "--send-only"])
        .stdin(open(big));
    let _srv = spawn_tcp_peer(&mut srv, port);
    let mut cmd = connect_cmd(&["::1", &port.to_string()]);
    cmd.stdout(create(&out)).stderr(Stdio::piped());
    let o = Running::spawn_as_is(&mut cmd).finish();
    o.expect_code(0);
    expect_file_sha(&o, &out, sha);
}

// ---------------------------------------------------------------- stdout closed early

fn stdout_closed_early(keep_stdin_open: bool) {
    // Server sends 100 MiB; our reader takes 10 bytes and closes the pipe.
    let (_srv, port) = spawn_py_server(&["flood", "127.0.0.1", "100"]);
    let mut cmd = connect_cmd(&["127.0.0.1", &port.to_string()]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if keep_stdin_open {
        cmd.stdin(Stdio::piped());
    }
    let desc = describe(&cmd);
    let mut child = cmd.spawn().expect("spawn sockcli");
    let so = child.stdout.take().unwrap();
    let mut r = Running::from_child(child, desc, true);
    let got = read_exact_timeout(so, 10, Duration::from_secs(10));
    let Some((head, so)) = got else {
        let o = r.kill_and_collect();
        panic!("could not read 10 bytes from sockcli's stdout\n{o}");
    };
    drop(so); // close the read end: sockcli now gets EPIPE
    let o = r.finish_within(Duration::from_secs(5));
    ensure!(o, head == pattern(10), "first bytes {head:?}");
    o.expect_code(0)
        .expect_no_panic()
        .expect_faster_than(Duration::from_secs(5));
}

#[test]
fn stdout_closed_early_exits_quietly() {
    stdout_closed_early(false);
}

#[test]
fn stdout_closed_early_exits_quietly_with_stdin_open() {
    stdout_closed_early(true);
}

// ---------------------------------------------------------------- signals

#[test]
fn sigint_during_connect_exits_130_after_flushing() {
    // The server drips a '.' every 100 ms; after some have arrived, SIGINT.
    let (_srv, port) = spawn_py_server(&["drip", "127.0.0.1"]);
    let mut cmd = connect_cmd(&["127.0.0.1", &port.to_string()]);
    cmd.stdin(Stdio::piped());
    let mut r = Running::spawn(&mut cmd);
    let seen = r.wait_stdout_contains(b"...", Duration::from_secs(10));
    if !seen {
        let o = r.kill_and_collect();
        panic!("no data from the drip server\n{o}");
    }
    r.signal("INT");
    let o = r.finish_within(Duration::from_secs(5));
    o.expect_code(130);
    ensure!(
        o,
        o.stdout.len() >= 3 && o.stdout.iter().all(|&b| b == b'.'),
        "stdout should hold only the dots received"
    );
}

// ---------------------------------------------------------------- sanity of the helper peers

#[test]
fn python_echo_peer_itself_works() {
    // Guards against blaming sockcli for a broken peer: a std client against the peer.
    use std::io::{Read, Write};
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let mut s = TcpStream::connect_timeout(&v4(port), Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let data = all_bytes();
    s.write_all(&data).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    assert_eq!(back, data);
}

/// In a namespace (or container) with only `lo`, AI_ADDRCONFIG counts loopback addresses as
/// "not configured": `connect -6 NAME` used to say `cannot resolve` for a name `resolve -6`
/// answers. An explicit family never makes a resolvable name unresolvable (issue 13, defect 3).
#[test]
fn explicit_family_resolves_names_in_a_loopback_only_namespace() {
    let Some(ns) = Netns::create("sockcli-lo") else {
        return;
    };
    ns.etc(
        "hosts",
        "127.0.0.1 localhost dual.test\n::1 localhost dual.test\n",
    );
    ns.etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    let server = r#"
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam); s.bind((sys.argv[2], 0)); s.listen(); print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.sendall(b"hello over " + sys.argv[1].encode()); c.close()
"#;
    for (fam, lit) in [("6", "::1"), ("4", "127.0.0.1")] {
        for name in ["dual.test", "localhost"] {
            let mut peer = Running::spawn(ns.python(server, &[fam, lit]).arg("-u"));
            let port = loop {
                let out = peer.stdout_snapshot();
                if let Some(i) = out.iter().position(|&b| b == b'\n') {
                    break String::from_utf8_lossy(&out[..i]).trim().to_string();
                }
                assert!(peer.try_status().is_none(), "python server died");
                std::thread::sleep(POLL);
            };
            let flag = format!("-{fam}");
            let out = run_within(
                &mut ns.sockcli(&["connect", &flag, "-w", "5", name, &port]),
                None,
                Duration::from_secs(20),
            );
            out.expect_code(0);
            assert_eq!(
                out.stdout_str(),
                format!("hello over {fam}"),
                "{name} -{fam}\n{out}"
            );
        }
    }
}
