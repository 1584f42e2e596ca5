//! Every queue a peer can fill stays bounded (issue 13): the broker's per-client queues, the
//! `-k` hub's stdin fan-out and its stdout buffer, the UDP peer tables of `listen -u -k` and
//! `pair -k udp-listen:`, and the framing decoder and encoder under `--max-frame`. Each test
//! measures sockcli's peak resident memory (VmHWM, or ru_maxrss for a process that exits on
//! its own) and asserts a bound derived from the limits in the code; the figures are printed.
//!
//! A queue only grows while its reader lags, so the readers here lag on purpose: a client that
//! never reads, and one that reads 64 KiB a millisecond behind a 32 KiB server-side
//! send buffer (`--sndbuf 32k`, what a slow link gives), so its queue never empties.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Stdio;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::faults::status_kb;
use crate::server::wait_stderr_count;
use crate::util::*;

const MIB: usize = 1 << 20;
/// Bytes each test pushes through the queue under test.
const CHUNKS: usize = 128;
/// `conn::QUEUE_LIMIT` and the server's `STDOUT_LIMIT`: 1 MiB each.
const QUEUE_LIMIT_KB: u64 = 1024;

/// Chunk `k` of a stream: 1 MiB of xorshift bytes whose first 8 bytes are `k`, so a lost,
/// repeated or reordered chunk is caught by one comparison.
fn chunk(base: &[u8], k: usize) -> Vec<u8> {
    let mut c = base.to_vec();
    c[..8].copy_from_slice(&(k as u64).to_le_bytes());
    c
}

/// Write `CHUNKS` chunks to `w` (errors end it quietly: the receiver may be gone).
fn send_chunks<W: Write + Send + 'static>(mut w: W, base: Arc<Vec<u8>>) -> JoinHandle<()> {
    thread::spawn(move || {
        for k in 0..CHUNKS {
            if w.write_all(&chunk(&base, k)).is_err() {
                return;
            }
        }
    })
}

/// Read `CHUNKS` chunks from `r` at 64 KiB per millisecond and check each; returns how many
/// arrived intact, or what was wrong.
fn paced_reader<R: Read + Send + 'static>(
    mut r: R,
    base: Arc<Vec<u8>>,
) -> JoinHandle<Result<usize, String>> {
    thread::spawn(move || {
        let mut buf = vec![0u8; MIB];
        for k in 0..CHUNKS {
            let mut got = 0;
            while got < MIB {
                let end = (got + 64 * 1024).min(MIB);
                match r.read(&mut buf[got..end]) {
                    Ok(0) => return Err(format!("EOF after {k} chunks and {got} bytes")),
                    Ok(n) => got += n,
                    Err(e) => return Err(format!("read failed after {k} chunks: {e}")),
                }
                thread::sleep(Duration::from_millis(1));
            }
            if buf != chunk(&base, k) {
                return Err(format!("chunk {k} differs"));
            }
        }
        Ok(CHUNKS)
    })
}

/// A client whose receive buffer is 4 KiB and which never reads.
fn stuck_client(addr: SocketAddr) -> socket2::Socket {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .unwrap();
    s.set_recv_buffer_size(4096).unwrap();
    s.connect(&addr.into()).unwrap();
    s
}

fn timed_stream(addr: SocketAddr) -> TcpStream {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .unwrap();
    // Small windows keep loopback TCP moving in small steps, as the small send buffer does.
    s.set_recv_buffer_size(32 * 1024).unwrap();
    s.connect(&addr.into()).unwrap();
    let s: TcpStream = s.into();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    s
}

/// Peak resident memory of a live process, checked against `before + bound_kb`.
#[track_caller]
fn expect_peak(what: &str, pid: u32, before: u64, bound_kb: u64) -> u64 {
    let peak = status_kb(pid, "VmHWM:");
    println!("{what}: VmHWM {peak} kB (VmRSS before {before} kB, bound +{bound_kb} kB)");
    assert!(
        peak > 0 && peak < before + bound_kb,
        "{what}: resident memory peaked at {peak} kB, over {before} + {bound_kb} kB"
    );
    peak
}

