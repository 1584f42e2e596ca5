//! TLS endpoints (issue 14 §1) against real peers: openssl s_server/s_client, ncat --ssl,
//! socat OPENSSL, Python ssl. Certificates are made here with rcgen (a CA, a server
//! certificate for localhost/127.0.0.1, an expired one, one for another name, a client one).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};

use crate::ensure;
use crate::util::*;

/// The certificates of one test, as PEM files in a temporary directory.
struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    fn new() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "sockcli test CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf = |name: &str, sans: &[&str], expired: bool| {
            let key = KeyPair::generate().unwrap();
            let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
            let mut p = CertificateParams::new(sans).unwrap();
            p.distinguished_name.push(DnType::CommonName, name);
            if expired {
                p.not_before = date_time_ymd(2020, 1, 1);
                p.not_after = date_time_ymd(2021, 1, 1);
            }
            let cert = p.signed_by(&key, &issuer).unwrap();
            std::fs::write(dir.path().join(format!("{name}.pem")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        };
        leaf("localhost", &["localhost", "127.0.0.1"], false);
        leaf("expired", &["localhost", "127.0.0.1"], true);
        leaf("other", &["other.example"], false);
        leaf("client", &["client.example"], false);
        Certs { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

/// Wait (bounded) until something listens on 127.0.0.1:`port`, without connecting (a
/// one-shot server would take the probe for its client): /proc/net/tcp's LISTEN rows.
fn wait_port(port: u16) {
    let want = format!("0100007F:{port:04X} 00000000:0000 0A");
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| t.contains(&want)) {
        assert!(Instant::now() < deadline, "port {port} never listened");
        thread::sleep(POLL);
    }
}

/// `openssl s_server` on a free port with `cert` (stdin kept open: at its EOF s_server
/// would end the connection).
fn s_server(certs: &Certs, cert: &str, extra: &[&str]) -> (Running, u16) {
    let port = free_tcp_port(false);
    let mut c = Command::new("openssl");
    c.args(["s_server", "-quiet", "-naccept", "1", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(certs.path(&format!("{cert}.pem")))
        .arg("-key")
        .arg(certs.path(&format!("{cert}.key")))
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let r = Running::spawn_as_is(&mut c);
    wait_port(port);
    (r, port)
}

fn have(tools: &[&str]) -> bool {
    tools.iter().all(|t| require_tool(t))
}

#[test]
fn connect_verifies_against_s_server_with_alpn_and_both_directions() {
    if !have(&["openssl"]) {
        return;
    }
    let certs = Certs::new();
    let (mut srv, port) = s_server(&certs, "localhost", &["-alpn", "h2"]);
    srv.write_stdin(b"from-server\n");
    let p = port.to_string();
    let mut c = sockcli();
    c.args(["connect", "-v", "--tls", "--tls-ca", &certs.s("ca.pem")])
        .args(["--tls-alpn", "h2,http/1.1", "localhost", &p]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut cli = Running::spawn_as_is(&mut c);
    assert!(cli.wait_stdout_contains(b"from-server\n", WAIT));
    cli.write_stdin(b"from-client\n");
    assert!(srv.wait_stdout_contains(b"from-client\n", WAIT));
    cli.close_stdin();
    let o = cli.finish_within(WAIT);
    o.expect_code(0);
    o.expect_stderr_contains("TLS with 127.0.0.1:");
    o.expect_stderr_contains("ALPN h2, peer certificate CN=localhost");
    srv.kill_and_collect();
}

#[test]
fn untrusted_expired_and_wrong_name_fail_with_exit_6_and_the_reason() {
    if !have(&["openssl"]) {
        return;
    }
    let certs = Certs::new();
    for (cert, ca, want) in [
        ("localhost", false, "unknown issuer"),
        ("expired", true, "certificate expired"),
        ("other", true, "certificate is not valid for localhost"),
    ] {
        let (mut srv, port) = s_server(&certs, cert, &[]);
        let mut c = sockcli();
        c.args(["connect", "--tls"]);
        if ca {
            c.args(["--tls-ca", &certs.s("ca.pem")]);
        }
        c.args(["localhost", &port.to_string()]);
        let o = run_within(&mut c, Some(b"x"), WAIT);
        o.expect_code(6);
        let line = o.expect_one_error_line();
        assert!(
            line.contains("TLS handshake with 127.0.0.1:") && line.contains(want),
            "{cert}: {line}"
        );
        srv.kill_and_collect();
    }
}

#[test]
fn a_generated_certificate_is_trusted_by_its_pin_and_nothing_else() {
    let (mut l, addr) = spawn_listen(&["-v", "-k", "--tls", "--echo", "127.0.0.1", "0"]);
    assert!(l.wait_stderr_contains(b"TLS certificate generated, SHA-256 ", WAIT));
    let err = String::from_utf8_lossy(&l.stderr_snapshot()).into_owned();
    let fp = err
        .split("SHA-256 ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_eq!(fp.len(), 64, "{err}");
    let p = addr.port().to_string();
    let o = run_within(
        sockcli().args(["connect", "--tls", "--tls-pin", &fp, "localhost", &p]),
        Some(b"pinned\n"),
        WAIT,
    );
    o.expect_code(0).expect_stdout(b"pinned\n");
    let wrong: String = fp.chars().rev().collect();
    let o = run_within(
        sockcli().args(["connect", "--tls", "--tls-pin", &wrong, "localhost", &p]),
        Some(b"x"),
        WAIT,
    );
    o.expect_code(6)
        .expect_stderr_contains(&format!("pin mismatch: got SHA256 {fp}"));
    let o = run_within(
        sockcli().args(["connect", &format!("tls:localhost:{p}")]),
        Some(b"x"),
        WAIT,
    );
    o.expect_code(6).expect_stderr_contains("unknown issuer");
    let o = run_within(
        sockcli().args(["connect", "-v", "--tls", "--tls-insecure", "127.0.0.1", &p]),
        Some(b"insecure\n"),
        WAIT,
    );
    o.expect_code(0).expect_stdout(b"insecure\n");
    assert_eq!(
        o.stderr_str().matches("warning: --tls-insecure").count(),
        1,
        "{o}"
    );
    l.kill_and_collect();
}

#[test]
fn client_certificate_required_by_s_server_verify() {
    if !have(&["openssl"]) {
        return;
    }
    let certs = Certs::new();
    let ca = certs.s("ca.pem");
    let (mut srv, port) = s_server(&certs, "localhost", &["-Verify", "1", "-CAfile", &ca]);
    let ep = format!(
        "tls:localhost:{port},ca={ca},cert={},key={}",
        certs.s("client.pem"),
        certs.s("client.key")
    );
    let mut c = sockcli();
    c.args(["connect", "-v", &ep]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut cli = Running::spawn_as_is(&mut c);
    cli.write_stdin(b"with-client-cert\n");
    assert!(srv.wait_stdout_contains(b"with-client-cert\n", WAIT));
    cli.close_stdin();
    cli.finish_within(WAIT).expect_code(0);
    srv.kill_and_collect();
}

/// A client peer's command, given the port.
type PeerCmd<'a> = Box<dyn Fn(u16) -> Command + 'a>;

#[test]
fn listen_tls_serves_s_client_ncat_socat_and_python() {
    let certs = Certs::new();
    let ca = certs.s("ca.pem");
    let cert = certs.s("localhost.pem");
    let key = certs.s("localhost.key");
    // (peer, its command given the port)
    let peers: Vec<(&str, PeerCmd)> = vec![
        (
            "openssl",
            Box::new(|p| {
                let mut c = Command::new("openssl");
                c.args(["s_client", "-quiet", "-verify_return_error", "-CAfile", &ca])
                    .args(["-connect", &format!("localhost:{p}")]);
                c
            }),
        ),
        (
            "ncat",
            Box::new(|p| {
                let mut c = Command::new("ncat");
                c.args(["--ssl", "--ssl-verify", "--ssl-trustfile", &ca, "localhost"])
                    .arg(p.to_string());
                c
            }),
        ),
        (
            "socat",
            Box::new(|p| {
                let mut c = Command::new("socat");
                c.arg("-").arg(format!("OPENSSL:localhost:{p},cafile={ca}"));
                c
            }),
        ),
        (
            "python3",
            Box::new(|p| {
                python(
                    "import socket,ssl,sys\n\
                     c=ssl.create_default_context(cafile=sys.argv[1])\n\
                     t=c.wrap_socket(socket.create_connection(('127.0.0.1',int(sys.argv[2]))),server_hostname='localhost')\n\
                     t.sendall(sys.stdin.buffer.readline())\n\
                     sys.stdout.buffer.write(t.recv(100))\n\
                     t.unwrap()",
                    &[&ca, &p.to_string()],
                )
            }),
        ),
    ];
    for (tool, cmd) in peers {
        if !require_tool(tool) {
            continue;
        }
        let (mut l, addr) = spawn_listen_with(
            &[
                "-v",
                "--tls",
                "--tls-cert",
                &cert,
                "--tls-key",
                &key,
                "127.0.0.1",
                "0",
            ],
            |c| {
                c.stdin(Stdio::piped());
            },
        );
        l.write_stdin(b"from-listener\n");
        let mut c = cmd(addr.port());
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut peer = Running::spawn_as_is(&mut c);
        peer.write_stdin(format!("from-{tool}\n").as_bytes());
        assert!(
            l.wait_stdout_contains(format!("from-{tool}\n").as_bytes(), WAIT),
            "{tool}: {}",
            l.snapshot()
        );
        assert!(
            peer.wait_stdout_contains(b"from-listener\n", WAIT),
            "{tool}: {}",
            peer.snapshot()
        );
        l.close_stdin();
        peer.close_stdin();
        let o = l.finish_within(WAIT);
        assert!(
            o.stderr_str().contains("TLS with 127.0.0.1:"),
            "{tool}: {o}"
        );
        peer.kill_and_collect();
    }
}

/// `listen --tls` and `connect --tls` for one session run through pair's engine, yet print
/// their own `-v` lines (and records), as without TLS, plus the handshake's.
#[test]
fn single_listen_and_connect_tls_speak_as_listen_and_connect() {
    if !have(&["python3"]) {
        return;
    }
    let certs = Certs::new();
    let ca = certs.s("ca.pem");
    let (cert, key) = (certs.s("localhost.pem"), certs.s("localhost.key"));
    for json in [false, true] {
        // listen: a Python ssl client sends 5 bytes and gets our 14.
        let mut args = vec!["-v", "--tls", "--tls-cert", &cert, "--tls-key", &key];
        if json {
            args.push("--json");
        }
        args.extend(["127.0.0.1", "0"]);
        let (mut l, addr) = spawn_listen_with(&args, |c| {
            c.stdin(Stdio::piped());
        });
        l.write_stdin(b"from-listener\n");
        l.close_stdin();
        let client = "import socket,ssl,sys\n\
             c=ssl.create_default_context(cafile=sys.argv[1])\n\
             t=c.wrap_socket(socket.create_connection(('127.0.0.1',int(sys.argv[2]))),server_hostname='localhost')\n\
             t.sendall(b'ping\\n'); got=b''\n\
             while True:\n    d=t.recv(100)\n    if not d: break\n    got+=d\n\
             sys.stdout.buffer.write(got); t.unwrap()";
        let o = run_within(
            &mut python(client, &[&ca, &addr.port().to_string()]),
            None,
            WAIT,
        );
        o.expect_code(0).expect_stdout(b"from-listener\n");
        let o = l.finish_within(WAIT);
        o.expect_code(0).expect_stdout(b"ping\n");
        let err = o.stderr_str();
        let lines: Vec<&str> = err.lines().collect();
        let want: [(&str, &str); 4] = if json {
            [
                (r#"{"event":"listening","addr":""#, "\"}"),
                (
                    r#"{"event":"connected","direction":"in","peer":"127.0.0.1:"#,
                    "\"}",
                ),
                (r#"{"event":"tls","peer":"127.0.0.1:"#, "\"}"),
                (
                    r#"{"event":"closed","peer":"127.0.0.1:"#,
                    r#""bytes_in":5,"bytes_out":14}"#,
                ),
            ]
        } else {
            [
                ("Listening on 127.0.0.1:", ""),
                ("Connected by 127.0.0.1:", ""),
                ("TLS with 127.0.0.1:", ", peer certificate none"),
                ("Closed 127.0.0.1:", " (in 5 bytes, out 14 bytes)"),
            ]
        };
        ensure!(o, lines.len() == want.len(), "{} lines", lines.len());
        for (line, (head, tail)) in lines.iter().zip(want) {
            ensure!(o, line.starts_with(head) && line.ends_with(tail), "{line}");
        }
        ensure!(
            o,
            lines[0].contains(&addr.port().to_string()),
            "{}",
            lines[0]
        );

        // connect: a Python ssl server sends 1000 bytes.
        let (mut srv, port) = py_server(&certs, &["send", "1000"]);
        let mut c = sockcli();
        c.args(["connect", "-v", "--tls", "--tls-ca", &ca]);
        if json {
            c.arg("--json");
        }
        c.args(["localhost", &port.to_string()]);
        let o = run_within(&mut c, Some(b""), WAIT);
        o.expect_code(0).expect_stdout(&pattern(1000));
        let err = o.stderr_str();
        let lines: Vec<&str> = err.lines().collect();
        let peer = format!("127.0.0.1:{port}");
        let want = if json {
            [
                format!(r#"{{"event":"connected","direction":"out","peer":"{peer}"}}"#),
                format!(r#"{{"event":"tls","peer":"{peer}","tls_version":"TLSv1.3""#),
            ]
        } else {
            [
                format!("Connected to {peer}"),
                format!("TLS with {peer}: TLSv1.3, "),
            ]
        };
        ensure!(o, lines.len() == 2, "{} lines", lines.len());
        ensure!(o, lines[0] == want[0], "{}", lines[0]);
        ensure!(o, lines[1].starts_with(&want[1]), "{}", lines[1]);
        srv.kill_and_collect();
    }
}

#[test]
fn connect_tls_to_ncat_and_socat_servers() {
    let certs = Certs::new();
    let ca = certs.s("ca.pem");
    let cert = certs.s("localhost.pem");
    let key = certs.s("localhost.key");
    for tool in ["ncat", "socat"] {
        if !require_tool(tool) {
            continue;
        }
        let port = free_tcp_port(false);
        let mut c = Command::new(tool);
        if tool == "ncat" {
            c.args([
                "--ssl",
                "--ssl-cert",
                &cert,
                "--ssl-key",
                &key,
                "-l",
                "127.0.0.1",
            ])
            .arg(port.to_string());
        } else {
            c.arg(format!(
                "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,cert={cert},key={key},verify=0"
            ))
            .arg("-");
        }
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut srv = Running::spawn_as_is(&mut c);
        wait_port(port);
        srv.write_stdin(format!("from-{tool}\n").as_bytes());
        let ep = format!("tls:localhost:{port},ca={ca}");
        let mut c = sockcli();
        c.args(["connect", &ep]);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut cli = Running::spawn_as_is(&mut c);
        cli.write_stdin(b"from-sockcli\n");
        assert!(srv.wait_stdout_contains(b"from-sockcli\n", WAIT), "{tool}");
        assert!(
            cli.wait_stdout_contains(format!("from-{tool}\n").as_bytes(), WAIT),
            "{tool}"
        );
        // Our EOF goes first (close_notify): both answer it with theirs.
        cli.close_stdin();
        let o = cli.finish_within(WAIT);
        o.expect_code(0);
        srv.kill_and_collect();
    }
}

/// Python TLS server: `mode` recv (hash what arrives until close_notify, reply with the hex
/// digest after our EOF, then close_notify), send N (send N pattern bytes, close_notify),
/// truncate (send a line, then drop TCP without close_notify).
const PY_SERVER: &str = r#"
import hashlib, socket, ssl, sys
cert, key, mode = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
print(ls.getsockname()[1], flush=True)
c, _ = ls.accept()
t = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
if mode == "recv":
    h = hashlib.sha256(); n = 0
    while True:
        d = t.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    t.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
    t.unwrap()
elif mode == "send":
    n = int(sys.argv[4]); block = bytes(range(256)) * 4096; sent = 0
    while sent < n:
        k = min(len(block), n - sent); t.sendall(block[:k]); sent += k
    t.unwrap()
else:
    t.sendall(b"partial\n"); t.shutdown(socket.SHUT_RDWR); t.close()
"#;

fn py_server(certs: &Certs, args: &[&str]) -> (Running, u16) {
    let cert = certs.s("localhost.pem");
    let key = certs.s("localhost.key");
    let mut all = vec![cert.as_str(), key.as_str()];
    all.extend_from_slice(args);
    let mut c = python(PY_SERVER, &all);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut r = Running::spawn_as_is(&mut c);
    let deadline = Instant::now() + WAIT;
    loop {
        let out = String::from_utf8_lossy(&r.stdout_snapshot()).into_owned();
        if let Some(line) = out.lines().next().filter(|_| out.contains('\n')) {
            return (r, line.trim().parse().unwrap());
        }
        assert!(
            Instant::now() < deadline,
            "python server did not start: {}",
            r.snapshot()
        );
        thread::sleep(POLL);
    }
}

fn pattern(n: usize) -> Vec<u8> {
    let block: Vec<u8> = (0..=255u8).collect::<Vec<_>>().repeat(4096);
    block.iter().cycle().take(n).copied().collect()
}

fn sha256_hex(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sixty_four_mib_both_ways_sha256_exact_and_half_close_carries_the_reply() {
    if !have(&["python3"]) {
        return;
    }
    let certs = Certs::new();
    let ca = certs.s("ca.pem");
    let n = 64 << 20;
    let data = pattern(n);
    // Up: our EOF is close_notify; Python sees a clean end, then answers after it.
    let (mut srv, port) = py_server(&certs, &["recv"]);
    let ep = format!("tls:localhost:{port},ca={ca}");
    let o = run_within(
        sockcli().args(["connect", &ep]),
        Some(&data),
        Duration::from_secs(120),
    );
    o.expect_code(0)
        .expect_stdout(format!("{n} {}\n", sha256_hex(&data)).as_bytes());
    srv.finish_within(WAIT);
    // Down: 64 MiB from Python, ended by its close_notify.
    let (mut srv, port) = py_server(&certs, &["send", &n.to_string()]);
    let ep = format!("tls:localhost:{port},ca={ca}");
    let mut c = sockcli();
    c.args(["connect", &ep])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = run_within(&mut c, Some(b""), Duration::from_secs(120));
    o.expect_code(0);
    assert_eq!(o.stdout.len(), n, "{}", o.stderr_str());
    assert_eq!(sha256_hex(&o.stdout), sha256_hex(&data));
    srv.finish_within(WAIT);
}

#[test]
fn a_truncated_stream_is_an_error() {
    if !have(&["python3"]) {
        return;
    }
    let certs = Certs::new();
    let (mut srv, port) = py_server(&certs, &["truncate"]);
    let mut c = sockcli();
    c.args([
        "connect",
        "--tls",
        "--tls-ca",
        &certs.s("ca.pem"),
        "localhost",
    ])
    .arg(port.to_string())
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut cli = Running::spawn_as_is(&mut c);
    let o = cli.finish_within(WAIT);
    o.expect_code(1).expect_stdout(b"partial\n");
    o.expect_stderr_contains("TLS stream truncated: no close_notify from 127.0.0.1:");
    srv.kill_and_collect();
}

#[test]
fn pair_terminates_tls_in_front_of_tcp_single_and_keep_open() {
    let (mut echo, echo_addr) = spawn_listen(&["-k", "--echo", "127.0.0.1", "0"]);
    let certs = Certs::new();
    let tcp = format!("tcp:127.0.0.1:{}", echo_addr.port());
    for keep in [false, true] {
        let port = free_tcp_port(false);
        let left = format!(
            "tls-listen:127.0.0.1:{port},cert={},key={}",
            certs.s("localhost.pem"),
            certs.s("localhost.key")
        );
        let mut c = sockcli();
        c.arg("pair");
        if keep {
            c.arg("-k");
        }
        c.args([&left, &tcp])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut p = Running::spawn_as_is(&mut c);
        wait_port(port);
        for i in 0..if keep { 3 } else { 1 } {
            let msg = format!("through-the-terminator-{i}\n");
            let o = run_within(
                sockcli()
                    .args(["connect", "--tls", "--tls-ca", &certs.s("ca.pem")])
                    .args(["localhost", &port.to_string()]),
                Some(msg.as_bytes()),
                WAIT,
            );
            o.expect_code(0).expect_stdout(msg.as_bytes());
        }
        if keep {
            p.kill_and_collect();
        } else {
            p.finish_within(WAIT).expect_code(0);
        }
    }
    echo.kill_and_collect();
}

/// 1,000 concurrent Python ssl clients, each sending its own bytes and checking the echo.
const PY_MANY: &str = r#"
import asyncio, resource, ssl, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
start = asyncio.Event()
async def one(i):
    r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    await start.wait()
    msg = ("client %d says %s\n" % (i, "x" * (i % 97))).encode()
    w.write(msg); await w.drain()
    got = await r.readexactly(len(msg))
    w.close()
    return got == msg
async def main():
    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    while sum(1 for t in tasks if t.done()) == 0 and not start.is_set():
        await asyncio.sleep(0.2); start.set()
    ok = await asyncio.wait_for(asyncio.gather(*tasks), 100)
    print(sum(ok))
asyncio.run(main())
"#;

#[test]
fn listen_keep_open_tls_echo_serves_1000_concurrent_python_clients() {
    if !have(&["python3"]) {
        return;
    }
    let (mut l, addr) = spawn_listen(&[
        "-k",
        "--tls",
        "--echo",
        "--backlog",
        "2048",
        "127.0.0.1",
        "0",
    ]);
    let o = run_within(
        &mut python(PY_MANY, &[&addr.port().to_string(), "1000"]),
        None,
        Duration::from_secs(150),
    );
    o.expect_code(0).expect_stdout(b"1000\n");
    l.kill_and_collect();
}

/// A client that sends half a ClientHello and stalls must not stall anyone else.
fn stalled_handshake_does_not_block(port: u16, ca: Option<&str>) {
    let mut stalled = TcpStream::connect(v4(port)).unwrap();
    use std::io::Write;
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    thread::sleep(Duration::from_millis(200));
    let mut c = sockcli();
    c.args(["connect", "--tls"]);
    match ca {
        Some(ca) => c.args(["--tls-ca", ca]),
        None => c.arg("--tls-insecure"),
    };
    c.args(["localhost", &port.to_string()]);
    let o = run_within(&mut c, Some(b"not-blocked\n"), Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"not-blocked\n");
    drop(stalled);
}

#[test]
fn a_stalled_handshake_stalls_nobody_in_listen_and_pair_keep_open() {
    let (mut l, addr) = spawn_listen(&["-k", "--tls", "--echo", "127.0.0.1", "0"]);
    stalled_handshake_does_not_block(addr.port(), None);
    let certs = Certs::new();
    let port = free_tcp_port(false);
    let left = format!(
        "tls-listen:127.0.0.1:{port},cert={},key={}",
        certs.s("localhost.pem"),
        certs.s("localhost.key")
    );
    let (mut echo, echo_addr) = spawn_listen(&["-k", "--echo", "127.0.0.1", "0"]);
    let right = format!("tcp:127.0.0.1:{}", echo_addr.port());
    let mut p = Running::spawn_as_is(
        sockcli()
            .args(["pair", "-k", &left, &right])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    wait_port(port);
    stalled_handshake_does_not_block(port, Some(&certs.s("ca.pem")));
    p.kill_and_collect();
    echo.kill_and_collect();
    l.kill_and_collect();
}

#[test]
fn listen_keep_open_tls_with_exec_and_broker() {
    if !have(&["python3"]) {
        return;
    }
    let (mut l, addr) = spawn_listen(&["-k", "--tls", "--exec", "cat", "127.0.0.1", "0"]);
    let p = addr.port().to_string();
    for i in 0..2 {
        let msg = format!("exec-{i}\n");
        let o = run_within(
            sockcli().args(["connect", "--tls", "--tls-insecure", "127.0.0.1", &p]),
            Some(msg.as_bytes()),
            WAIT,
        );
        o.expect_code(0).expect_stdout(msg.as_bytes());
    }
    l.kill_and_collect();
    let (mut b, addr) = spawn_listen(&["--broker", "--tls", "127.0.0.1", "0"]);
    let p = addr.port().to_string();
    let mut rx = Running::spawn_as_is(
        sockcli()
            .args(["connect", "--tls", "--tls-insecure", "127.0.0.1", &p])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    thread::sleep(Duration::from_millis(300));
    let mut tx = Running::spawn_as_is(
        sockcli()
            .args(["connect", "--tls", "--tls-insecure", "127.0.0.1", &p])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    // The sender's line reaches the other client (retried until both have joined).
    let deadline = Instant::now() + WAIT;
    while !rx.wait_stdout_contains(b"to-the-room\n", Duration::from_millis(300)) {
        assert!(Instant::now() < deadline, "{}", rx.snapshot());
        tx.write_stdin(b"to-the-room\n");
    }
    tx.kill_and_collect();
    rx.kill_and_collect();
    b.kill_and_collect();
}

#[test]
fn bad_tls_input_is_one_line_and_exit_2() {
    for (args, want) in [
        (
            vec!["connect", "--tls-ca", "x", "localhost", "1"],
            "--tls-ca needs --tls",
        ),
        (
            vec!["connect", "--tls", "--tls-pin", "abc", "localhost", "1"],
            "invalid pin 'abc'",
        ),
        (
            vec!["connect", "tls:localhost:1,alpn=h2;;x"],
            "invalid ALPN list",
        ),
        (
            vec!["connect", "tls:localhost:1,ca=/nonexistent"],
            "cannot read certificates from /nonexistent",
        ),
        (
            vec!["listen", "tls-listen:0,pin=00"],
            "option 'pin' does not apply to tls-listen",
        ),
        (
            vec!["listen", "--tls", "-u", "0"],
            "-u cannot be used with TLS",
        ),
        (
            vec![
                "connect",
                "--tls",
                "--proxy",
                "127.0.0.1:1",
                "localhost",
                "1",
            ],
            "--proxy cannot be used with TLS yet",
        ),
        (
            vec!["connect", "--proxy", "127.0.0.1:1", "tls:localhost:1"],
            "--proxy cannot be used with TLS yet",
        ),
    ] {
        let o = run_within(sockcli().args(&args), None, WAIT);
        o.expect_code(2);
        let line = o.expect_one_error_line();
        assert!(line.contains(want), "{args:?}: {line}");
    }
}

/// A client that sends 3 bytes of a ClientHello and waits, on a server where nothing else
/// happens: how long until the server closes it.
fn stalled_client_dropped_after(port: u16) -> thread::JoinHandle<Duration> {
    let mut stalled = TcpStream::connect(v4(port)).unwrap();
    thread::spawn(move || {
        use std::io::{Read, Write};
        stalled.write_all(&[0x16, 0x03, 0x01]).unwrap();
        let t0 = Instant::now();
        stalled
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        let mut buf = [0u8; 64];
        assert!(matches!(stalled.read(&mut buf), Ok(0) | Err(_)));
        t0.elapsed()
    })
}

#[test]
fn a_handshake_left_unfinished_is_dropped_after_ten_seconds() {
    // `listen -k --tls` and `pair -k tls-listen:` (two loops, one hub timer each), at once.
    let (mut l, addr) = spawn_listen(&["-v", "-k", "--tls", "--echo", "127.0.0.1", "0"]);
    let (mut echo, echo_addr) = spawn_listen(&["-k", "--echo", "127.0.0.1", "0"]);
    let pair_port = free_tcp_port(false);
    let mut p = Running::spawn_as_is(
        sockcli()
            .args([
                "pair",
                "-v",
                "-k",
                &format!("tls-listen:127.0.0.1:{pair_port}"),
                &format!("tcp:127.0.0.1:{}", echo_addr.port()),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    wait_port(pair_port);
    let waits = [
        stalled_client_dropped_after(addr.port()),
        stalled_client_dropped_after(pair_port),
    ];
    for (w, who) in waits.into_iter().zip(["listen -k", "pair -k"]) {
        let took = w.join().unwrap();
        assert!(
            took >= Duration::from_millis(9_800) && took < Duration::from_millis(11_500),
            "{who}: dropped after {took:?}, not 10-11 s"
        );
    }
    for r in [&mut l, &mut p] {
        assert!(
            r.wait_stderr_contains(b"failed: not done within 10 s", WAIT),
            "{}",
            r.snapshot()
        );
    }
    // The server goes on serving.
    let o = run_within(
        sockcli().args([
            "connect",
            "--tls",
            "--tls-insecure",
            "127.0.0.1",
            &addr.port().to_string(),
        ]),
        Some(b"later\n"),
        WAIT,
    );
    o.expect_code(0).expect_stdout(b"later\n");
    p.kill_and_collect();
    echo.kill_and_collect();
    l.kill_and_collect();
}

/// Resumption works: a session saved from one connection is resumed by the next (TLS 1.3
/// tickets, sealed by the server rather than kept in a cache).
#[test]
fn listen_keep_open_tls_resumes_sessions() {
    if !have(&["openssl"]) {
        return;
    }
    let (mut l, addr) = spawn_listen(&["-k", "--tls", "--echo", "127.0.0.1", "0"]);
    let dir = tempfile::tempdir().unwrap();
    let sess = dir.path().join("sess.pem");
    let connect = format!("127.0.0.1:{}", addr.port());
    // s_client writes the session when the server's ticket arrives (before the echo).
    let s_client = |io: &str| {
        let mut r = Running::spawn_as_is(
            Command::new("openssl")
                .args(["s_client", "-connect", &connect, "-ign_eof", io])
                .arg(&sess)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        r.write_stdin(b"hello-tls\n");
        assert!(
            r.wait_stdout_contains(b"\nhello-tls\n", WAIT),
            "{}",
            r.snapshot()
        );
        String::from_utf8_lossy(&r.kill_and_collect().stdout).into_owned()
    };
    let first = s_client("-sess_out");
    assert!(first.contains("New, TLSv1.3"), "{first}");
    assert!(
        std::fs::metadata(&sess).is_ok_and(|m| m.len() > 0),
        "{first}"
    );
    let second = s_client("-sess_in");
    assert!(second.contains("Reused, TLSv1.3"), "{second}");
    l.kill_and_collect();
}

#[test]
fn ipv6_literals_work_as_host_and_in_the_generated_certificate() {
    let (mut l, addr) = spawn_listen(&["-v", "-k", "--tls", "--echo", "::1", "0"]);
    assert!(l.wait_stderr_contains(b"TLS certificate generated, SHA-256 ", WAIT));
    let p = addr.port().to_string();
    let o = run_within(
        sockcli().args(["connect", "--tls", "--tls-insecure", "::1", &p]),
        Some(b"v6\n"),
        WAIT,
    );
    o.expect_code(0).expect_stdout(b"v6\n");
    // Verified by name: the generated certificate names ::1, but nobody issued it.
    let o = run_within(
        sockcli().args(["connect", &format!("tls:[::1]:{p}")]),
        Some(b"x"),
        WAIT,
    );
    o.expect_code(6).expect_stderr_contains("unknown issuer");
    l.kill_and_collect();
}
