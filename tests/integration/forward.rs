//! `pair -k`: every client of a listening LEFT gets its own RIGHT in one loop. Real peers:
//! Python clients and servers (selectors, so thousands of sockets in one thread), and the
//! kernel's process table for zombies.

use std::fs;
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::*;

/// Start `sockcli pair -v ARGS --ready-file F` and wait for the bound address.
#[track_caller]
fn spawn_pair(args: &[&str]) -> (Running, SocketAddr) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready");
    let mut cmd = sockcli();
    cmd.arg("pair")
        .arg("-v")
        .args(args)
        .arg("--ready-file")
        .arg(&ready);
    let mut r = Running::spawn(&mut cmd);
    r.keep.push(dir);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(s) = fs::read_to_string(&ready)
            && let Some(line) = s.strip_suffix('\n')
        {
            let a: SocketAddr = line.parse().expect("ready file holds ADDR:PORT");
            return (r, connectable(a));
        }
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("pair did not become ready\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// A selectors echo server in Python that prefixes every reply with `tag` and half-closes
/// after the client does; prints its port.
const PY_ECHO_SERVER: &str = r#"
import selectors, socket, sys, resource
s, h = resource.getrlimit(resource.RLIMIT_NOFILE); resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
tag = sys.argv[1].encode()
sel = selectors.DefaultSelector()
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(4096); l.setblocking(False)
sel.register(l, selectors.EVENT_READ)
print(l.getsockname()[1], flush=True)
while True:
    for key, _ in sel.select():
        if key.fileobj is l:
            try:
                while True:
                    c, _ = l.accept(); c.setblocking(True); sel.register(c, selectors.EVENT_READ)
            except BlockingIOError:
                pass
            continue
        c = key.fileobj
        d = c.recv(65536)
        if d:
            c.sendall(tag + d)
        else:
            sel.unregister(c); c.shutdown(socket.SHUT_WR); c.close()
"#;

/// N concurrent clients: each sends its own line, half-closes, and must read exactly
/// `tag + line`. Prints how many were answered correctly.
const PY_MANY_CLIENTS: &str = r#"
import selectors, socket, sys, resource
s, h = resource.getrlimit(resource.RLIMIT_NOFILE); resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
host, port, n, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
sel = selectors.DefaultSelector()
want, got = {}, {}
for i in range(n):
    c = socket.socket(); c.setblocking(False)
    c.connect_ex((host, port))
    sel.register(c, selectors.EVENT_WRITE, i)
    want[i] = tag + b"client %d\n" % i; got[i] = b""
ok = 0; left = n
import time; end = time.time() + 60
while left and time.time() < end:
    for key, ev in sel.select(timeout=1):
        c, i = key.fileobj, key.data
        if ev & selectors.EVENT_WRITE:
            c.send(b"client %d\n" % i); c.shutdown(socket.SHUT_WR)
            sel.modify(c, selectors.EVENT_READ, i)
            continue
        try:
            d = c.recv(65536)
        except ConnectionError:
            d = b""
        if d:
            got[i] += d
            continue
        sel.unregister(c); c.close(); left -= 1
        ok += got[i] == want[i]
print(ok, flush=True)
"#;

#[test]
fn three_thousand_concurrent_clients_each_get_their_own_answer() {
    let (_server, port) = spawn_py_server_snippet(PY_ECHO_SERVER, &["up:"]);
    let right = format!("tcp:127.0.0.1:{port}");
    let (mut pair, addr) = spawn_pair(&["-k", "tcp-listen:127.0.0.1:0", &right]);
    let o = run_within(
        &mut python(
            PY_MANY_CLIENTS,
            &["127.0.0.1", &addr.port().to_string(), "3000", "up:"],
        ),
        None,
        Duration::from_secs(90),
    );
    o.expect_code(0);
    let ok = o.stdout_str();
    assert!(pair.try_status().is_none(), "the forwarder keeps running");
    let log = pair.kill_and_collect();
    assert_eq!(
        ok.trim(),
        "3000",
        "answered correctly\n{o}\n{}",
        tail(&log.stderr_str())
    );
    assert_eq!(
        log.stderr_str().matches("Connected by ").count(),
        3000,
        "one accept per client"
    );
}

#[test]
fn a_refused_backend_closes_only_its_client() {
    let dead = free_tcp_port(false);
    let right = format!("tcp:127.0.0.1:{dead}");
    let (mut pair, addr) = spawn_pair(&["-k", "tcp-listen:127.0.0.1:0", &right]);
    for _ in 0..3 {
        let o = run_within(
            &mut python(
                "import socket,sys\nc=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\nc.settimeout(5)\nprint(repr(c.recv(10)))",
                &[&addr.port().to_string()],
            ),
            None,
            Duration::from_secs(10),
        );
        o.expect_code(0);
        assert_eq!(
            o.stdout_str().trim(),
            "b''",
            "the client sees EOF, nothing else"
        );
    }
    assert!(
        pair.try_status().is_none(),
        "the forwarder survives refusals"
    );
    assert!(pair.wait_stderr_contains(b"connection refused", WAIT));
    let log = pair.kill_and_collect().stderr_str();
    let refused: Vec<&str> = log.lines().filter(|l| l.contains("refused")).collect();
    assert_eq!(refused.len(), 3, "{log}");
    assert!(refused[0].starts_with("Closed 127.0.0.1:"), "{log}");
    assert!(
        refused[0].contains(&format!("connect to {right} failed")),
        "{log}"
    );
}

#[test]
fn exec_children_see_the_client_and_are_reaped() {
    let (mut pair, addr) = spawn_pair(&[
        "-k",
        "tcp-listen:127.0.0.1:0",
        "sh:echo $SOCKCLI_PEER_ADDR $SOCKCLI_PEER_PORT $SOCKCLI_LOCAL_PORT; cat",
    ]);
    let o = run_within(
        &mut python(
            r#"
import socket, sys
port = int(sys.argv[1]); bad = 0
for i in range(20):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"data %d\n" % i); c.shutdown(socket.SHUT_WR)
    d = b""
    while True:
        b = c.recv(1000)
        if not b: break
        d += b
    want = ("127.0.0.1 %d %d\ndata %d\n" % (c.getsockname()[1], port, i)).encode()
    bad += d != want
    if d != want: print("got", d, "want", want)
print("bad", bad)
"#,
            &[&addr.port().to_string()],
        ),
        None,
        Duration::from_secs(30),
    );
    o.expect_code(0);
    assert_eq!(o.stdout_str().trim(), "bad 0", "{o}");
    // Every child has exited and been reaped: no zombie among the forwarder's children.
    let deadline = Instant::now() + Duration::from_secs(5);
    let zombies = loop {
        let z = children_in_state(pair.pid(), 'Z');
        if z == 0 || Instant::now() >= deadline {
            break z;
        }
        thread::sleep(POLL);
    };
    assert_eq!(zombies, 0, "exec children left as zombies");
    assert!(pair.wait_stderr_contains(b"exited with status 0", WAIT));
    let log = pair.kill_and_collect().stderr_str();
    assert_eq!(log.matches("exited with status 0").count(), 20, "{log}");
}