/// `--broker`: one client sends 128 MiB, one never reads, one reads but lags. The stalled one
/// is dropped after 2 s, the lagging one gets every byte in order, and memory stays within
/// the queues' limits: each client's queue holds at most 1 MiB plus one 64 KiB read, in a ring
/// of at most twice that, so three clients stay under 8 MiB over the start (it was 135 MiB
/// when a queue was a `Vec` cleared only once empty).
#[test]
fn broker_queues_stay_bounded_with_a_stalled_and_a_lagging_client() {
    let (mut srv, addr) = spawn_listen(&["-v", "--broker", "--sndbuf", "32k", "127.0.0.1", "0"]);
    let pid = srv.pid();
    let sender = timed_stream(addr);
    let stuck = stuck_client(addr);
    let reader = timed_stream(addr);
    wait_stderr_count(&mut srv, "Connected by", 3);
    let before = status_kb(pid, "VmRSS:");
    let base = Arc::new(xorshift_bytes(MIB, 13));
    let got = paced_reader(reader, base.clone());
    let sent = send_chunks(sender.try_clone().unwrap(), base);
    let got = got.join().unwrap();
    sent.join().unwrap();
    assert_eq!(got, Ok(CHUNKS), "the lagging client's bytes");
    assert!(
        srv.wait_stderr_contains(b"dropped: not reading", WAIT),
        "the stalled client was not dropped\n{}",
        srv.kill_and_collect()
    );
    expect_peak("broker", pid, before, 8 * QUEUE_LIMIT_KB);
    drop(stuck);
    sender.shutdown(Shutdown::Both).unwrap();
    srv.kill_and_collect();
}

/// `listen -k`: 128 MiB on stdin go to a client that never reads (dropped after 2 s) and to
/// one that lags; it gets every byte in order and memory stays within two queues' rings.
#[test]
fn k_stdin_fan_out_stays_bounded_with_a_stalled_and_a_lagging_client() {
    let (mut srv, addr) =
        spawn_listen_with(&["-v", "-k", "--sndbuf", "32k", "127.0.0.1", "0"], |c| {
            c.stdin(Stdio::piped());
        });
    let pid = srv.pid();
    let stuck = stuck_client(addr);
    let reader = timed_stream(addr);
    wait_stderr_count(&mut srv, "Connected by", 2);
    let before = status_kb(pid, "VmRSS:");
    let base = Arc::new(xorshift_bytes(MIB, 17));
    let got = paced_reader(reader.try_clone().unwrap(), base.clone());
    let sent = send_chunks(srv.stdin.take().unwrap(), base);
    let got = got.join().unwrap();
    sent.join().unwrap();
    assert_eq!(got, Ok(CHUNKS), "the lagging client's bytes");
    assert!(
        srv.wait_stderr_contains(b"dropped: not reading", WAIT),
        "the stalled client was not dropped\n{}",
        srv.kill_and_collect()
    );
    expect_peak("-k stdin fan-out", pid, before, 6 * QUEUE_LIMIT_KB);
    drop(stuck);
    srv.kill_and_collect();
}

/// `listen -k` whose stdout is a pipe read slowly: a client's 128 MiB wait for stdout in a
/// buffer of at most 1 MiB plus one read; the client is paused meanwhile, nothing is lost.
#[test]
fn k_slow_stdout_stays_bounded() {
    let (rx, tx) = std::io::pipe().unwrap();
    let (mut srv, addr) = spawn_listen_with(&["-k", "127.0.0.1", "0"], |c| {
        c.stdout(Stdio::from(tx));
    });
    let pid = srv.pid();
    let before = status_kb(pid, "VmRSS:");
    let base = Arc::new(xorshift_bytes(MIB, 19));
    let got = paced_reader(rx, base.clone());
    let client = timed_stream(addr);
    let sent = send_chunks(client.try_clone().unwrap(), base);
    let got = got.join().unwrap();
    sent.join().unwrap();
    assert_eq!(got, Ok(CHUNKS), "stdout's bytes");
    expect_peak("-k slow stdout", pid, before, 4 * QUEUE_LIMIT_KB);
    srv.kill_and_collect();
}

