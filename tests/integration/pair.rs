//! `sockcli pair LEFT RIGHT` (one-shot) between real peers (Python sockets, nc.openbsd, a
//! pty opened here), with socat as the oracle: every endpoint combination of the table runs
//! once through `socat` and once through `sockcli pair` with the same input, and both must
//! produce the same bytes (and half-close behaviour). Then: 1 GiB both ways, half-close
//! propagation, resets, exec children (environment, zombies, exit status), errors and exit
//! codes, `--pcap` and `--json -v`.

use crate::ensure;
use crate::util::*;
use std::fmt::Debug;
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn pair_cmd(args: &[&str]) -> Command {
    let mut c = sockcli();
    c.arg("pair").args(args);
    c
}

/// `sockcli pair ARGS --ready-file <tmp>`: wait (bounded) for the ready file and return the
/// guard and its content without the newline.
#[track_caller]
fn spawn_pair_ready(args: &[&str]) -> (Running, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready");
    let mut cmd = pair_cmd(&["--ready-file", ready.to_str().unwrap()]);
    cmd.args(args);
    let mut r = Running::spawn(&mut cmd);
    r.keep.push(dir);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(s) = fs::read_to_string(&ready)
            && s.ends_with('\n')
        {
            return (r, s.trim_end().to_string());
        }
        if r.try_status().is_some() {
            let o = r.finish();
            panic!("sockcli pair exited before writing the ready file\n{o}");
        }
        if Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("ready file not written within {WAIT:?}\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// The port of an `ADDR:PORT` ready-file line.
fn port_of(ready: &str) -> u16 {
    ready
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("ready file {ready:?} is not ADDR:PORT"))
}

/// Wait up to `limit` (may exceed util's WAIT) for exit, then collect.
#[track_caller]
fn finish_long(r: &mut Running, limit: Duration) -> Out {
    let deadline = Instant::now() + limit;
    while r.try_status().is_none() {
        if Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("did not exit within {limit:?} (killed)\n{o}");
        }
        thread::sleep(Duration::from_millis(50));
    }
    r.finish()
}