#[test]
fn max_conns_refuses_the_client_over_the_limit() {
    let (_server, port) = spawn_py_server_snippet(PY_ECHO_SERVER, &[""]);
    let right = format!("tcp:127.0.0.1:{port}");
    let (mut pair, addr) =
        spawn_pair(&["-k", "--max-conns", "2", "tcp-listen:127.0.0.1:0", &right]);
    let o = run_within(
        &mut python(
            r#"
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
for h in held:
    h.sendall(b"hi"); assert h.recv(10) == b"hi"
third = socket.create_connection(("127.0.0.1", port)); third.settimeout(5)
print("third", repr(third.recv(10)))
for h in held: h.close()
time.sleep(0.3)
again = socket.create_connection(("127.0.0.1", port)); again.sendall(b"ok"); again.settimeout(5)
print("again", repr(again.recv(10)))
"#,
            &[&addr.port().to_string()],
        ),
        None,
        Duration::from_secs(30),
    );
    o.expect_code(0);
    assert_eq!(o.stdout_str(), "third b''\nagain b'ok'\n", "{o}");
    assert!(pair.wait_stderr_contains(b"--max-conns 2 reached", WAIT));
}

#[test]
fn udp_forwarder_routes_each_reply_to_its_client_and_expires_idle_entries() {
    let (_server, port) = spawn_py_server_snippet(
        r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    d, a = s.recvfrom(65536)
    s.sendto(b"re:" + d + (" via %d" % a[1]).encode(), a)
"#,
        &[],
    );
    let right = format!("udp:127.0.0.1:{port}");
    let (mut pair, addr) = spawn_pair(&["-k", "-i", "500ms", "udp-listen:127.0.0.1:0", &right]);
    let o = run_within(
        &mut python(
            r#"
import socket, sys
port = int(sys.argv[1]); ok = 0; vias = set()
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(100)]
for i, s in enumerate(socks):
    s.settimeout(5); s.sendto(b"q%d" % i, ("127.0.0.1", port))
for i, s in enumerate(socks):
    d = s.recv(1000)
    want = b"re:q%d" % i
    ok += d.startswith(want + b" via ")
    vias.add(d.split(b" via ")[1])
print(ok, len(vias))
"#,
            &[&addr.port().to_string()],
        ),
        None,
        Duration::from_secs(30),
    );
    o.expect_code(0);
    // Every client got its own reply, each through an upstream socket of its own.
    assert_eq!(o.stdout_str().trim(), "100 100", "{o}");
    // -i 500ms: every entry expires and is logged as closed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && String::from_utf8_lossy(&pair.stderr_snapshot())
            .matches("Closed ")
            .count()
            < 100
    {
        thread::sleep(POLL);
    }
    let log = pair.kill_and_collect().stderr_str();
    assert_eq!(log.matches("Connected by ").count(), 100, "{log}");
    assert_eq!(log.matches("Closed ").count(), 100, "{log}");
}