/// Sends one datagram from `first` (127.1.0.1), one from each of N other addresses
/// (127.2.x.y, one socket at a time, 64 at a time before waiting for the listener's receive
/// queue in /proc/net/udp to empty, so none is lost), a flood of F 1 KiB datagrams, then one
/// from `last` (127.3.0.1); prints "sent", then what `first` and `last` receive.
const UDP_PEERS: &str = r#"
import socket, sys, time
port, n, flood = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dst = ("127.0.0.1", port)
deadline = time.time() + 15
def drained():
    local = "0100007F:%04X" % port
    while time.time() < deadline:
        with open("/proc/net/udp") as f:
            queues = [l.split()[4] for l in f if l.split()[1] == local]
        if all(q.endswith(":00000000") for q in queues):
            return
        time.sleep(0.001)
def sock(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 0)); return s
first = sock("127.1.0.1"); first.sendto(b"first\n", dst)
for i in range(n):
    s = sock("127.2.%d.%d" % (i >> 8, i & 255)); s.sendto(b"x\n", dst); s.close()
    if i % 64 == 63:
        drained()
f = sock("127.1.0.2")
for i in range(flood):
    f.sendto(b"f" * 1023 + b"\n", dst)
drained()
last = sock("127.3.0.1"); last.sendto(b"last\n", dst)
print("sent", flush=True)
for name, s in (("last", last), ("first", first)):
    s.settimeout(3 if name == "last" else 1)
    try:
        print(name, "got", s.recv(100), flush=True)
    except socket.timeout:
        print(name, "got nothing", flush=True)
"#;

const UDP_PEER_COUNT: &str = "20000";
const UDP_FLOOD: &str = "100000";

/// `listen -u -k` heard from 20,003 addresses and flooded: it remembers the 4,096 heard from
/// last (stdin reaches the newest peer, not the first one, which was forgotten), and memory
/// stays within the table: 4,096 peers of about 512 bytes each (a slot, a hash-map entry and
/// 16-byte hearings log entries, with their growth room), about 2 MiB, plus one 64 KiB
/// datagram buffer: under 4 MiB over the start. Every datagram costs O(1): with a linear
/// table the 20,003 senders took over 30 s here.
#[test]
fn udp_listen_k_peer_table_stays_bounded_under_20000_peers_and_a_flood() {
    let (mut srv, addr) = spawn_listen_with(&["-u", "-k", "-v", "127.0.0.1", "0"], |c| {
        c.stdin(Stdio::piped()).stdout(Stdio::null());
    });
    let pid = srv.pid();
    let before = status_kb(pid, "VmRSS:");
    let mut peers = Running::spawn(&mut python(
        UDP_PEERS,
        &[&addr.port().to_string(), UDP_PEER_COUNT, UDP_FLOOD],
    ));
    assert!(
        peers.wait_stdout_contains(b"sent", WAIT),
        "the peers did not finish\n{}",
        peers.kill_and_collect()
    );
    wait_stderr_count(&mut srv, "Connected by 127.3.0.1", 1);
    srv.write_stdin(b"to everyone\n");
    let p = peers.finish_within(Duration::from_secs(10));
    let out = p.stdout_str();
    let heard = String::from_utf8_lossy(&srv.stderr_snapshot())
        .into_owned()
        .matches("Connected by")
        .count();
    println!("udp listen -k: {out:?}, {heard} peers heard");
    assert!(
        out.contains("last got b'to everyone\\n'") && out.contains("first got nothing"),
        "stdin should reach the newest peer and not the forgotten first one: {out}"
    );
    assert!(
        heard > 20_000,
        "only {heard} peers heard: datagrams were lost before the table filled"
    );
    expect_peak("udp listen -k", pid, before, 4 * 1024);
    srv.kill_and_collect();
}