/// Accept one connection on `l`, bounded: fails with `relay`'s output if it exits first or
/// WAIT passes. The accepted stream is blocking.
#[track_caller]
fn accept_from(l: &TcpListener, relay: &mut Running) -> (TcpStream, std::net::SocketAddr) {
    l.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        match l.accept() {
            Ok((s, a)) => {
                s.set_nonblocking(false).unwrap();
                return (s, a);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        if relay.try_status().is_some() || Instant::now() >= deadline {
            let o = relay.kill_and_collect();
            panic!("no connection from the relay\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// Bounded poll until `path` exists.
#[track_caller]
fn wait_path(r: &mut Running, path: &Path) {
    let deadline = Instant::now() + WAIT;
    while !path.exists() {
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("{} did not appear\n{o}", path.display());
        }
        thread::sleep(POLL);
    }
}

// ---------------------------------------------------------------------------
// Extra Python peers (PEER_PY has the common ones)
// ---------------------------------------------------------------------------

const PY: &str = r#"
import socket, sys, hashlib, threading, struct, os, time

mode = sys.argv[1]
a = sys.argv[2:]

def pattern(n):
    return (bytes(range(251)) * (n // 251 + 1))[:n]

def listen(host):
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.listen(8)
    print(s.getsockname()[1], flush=True)
    return s

if mode == "sink-sha":
    # HOST: for each connection print "sha256 count" of what arrives until EOF, then close
    s = listen(a[0])
    while True:
        c, _ = s.accept()
        h = hashlib.sha256(); n = 0
        while True:
            d = c.recv(1 << 18)
            if not d:
                break
            h.update(d); n += len(d)
        print("%s %d" % (h.hexdigest(), n), flush=True)
        c.close()

elif mode == "echo-sha":
    # HOST: echo one connection, hashing what arrives; at EOF print "sha256 count", close
    s = listen(a[0])
    c, _ = s.accept()
    h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 18)
        if not d:
            break
        h.update(d); n += len(d)
        c.sendall(d)
    c.close()
    print("%s %d" % (h.hexdigest(), n), flush=True)

elif mode == "big-client":
    # HOST PORT MIB: send MIB MiB (1 MiB chunks of pattern) while hashing what comes back;
    # half-close after the last byte; print "sent_sha sent_n recv_sha recv_n"
    c = socket.create_connection((a[0], int(a[1])), timeout=60)
    chunk = pattern(1 << 20)
    total = int(a[2])
    sent = hashlib.sha256()
    def send():
        for _ in range(total):
            c.sendall(chunk)
            sent.update(chunk)
        c.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 18)
        if not d:
            break
        h.update(d); n += len(d)
    t.join()
    print("%s %d %s %d" % (sent.hexdigest(), total << 20, h.hexdigest(), n), flush=True)

elif mode == "reset-server":
    # HOST N: accept one, read at least N bytes, then close with SO_LINGER {1,0} (an RST)
    s = listen(a[0])
    c, _ = s.accept()
    got = 0
    while got < int(a[1]):
        d = c.recv(1 << 16)
        if not d:
            break
        got += len(d)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    print("reset after %d" % got, flush=True)
    time.sleep(30)

elif mode == "whoami-client":
    # HOST PORT: print own port, then send stdin, half-close, print everything received
    data = sys.stdin.buffer.read()
    c = socket.create_connection((a[0], int(a[1])), timeout=15)
    print(c.getsockname()[1], flush=True)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
    sys.stdout.buffer.write(buf)
    sys.stdout.flush()

elif mode == "flood-client":
    # HOST PORT: send until the connection breaks; print what broke it
    c = socket.create_connection((a[0], int(a[1])), timeout=15)
    chunk = pattern(1 << 16)
    try:
        for _ in range(200000):
            c.sendall(chunk)
        print("sent everything", flush=True)
    except OSError as e:
        print("send failed: %s" % e.__class__.__name__, flush=True)

elif mode == "unix-echo":
    # PATH: echo every connection (one at a time)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(a[0])
    s.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
        c.close()

elif mode == "udp-client":
    # PORT: send three datagrams back to back, then print the repr of each reply
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    msgs = [b"one", b"two-" + bytes(range(256)), b"\x00" * 3000]
    for m in msgs:
        s.sendto(m, ("127.0.0.1", int(a[0])))
    for _ in msgs:
        try:
            d, _ = s.recvfrom(65536)
            print("%d %r" % (len(d), d[:20]), flush=True)
        except socket.timeout:
            print("timeout", flush=True)

elif mode == "json-check":
    # read stderr lines on stdin: each must be a JSON object; print its "event" per line
    import json
    for line in sys.stdin.read().splitlines():
        o = json.loads(line)
        assert isinstance(o, dict), line
        print(o["event"])

else:
    sys.exit("unknown mode " + mode)
"#;

fn py(args: &[&str]) -> Command {
    python(PY, args)
}

/// A Python server from PY that prints its port first.
#[track_caller]
fn spawn_py_port(args: &[&str]) -> (Running, u16) {
    let mut r = Running::spawn(&mut py(args));
    assert!(
        r.wait_stdout_contains(b"\n", WAIT),
        "python server did not print its port\n{}",
        r.kill_and_collect()
    );
    let out = String::from_utf8_lossy(&r.stdout_snapshot()).into_owned();
    let port = out.lines().next().unwrap().trim().parse().unwrap();
    (r, port)
}

// ---------------------------------------------------------------------------
// The oracle table: the same combination through socat and through sockcli pair
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Socat,
    Pair,
}

/// How to know the relay is ready for its client.
enum Ready {
    Tcp(u16),
    Udp(u16),
    Path(PathBuf),
}

/// Start the relay: `socat -t 5 SOCAT_LEFT SOCAT_RIGHT` or `sockcli pair LEFT RIGHT`.
#[track_caller]
fn spawn_relay(via: Via, socat: [&str; 2], pair: [&str; 2], ready: Ready) -> Running {
    let mut cmd = match via {
        Via::Socat => {
            let mut c = Command::new("socat");
            c.args(["-d", "-d", "-t", "5"]).args(socat);
            c.stdin(Stdio::null());
            c
        }
        Via::Pair => pair_cmd(&pair),
    };
    let mut r = Running::spawn(&mut cmd);
    match ready {
        Ready::Tcp(p) => wait_tcp_listening(&mut r, p),
        Ready::Udp(p) => wait_udp_bound(&mut r, p),
        Ready::Path(p) => wait_path(&mut r, &p),
    }
    r
}

/// Run `f` through socat (when installed) and through pair; both must observe the same.
/// Returns pair's observation.
#[track_caller]
fn oracle<T: PartialEq + Debug>(what: &str, mut f: impl FnMut(Via) -> T) -> T {
    let mine = f(Via::Pair);
    if !require_tool("socat") {
        return mine;
    }
    let theirs = f(Via::Socat);
    assert_eq!(
        mine, theirs,
        "{what}: sockcli pair (left) and socat (right) differ"
    );
    mine
}

/// What a TCP client of a forwarder saw, and how the forwarder ended.
#[derive(Debug, PartialEq)]
struct Seen {
    client_out: Vec<u8>,
    client_code: Option<i32>,
    relay_code: Option<i32>,
}

/// Forward `tcp-listen → tcp:127.0.0.1:server` and run `client` (given the port) with `input`.
fn forward_tcp(via: Via, server: u16, client: impl Fn(u16) -> Command, input: &[u8]) -> Seen {
    let p = free_tcp_port(false);
    let mut relay = spawn_relay(
        via,
        [
            &format!("TCP-LISTEN:{p},bind=127.0.0.1,reuseaddr"),
            &format!("TCP:127.0.0.1:{server}"),
        ],
        [
            &format!("tcp-listen:127.0.0.1:{p}"),
            &format!("tcp:127.0.0.1:{server}"),
        ],
        Ready::Tcp(p),
    );
    let c = run(&mut client(p), Some(input));
    let o = relay.finish_within(Duration::from_secs(10));
    Seen {
        client_code: c.code(),
        client_out: c.stdout,
        relay_code: o.code(),
    }
}

fn py_client(port: u16) -> Command {
    py_peer(&["client", "127.0.0.1", &port.to_string()])
}

#[test]
fn oracle_tcp_forward_to_echo_server() {
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let mut data = all_bytes();
    data.extend(xorshift_bytes(300_000, 7));
    let seen = oracle("tcp-listen -> tcp echo", |via| {
        forward_tcp(via, port, py_client, &data)
    });
    assert_eq!(seen.client_code, Some(0));
    assert_eq!(seen.relay_code, Some(0));
    assert!(seen.client_out == data, "echo through pair differs");
}

#[test]
fn oracle_tcp_forward_server_replies_only_after_eof() {
    // rev: reads until EOF, then answers "<len>\n" + the bytes reversed. The answer can only
    // arrive if the client's FIN went through the relay and the relay kept the way back open.
    let (_srv, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let data = xorshift_bytes(100_000, 8);
    let mut want = format!("{}\n", data.len()).into_bytes();
    want.extend(data.iter().rev());
    let seen = oracle("tcp-listen -> tcp rev (python client)", |via| {
        forward_tcp(via, port, py_client, &data)
    });
    assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
    assert!(seen.client_out == want, "reply after EOF lost or changed");

    // The same with nc.openbsd -N (shutdown after stdin EOF) as the client.
    if require_tool("nc.openbsd") {
        let nc = |p: u16| {
            let mut c = Command::new("nc.openbsd");
            c.args(["-N", "127.0.0.1", &p.to_string()]);
            c
        };
        let seen = oracle("tcp-listen -> tcp rev (nc -N client)", |via| {
            forward_tcp(via, port, nc, &data)
        });
        assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
        assert!(seen.client_out == want, "reply after EOF lost (nc -N)");
    }
}

#[test]
fn half_close_server_answers_late_after_eof() {
    // late: waits for EOF, sleeps 1.5 s, then sends 1 MiB and closes.
    let (_srv, port) = spawn_py_server(&["late", "127.0.0.1", "1.5", "1048576"]);
    let (mut relay, ready) = spawn_pair_ready(&[
        "-v",
        "tcp-listen:127.0.0.1:0",
        &format!("tcp:127.0.0.1:{port}"),
    ]);
    let lp = port_of(&ready);
    let c = run(&mut py_client(lp), Some(b"request"));
    c.expect_code(0).expect_stdout(&pattern(1 << 20));
    let o = relay.finish();
    o.expect_code(0).expect_stderr_contains(&format!(
        "(7 bytes left to right, {} bytes right to left)",
        1 << 20
    ));
}

fn exec_forward(via: Via, cmd: &str, input: &[u8]) -> Seen {
    let p = free_tcp_port(false);
    let mut relay = spawn_relay(
        via,
        [
            &format!("TCP-LISTEN:{p},bind=127.0.0.1,reuseaddr"),
            &format!("EXEC:{cmd}"),
        ],
        [&format!("tcp-listen:127.0.0.1:{p}"), &format!("exec:{cmd}")],
        Ready::Tcp(p),
    );
    let c = run(&mut py_client(p), Some(input));
    let o = relay.finish_within(Duration::from_secs(10));
    Seen {
        client_code: c.code(),
        client_out: c.stdout,
        relay_code: o.code(),
    }
}

#[test]
fn oracle_tcp_listen_exec_cat_n_and_tr() {
    let input = b"alpha\nbeta\n\ngamma without newline";
    let seen = oracle("exec:cat -n", |via| exec_forward(via, "cat -n", input));
    assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
    assert_eq!(
        String::from_utf8_lossy(&seen.client_out),
        "     1\talpha\n     2\tbeta\n     3\t\n     4\tgamma without newline"
    );
    let seen = oracle("exec:tr a-z A-Z", |via| {
        exec_forward(via, "tr a-z A-Z", input)
    });
    assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
    assert_eq!(seen.client_out, b"ALPHA\nBETA\n\nGAMMA WITHOUT NEWLINE");
}

#[test]
fn oracle_unix_listen_to_tcp_and_tcp_listen_to_unix() {
    let dir = tempfile::tempdir().unwrap();
    let data = xorshift_bytes(200_000, 9);
    // unix-listen -> tcp echo, a Python unix client
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let seen = oracle("unix-listen -> tcp", |via| {
        let path = dir.path().join(format!("fwd-{via:?}.sock"));
        let p = path.to_str().unwrap();
        let mut relay = spawn_relay(
            via,
            [
                &format!("UNIX-LISTEN:{p}"),
                &format!("TCP:127.0.0.1:{port}"),
            ],
            [
                &format!("unix-listen:{p}"),
                &format!("tcp:127.0.0.1:{port}"),
            ],
            Ready::Path(path.clone()),
        );
        let c = run(&mut py_peer(&["unix-client", p]), Some(&data));
        let o = relay.finish_within(Duration::from_secs(10));
        Seen {
            client_code: c.code(),
            client_out: c.stdout,
            relay_code: o.code(),
        }
    });
    assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
    assert!(seen.client_out == data, "unix -> tcp echo differs");

    // tcp-listen -> unix: a Python unix echo server
    let upath = dir.path().join("echo.sock");
    let (_usrv, _) = {
        let mut r = Running::spawn(&mut py(&["unix-echo", upath.to_str().unwrap()]));
        assert!(r.wait_stdout_contains(b"ready\n", WAIT));
        (r, ())
    };
    let u = upath.to_str().unwrap();
    let seen = oracle("tcp-listen -> unix", |via| {
        let p = free_tcp_port(false);
        let mut relay = spawn_relay(
            via,
            [
                &format!("TCP-LISTEN:{p},bind=127.0.0.1,reuseaddr"),
                &format!("UNIX-CONNECT:{u}"),
            ],
            [&format!("tcp-listen:127.0.0.1:{p}"), &format!("unix:{u}")],
            Ready::Tcp(p),
        );
        let c = run(&mut py_client(p), Some(&data));
        let o = relay.finish_within(Duration::from_secs(10));
        Seen {
            client_code: c.code(),
            client_out: c.stdout,
            relay_code: o.code(),
        }
    });
    assert_eq!((seen.client_code, seen.relay_code), (Some(0), Some(0)));
    assert!(seen.client_out == data, "tcp -> unix echo differs");
}

#[test]
fn oracle_udp_listen_to_udp_keeps_datagram_boundaries() {
    let (_srv, port) = spawn_py_server(&["udp-server", "127.0.0.1"]);
    let replies = oracle("udp-listen -> udp", |via| {
        let p = free_udp_port(false);
        let mut relay = spawn_relay(
            via,
            [
                &format!("UDP-LISTEN:{p},bind=127.0.0.1,reuseaddr"),
                &format!("UDP:127.0.0.1:{port}"),
            ],
            [
                &format!("udp-listen:127.0.0.1:{p}"),
                &format!("udp:127.0.0.1:{port}"),
            ],
            Ready::Udp(p),
        );
        let c = run(&mut py(&["udp-client", &p.to_string()]), None);
        // UDP has no EOF: the relay is still running, and is stopped here.
        let o = relay.kill_and_collect();
        ensure!(o, o.code().is_none(), "relay exited before being stopped");
        (c.code(), c.stdout_str())
    });
    assert_eq!(replies.0, Some(0));
    assert_eq!(
        replies.1,
        "10 b'answer:one'\n\
         267 b'answer:two-\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08'\n\
         3007 b'answer:\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00'\n"
    );
}

#[test]
fn oracle_file_to_tcp_64mib() {
    let (big, sha) = big_file();
    let (mut srv, port) = spawn_py_port(&["sink-sha", "127.0.0.1"]);
    let b = big.to_str().unwrap();
    let mut n = 1;
    let seen = oracle("file -> tcp", |via| {
        let mut relay = match via {
            Via::Socat => Running::spawn(
                Command::new("socat")
                    .args(["-u", &format!("OPEN:{b}"), &format!("TCP:127.0.0.1:{port}")])
                    .stdin(Stdio::null()),
            ),
            Via::Pair => Running::spawn(&mut pair_cmd(&[
                &format!("file:{b}"),
                &format!("tcp:127.0.0.1:{port}"),
            ])),
        };
        let o = relay.finish();
        n += 1;
        assert!(srv.wait_stdout_contains(b"\n", WAIT));
        // the server's line for this connection
        let lines = srv.stdout_snapshot();
        let deadline = Instant::now() + WAIT;
        let mut text = String::from_utf8_lossy(&lines).into_owned();
        while text.lines().count() < n && Instant::now() < deadline {
            thread::sleep(POLL);
            text = String::from_utf8_lossy(&srv.stdout_snapshot()).into_owned();
        }
        (o.code(), text.lines().nth(n - 1).unwrap_or("").to_string())
    });
    assert_eq!(seen, (Some(0), format!("{sha} {BIG_LEN}")));
}

#[test]
fn oracle_tcp_to_create_and_append() {
    // flood 2: each client gets 2 MiB of pattern, then the server closes.
    let (_srv, port) = spawn_py_server(&["flood", "127.0.0.1", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let want = pattern(1 << 20).repeat(2);
    for (pair_kind, socat_addr, prefix) in [
        ("create", "CREATE:{}", b"" as &[u8]),
        ("append", "OPEN:{},creat,append", b"existing line\n"),
    ] {
        let got = oracle(pair_kind, |via| {
            let out = dir.path().join(format!("{pair_kind}-{via:?}.bin"));
            // create: must truncate what was there; append: must keep it.
            fs::write(
                &out,
                if prefix.is_empty() {
                    vec![b'J'; 3 << 20]
                } else {
                    prefix.to_vec()
                },
            )
            .unwrap();
            let o = out.to_str().unwrap();
            let mut relay = match via {
                Via::Socat => Running::spawn(
                    Command::new("socat")
                        .args([
                            "-u",
                            &format!("TCP:127.0.0.1:{port}"),
                            &socat_addr.replace("{}", o),
                        ])
                        .stdin(Stdio::null()),
                ),
                Via::Pair => Running::spawn(&mut pair_cmd(&[
                    &format!("{pair_kind}:{o}"),
                    &format!("tcp:127.0.0.1:{port}"),
                ])),
            };
            let r = relay.finish();
            (r.code(), fs::read(&out).unwrap())
        });
        assert_eq!(got.0, Some(0), "{pair_kind}");
        let mut expect = prefix.to_vec();
        expect.extend_from_slice(&want);
        assert!(
            got.1 == expect,
            "{pair_kind}: file has {} bytes",
            got.1.len()
        );
    }
}

/// Open a pty slave for reading and writing, without making it our controlling terminal.
fn open_slave(path: &str) -> fs::File {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
        .unwrap_or_else(|e| panic!("open {path}: {e}"))
}

/// The `/dev/pts/N` of a `PTY is /dev/pts/N` line (sockcli -v, socat -d -d).
fn pty_path(stderr: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(stderr);
    let i = s.find("PTY is ")?;
    let rest = &s[i + 7..];
    let line = rest.lines().next()?;
    rest.contains('\n').then(|| line.trim().to_string())
}

#[test]
fn oracle_pty_to_tcp_raw_both_ways() {
    let to_tcp: &[u8] = b"from-pty \x00\x01\x03\x04\x1a\x7f\xff\r\n";
    let to_pty: &[u8] = b"from-tcp \x00\x03\x04\x11\x13\r\nend\n";
    let seen = oracle("pty <-> tcp", |via| {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let mut relay = match via {
            Via::Socat => Running::spawn(
                Command::new("socat")
                    .args(["-d", "-d", "PTY,raw,echo=0"])
                    .arg(format!("TCP:127.0.0.1:{port}"))
                    .stdin(Stdio::null()),
            ),
            Via::Pair => Running::spawn(&mut pair_cmd(&[
                "-v",
                "pty",
                &format!("tcp:127.0.0.1:{port}"),
            ])),
        };
        let deadline = Instant::now() + WAIT;
        let path = loop {
            if let Some(p) = pty_path(&relay.stderr_snapshot()) {
                break p;
            }
            if Instant::now() >= deadline || relay.try_status().is_some() {
                panic!("no 'PTY is' line\n{}", relay.kill_and_collect());
            }
            thread::sleep(POLL);
        };
        let (tcp, _) = accept_from(&l, &mut relay);
        let mut slave = open_slave(&path);
        slave.write_all(to_tcp).unwrap();
        let (a, tcp) = read_exact_timeout(tcp, to_tcp.len(), Duration::from_secs(10))
            .unwrap_or_else(|| panic!("pty -> tcp bytes missing\n{}", relay.kill_and_collect()));
        (&tcp).write_all(to_pty).unwrap();
        let (b, slave) = read_exact_timeout(slave, to_pty.len(), Duration::from_secs(10))
            .unwrap_or_else(|| panic!("tcp -> pty bytes missing\n{}", relay.kill_and_collect()));
        drop(slave);
        drop(tcp);
        // How the session ends differs (see pty_session_ends_when_tcp_peer_closes): stop it.
        drop(relay);
        (a, b)
    });
    assert_eq!(seen.0, to_tcp);
    assert_eq!(seen.1, to_pty);
}

#[test]
fn pty_session_ends_when_tcp_peer_closes() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut relay = Running::spawn(&mut pair_cmd(&[
        "-v",
        "pty",
        &format!("tcp:127.0.0.1:{port}"),
    ]));
    let (tcp, _) = accept_from(&l, &mut relay);
    (&tcp).write_all(b"bye\n").unwrap();
    let deadline = Instant::now() + WAIT;
    let path = loop {
        if let Some(p) = pty_path(&relay.stderr_snapshot()) {
            break p;
        }
        if Instant::now() >= deadline || relay.try_status().is_some() {
            panic!("no 'PTY is' line\n{}", relay.kill_and_collect());
        }
        thread::sleep(POLL);
    };
    let slave = open_slave(&path);
    let (got, slave) = read_exact_timeout(slave, 4, Duration::from_secs(10)).expect("bytes");
    assert_eq!(got, b"bye\n");
    drop(tcp); // the device goes away
    drop(slave);
    let o = relay.finish_within(Duration::from_secs(5));
    o.expect_code(0);
}

#[test]
fn oracle_stdio_to_unix_dgram() {
    let dir = tempfile::tempdir().unwrap();
    let srv_path = dir.path().join("dgram.sock");
    let s = srv_path.to_str().unwrap();
    let (mut srv, _) = spawn_py(&["unix-dgram-server", s]);
    let seen = oracle("stdio -> unix-dgram", |via| {
        let mut cmd = match via {
            Via::Socat => {
                // socat sends from an unbound socket unless told to bind one.
                let me = dir.path().join("socat-client.sock");
                let mut c = Command::new("socat");
                c.args(["-t", "1", "-"])
                    .arg(format!("UNIX-SENDTO:{s},bind={}", me.to_str().unwrap()));
                c
            }
            Via::Pair => pair_cmd(&["-i", "1s", "-", &format!("unix-dgram:{s}")]),
        };
        let o = run(&mut cmd, Some(b"query \x00\xff\n"));
        (o.code(), o.stdout)
    });
    let log = srv.kill_and_collect().stdout_str();
    assert_eq!(seen.1, b"answer:query \x00\xff\n");
    assert_eq!(seen.0, Some(0));
    ensure!(
        srv.snapshot(),
        log.matches(r"got b'query \x00\xff\n'").count() >= 1,
        "server log: {log}"
    );
}

// ---------------------------------------------------------------------------
// 1 GiB both ways
// ---------------------------------------------------------------------------

#[test]
fn one_gib_each_way_through_tcp_forward_sha256() {
    const MIB: u64 = 1024;
    let (mut srv, port) = spawn_py_port(&["echo-sha", "127.0.0.1"]);
    let (mut relay, ready) = spawn_pair_ready(&[
        "-v",
        "tcp-listen:127.0.0.1:0",
        &format!("tcp:127.0.0.1:{port}"),
    ]);
    let started = Instant::now();
    let mut client = Running::spawn(&mut py(&[
        "big-client",
        "127.0.0.1",
        &port_of(&ready).to_string(),
        &MIB.to_string(),
    ]));
    let c = finish_long(&mut client, Duration::from_secs(120));
    let o = relay.finish();
    let s = srv.finish();
    c.expect_code(0);
    o.expect_code(0);
    let f: Vec<String> = c
        .stdout_str()
        .split_whitespace()
        .map(String::from)
        .collect();
    let n = (MIB << 20).to_string();
    ensure!(c, f.len() == 4 && f[1] == n, "client summary {f:?}");
    // what the client sent == what the server received == what came back to the client
    // the server prints its port, then "sha256 count" at EOF
    let got = s.stdout_str();
    ensure!(
        s,
        got.lines().last() == Some(&format!("{} {n}", f[0])),
        "server received something else than the client sent ({f:?})"
    );
    ensure!(c, f[2] == f[0] && f[3] == n, "echo back differs: {f:?}");
    o.expect_stderr_contains(&format!(
        "({n} bytes left to right, {n} bytes right to left)"
    ));
    eprintln!("1 GiB each way in {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------
// Resets, exec children
// ---------------------------------------------------------------------------

#[test]
fn peer_reset_mid_transfer_exits_1_naming_the_endpoint() {
    let (mut srv, port) = spawn_py_port(&["reset-server", "127.0.0.1", "200000"]);
    let right = format!("tcp:127.0.0.1:{port}");
    let (mut relay, ready) = spawn_pair_ready(&["tcp-listen:127.0.0.1:0", &right]);
    let mut client = Running::spawn(&mut py(&[
        "flood-client",
        "127.0.0.1",
        &port_of(&ready).to_string(),
    ]));
    let o = relay.finish();
    let _ = client.kill_and_collect();
    ensure!(
        srv.snapshot(),
        srv.wait_stdout_contains(b"reset after", WAIT),
        "server did not reset"
    );
    o.expect_code(1);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains(&right), "error line should name {right}");
    ensure!(o, line.contains("reset"), "error line should say reset");
}

#[test]
fn exec_child_sees_addresses_of_the_other_end() {
    // exec on the right of a tcp-listen: the client is the peer, the listener the local end.
    let (mut relay, ready) = spawn_pair_ready(&[
        "tcp-listen:127.0.0.1:0",
        "exec:sh -c 'cat >/dev/null; env | grep ^SOCKCLI_ | sort'",
    ]);
    let lp = port_of(&ready);
    let c = run(
        &mut py(&["whoami-client", "127.0.0.1", &lp.to_string()]),
        Some(b"x"),
    );
    c.expect_code(0);
    let out = c.stdout_str();
    let mut lines = out.lines();
    let cport = lines.next().unwrap();
    let env: Vec<&str> = lines.collect();
    ensure!(
        c,
        env == [
            "SOCKCLI_LOCAL_ADDR=127.0.0.1".to_string(),
            format!("SOCKCLI_LOCAL_PORT={lp}"),
            "SOCKCLI_PEER_ADDR=127.0.0.1".to_string(),
            format!("SOCKCLI_PEER_PORT={cport}"),
        ],
        "child environment"
    );
    relay.finish().expect_code(0);

    // exec on the left of a tcp: connect: the server is the peer.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let sport = l.local_addr().unwrap().port();
    let mut relay = Running::spawn(&mut pair_cmd(&[
        "exec:sh -c 'env | grep ^SOCKCLI_ | sort; cat >/dev/null'",
        &format!("tcp:127.0.0.1:{sport}"),
    ]));
    let (mut s, from) = accept_from(&l, &mut relay);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut got = String::new();
    s.read_to_string(&mut got).unwrap();
    let o = relay.finish();
    o.expect_code(0);
    ensure!(
        o,
        got == format!(
            "SOCKCLI_LOCAL_ADDR=127.0.0.1\nSOCKCLI_LOCAL_PORT={}\n\
             SOCKCLI_PEER_ADDR=127.0.0.1\nSOCKCLI_PEER_PORT={sport}\n",
            from.port()
        ),
        "child environment {got:?}"
    );
}

/// The pids of processes whose parent is `ppid`, with their state letter.
fn children_of(ppid: u32) -> Vec<(u32, char)> {
    let mut v = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) S ppid ...
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let mut f = after.split_whitespace();
        let state = f.next().and_then(|s| s.chars().next()).unwrap_or('?');
        if f.next().and_then(|p| p.parse().ok()) == Some(ppid) {
            v.push((pid, state));
        }
    }
    v
}

/// The pid in a `Started '...' (pid N)` line.
fn started_pid(stderr: &str) -> Option<u32> {
    let l = stderr.lines().find(|l| l.starts_with("Started "))?;
    let i = l.rfind("(pid ")?;
    l[i + 5..].trim_end_matches(')').parse().ok()
}

#[test]
fn exec_child_is_reaped_no_zombie_after_exit() {
    // The child answers and exits at once; the client keeps its side open for a while.
    let (mut relay, ready) = spawn_pair_ready(&["-v", "tcp-listen:127.0.0.1:0", "exec:echo early"]);
    let mut s = TcpStream::connect(("127.0.0.1", port_of(&ready))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 6];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"early\n");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap(); // the child's EOF arrives as our EOF
    assert!(rest.is_empty());
    assert!(relay.wait_stderr_contains(b"Started ", WAIT));
    let pid = started_pid(
        &relay
            .stderr_snapshot()
            .iter()
            .map(|&b| b as char)
            .collect::<String>(),
    )
    .expect("Started line with a pid");
    // Held session: the relay is alive, its child is gone or at most a zombie, no other kids.
    let kids = children_of(relay.pid());
    ensure!(
        relay.snapshot(),
        kids.iter().all(|&(p, _)| p == pid),
        "unexpected children {kids:?}"
    );
    s.shutdown(Shutdown::Write).unwrap();
    let o = relay.finish();
    o.expect_code(0)
        .expect_stderr_contains(&format!("'echo early' (pid {pid}) exited with status 0"));
    // After exit the child is reaped (not left running or as a zombie for init to collect).
    ensure!(
        o,
        !Path::new(&format!("/proc/{pid}")).exists()
            || fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| !s.contains(&format!(" {} ", relay.pid())))
                .unwrap_or(true),
        "child {pid} still there"
    );
}

#[test]
fn exec_child_not_a_zombie_during_held_session() {
    let (mut relay, ready) = spawn_pair_ready(&["-v", "tcp-listen:127.0.0.1:0", "exec:echo early"]);
    let mut s = TcpStream::connect(("127.0.0.1", port_of(&ready))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"early\n");
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut kids = children_of(relay.pid());
    while kids.iter().any(|&(_, st)| st == 'Z') && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
        kids = children_of(relay.pid());
    }
    ensure!(
        relay.snapshot(),
        kids.iter().all(|&(_, st)| st != 'Z'),
        "zombie children while the session is held: {kids:?}"
    );
    drop(s);
    relay.finish().expect_code(0);
}

#[test]
fn exec_child_failing_status_exits_1_with_v_line() {
    let o = run(
        &mut pair_cmd(&["-v", "-", "exec:sh -c 'cat; exit 3'"]),
        Some(b"payload\n"),
    );
    o.expect_code(1).expect_stdout(b"payload\n");
    let err = o.stderr_str();
    let pid = started_pid(&err).expect("Started line");
    o.expect_stderr_contains(&format!(
        "'sh -c 'cat; exit 3'' (pid {pid}) exited with status 3"
    ));
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("sockcli: ")).collect();
    ensure!(o, errors.len() == 1, "one error line");
    ensure!(o, errors[0].contains("status 3"), "error names the status");
    ensure!(
        o,
        err.ends_with(&format!("{}\n", errors[0])),
        "error line last"
    );
}