#[test]
fn bad_keep_open_plans_are_usage_errors() {
    for (args, needle) in [
        (&["-k", "tcp:127.0.0.1:1", "-"][..], "listening LEFT"),
        (&["-k", "tcp-listen:0", "-"][..], "exists only once"),
        (&["-k", "tcp-listen:0", "tcp-listen:0"][..], "cannot listen"),
        (
            &["-k", "udp-listen:0", "exec:cat"][..],
            "udp: or unix-dgram:",
        ),
        (
            &["--max-conns", "2", "tcp-listen:0", "tcp:h:1"][..],
            "needs -k",
        ),
    ] {
        let o = run_within(
            sockcli().arg("pair").args(args),
            None,
            Duration::from_secs(10),
        );
        o.expect_code(2);
        assert!(o.expect_one_error_line().contains(needle), "{args:?}\n{o}");
    }
}

/// Children of `pid` (from /proc) in process state `state`.
fn children_in_state(pid: u32, state: char) -> usize {
    let Ok(dir) = fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|e| fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                return false;
            };
            let mut f = rest.split_whitespace();
            let st = f.next().and_then(|s| s.chars().next());
            let ppid = f.next().and_then(|p| p.parse::<u32>().ok());
            st == Some(state) && ppid == Some(pid)
        })
        .count()
}

/// A Python snippet that prints its port first.
#[track_caller]
fn spawn_py_server_snippet(snippet: &str, args: &[&str]) -> (Running, u16) {
    let mut r = Running::spawn(&mut python(snippet, args));
    let deadline = Instant::now() + WAIT;
    loop {
        let out = r.stdout_snapshot();
        if let Some(i) = out.iter().position(|&b| b == b'\n') {
            let port = String::from_utf8_lossy(&out[..i])
                .trim()
                .parse()
                .expect("port");
            return (r, port);
        }
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("python server not ready\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// The last lines of a log, for failure messages.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