/// `pair -k udp-listen: udp:` with `--max-conns 500` heard from 20,003 addresses and
/// flooded: 500 entries (an upstream socket each), the rest refused, memory under 4 MiB over
/// the start.
#[test]
fn udp_forwarder_table_stays_bounded_by_max_conns() {
    let upstream = UdpSocket::bind("127.0.0.1:0").unwrap();
    let up = upstream.local_addr().unwrap().port();
    let port = free_udp_port(false);
    let mut srv = Running::spawn(sockcli().args([
        "pair",
        "-k",
        "-v",
        "--max-conns",
        "500",
        &format!("udp-listen:127.0.0.1:{port}"),
        &format!("udp:127.0.0.1:{up}"),
    ]));
    wait_stderr_count(&mut srv, "Listening on", 1);
    let pid = srv.pid();
    let before = status_kb(pid, "VmRSS:");
    let mut peers = Running::spawn(&mut python(
        UDP_PEERS,
        &[&port.to_string(), UDP_PEER_COUNT, UDP_FLOOD],
    ));
    assert!(
        peers.wait_stdout_contains(b"sent", WAIT),
        "the peers did not finish\n{}",
        peers.kill_and_collect()
    );
    peers.finish_within(Duration::from_secs(10));
    let err = String::from_utf8_lossy(&srv.stderr_snapshot()).into_owned();
    let (connected, refused) = (
        err.matches("Connected by").count(),
        err.matches("--max-conns 500 reached").count(),
    );
    println!("udp forwarder: {connected} entries, {refused} refused");
    assert_eq!(connected, 500, "entries made");
    assert!(refused > 10_000, "only {refused} datagrams refused");
    expect_peak("udp forwarder", pid, before, 4 * 1024);
    srv.kill_and_collect();
}

/// GNU time, to read the peak resident memory (ru_maxrss) of a process that exits on its own.
const GNU_TIME: &str = "/usr/bin/time";

/// `sockcli ARGS` under GNU time (stdin piped when `input`): the outcome and its peak in kB;
/// None (after printing `skipped:`) without GNU time.
fn run_measured(args: &[&str], input: Option<Vec<u8>>) -> Option<(Out, u64)> {
    if !std::path::Path::new(GNU_TIME).exists() {
        println!("skipped: {GNU_TIME} (GNU time) is missing");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("maxrss");
    let mut cmd = std::process::Command::new(GNU_TIME);
    scrub_env(&mut cmd);
    cmd.args(["-f", "%M", "-o"])
        .arg(&file)
        .arg(bin())
        .args(args);
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut r = Running::spawn(&mut cmd);
    if let Some(data) = input {
        r.feed_stdin(data);
    }
    let o = r.finish_within(Duration::from_secs(20));
    o.expect_no_panic();
    // GNU time notes a non-zero exit on the file's first line; the figure is the last one.
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let kb = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    assert!(kb > 0, "no ru_maxrss from GNU time: {text:?}\n{o}");
    Some((o, kb))
}

/// A TCP server that sends `bytes` to its first client after accepting it, then closes.
fn serve_once(bytes: Vec<u8>) -> (u16, JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            s.set_write_timeout(Some(WAIT)).unwrap();
            let _ = s.write_all(&bytes);
        }
    });
    (port, h)
}

/// A TCP server that reads and discards what its first client sends.
fn sink_once() -> (u16, JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            s.set_read_timeout(Some(WAIT)).unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    (port, h)
}

/// sockcli's peak for a small `--frame len32` session: what the bounds below are over.
fn framed_baseline() -> Option<u64> {
    let (port, h) = serve_once(b"\0\0\0\x02hi".to_vec());
    let (o, kb) = run_measured(
        &[
            "connect",
            "--frame",
            "len32",
            "127.0.0.1",
            &port.to_string(),
        ],
        None,
    )?;
    h.join().unwrap();
    o.expect_code(0).expect_stdout(b"hi\n");
    Some(kb)
}