#[test]
fn exec_child_that_does_not_read_its_input_exits_0() {
    let (mut relay, ready) =
        spawn_pair_ready(&["tcp-listen:127.0.0.1:0", "exec:sh -c 'echo hi; sleep 0.3'"]);
    let c = run(&mut py_client(port_of(&ready)), Some(b"unread input\n"));
    c.expect_code(0).expect_stdout(b"hi\n");
    relay.finish().expect_code(0);
}

// ---------------------------------------------------------------------------
// Errors and exit codes
// ---------------------------------------------------------------------------

#[test]
fn bad_endpoints_exit_2_with_one_line() {
    for bad in [
        "bogus",
        "frob:1",
        "tcp:127.0.0.1",
        "tcp:127.0.0.1:99999",
        "tcp-listen:",
        "udp:",
        "fd:x",
        "",
    ] {
        let o = run(&mut pair_cmd(&[bad, "-"]), None);
        o.expect_code(2).expect_no_panic();
        o.expect_one_error_line();
        let o = run(&mut pair_cmd(&["-", bad]), None);
        o.expect_code(2);
        o.expect_one_error_line();
    }
    let o = run(&mut pair_cmd(&["-", "-"]), None);
    o.expect_code(2);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("stdio"), "{line}");
    let o = run(&mut pair_cmd(&["stdio", "-"]), None);
    o.expect_code(2);
    o.expect_one_error_line();
    // an unknown service name is a resolver failure: exit 3, still one line
    let o = run(&mut pair_cmd(&["-", "tcp:127.0.0.1:notaservice"]), None);
    o.expect_code(3);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("notaservice"), "{line}");
    // missing RIGHT: a usage error from the parser
    let o = run(&mut pair_cmd(&["-"]), None);
    o.expect_code(2);
}

