//! `-t/--tty` and `--progress`. sockcli runs with a pseudo-terminal as stdin (or stderr): the
//! test holds the master side and types into it, and compares the terminal's termios before
//! the run with the termios after every way a session can end. The peer is a real TCP socket
//! on 127.0.0.1.

use crate::util::*;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{LocalModes, Termios, tcgetattr};

/// Ctrl-], the escape key that ends a `-t` session.
const ESCAPE: u8 = 0x1d;

/// A pseudo-terminal: the test types into `master`; sockcli gets the slave.
struct Pty {
    master: OwnedFd,
    slave: File,
}

impl Pty {
    fn open() -> Pty {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .expect("open pty slave");
        Pty { master, slave }
    }

    /// The slave, for a child's stdin or stderr.
    fn stdio(&self) -> Stdio {
        Stdio::from(self.slave.try_clone().unwrap())
    }

    fn termios(&self) -> Termios {
        tcgetattr(&self.slave).expect("tcgetattr")
    }

    /// Every terminal setting, comparable (termios has no PartialEq; its Debug shows all).
    fn modes(&self) -> String {
        format!("{:?}", self.termios())
    }

    fn is_raw(&self) -> bool {
        let t = tcgetattr(&self.slave).expect("tcgetattr");
        !t.local_modes
            .intersects(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG)
    }

    /// Type bytes, as a person at the terminal would.
    fn type_keys(&self, keys: &[u8]) {
        let mut left = keys;
        while !left.is_empty() {
            let n = rustix::io::write(&self.master, left).expect("write to pty master");
            left = &left[n..];
        }
    }

