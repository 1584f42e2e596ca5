//! AF_UNIX: stream (-U, unix:/unix-listen: endpoints, socat), datagram (-U -u), abstract @names.

use crate::ensure;
use crate::util::*;
use std::process::Command;
use std::time::Duration;

fn connect_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("connect").args(args);
    c
}

#[test]
fn stream_echo_connect_dash_u_and_endpoint_and_peers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    let p = path.to_str().unwrap();
    let (mut r, ready) = spawn_listen_raw(&["-U", p, "--echo", "-k"], |_| {});
    ensure!(
        r.snapshot(),
        ready == p,
        "ready file {ready:?} should be the socket path {p:?}"
    );
    let data = all_bytes();

    run(&mut connect_cmd(&["-U", p]), Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    run(&mut connect_cmd(&[&format!("unix:{p}")]), Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    run(&mut py_peer(&["unix-client", p]), Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    if require_tool("socat") {
        run(
            Command::new("socat")
                .args(["-t", "5", "-"])
                .arg(format!("UNIX-CONNECT:{p}")),
            Some(&data),
        )
        .expect_code(0)
        .expect_stdout(&data);
    }
    ensure!(
        r.snapshot(),
        r.try_status().is_none(),
        "listen -U -k exited"
    );
}

#[test]
fn stream_unix_listen_endpoint_single_client_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.sock");
    let p = path.to_str().unwrap();
    let (mut r, ready) = spawn_listen_raw(&["-v", &format!("unix-listen:{p}"), "--echo"], |_| {});
    ensure!(r.snapshot(), ready == p, "ready file {ready:?}");
    let data = xorshift_bytes(500_000, 21);
    run(&mut connect_cmd(&[&format!("unix:{p}")]), Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0)
        .expect_stderr_contains(&format!("Listening on {p}"));
}

#[test]
fn stream_relay_stdin_file_to_unix_client() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.sock");
    let input = dir.path().join("in.bin");
    let data = xorshift_bytes(70_000, 22);
    std::fs::write(&input, &data).unwrap();
    let p = path.to_str().unwrap();
    let f = open(&input);
    let (mut r, _) = spawn_listen_raw(&["-U", p], move |c| {
        c.stdin(f);
    });
    // the client sends, then reads until listen's EOF (stdin file exhausted), then closes
    let c = run(
        &mut py_peer(&["unix-client", p, "wait"]),
        Some(b"to-listener"),
    );
    c.expect_code(0).expect_stdout(&data);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"to-listener");
}

#[test]
fn datagram_connect_to_python_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dgram.sock");
    let p = path.to_str().unwrap();
    let (mut srv, _) = spawn_py(&["unix-dgram-server", p]);
    let o = run_within(
        &mut connect_cmd(&["-u", "-i", "300ms", "-U", p]),
        Some(b"q\n"),
        Duration::from_secs(8),
    );
    if o.code() != Some(0) || o.stdout != b"answer:q\n" {
        let s = srv.kill_and_collect();
        panic!(
            "unix datagram connect failed (expected stdout \"answer:q\\n\", exit 0)\n{o}\npeer:\n{s}"
        );
    }
    o.expect_faster_than(Duration::from_secs(5));
}

#[test]
fn datagram_listen_echo_python_client() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dgram-echo.sock");
    let me = dir.path().join("client.sock");
    let p = path.to_str().unwrap();
    let (mut r, ready) = spawn_listen_raw(&["-u", "-U", p, "--echo", "-k"], |_| {});
    ensure!(r.snapshot(), ready == p, "ready file {ready:?}");
    let c = run(
        &mut py_peer(&["unix-dgram-echo-check", p, me.to_str().unwrap()]),
        None,
    );
    if c.code() != Some(0) {
        let o = r.kill_and_collect();
        panic!("unix datagram echo failed\n{c}\nsockcli:\n{o}");
    }
    c.expect_stdout(b"OK\n");
}

#[test]
fn abstract_namespace_echo() {
    let cwd = tempfile::tempdir().unwrap();
    let name = format!("@{}", unique("sockcli-it-abstract"));
    let (mut r, ready) = spawn_listen_raw(&["-U", &name, "--echo", "-k"], |c| {
        c.current_dir(cwd.path());
    });
    ensure!(
        r.snapshot(),
        ready == name,
        "ready file {ready:?} should be {name:?}"
    );
    let data = all_bytes();
    let mut cmd = connect_cmd(&["-U", &name]);
    cmd.current_dir(cwd.path());
    run(&mut cmd, Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    // A Python client reaching "\0name" proves it is really in the abstract namespace.
    run(&mut py_peer(&["unix-client", &name]), Some(&data))
        .expect_code(0)
        .expect_stdout(&data);
    let files: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    ensure!(
        r.snapshot(),
        files.is_empty(),
        "abstract socket created files in cwd: {files:?}"
    );
}