#[test]
fn bad_exec_quotes_error_names_the_endpoint() {
    let o = run(&mut pair_cmd(&["-", "exec:\"unterminated"]), None);
    o.expect_code(2);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("exec:"), "{line}");
}

#[test]
fn refused_tcp_exits_1() {
    let port = free_tcp_port(false);
    let o = run(
        &mut pair_cmd(&["-", &format!("tcp:127.0.0.1:{port}")]),
        None,
    );
    o.expect_code(1);
    let line = o.expect_one_error_line();
    ensure!(o, line.contains("refused"), "{line}");
}

#[test]
fn listen_with_no_client_times_out_exit_4() {
    let o = run(
        &mut pair_cmd(&["-w", "1s", "tcp-listen:127.0.0.1:0", "-"]),
        None,
    );
    o.expect_code(4).expect_faster_than(Duration::from_secs(5));
    o.expect_one_error_line();
    ensure!(o, o.elapsed >= Duration::from_millis(900), "too early");
}

#[test]
fn sigint_while_relaying_exits_130_after_delivering() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut cmd = pair_cmd(&["-", &format!("tcp:127.0.0.1:{port}")]);
    cmd.stdin(Stdio::piped());
    let mut relay = Running::spawn(&mut cmd);
    let (mut s, _) = accept_from(&l, &mut relay);
    s.write_all(b"delivered before SIGINT\n").unwrap();
    relay.write_stdin(b"to the server\n");
    let (got, _s) = read_exact_timeout(s, 14, Duration::from_secs(10)).expect("stdin relayed");
    assert_eq!(got, b"to the server\n");
    assert!(relay.wait_stdout_contains(b"delivered before SIGINT\n", WAIT));
    relay.signal("INT");
    let o = relay.finish();
    o.expect_code(130)
        .expect_stdout(b"delivered before SIGINT\n");
}

