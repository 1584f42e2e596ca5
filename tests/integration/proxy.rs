//! Proxy clients (issue 14 §2) against real proxies: dante-server (SOCKS5 with and without
//! user/password, SOCKS4) and tinyproxy (HTTP CONNECT, Basic auth), started by each test on
//! loopback with a config written to a temp dir and killed with their whole process group.
//! The target is a Python server that speaks first (so a byte lost after the proxy's answer
//! shows) and echoes what it gets. Python fake proxies only give answers real servers will
//! not: garbage, and silence.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::ensure;
use crate::util::*;

const GREETING: &[u8] = b"hello from the target\n";

/// The target: greets, then echoes until it has read N bytes, then closes. Prints its port.
const TARGET_PY: &str = r#"
import socket, sys, threading
n = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(64)
print(l.getsockname()[1], flush=True)
def serve(c):
    c.sendall(b"hello from the target\n")
    got = 0
    while got < n:
        d = c.recv(65536)
        if not d:
            break
        got += len(d)
        c.sendall(d)
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// A fake proxy: answers every connection with argv[1] (Python bytes escapes), then waits.
const FAKE_PY: &str = r#"
import socket, sys, threading, time
answer = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(64)
print(l.getsockname()[1], flush=True)
keep = []
def serve(c):
    try:
        c.recv(4096)
        c.sendall(answer)
    except OSError:
        pass
    keep.append(c)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// A Python script that prints its port as its first line; waits for it, bounded.
#[track_caller]
fn spawn_script(snippet: &str, args: &[&str]) -> (Running, u16) {
    let mut r = Running::spawn(&mut python(snippet, args));
    let deadline = Instant::now() + WAIT;
    loop {
        let out = r.stdout_snapshot();
        if let Some(i) = out.iter().position(|&b| b == b'\n') {
            let port = String::from_utf8_lossy(&out[..i]).trim().parse().unwrap();
            return (r, port);
        }
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("python script not ready\n{o}");
        }
        thread::sleep(POLL);
    }
}

fn target(payload_len: usize) -> (Running, u16) {
    spawn_script(TARGET_PY, &[&payload_len.to_string()])
}

/// A proxy daemon in its own process group, killed with all its children on drop.
struct Daemon {
    r: Running,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.r.pid())])
            .status();
    }
}

fn spawn_daemon(mut cmd: Command, port: u16, dir: tempfile::TempDir) -> Daemon {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let mut r = Running::spawn(&mut cmd);
    wait_tcp_listening(&mut r, port);
    Daemon { r, port, _dir: dir }
}

/// danted on a free loopback port. `auth`: `socksmethod: username` (system users). A block
/// rule refuses `blocked_port` on 127.0.0.1. `hosts`: run it in a mount namespace that sees
/// this file as /etc/hosts (names only the proxy can resolve).
fn danted(auth: bool, blocked_port: u16, hosts: Option<&str>) -> Option<Daemon> {
    if !require_tool("danted") || !require_root("danted (it switches users)") {
        return None;
    }
    if hosts.is_some() && !require_tool("unshare") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port(false);
    let conf = dir.path().join("danted.conf");
    fs::write(
        &conf,
        format!(
            "logoutput: stderr\n\
             internal: 127.0.0.1 port = {port}\n\
             external: 127.0.0.1\n\
             socksmethod: {}\n\
             clientmethod: none\n\
             user.privileged: root\n\
             user.unprivileged: nobody\n\
             client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n\
             socks block {{ from: 127.0.0.0/8 to: 127.0.0.1/32 port = {blocked_port} }}\n\
             socks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }}\n",
            if auth { "username" } else { "none" }
        ),
    )
    .unwrap();
    let pid = dir.path().join("danted.pid");
    let cmd = match hosts {
        None => {
            let mut c = Command::new("danted");
            c.arg("-f").arg(&conf).arg("-p").arg(&pid);
            c
        }
        Some(h) => {
            let file = dir.path().join("hosts");
            fs::write(&file, h).unwrap();
            let mut c = Command::new("unshare");
            c.args([
                "-m",
                "sh",
                "-c",
                r#"mount --bind "$1" /etc/hosts && exec danted -f "$2" -p "$3""#,
                "sh",
            ])
            .arg(&file)
            .arg(&conf)
            .arg(&pid);
            c
        }
    };
    Some(spawn_daemon(cmd, port, dir))
}

