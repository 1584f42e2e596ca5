//! Faults users meet (issue 13): a stopped process, a full disk on stdout, a reader that goes
//! away, a reader that is slow, and thousands of connections and resets — each checked for
//! what the user sees (bytes, exit code, one line) and for what must not grow (fds, memory).
//! Sized for CI; `| head` is in connect.rs, a reset peer for `pair` in pair.rs (for `connect`
//! and `listen` here), a vanishing interface in sniff.rs, EMFILE in server.rs; the heavy runs
//! (1 GiB, 10,000 connections) are `bench/faults.sh`; the memory of every queue a peer can
//! fill is in memq.rs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::*;

/// `/proc/PID/status` field in kB (VmRSS, VmHWM).
pub(crate) fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// The receiver is stopped (SIGSTOP) for a second in the middle of 64 MiB and continued: every
/// byte arrives, in order, and both sides exit 0.
#[test]
fn sigstop_and_sigcont_of_the_receiver_lose_nothing() {
    let data = xorshift_bytes(64 << 20, 7);
    let (mut rx, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdout(Stdio::piped());
    });
    let mut tx = Running::spawn(
        sockcli()
            .args(["connect", "127.0.0.1", &addr.port().to_string()])
            .stdin(Stdio::piped()),
    );
    let feeder = tx.feed_stdin(data.clone());
    thread::sleep(Duration::from_millis(100));
    rx.signal("STOP");
    thread::sleep(Duration::from_secs(1));
    rx.signal("CONT");
    feeder.join().unwrap();
    let t = tx.finish_within(Duration::from_secs(60));
    t.expect_code(0);
    let r = rx.finish_within(Duration::from_secs(60));
    r.expect_code(0);
    assert!(
        r.stdout == data,
        "64 MiB differ after SIGSTOP/SIGCONT ({} bytes)",
        r.stdout.len()
    );
}

/// stdout on a full disk (/dev/full) is a write error: exit 1 and one line, not a hang and not
/// a silent success.
#[test]
fn stdout_on_a_full_disk_exits_1_with_one_line() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let (mut rx, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdout(Stdio::from(full));
    });
    let mut s = TcpStream::connect(addr).unwrap();
    let _ = s.write_all(&[b'x'; 100_000]);
    drop(s);
    let o = rx.finish_within(Duration::from_secs(10));
    o.expect_code(1).expect_no_panic();
    let line = o.expect_one_error_line();
    assert!(
        line.contains("write to stdout failed") && line.contains("no space"),
        "{line}"
    );
}

/// A slow reader slows the sender instead of filling memory: 256 MiB pushed at a listener whose
/// stdout is read at a trickle keeps its resident memory small.
#[test]
fn a_slow_reader_keeps_memory_bounded() {
    let (mut rx, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdout(Stdio::piped());
    });
    let pid = rx.pid();
    let before = status_kb(pid, "VmRSS:");
    let sender = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let chunk = vec![b'z'; 1 << 20];
        for _ in 0..256 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    // Our reader (the pipe) takes nothing for 2 s while the sender pushes.
    thread::sleep(Duration::from_secs(2));
    let peak = status_kb(pid, "VmHWM:");
    assert!(
        peak < before + 16 * 1024,
        "resident memory grew from {before} kB to {peak} kB with a stalled reader"
    );
    rx.kill_and_collect();
    let _ = sender.join();
}

/// 2,000 connections and 500 resets against `listen -k --echo`: afterwards the server holds
/// exactly the fds it held before.
#[test]
fn thousands_of_connections_and_resets_leak_no_fd() {
    let (mut srv, addr) = spawn_listen(&["-k", "127.0.0.1", "0", "--echo"]);
    let pid = srv.pid();
    let base = fd_count(pid);
    let o = run_within(
        &mut python(
            r#"
import socket, struct, sys
port = int(sys.argv[1])
for i in range(2000):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"ping"); assert c.recv(4) == b"ping"
    if i % 4 == 0:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
print("done")
"#,
            &[&addr.port().to_string()],
        ),
        None,
        Duration::from_secs(120),
    );
    o.expect_code(0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while fd_count(pid) != base && Instant::now() < deadline {
        thread::sleep(POLL);
    }
    assert_eq!(
        fd_count(pid),
        base,
        "fds before and after 2,000 connections (500 reset)"
    );
    assert!(srv.try_status().is_none(), "the server survived");
    srv.kill_and_collect();
}