// ---------------------------------------------------------------------------
// --pcap, --json
// ---------------------------------------------------------------------------

/// The TCP payload per direction (to the server port, from it) in `-x` text output (tcpdump
/// or sockcli sniff): hex lines of each packet starting at the IP header.
fn payload_from_x(text: &str, server_port: u16) -> (Vec<u8>, Vec<u8>) {
    let mut pkts: Vec<Vec<u8>> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("0x")
            && let Some((_, hex)) = rest.split_once(':')
        {
            let cur = pkts.last_mut().expect("hex before a packet line");
            for w in hex.split_whitespace() {
                if w.len() % 2 != 0 || !w.bytes().all(|b| b.is_ascii_hexdigit()) {
                    break;
                }
                for i in (0..w.len()).step_by(2) {
                    cur.push(u8::from_str_radix(&w[i..i + 2], 16).unwrap());
                }
            }
        } else if !t.is_empty() {
            pkts.push(Vec::new());
        }
    }
    let (mut to, mut from) = (Vec::new(), Vec::new());
    for p in pkts {
        if p.len() < 40 || p[0] >> 4 != 4 {
            continue;
        }
        let ihl = (p[0] & 0x0f) as usize * 4;
        let total = u16::from_be_bytes([p[2], p[3]]) as usize;
        let tcp = &p[ihl..total.min(p.len())];
        let doff = (tcp[12] >> 4) as usize * 4;
        let dport = u16::from_be_bytes([tcp[2], tcp[3]]);
        let payload = &tcp[doff..];
        if dport == server_port {
            to.extend_from_slice(payload);
        } else {
            from.extend_from_slice(payload);
        }
    }
    (to, from)
}