    /// Collect what the terminal shows (the master's output) in a background thread until
    /// every slave fd is closed (EIO).
    fn capture_output(&self) -> Arc<Mutex<Vec<u8>>> {
        let out = Arc::new(Mutex::new(Vec::new()));
        let master = self.master.as_fd().try_clone_to_owned().unwrap();
        let sink = Arc::clone(&out);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = rustix::io::read(&master, &mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        out
    }
}

/// Wait (bounded) until sockcli has put the terminal in raw mode.
#[track_caller]
fn wait_raw(pty: &Pty, r: &mut Running) {
    let deadline = Instant::now() + WAIT;
    while !pty.is_raw() {
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("the terminal never went raw\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// Accept one client within WAIT; the stream gets a read timeout for the checks.
#[track_caller]
fn accept_within(listener: &TcpListener, r: &mut Running) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                return s;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        if r.try_status().is_some() || Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!("sockcli never connected\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// Read exactly `want.len()` bytes from the peer socket (bounded by its read timeout).
#[track_caller]
fn expect_peer_gets(s: &mut TcpStream, want: &[u8], r: &mut Running) {
    let mut got = vec![0u8; want.len()];
    if let Err(e) = s.read_exact(&mut got) {
        let o = r.kill_and_collect();
        panic!("peer did not get {want:?} promptly: {e}\n{o}");
    }
    assert_eq!(got, want, "peer got other bytes");
}

/// `sockcli connect -t` on a fresh pty to a listener of this test, connected and raw.
fn connect_tty(extra: &[&str]) -> (Pty, Termios, Running, TcpStream) {
    let pty = Pty::open();
    let before = pty.termios();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut cmd = sockcli();
    cmd.args(["connect", "-t"])
        .args(extra)
        .args(["127.0.0.1", &port])
        .stdin(pty.stdio());
    let mut r = Running::spawn(&mut cmd);
    let peer = accept_within(&listener, &mut r);
    wait_raw(&pty, &mut r);
    (pty, before, r, peer)
}

#[track_caller]
fn expect_restored(pty: &Pty, before: &Termios, o: &Out) {
    assert_eq!(
        pty.modes(),
        format!("{before:?}"),
        "terminal settings not restored after sockcli exited\n{o}"
    );
}

#[test]
fn tty_keystrokes_go_out_as_typed_and_escape_quits() {
    let (pty, before, mut r, mut peer) = connect_tty(&[]);
    // Output processing stays on in raw mode: a peer's bare \n still starts a new line.
    assert_eq!(pty.termios().output_modes, before.output_modes);
    // Each key arrives on its own, with no Enter: the terminal is not line-buffered.
    for key in [b"a", b"b", b"c"] {
        pty.type_keys(key);
        expect_peer_gets(&mut peer, key, &mut r);
    }
    // Ctrl-C, Ctrl-D, Ctrl-Z and Enter are bytes for the peer, not signals, EOF or newline.
    pty.type_keys(b"\x03\x04\x1a\r");
    expect_peer_gets(&mut peer, b"\x03\x04\x1a\r", &mut r);
    assert!(
        r.try_status().is_none(),
        "Ctrl-C/Ctrl-D ended sockcli in raw mode"
    );
    peer.write_all(b"from peer\n").unwrap();
    assert!(r.wait_stdout_contains(b"from peer\n", WAIT));
    // The escape key quits at once: what was typed before it goes out, it does not, and the
    // peer sees the connection close.
    pty.type_keys(&[b'x', ESCAPE, b'y']);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"from peer\n");
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"x", "bytes after the escape key were sent");
    expect_restored(&pty, &before, &o);
}

#[test]
fn tty_restored_when_peer_closes() {
    let (pty, before, mut r, mut peer) = connect_tty(&[]);
    peer.write_all(b"bye\n").unwrap();
    drop(peer);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0).expect_stdout(b"bye\n");
    expect_restored(&pty, &before, &o);
}

#[test]
fn tty_restored_on_sigterm_and_sigint() {
    for (sig, code) in [("TERM", 143), ("INT", 130)] {
        let (pty, before, mut r, _peer) = connect_tty(&[]);
        r.signal(sig);
        let o = r.finish_within(Duration::from_secs(10));
        o.expect_code(code);
        expect_restored(&pty, &before, &o);
    }
}

#[test]
fn tty_restored_after_connection_reset() {
    let (pty, before, mut r, peer) = connect_tty(&[]);
    // SO_LINGER 0: close sends RST, so sockcli's next receive fails.
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(peer);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(1).expect_stderr_contains("connection reset");
    expect_restored(&pty, &before, &o);
}

#[test]
fn tty_untouched_when_connect_fails() {
    let pty = Pty::open();
    let before = pty.termios();
    let port = free_tcp_port(false).to_string();
    let mut cmd = sockcli();
    cmd.args(["connect", "-t", "127.0.0.1", &port])
        .stdin(pty.stdio());
    let o = Running::spawn(&mut cmd).finish();
    o.expect_code(1)
        .expect_stderr_contains("connection refused");
    expect_restored(&pty, &before, &o);
}

#[test]
fn tty_listen_relays_keystrokes_to_its_client() {
    let pty = Pty::open();
    let before = pty.termios();
    let (mut r, addr) = spawn_listen_with(&["-t", "127.0.0.1", "0"], |c| {
        c.stdin(pty.stdio());
    });
    let mut client = TcpStream::connect_timeout(&addr, WAIT).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    wait_raw(&pty, &mut r);
    pty.type_keys(b"k");
    expect_peer_gets(&mut client, b"k", &mut r);
    pty.type_keys(b"\x03");
    expect_peer_gets(&mut client, b"\x03", &mut r);
    drop(client);
    let o = r.finish_within(Duration::from_secs(10));
    o.expect_code(0);
    expect_restored(&pty, &before, &o);
}

#[test]
fn tty_flag_without_a_terminal_is_a_plain_relay() {
    let (mut peer, port) = spawn_py_server(&["rev", "127.0.0.1"]);
    let o = run(
        sockcli().args(["connect", "-t", "-v", "127.0.0.1", &port.to_string()]),
        Some(b"abc"),
    );
    o.expect_code(0)
        .expect_stdout(b"3\ncba")
        .expect_stderr_contains("-t ignored: stdin is not a terminal");
    peer.kill_and_collect();
}

// ---------------------------------------------------------------- --progress

/// The last `sent N bytes..., received M bytes...` line of a progress output, as (N, M).
fn final_counts(text: &str) -> Option<(u64, u64)> {
    let line = text
        .split(['\n', '\r'])
        .rfind(|l| l.contains(" bytes") && l.contains("received"))?;
    let line = &line[line.find("sent ")?..];
    let mut nums = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let sent = nums.next()?.parse().ok()?;
    let after = &line[line.find("received ")? + "received ".len()..];
    let received = after.split(' ').next()?.parse().ok()?;
    Some((sent, received))
}

/// A peer that reads everything (answering with the count when it ends) while dripping
/// `chunks` pieces of `pattern` bytes 100 ms apart: the transfer lasts long enough for
/// periodic progress lines.
const DRIP_PEER: &str = r#"
import socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
chunks, size = int(sys.argv[1]), int(sys.argv[2])
data = (bytes(range(251)) * (size // 251 + 1))[:size]
def drip():
    for _ in range(chunks):
        c.sendall(data)
        time.sleep(0.1)
    c.shutdown(socket.SHUT_WR)
t = threading.Thread(target=drip)
t.start()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
t.join()
print("peer got %d" % n, flush=True)
"#;

fn spawn_drip_peer(chunks: usize, size: usize) -> (Running, String) {
    let mut peer = Running::spawn(&mut python(
        DRIP_PEER,
        &[&chunks.to_string(), &size.to_string()],
    ));
    let deadline = Instant::now() + WAIT;
    loop {
        let out = peer.stdout_snapshot();
        if let Some(i) = out.iter().position(|&b| b == b'\n') {
            return (peer, String::from_utf8_lossy(&out[..i]).into_owned());
        }
        if peer.try_status().is_some() || Instant::now() >= deadline {
            let o = peer.kill_and_collect();
            panic!("drip peer not ready\n{o}");
        }
        thread::sleep(POLL);
    }
}

#[test]
fn progress_to_a_file_ends_with_the_exact_counts() {
    if !require_tool("python3") {
        return;
    }
    let (chunks, size) = (15, 40_000);
    let (mut peer, port) = spawn_drip_peer(chunks, size);
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let sent = xorshift_bytes(300_000, 3);
    let mut cmd = sockcli();
    cmd.args(["connect", "--progress", "127.0.0.1", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(create(&err_path));
    let mut r = Running::spawn_as_is(&mut cmd);
    let feeder = r.feed_stdin(sent.clone());
    let o = r.finish();
    feeder.join().unwrap();
    o.expect_code(0);
    let want: Vec<u8> = pattern(size).repeat(chunks);
    o.expect_stdout(&want);
    let err = std::fs::read_to_string(&err_path).unwrap();
    assert!(
        !err.contains('\r') && !err.contains('\x1b'),
        "not a terminal: plain lines only\n{err}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() >= 2,
        "a 1.5 s transfer shows at least one periodic line and the final one\n{err}"
    );
    for l in &lines[..lines.len() - 1] {
        assert!(
            l.starts_with("sent ") && l.contains(", received ") && l.ends_with("/s"),
            "periodic line {l:?}"
        );
    }
    assert_eq!(
        final_counts(lines[lines.len() - 1]),
        Some((sent.len() as u64, want.len() as u64)),
        "final line\n{err}"
    );
    let peer_out = peer.finish();
    assert!(
        peer_out
            .stdout_str()
            .contains(&format!("peer got {}", sent.len())),
        "{peer_out}"
    );
}

#[test]
fn progress_on_a_terminal_redraws_in_place() {
    if !require_tool("python3") {
        return;
    }
    let (chunks, size) = (8, 10_000);
    let (mut peer, port) = spawn_drip_peer(chunks, size);
    let pty = Pty::open();
    let shown = pty.capture_output();
    let mut cmd = sockcli();
    cmd.args(["connect", "--progress", "127.0.0.1", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(pty.stdio());
    let mut r = Running::spawn_as_is(&mut cmd);
    let feeder = r.feed_stdin(b"hello".to_vec());
    let o = r.finish();
    feeder.join().unwrap();
    o.expect_code(0)
        .expect_stdout(&pattern(size).repeat(chunks));
    // Close our slave so the capture thread sees the end, then wait for it (bounded).
    let Pty { master, slave } = pty;
    drop(slave);
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
        if text.ends_with('\n') || Instant::now() >= deadline {
            break text;
        }
        thread::sleep(POLL);
    };
    drop(master);
    assert!(
        text.matches("\r\x1b[2Ksent ").count() >= 2,
        "in-place redraws (\\r, clear line) for a 0.8 s transfer, then the final line: {text:?}"
    );
    assert_eq!(
        final_counts(&text),
        Some((5, (chunks * size) as u64)),
        "{text:?}"
    );
    peer.kill_and_collect();
}

#[test]
fn progress_agrees_with_listen_verbose_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out");
    let (mut r, addr) = spawn_listen_with(&["-v", "--progress", "127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped()).stdout(create(&out_path));
    });
    r.write_stdin(b"to the client");
    r.close_stdin();
    let data = xorshift_bytes(1 << 20, 5);
    let got = run(
        &mut py_peer(&["client", "127.0.0.1", &addr.port().to_string()]),
        Some(&data),
    );
    got.expect_code(0).expect_stdout(b"to the client");
    let o = r.finish();
    o.expect_code(0);
    assert_eq!(
        std::fs::read(&out_path).unwrap(),
        data,
        "stdout is byte-exact"
    );
    let err = o.stderr_str();
    assert_eq!(
        final_counts(&err),
        Some((13, 1 << 20)),
        "progress counts\n{o}"
    );
    o.expect_stderr_contains("(in 1048576 bytes, out 13 bytes)");
}