/// tinyproxy on a free loopback port, allowing CONNECT to `allowed_port` only.
fn tinyproxy(allowed_port: u16, basic_auth: Option<(&str, &str)>) -> Option<Daemon> {
    if !require_tool("tinyproxy") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port(false);
    let conf = dir.path().join("tinyproxy.conf");
    let mut text = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nConnectPort {allowed_port}\nLogLevel Info\n"
    );
    if let Some((u, p)) = basic_auth {
        text.push_str(&format!("BasicAuth {u} {p}\n"));
    }
    fs::write(&conf, text).unwrap();
    let mut c = Command::new("tinyproxy");
    c.arg("-d").arg("-c").arg(&conf);
    Some(spawn_daemon(c, port, dir))
}

/// A system user for danted's username method, removed on drop.
struct User {
    name: String,
}

impl User {
    fn create(pass: &str) -> Option<User> {
        if !require_tool("useradd") || !require_tool("chpasswd") {
            return None;
        }
        let name = format!("sockpx{}", std::process::id() % 100000);
        let ok = Command::new("useradd")
            .args(["-M", "-s", "/usr/sbin/nologin", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("skipped: useradd {name} failed");
            return None;
        }
        let user = User { name };
        let mut c = Command::new("chpasswd");
        c.stdin(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}:{pass}", user.name).unwrap();
        drop(stdin);
        assert!(child.wait().unwrap().success(), "chpasswd failed");
        Some(user)
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

/// `sockcli connect --eof keep ARGS` with `payload` on stdin (tinyproxy closes both ways
/// on a half-close, so the target ends the session).
fn connect(args: &[&str], env: &[(&str, &str)], payload: &[u8]) -> Out {
    let mut c = sockcli();
    c.args(["connect", "--eof", "keep", "-w", "10"]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run(&mut c, Some(payload))
}

fn expect_echo(o: &Out, payload: &[u8]) {
    let mut want = GREETING.to_vec();
    want.extend(payload);
    o.expect_code(0).expect_stdout(&want);
}

#[test]
fn socks5_bytes_both_ways_name_resolved_by_the_proxy() {
    let payload = xorshift_bytes(200_000, 14);
    let (_t, tport) = target(payload.len());
    let Some(d) = danted(false, 9, None) else {
        return;
    };
    let proxy = format!("127.0.0.1:{}", d.port);
    let o = connect(
        &["-v", "--proxy", &proxy, "localhost", &tport.to_string()],
        &[],
        &payload,
    );
    expect_echo(&o, &payload);
    // -v: the proxy reached, the tunnel it opened, then the session's end.
    o.expect_stderr_contains(&format!(
        "Connected to socks5 proxy {proxy} for localhost:{tport}\n\
         Proxy {proxy} connected to localhost:{tport}\n\
         Connected to localhost:{tport} via socks5 {proxy}\n"
    ));
    // The same as an endpoint, and -X 5 spelled as nc does.
    let ep = format!("socks5:{proxy}:127.0.0.1:{tport}");
    expect_echo(&connect(&[&ep], &[], &payload), &payload);
    let (_t1, tport) = target(1);
    let o = connect(
        &[
            "-X",
            "5",
            "--proxy",
            &proxy,
            "127.0.0.1",
            &tport.to_string(),
        ],
        &[],
        b"x",
    );
    expect_echo(&o, b"x");
}

#[test]
fn socks5_user_password() {
    let Some(d) = danted(true, 9, None) else {
        return;
    };
    let Some(user) = User::create("pr0xy-pw") else {
        return;
    };
    let payload = all_bytes();
    let (_t, tport) = target(payload.len());
    let (proxy, tport) = (format!("127.0.0.1:{}", d.port), tport.to_string());
    let good = format!("{}:pr0xy-pw", user.name);
    let o = connect(
        &[
            "-v",
            "--json",
            "--proxy",
            &proxy,
            "--proxy-auth",
            &good,
            "127.0.0.1",
            &tport,
        ],
        &[],
        &payload,
    );
    expect_echo(&o, &payload);
    ensure!(
        o,
        !o.stderr_str().contains("pr0xy-pw"),
        "the password is shown"
    );
    for event in ["proxy", "tunnel"] {
        o.expect_stderr_contains(&format!(
            "{{\"event\":\"{event}\",\"proxy\":\"{proxy}\",\"proxy_kind\":\"socks5\",\
             \"target\":\"127.0.0.1:{tport}\"}}\n"
        ));
    }
    // From the environment, as an endpoint.
    let ep = format!("socks5:{proxy}:localhost:{tport}");
    let o = connect(&[&ep], &[("SOCKCLI_PROXY_AUTH", &good)], &payload);
    expect_echo(&o, &payload);

    let bad = format!("{}:wrong-pw", user.name);
    let o = connect(
        &["--proxy", &proxy, "--proxy-auth", &bad, "127.0.0.1", &tport],
        &[],
        b"x",
    );
    o.expect_code(5);
    let line = o.expect_one_error_line();
    assert_eq!(
        line,
        format!(
            "sockcli: connect to 127.0.0.1:{tport} via socks5 proxy {proxy} failed: \
             SOCKS5 proxy refused the user name and password (status 1)"
        )
    );
    ensure!(o, !line.contains("wrong-pw"));
    let o = connect(&["--proxy", &proxy, "127.0.0.1", &tport], &[], b"x");
    o.expect_code(5)
        .expect_stderr_contains("SOCKS5 proxy accepts none of the offered methods");
}

#[test]
fn socks4_through_danted() {
    let Some(d) = danted(false, 9, None) else {
        return;
    };
    let payload = all_bytes();
    let (_t, tport) = target(payload.len());
    let proxy = format!("127.0.0.1:{}", d.port);
    let o = connect(
        &[
            "-X",
            "socks4",
            "--proxy",
            &proxy,
            "127.0.0.1",
            &tport.to_string(),
        ],
        &[],
        &payload,
    );
    expect_echo(&o, &payload);
    // --proxy-dns local sends SOCKS4 an IPv4 address for a name.
    let ep = format!("socks4:{proxy}:localhost:{tport}");
    let o = connect(&["--proxy-dns", "local", &ep], &[], &payload);
    expect_echo(&o, &payload);
}

#[test]
fn socks5_refused_target_and_ruleset() {
    let blocked = free_tcp_port(false);
    let Some(d) = danted(false, blocked, None) else {
        return;
    };
    let closed = free_tcp_port(false);
    let proxy = format!("127.0.0.1:{}", d.port);
    let o = connect(
        &["--proxy", &proxy, "127.0.0.1", &closed.to_string()],
        &[],
        b"x",
    );
    o.expect_code(1);
    assert_eq!(
        o.expect_one_error_line(),
        format!(
            "sockcli: connect to 127.0.0.1:{closed} via socks5 proxy {proxy} failed: \
             connection refused (SOCKS5 reply 5)"
        )
    );
    let o = connect(
        &["--proxy", &proxy, "127.0.0.1", &blocked.to_string()],
        &[],
        b"x",
    );
    o.expect_code(5)
        .expect_stderr_contains("connection not allowed by ruleset (SOCKS5 reply 2)");
}

#[test]
fn remote_dns_name_only_the_proxy_knows() {
    const NAME: &str = "sockcli-proxy-only.test";
    let hosts = format!("127.0.0.1 localhost\n127.0.0.1 {NAME}\n");
    let Some(d) = danted(false, 9, Some(&hosts)) else {
        return;
    };
    let (_t, tport) = target(3);
    let proxy = format!("127.0.0.1:{}", d.port);
    let o = connect(&["--proxy", &proxy, NAME, &tport.to_string()], &[], b"abc");
    expect_echo(&o, b"abc");
    // Resolved here instead, the name does not exist: exit 3, as for tcp.
    let o = connect(
        &[
            "--proxy",
            &proxy,
            "--proxy-dns",
            "local",
            NAME,
            &tport.to_string(),
        ],
        &[],
        b"abc",
    );
    o.expect_code(3).expect_stderr_contains(NAME);
}

#[test]
fn http_connect_through_tinyproxy() {
    let payload = xorshift_bytes(100_000, 7);
    let (_t, tport) = target(payload.len());
    let Some(d) = tinyproxy(tport, None) else {
        return;
    };
    let proxy = format!("127.0.0.1:{}", d.port);
    let o = connect(
        &[
            "-v",
            "-X",
            "connect",
            "--proxy",
            &proxy,
            "localhost",
            &tport.to_string(),
        ],
        &[],
        &payload,
    );
    expect_echo(&o, &payload);
    o.expect_stderr_contains(&format!(
        "Connected to http proxy {proxy} for localhost:{tport}\n\
         Proxy {proxy} connected to localhost:{tport}\n\
         Connected to localhost:{tport} via http {proxy}\n"
    ));
    let ep = format!("http-proxy:{proxy}:127.0.0.1:{tport}");
    expect_echo(&connect(&[&ep], &[], &payload), &payload);
    // A port the proxy does not allow: its 403 and its reason, exit 5.
    let other = free_tcp_port(false);
    let o = connect(
        &[
            "-X",
            "http",
            "--proxy",
            &proxy,
            "127.0.0.1",
            &other.to_string(),
        ],
        &[],
        b"x",
    );
    o.expect_code(5);
    let line = o.expect_one_error_line();
    ensure!(
        o,
        line.contains("failed: HTTP proxy answered 'HTTP/1.") && line.contains(" 403 "),
        "{line}"
    );
}

/// `pair` opens a proxied endpoint like any other (the blocking opener, not connect's).
#[test]
fn pair_stdio_through_http_proxy() {
    let payload = all_bytes();
    let (_t, tport) = target(payload.len());
    let Some(d) = tinyproxy(tport, None) else {
        return;
    };
    let right = format!("http-proxy:127.0.0.1:{}:localhost:{tport}", d.port);
    let mut c = sockcli();
    c.args(["pair", "-v", "--eof", "keep", "-", &right]);
    let o = run(&mut c, Some(&payload));
    expect_echo(&o, &payload);
    let proxy = format!("127.0.0.1:{}", d.port);
    o.expect_stderr_contains(&format!(
        "Connected to http proxy {proxy} for localhost:{tport}\n\
         Proxy {proxy} connected to localhost:{tport}\n\
         Connected to localhost:{tport} via http {proxy}\n"
    ));
    // --json: the same two events as records.
    let mut c = sockcli();
    c.args(["pair", "-v", "--json", "--eof", "keep", "-", &right]);
    let o = run(&mut c, Some(&payload));
    expect_echo(&o, &payload);
    for event in ["proxy", "tunnel"] {
        o.expect_stderr_contains(&format!(
            "{{\"event\":\"{event}\",\"proxy\":\"{proxy}\",\"proxy_kind\":\"http\",\
             \"target\":\"localhost:{tport}\"}}\n"
        ));
    }
}

#[test]
fn http_connect_basic_auth() {
    let (_t, tport) = target(5);
    let Some(d) = tinyproxy(tport, Some(("alice", "t1ny-pw"))) else {
        return;
    };
    let (proxy, tport) = (format!("127.0.0.1:{}", d.port), tport.to_string());
    let o = connect(
        &[
            "-X",
            "http",
            "--proxy",
            &proxy,
            "--proxy-auth",
            "alice:t1ny-pw",
            "127.0.0.1",
            &tport,
        ],
        &[],
        b"hello",
    );
    expect_echo(&o, b"hello");
    for creds in [Some("alice:nope-pw"), None] {
        let mut args = vec!["-X", "http", "--proxy", &proxy, "127.0.0.1", &tport];
        if let Some(c) = creds {
            args.extend(["--proxy-auth", c]);
        }
        let o = connect(&args, &[], b"hello");
        // tinyproxy answers 401 where RFC 9110 says 407: both are a refused login.
        o.expect_code(5);
        let line = o.expect_one_error_line();
        ensure!(
            o,
            line.contains("HTTP proxy answered 'HTTP/1.") && !line.contains("nope-pw"),
            "{line}"
        );
    }
}

#[test]
fn proxy_down_is_a_refused_connect() {
    let port = free_tcp_port(false);
    let o = connect(
        &["--proxy", &format!("127.0.0.1:{port}"), "example.com", "80"],
        &[],
        b"",
    );
    o.expect_code(1);
    assert_eq!(
        o.expect_one_error_line(),
        format!("sockcli: socks5 proxy: connect to 127.0.0.1:{port} failed: connection refused")
    );
}

#[test]
fn malformed_and_silent_proxies() {
    if !require_tool("python3") {
        return;
    }
    let (_f, port) = spawn_script(FAKE_PY, &["HTTP/1.0 200 OK\\r\\n\\r\\n"]);
    let ep = format!("socks5:127.0.0.1:{port}:example.com:80");
    let o = connect(&[&ep], &[], b"");
    o.expect_code(1);
    ensure!(
        o,
        o.expect_one_error_line()
            .ends_with("failed: not a SOCKS5 proxy (answered version 72, expected 5)")
    );
    // An HTTP proxy that answers a SOCKS reply.
    let (_g, port) = spawn_script(FAKE_PY, &["\\x05\\x00"]);
    let ep = format!("http-proxy:127.0.0.1:{port}:example.com:443");
    connect(&[&ep], &[], b"")
        .expect_code(1)
        .expect_stderr_contains("not an HTTP proxy");
    // A proxy that never answers: -w bounds the dialogue, exit 4.
    let (_s, port) = spawn_script(FAKE_PY, &[""]);
    let mut c = sockcli();
    c.args([
        "connect",
        "-w",
        "1",
        &format!("socks5:127.0.0.1:{port}:example.com:80"),
    ]);
    let o = run(&mut c, None);
    o.expect_code(4).expect_faster_than(Duration::from_secs(5));
    assert_eq!(
        o.expect_one_error_line(),
        format!(
            "sockcli: connect to example.com:80 via socks5 proxy 127.0.0.1:{port} failed: proxy handshake (-w) expired"
        )
    );
}

#[test]
fn pair_keep_open_through_socks5() {
    let payload = xorshift_bytes(50_000, 3);
    let (_t, tport) = target(payload.len());
    let Some(d) = danted(false, 9, None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let right = format!("socks5:127.0.0.1:{}:localhost:{tport}", d.port);
    let mut c = sockcli();
    c.args([
        "pair",
        "-k",
        "-v",
        "tcp-listen:127.0.0.1:0",
        &right,
        "--ready-file",
    ])
    .arg(&ready);
    let mut pair = Running::spawn(&mut c);
    let addr = wait_ready_file(&mut pair, &ready);
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let mut c = sockcli();
            c.args(["connect", "--eof", "keep", "127.0.0.1", &addr]);
            c.stdin(std::process::Stdio::piped());
            let mut r = Running::spawn(&mut c);
            let feed = r.feed_stdin(payload.clone());
            (r, feed)
        })
        .collect();
    for (mut r, feed) in clients {
        let o = r.finish();
        let _ = feed.join();
        expect_echo(&o, &payload);
    }
    let o = pair.kill_and_collect();
    o.expect_stderr_contains(&format!(
        "<-> localhost:{tport} via socks5 127.0.0.1:{}",
        d.port
    ));
    // -v: each client's proxy reached and tunnel opened, on the one loop.
    let err = o.stderr_str();
    for line in [
        format!(
            "Connected to socks5 proxy 127.0.0.1:{} for localhost:{tport}\n",
            d.port
        ),
        format!(
            "Proxy 127.0.0.1:{} connected to localhost:{tport}\n",
            d.port
        ),
    ] {
        let n = err.matches(&line).count();
        ensure!(o, n == 4, "{n} times {line:?}");
    }
}

/// A proxy that never answers stalls only its own client: five clients of `pair -k` time out
/// together in about one -w, not one after the other.
#[test]
fn pair_keep_open_silent_proxy_does_not_block_the_loop() {
    if !require_tool("python3") {
        return;
    }
    let (_s, port) = spawn_script(FAKE_PY, &[""]);
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let right = format!("socks5:127.0.0.1:{port}:example.com:80");
    let mut c = sockcli();
    c.args([
        "pair",
        "-k",
        "-v",
        "-w",
        "2",
        "tcp-listen:127.0.0.1:0",
        &right,
        "--ready-file",
    ])
    .arg(&ready);
    let mut pair = Running::spawn(&mut c);
    let addr = wait_ready_file(&mut pair, &ready);
    let start = Instant::now();
    let mut clients: Vec<Running> = (0..5)
        .map(|_| {
            let mut c = sockcli();
            c.args(["connect", "--eof", "keep", "127.0.0.1", &addr]);
            Running::spawn(&mut c)
        })
        .collect();
    for r in &mut clients {
        r.finish().expect_code(0);
    }
    let took = start.elapsed();
    let o = pair.kill_and_collect();
    ensure!(o, took < Duration::from_secs(5), "5 clients took {took:?}");
    let n = o
        .stderr_str()
        .matches("proxy handshake timed out (-w)")
        .count();
    ensure!(o, n == 5, "{n} handshakes timed out");
    // -v said each proxy was reached, and no tunnel opened.
    let reached = format!("Connected to socks5 proxy 127.0.0.1:{port} for example.com:80\n");
    let n = o.stderr_str().matches(&reached).count();
    ensure!(o, n == 5, "{n} proxies reached");
    ensure!(
        o,
        !o.stderr_str().contains("Proxy 127.0.0.1:"),
        "a tunnel opened"
    );
}

#[test]
fn bad_proxy_input_exits_2() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--proxy", "gw:0", "h", "1"],
            &[],
            "invalid --proxy 'gw:0'",
        ),
        (
            &["--proxy", "gw", "--proxy-auth", "nocolon-secret", "h", "1"],
            &[],
            "invalid --proxy-auth (expected USER:PASS)",
        ),
        (
            &["--proxy", "gw", "h", "1"],
            &[("SOCKCLI_PROXY_AUTH", "x")],
            "invalid SOCKCLI_PROXY_AUTH (expected USER:PASS)",
        ),
        (
            &["-X", "socks4", "--proxy", "127.0.0.1", "::1", "1"],
            &[],
            "SOCKS4 cannot reach the IPv6 address ::1",
        ),
        (
            &["socks5:127.0.0.1:1080"],
            &[],
            "missing HOST:PORT after the proxy (expected socks5:PROXY:PPORT:HOST:PORT)",
        ),
        (
            &["-u", "socks5:gw:1:h:2"],
            &[],
            "-u conflicts with the proxied endpoint",
        ),
        (
            &["--proxy", "gw", "tcp:h:1"],
            &[],
            "--proxy takes HOST PORT, not the endpoint 'tcp:h:1'",
        ),
    ];
    for (args, env, want) in cases {
        let o = connect(args, env, b"");
        o.expect_code(2);
        let line = o.expect_one_error_line();
        ensure!(o, line.contains(want), "want {want:?}");
        ensure!(o, !line.contains("secret"));
    }
    let o = run(sockcli().args(["connect", "-X", "socks5", "h", "1"]), None);
    o.expect_code(2).expect_stderr_contains("--proxy");
}

/// Wait (bounded) for `--ready-file` and return the bound port.
fn wait_ready_file(r: &mut Running, path: &Path) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(s) = fs::read_to_string(path)
            && let Some(line) = s.strip_suffix('\n')
        {
            return line.rsplit_once(':').unwrap().1.to_string();
        }
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("no ready file\n{o}");
        }
        thread::sleep(POLL);
    }
}