#[test]
fn pcap_of_pair_reads_back_in_sniff_and_tcpdump() {
    let (_srv, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pair.pcap");
    let (mut relay, ready) = spawn_pair_ready(&[
        "--pcap",
        file.to_str().unwrap(),
        "tcp-listen:127.0.0.1:0",
        &format!("tcp:127.0.0.1:{port}"),
    ]);
    let data = b"PAIR-PCAP payload \x00\x01\x02 end".repeat(200);
    let mut want = format!("{}\n", data.len()).into_bytes();
    want.extend(data.iter().rev());
    run(&mut py_client(port_of(&ready)), Some(&data))
        .expect_code(0)
        .expect_stdout(&want);
    let o = relay.finish();
    o.expect_code(0);
    ensure!(o, o.stderr.is_empty(), "stderr should be quiet");

    let s = run(sockcli().arg("sniff").arg("-x").arg("-r").arg(&file), None);
    s.expect_code(0);
    let text = s.stdout_str();
    ensure!(s, text.lines().next().unwrap_or("").contains("Flags [S],"));
    let (to, from) = payload_from_x(&text, port);
    ensure!(s, to == data, "sniff: client payload {} bytes", to.len());
    ensure!(
        s,
        from == want,
        "sniff: server payload {} bytes",
        from.len()
    );

    if !require_tool("tcpdump") {
        return;
    }
    let t = run(
        Command::new("tcpdump")
            .arg("-nn")
            .arg("-x")
            .arg("-r")
            .arg(&file),
        None,
    );
    t.expect_code(0);
    let (to, from) = payload_from_x(&t.stdout_str(), port);
    ensure!(t, to == data, "tcpdump: client payload {} bytes", to.len());
    ensure!(
        t,
        from == want,
        "tcpdump: server payload {} bytes",
        from.len()
    );
    ensure!(t, !t.stdout_str().contains("[|"), "truncated packet");
}

#[test]
fn json_events_parse_with_documented_names() {
    let (mut relay, ready) =
        spawn_pair_ready(&["-v", "--json", "tcp-listen:127.0.0.1:0", "exec:cat"]);
    run(&mut py_client(port_of(&ready)), Some(b"json\n"))
        .expect_code(0)
        .expect_stdout(b"json\n");
    let o = relay.finish();
    o.expect_code(0).expect_stdout(b"");
    let c = run(&mut py(&["json-check"]), Some(&o.stderr));
    c.expect_code(0);
    ensure!(
        c,
        c.stdout_str() == "listening\nconnected\nstarted\nclosed\nexited\n",
        "event names\n{o}"
    );
    let err = o.stderr_str();
    for field in [
        "\"side\":\"left\"",
        "\"bytes_left_to_right\":5",
        "\"bytes_right_to_left\":5",
        "\"status\":0",
    ] {
        ensure!(o, err.contains(field), "missing {field}");
    }

    // The same session in text form: the documented lines.
    let (mut relay, ready) = spawn_pair_ready(&["-v", "tcp-listen:127.0.0.1:0", "exec:cat"]);
    let lp = port_of(&ready);
    let c = run(
        &mut py(&["whoami-client", "127.0.0.1", &lp.to_string()]),
        Some(b"text\n"),
    );
    c.expect_code(0);
    let cport = c.stdout_str().lines().next().unwrap().to_string();
    let o = relay.finish();
    o.expect_code(0);
    let err = o.stderr_str();
    let pid = started_pid(&err).expect("Started line");
    let lines: Vec<&str> = err.lines().collect();
    let want = [
        format!("Listening on 127.0.0.1:{lp}"),
        format!("Connected by 127.0.0.1:{cport}"),
        format!("Started 'cat' (pid {pid})"),
        format!(
            "Closed 127.0.0.1:{cport} <-> 'cat' (pid {pid}) (5 bytes left to right, 5 bytes right to left)"
        ),
        format!("'cat' (pid {pid}) exited with status 0"),
    ];
    ensure!(o, lines == want, "expected {want:#?}");
}

// ---------------------------------------------------------------------------
// Endpoint options (from the parser branch)
// ---------------------------------------------------------------------------

#[test]
fn option_tcp_nodelay_relays() {
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let o = run(
        &mut pair_cmd(&["-", &format!("tcp:127.0.0.1:{port},nodelay")]),
        Some(b"nodelay\n"),
    );
    o.expect_code(0).expect_stdout(b"nodelay\n");
}

#[test]
fn option_unix_listen_mode_and_unlink() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("opt.sock");
    fs::write(&path, b"stale").unwrap();
    let (_srv, port) = spawn_py_server(&["echo", "127.0.0.1"]);
    let p = path.to_str().unwrap();
    let mut relay = Running::spawn(&mut pair_cmd(&[
        &format!("unix-listen:{p},mode=600,unlink"),
        &format!("tcp:127.0.0.1:{port}"),
    ]));
    let deadline = Instant::now() + WAIT;
    use std::os::unix::fs::FileTypeExt;
    while !fs::metadata(&path).is_ok_and(|m| m.file_type().is_socket()) {
        if relay.try_status().is_some() || Instant::now() >= deadline {
            panic!("no socket at {p}\n{}", relay.kill_and_collect());
        }
        thread::sleep(POLL);
    }
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    ensure!(relay.snapshot(), mode == 0o600, "mode {mode:o}");
    run(&mut py_peer(&["unix-client", p]), Some(b"opts"))
        .expect_code(0)
        .expect_stdout(b"opts");
    relay.finish().expect_code(0);
}