/// `--frame len32 --max-frame 1m`: 64 messages of exactly 1 MiB (the most allowed), then a
/// prefix announcing 4 GiB. The 64 messages are written, the prefix is refused before a byte
/// of its message is buffered (exit 1, one line), and the peak stays within a message being
/// collected and the one being written (each at most 2 MiB of vector), 5 MiB over a small
/// session's.
#[test]
fn len32_max_frame_bounds_memory_and_refuses_a_4_gib_prefix() {
    let Some(base) = framed_baseline() else {
        return;
    };
    let msg = xorshift_bytes(MIB, 23);
    let mut wire = Vec::with_capacity(65 * (MIB + 4));
    for _ in 0..64 {
        wire.extend_from_slice(&(MIB as u32).to_be_bytes());
        wire.extend_from_slice(&msg);
    }
    wire.extend_from_slice(&[0xff; 4]);
    wire.extend_from_slice(&vec![b'z'; 8 * MIB]);
    let (port, h) = serve_once(wire);
    let (o, kb) = run_measured(
        &[
            "connect",
            "--frame",
            "len32",
            "--max-frame",
            "1m",
            "127.0.0.1",
            &port.to_string(),
        ],
        None,
    )
    .expect("GNU time was there for the baseline");
    h.join().unwrap();
    println!("len32 --max-frame 1m: ru_maxrss {kb} kB (small session {base} kB)");
    o.expect_code(1);
    let line = o.expect_one_error_line();
    assert!(
        line.contains(
            "len32 message length 4294967295 is over the --max-frame limit of 1048576 bytes"
        ),
        "{line}"
    );
    let mut want = Vec::new();
    for _ in 0..64 {
        want.extend_from_slice(&msg);
        want.push(b'\n');
    }
    assert!(
        o.stdout == want,
        "stdout holds {} bytes, not the 64 messages",
        o.stdout.len()
    );
    assert!(kb < base + 5 * 1024, "peak {kb} kB, over {base} + 5120 kB");
}

/// `--frame len32 --max-frame 1m` with 64 MiB on stdin and no newline: one line, exit 1, and
/// the line collected never exceeds 1 MiB (its vector 2 MiB): under 3 MiB over a small
/// session's.
#[test]
fn an_endless_stdin_line_stops_at_max_frame() {
    let Some(base) = framed_baseline() else {
        return;
    };
    let (port, h) = sink_once();
    let (o, kb) = run_measured(
        &[
            "connect",
            "--frame",
            "len32",
            "--max-frame",
            "1m",
            "127.0.0.1",
            &port.to_string(),
        ],
        Some(vec![b'a'; 64 * MIB]),
    )
    .expect("GNU time was there for the baseline");
    h.join().unwrap();
    println!("endless stdin line: ru_maxrss {kb} kB (small session {base} kB)");
    o.expect_code(1);
    let line = o.expect_one_error_line();
    assert!(
        line.contains("cannot frame stdin")
            && line.contains("longer than 1048576 bytes (the --max-frame limit)"),
        "{line}"
    );
    assert!(kb < base + 3 * 1024, "peak {kb} kB, over {base} + 3072 kB");
}

/// `--frame line --max-frame 1m` receiving 128 MiB without a newline: received lines are not
/// collected, so every byte reaches stdout (exit 0) and memory stays at a small session's
/// (1 MiB margin).
#[test]
fn an_endless_received_line_is_not_collected() {
    let Some(base) = framed_baseline() else {
        return;
    };
    let (port, h) = serve_once(vec![b'b'; 128 * MIB]);
    let (o, kb) = run_measured(
        &[
            "connect",
            "--frame",
            "line",
            "--max-frame",
            "1m",
            "127.0.0.1",
            &port.to_string(),
        ],
        None,
    )
    .expect("GNU time was there for the baseline");
    h.join().unwrap();
    println!("endless received line: ru_maxrss {kb} kB (small session {base} kB)");
    o.expect_code(0);
    assert!(
        o.stdout.len() == 128 * MIB && o.stdout.iter().all(|&b| b == b'b'),
        "stdout has {} bytes",
        o.stdout.len()
    );
    assert!(kb < base + 1024, "peak {kb} kB, over {base} + 1024 kB");
}