/// SIGTERM while bytes are in flight: exit 143 after writing out what was received.
#[test]
fn sigterm_mid_transfer_delivers_what_was_received() {
    let (mut rx, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdout(Stdio::piped());
    });
    let mut s = TcpStream::connect(addr).unwrap();
    let payload = xorshift_bytes(1 << 20, 3);
    s.write_all(&payload).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while rx.stdout_snapshot().len() < payload.len() && Instant::now() < deadline {
        thread::sleep(POLL);
    }
    rx.signal("TERM");
    let o = rx.finish_within(Duration::from_secs(10));
    o.expect_code(143);
    assert!(o.stdout == payload, "stdout holds exactly what was sent");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
}

/// A peer that sends N pattern bytes, waits until our kernel has acknowledged all of them (its
/// send queue is empty, so they sit in sockcli's receive queue or beyond), then resets
/// (SO_LINGER 0). `server`: listens and prints its port first; `client PORT`: connects.
const RESET_PEER: &str = r#"
import fcntl, socket, struct, sys, termios, time
mode, n = sys.argv[1], int(sys.argv[2])
if mode == "server":
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
    print(s.getsockname()[1], flush=True)
    c, _ = s.accept()
else:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
c.sendall(bytes((i * 7 + 3) & 255 for i in range(n)))
deadline = time.time() + 10
while struct.unpack("i", fcntl.ioctl(c, termios.TIOCOUTQ, b"\0\0\0\0"))[0] and time.time() < deadline:
    time.sleep(0.01)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
print("reset", flush=True)
"#;

const RESET_AFTER: usize = 300_000;

fn reset_peer_bytes() -> Vec<u8> {
    (0..RESET_AFTER).map(|i| (i * 7 + 3) as u8).collect()
}

/// What sockcli shows for a reset: exit 1, one line saying so, and every byte acknowledged
/// before the reset on stdout.
#[track_caller]
fn expect_reset_reported(o: &Out) {
    o.expect_code(1).expect_no_panic();
    let line = o.expect_one_error_line();
    assert!(
        line.contains("reset"),
        "the error line should say reset: {line}"
    );
    assert!(
        o.stdout == reset_peer_bytes(),
        "stdout has {} of the {RESET_AFTER} bytes received before the reset",
        o.stdout.len()
    );
}

/// `connect` to a server that sends 300,000 bytes and resets: exit 1, one line, every byte out.
#[test]
fn peer_reset_during_connect_exits_1_after_writing_what_arrived() {
    let mut peer = Running::spawn(&mut python(
        RESET_PEER,
        &["server", &RESET_AFTER.to_string()],
    ));
    assert!(
        peer.wait_stdout_contains(b"\n", WAIT),
        "peer did not listen"
    );
    let port = String::from_utf8_lossy(&peer.stdout_snapshot())
        .trim()
        .to_string();
    // stdin stays open: the reset comes mid-session, not after our half-close.
    let mut c = Running::spawn(
        sockcli()
            .args(["connect", "127.0.0.1", &port])
            .stdin(Stdio::piped()),
    );
    let o = c.finish_within(Duration::from_secs(20));
    let _ = peer.kill_and_collect();
    expect_reset_reported(&o);
}

/// `listen` whose client sends 300,000 bytes and resets: exit 1, one line, every byte out.
#[test]
fn peer_reset_during_listen_exits_1_after_writing_what_arrived() {
    let (mut rx, addr) = spawn_listen_with(&["127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped());
    });
    let p = run_within(
        &mut python(
            RESET_PEER,
            &["client", &RESET_AFTER.to_string(), &addr.port().to_string()],
        ),
        None,
        Duration::from_secs(20),
    );
    p.expect_code(0);
    let o = rx.finish_within(Duration::from_secs(20));
    expect_reset_reported(&o);
}