#[test]
fn option_pty_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyV0");
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut relay = Running::spawn(&mut pair_cmd(&[
        "-v",
        &format!("pty,link={}", link.display()),
        &format!("tcp:127.0.0.1:{port}"),
    ]));
    let (tcp, _) = accept_from(&l, &mut relay);
    wait_path(&mut relay, &link);
    let target = fs::read_link(&link).unwrap();
    ensure!(
        relay.snapshot(),
        target.to_string_lossy().starts_with("/dev/pts/"),
        "link -> {target:?}"
    );
    let mut slave = open_slave(link.to_str().unwrap());
    slave.write_all(b"via link").unwrap();
    let (got, _tcp) = read_exact_timeout(tcp, 8, Duration::from_secs(10)).expect("bytes");
    assert_eq!(got, b"via link");
    drop(relay);
}

/// `-w` bounds opening (here: waiting for the client), not the wait for an exec child after a
/// session that outlived it: a 1.5 s session with `-w 1` and a child that takes 0.3 s to exit
/// after EOF ends 0 (it exited 4, killing the child, when -w also bounded that wait).
#[test]
fn connect_timeout_does_not_bound_the_exec_child_after_the_session() {
    let (mut relay, ready) = spawn_pair_ready(&[
        "-w",
        "1",
        "tcp-listen:127.0.0.1:0",
        "sh:cat; exec <&- >&-; sleep 0.3",
    ]);
    let mut c = TcpStream::connect(("127.0.0.1", port_of(&ready))).unwrap();
    c.write_all(b"a").unwrap();
    thread::sleep(Duration::from_millis(1500));
    c.write_all(b"b").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"ab");
    let o = relay.finish_within(Duration::from_secs(10));
    o.expect_code(0);
}
