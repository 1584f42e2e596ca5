//! Shared helpers for the integration suite: spawning `sockcli` and peer tools
//! with bounded waits, kill-on-drop guards, readiness polling and test data.
//!
//! Rules every helper follows: each wait is bounded (at most [`WAIT`]), every
//! spawned process is owned by a [`Running`] guard that SIGKILLs it on drop, and
//! synchronisation is done by bounded polling, never by a bare sleep.
#![allow(dead_code)]

use std::fmt;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Upper bound for any single wait in the suite.
pub const WAIT: Duration = Duration::from_secs(20);
/// Poll interval for bounded retry loops.
pub const POLL: Duration = Duration::from_millis(10);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sockcli")
}

/// Environment variables that could change sockcli's output between machines.
const SCRUB: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUST_LOG",
    "COLUMNS",
    "LINES",
    "TERM",
    "LANGUAGE",
    "LC_MESSAGES",
];

/// `sockcli` with a scrubbed, fixed environment and stdin = /dev/null
/// (tests that need stdin set it explicitly).
pub fn sockcli() -> Command {
    let mut c = Command::new(bin());
    scrub_env(&mut c);
    c.stdin(Stdio::null());
    c
}

/// Remove variables that change colour/backtrace/locale behaviour; force the C locale
/// (resolver and strerror messages in English).
pub fn scrub_env(c: &mut Command) {
    for v in SCRUB {
        c.env_remove(v);
    }
    c.env("LC_ALL", "C").env("LANG", "C");
}

/// `python3 -u -c <PEER_PY> args...`: the multi-mode Python peer below.
pub fn py_peer(args: &[&str]) -> Command {
    let mut c = Command::new("python3");
    c.arg("-u").arg("-c").arg(PEER_PY).args(args);
    c.stdin(Stdio::null());
    c
}

/// `python3 -u -c <snippet> args...`
pub fn python(snippet: &str, args: &[&str]) -> Command {
    let mut c = Command::new("python3");
    c.arg("-u").arg("-c").arg(snippet).args(args);
    c.stdin(Stdio::null());
    c
}

/// Human readable command line (program + args), for failure messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = String::new();
    let prog = cmd.get_program().to_string_lossy().into_owned();
    let prog = if prog == bin() {
        "sockcli".to_string()
    } else {
        prog
    };
    s.push_str(&prog);
    let is_py_peer = prog == "python3";
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        s.push(' ');
        if is_py_peer && a == PEER_PY {
            s.push_str("<PEER_PY>");
        } else if a.len() > 200 {
            s.push_str("<script>");
        } else if a.is_empty()
            || a.contains(|c: char| c.is_whitespace() || "'\"\\$`!*?;&|<>()".contains(c))
        {
            s.push('\'');
            s.push_str(&a.replace('\'', "'\\''"));
            s.push('\'');
        } else {
            s.push_str(&a);
        }
    }
    s
}

/// Is `tool` an executable on PATH? Prints the skip notice when it is not.
pub fn require_tool(tool: &str) -> bool {
    if find_on_path(tool).is_some() {
        true
    } else {
        eprintln!("skipped: {tool} not installed");
        false
    }
}

pub fn find_on_path(tool: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| {
            fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

// ---------------------------------------------------------------------------
// Output of a finished process
// ---------------------------------------------------------------------------

/// Everything a finished process left behind; `Display` shows it all, so a
/// failed assertion always prints command, status, elapsed time, stdout, stderr.
pub struct Out {
    pub desc: String,
    /// None: still running when the snapshot was taken.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

fn show_bytes(b: &[u8]) -> String {
    const MAX: usize = 2000;
    let s = String::from_utf8_lossy(&b[..b.len().min(MAX)]).into_owned();
    let mut s = s.escape_debug().to_string();
    if b.len() > MAX {
        s.push_str(&format!("... ({} bytes total)", b.len()));
    }
    s
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  command: {}", self.desc)?;
        match self.status {
            Some(st) => writeln!(f, "  status:  {st} (code {:?})", st.code())?,
            None => writeln!(f, "  status:  still running")?,
        }
        writeln!(f, "  elapsed: {:?}", self.elapsed)?;
        writeln!(
            f,
            "  stdout ({} bytes): \"{}\"",
            self.stdout.len(),
            show_bytes(&self.stdout)
        )?;
        write!(
            f,
            "  stderr ({} bytes): \"{}\"",
            self.stderr.len(),
            show_bytes(&self.stderr)
        )
    }
}

impl fmt::Debug for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The file at `path` must be the 64 MiB test data (same sha256); `o` is shown on failure.
#[track_caller]
pub fn expect_file_sha(o: &Out, path: &std::path::Path, sha: &str) {
    let got = sha256_file(path);
    if got != sha {
        panic!(
            "file {} has {} bytes with sha256 {got}, expected {BIG_LEN} with {sha}\n{o}",
            path.display(),
            file_len(path)
        );
    }
}

/// `ensure!(out, cond, "msg {}", x)`: assert with the process details attached.
#[macro_export]
macro_rules! ensure {
    ($out:expr, $cond:expr) => {
        if !$cond {
            panic!("assertion failed: {}\n{}", stringify!($cond), $out);
        }
    };
    ($out:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            panic!("assertion failed: {}: {}\n{}", stringify!($cond), format!($($arg)+), $out);
        }
    };
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// Exit code must be exactly `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        if self.code() != Some(code) {
            panic!("expected exit code {code}, got {:?}\n{self}", self.code());
        }
        self
    }
    /// stdout must equal `want` byte for byte.
    #[track_caller]
    pub fn expect_stdout(&self, want: &[u8]) -> &Self {
        if self.stdout != want {
            let first_diff = self.stdout.iter().zip(want).position(|(a, b)| a != b);
            panic!(
                "stdout differs from expected ({} bytes expected, {} got, first difference at {:?});\n  expected: \"{}\"\n{self}",
                want.len(),
                self.stdout.len(),
                first_diff,
                show_bytes(want)
            );
        }
        self
    }
    #[track_caller]
    pub fn expect_stderr_contains(&self, needle: &str) -> &Self {
        if !self.stderr_str().contains(needle) {
            panic!("stderr does not contain {needle:?}\n{self}");
        }
        self
    }
    #[track_caller]
    pub fn expect_faster_than(&self, limit: Duration) -> &Self {
        if self.elapsed >= limit {
            panic!("took {:?}, limit {limit:?}\n{self}", self.elapsed);
        }
        self
    }
    /// The error contract: exactly one stderr line, starting with "sockcli: ".
    #[track_caller]
    pub fn expect_one_error_line(&self) -> String {
        let err = self.stderr_str();
        let lines: Vec<&str> = err.lines().collect();
        if lines.len() != 1 || !err.ends_with('\n') || !lines[0].starts_with("sockcli: ") {
            panic!("expected exactly one stderr line \"sockcli: <what>: <why>\\n\"\n{self}");
        }
        lines[0].to_string()
    }
    /// No panic message or backtrace hint.
    #[track_caller]
    pub fn expect_no_panic(&self) -> &Self {
        let err = self.stderr_str();
        for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            if err.contains(bad) {
                panic!("stderr contains {bad:?} (panic/backtrace)\n{self}");
            }
        }
        self
    }
}

// ---------------------------------------------------------------------------
// Running process guard
// ---------------------------------------------------------------------------

/// A child process that is SIGKILLed (and reaped) when dropped. Its stdout and
/// stderr, when piped, are drained by background threads into shared buffers.
pub struct Running {
    child: Child,
    pub desc: String,
    pub stdin: Option<ChildStdin>,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
    started: Instant,
    status: Option<ExitStatus>,
    is_sockcli: bool,
    /// Temp dirs (ready files etc.) that must outlive the process.
    pub keep: Vec<tempfile::TempDir>,
}

fn drain<R: Read + Send + 'static>(mut r: R, buf: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.lock().unwrap().extend_from_slice(&chunk[..n]),
            }
        }
    })
}

impl Running {
    /// Spawn with stdout and stderr piped (captured). stdin as configured.
    #[track_caller]
    pub fn spawn(cmd: &mut Command) -> Running {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        Self::spawn_as_is(cmd)
    }

    /// Spawn with stdio exactly as configured on `cmd`; captures whatever is piped.
    #[track_caller]
    pub fn spawn_as_is(cmd: &mut Command) -> Running {
        let desc = describe(cmd);
        let is_sockcli = cmd.get_program() == bin();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn `{desc}`: {e}"));
        Self::from_child(child, desc, is_sockcli)
    }

    /// Wrap an already spawned child; captures its stdout/stderr pipes if still present.
    pub fn from_child(mut child: Child, desc: String, is_sockcli: bool) -> Running {
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        if let Some(o) = child.stdout.take() {
            readers.push(drain(o, out.clone()));
        }
        if let Some(e) = child.stderr.take() {
            readers.push(drain(e, err.clone()));
        }
        let stdin = child.stdin.take();
        Running {
            child,
            desc,
            stdin,
            out,
            err,
            readers,
            started: Instant::now(),
            status: None,
            is_sockcli,
            keep: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout_snapshot(&self) -> Vec<u8> {
        self.out.lock().unwrap().clone()
    }
    pub fn stderr_snapshot(&self) -> Vec<u8> {
        self.err.lock().unwrap().clone()
    }

    /// Non-blocking: has it exited?
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none()
            && let Ok(Some(st)) = self.child.try_wait()
        {
            self.status = Some(st);
        }
        self.status
    }

    /// Poll `try_wait` until exit or `limit` passes.
    pub fn wait_timeout(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit.min(WAIT);
        loop {
            if let Some(st) = self.try_status() {
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(POLL);
        }
    }

    /// Write to the child's stdin (must have been piped).
    pub fn write_stdin(&mut self, data: &[u8]) {
        let desc = self.desc.clone();
        let w = self
            .stdin
            .as_mut()
            .unwrap_or_else(|| panic!("stdin of `{desc}` is not piped"));
        w.write_all(data)
            .unwrap_or_else(|e| panic!("writing stdin of `{desc}`: {e}"));
        w.flush().ok();
    }

    /// Close the child's stdin (EOF).
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Feed `data` into stdin from a background thread, then close stdin.
    /// Write errors (EPIPE after the child exited) are ignored.
    pub fn feed_stdin(&mut self, data: Vec<u8>) -> JoinHandle<()> {
        let mut w = self.stdin.take().expect("stdin not piped");
        thread::spawn(move || {
            let _ = w.write_all(&data);
        })
    }

    /// Bounded poll until the captured stdout contains `needle`.
    pub fn wait_stdout_contains(&mut self, needle: &[u8], limit: Duration) -> bool {
        self.wait_buf_contains(true, needle, limit)
    }
    pub fn wait_stderr_contains(&mut self, needle: &[u8], limit: Duration) -> bool {
        self.wait_buf_contains(false, needle, limit)
    }
    fn wait_buf_contains(&mut self, stdout: bool, needle: &[u8], limit: Duration) -> bool {
        let deadline = Instant::now() + limit.min(WAIT);
        loop {
            let has = {
                let b = if stdout {
                    self.out.lock().unwrap()
                } else {
                    self.err.lock().unwrap()
                };
                b.windows(needle.len().max(1)).any(|w| w == needle)
            };
            if has {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            if self.try_status().is_some() {
                // Give the reader threads a moment to catch the last bytes, then one last look.
                self.join_readers(Duration::from_secs(2));
                let b = if stdout {
                    self.out.lock().unwrap()
                } else {
                    self.err.lock().unwrap()
                };
                return b.windows(needle.len().max(1)).any(|w| w == needle);
            }
            thread::sleep(POLL);
        }
    }

    /// Send a signal with the `kill` command (e.g. "TERM", "INT").
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("running kill");
        assert!(
            st.success(),
            "kill -{sig} {} failed: {st:?}",
            self.child.id()
        );
    }

    fn join_readers(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.readers.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        let (done, pending): (Vec<_>, Vec<_>) =
            self.readers.drain(..).partition(|h| h.is_finished());
        for h in done {
            let _ = h.join();
        }
        self.readers = pending;
    }

    /// Snapshot as an `Out` (the process may still be running: status is then a placeholder).
    pub fn snapshot(&mut self) -> Out {
        Out {
            desc: self.desc.clone(),
            status: self.try_status(),
            stdout: self.stdout_snapshot(),
            stderr: self.stderr_snapshot(),
            elapsed: self.started.elapsed(),
        }
    }

    /// Wait (bounded by `limit`) for exit and collect output. Panics with all
    /// details if the process has not exited in time (after killing it).
    /// For sockcli, also asserts that stderr has no panic/backtrace text.
    #[track_caller]
    pub fn finish_within(&mut self, limit: Duration) -> Out {
        let st = self.wait_timeout(limit);
        let elapsed = self.started.elapsed();
        if st.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.join_readers(Duration::from_secs(2));
            let mut o = self.snapshot();
            o.elapsed = elapsed;
            panic!("process did not exit within {limit:?} (killed)\n{o}");
        }
        self.join_readers(Duration::from_secs(5));
        let mut o = self.snapshot();
        o.elapsed = elapsed;
        if self.is_sockcli {
            o.expect_no_panic();
        }
        o
    }

    #[track_caller]
    pub fn finish(&mut self) -> Out {
        self.finish_within(WAIT)
    }

    /// Kill now (SIGKILL) and return what was captured.
    pub fn kill_and_collect(&mut self) -> Out {
        if self.try_status().is_none() {
            let _ = self.child.kill();
            if let Ok(st) = self.child.wait() {
                self.status = Some(st);
            }
        }
        self.join_readers(Duration::from_secs(2));
        self.snapshot()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.try_status().is_none() {
            let _ = self.child.kill(); // SIGKILL
            let _ = self.child.wait();
        }
    }
}

/// Run to completion (bounded by WAIT) with optional stdin bytes; stdout/stderr captured.
#[track_caller]
pub fn run(cmd: &mut Command, input: Option<&[u8]>) -> Out {
    run_within(cmd, input, WAIT)
}

#[track_caller]
pub fn run_within(cmd: &mut Command, input: Option<&[u8]>, limit: Duration) -> Out {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut r = Running::spawn(cmd);
    if let Some(data) = input {
        r.feed_stdin(data.to_vec());
    }
    r.finish_within(limit)
}

// ---------------------------------------------------------------------------
// sockcli listen with --ready-file
// ---------------------------------------------------------------------------

/// Map a listening address to one a client can connect to.
pub fn connectable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// Start `sockcli listen ARGS --ready-file <tmp>` (stdout/stderr piped, then
/// `setup` may override stdio) and wait, bounded, for the ready file. Returns
/// the guard and the ready-file content without its trailing newline.
#[track_caller]
pub fn spawn_listen_raw(args: &[&str], setup: impl FnOnce(&mut Command)) -> (Running, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready");
    let mut cmd = sockcli();
    cmd.arg("listen").args(args).arg("--ready-file").arg(&ready);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    setup(&mut cmd);
    let mut r = Running::spawn_as_is(&mut cmd);
    r.keep.push(dir);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(s) = fs::read_to_string(&ready)
            && s.ends_with('\n')
        {
            return (r, s.trim_end_matches('\n').to_string());
        }
        if r.try_status().is_some() {
            let o = r.finish();
            panic!("sockcli listen exited before writing the ready file\n{o}");
        }
        if Instant::now() >= deadline {
            let o = r.kill_and_collect();
            panic!(
                "ready file {} not written within {WAIT:?}\n{o}",
                ready.display()
            );
        }
        thread::sleep(POLL);
    }
}

/// `spawn_listen_raw` for IP listeners: parses "ADDR:PORT" and maps `[::]` to
/// `[::1]` and `0.0.0.0` to `127.0.0.1` for connecting.
#[track_caller]
pub fn spawn_listen_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> (Running, SocketAddr) {
    let (mut r, content) = spawn_listen_raw(args, setup);
    match content.parse::<SocketAddr>() {
        Ok(a) if a.port() != 0 => (r, connectable(a)),
        _ => {
            let o = r.kill_and_collect();
            panic!("ready file content {content:?} is not ADDR:PORT with a real port\n{o}");
        }
    }
}

#[track_caller]
pub fn spawn_listen(args: &[&str]) -> (Running, SocketAddr) {
    spawn_listen_with(args, |_| {})
}

pub fn v4(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}
pub fn v6(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port)
}

// ---------------------------------------------------------------------------
// Peers
// ---------------------------------------------------------------------------

/// A currently free TCP port on 127.0.0.1 (or ::1): bind :0, read, drop.
pub fn free_tcp_port(ipv6: bool) -> u16 {
    let a = if ipv6 { "[::1]:0" } else { "127.0.0.1:0" };
    TcpListener::bind(a)
        .expect("bind :0")
        .local_addr()
        .unwrap()
        .port()
}

pub fn free_udp_port(ipv6: bool) -> u16 {
    let a = if ipv6 { "[::1]:0" } else { "127.0.0.1:0" };
    UdpSocket::bind(a)
        .expect("bind :0")
        .local_addr()
        .unwrap()
        .port()
}

/// Is there a socket on local `port` in state `st` (hex, e.g. "0A" = TCP LISTEN,
/// "07" = UDP bound) in the given /proc/net tables?
fn proc_net_has(port: u16, tables: &[&str], st: &str) -> bool {
    for t in tables {
        let Ok(s) = fs::read_to_string(t) else {
            continue;
        };
        for line in s.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 4 {
                continue;
            }
            if let Some((_, p)) = cols[1].rsplit_once(':')
                && u16::from_str_radix(p, 16) == Ok(port)
                && cols[3].eq_ignore_ascii_case(st)
            {
                return true;
            }
        }
    }
    false
}

/// Bounded wait until `peer` listens on TCP `port`. Readiness is read from
/// /proc/net/tcp{,6} instead of probing with a connect, because a probe would
/// use up the single accept of one-shot peers (nc.openbsd -l, ncat -l).
#[track_caller]
pub fn wait_tcp_listening(peer: &mut Running, port: u16) {
    wait_proc(peer, port, &["/proc/net/tcp", "/proc/net/tcp6"], "0A")
}

#[track_caller]
pub fn wait_udp_bound(peer: &mut Running, port: u16) {
    wait_proc(peer, port, &["/proc/net/udp", "/proc/net/udp6"], "07")
}

#[track_caller]
fn wait_proc(peer: &mut Running, port: u16, tables: &[&str], st: &str) {
    let what = format!("peer listening on port {port}");
    wait_ready(peer, &what, |_| {
        proc_net_has(port, tables, st).then_some(())
    });
}

/// Start a Python peer (from PEER_PY) that prints one readiness line on stdout
/// (its port, or "ready") and wait for it, bounded. Returns the guard and the line.
#[track_caller]
pub fn spawn_py(args: &[&str]) -> (Running, String) {
    let mut r = Running::spawn(&mut py_peer(args));
    let line = wait_ready(&mut r, "python peer ready", |r| {
        let out = r.stdout_snapshot();
        let i = out.iter().position(|&b| b == b'\n')?;
        Some(String::from_utf8_lossy(&out[..i]).into_owned())
    });
    (r, line)
}

/// Poll `ready` until it gives a value; fail with the peer's output when the peer exits first
/// or WAIT passes. Bounded in time, never a fixed sleep for synchronisation.
#[track_caller]
fn wait_ready<T>(
    peer: &mut Running,
    what: &str,
    mut ready: impl FnMut(&Running) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = ready(peer) {
            return v;
        }
        if peer.try_status().is_some() {
            let o = peer.finish();
            panic!("{what}: the peer exited first\n{o}");
        }
        if Instant::now() >= deadline {
            let o = peer.kill_and_collect();
            panic!("{what}: not within {WAIT:?}\n{o}");
        }
        thread::sleep(POLL);
    }
}

/// Python TCP/UDP server on HOST with an ephemeral port (bound by Python itself).
#[track_caller]
pub fn spawn_py_server(args: &[&str]) -> (Running, u16) {
    let (r, line) = spawn_py(args);
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("python peer printed {line:?}, not a port"));
    (r, port)
}

/// Start a peer server that takes its port on the command line; wait until it listens.
#[track_caller]
pub fn spawn_tcp_peer(cmd: &mut Command, port: u16) -> Running {
    let mut r = Running::spawn(cmd);
    wait_tcp_listening(&mut r, port);
    r
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/// All 256 byte values, forwards and backwards, several times (NULs included).
pub fn all_bytes() -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..4 {
        v.extend(0u8..=255);
        v.extend((0u8..=255).rev());
    }
    v
}

/// Deterministic pseudo-random bytes (xorshift64*).
pub fn xorshift_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(n);
    v
}

/// The pattern the Python peer's `pattern(n)` produces: i % 251.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

pub const BIG_LEN: u64 = 64 * 1024 * 1024;

/// A 64 MiB deterministic file (shared by the tests of this run) and its sha256.
pub fn big_file() -> &'static (PathBuf, String) {
    static BIG: OnceLock<(PathBuf, String)> = OnceLock::new();
    BIG.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sockcli-it-64MiB-xorshift-v1.bin");
        if fs::metadata(&path)
            .map(|m| m.len() != BIG_LEN)
            .unwrap_or(true)
        {
            let tmp = dir.join(format!(".sockcli-it-big-{}.tmp", std::process::id()));
            fs::write(
                &tmp,
                xorshift_bytes(BIG_LEN as usize, 0x5eed_50c4_c11d_a7a1),
            )
            .unwrap();
            fs::rename(&tmp, &path).unwrap();
        }
        let sha = sha256_file(&path);
        (path, sha)
    })
}

/// sha256 hex digest of a file, via `sha256sum`.
pub fn sha256_file(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("sha256sum");
    assert!(o.status.success(), "sha256sum {} failed", path.display());
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

pub fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

pub fn open(path: &Path) -> File {
    File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

pub fn create(path: &Path) -> File {
    File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()))
}

/// Unique name (abstract sockets etc.) per process and call.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

// ---------------------------------------------------------------------------
// The Python peer: one script, many modes (argv[1]).
// Servers print their port (or "ready") as the first stdout line.
// ---------------------------------------------------------------------------

pub const PEER_PY: &str = r#"
import socket, sys, threading, time, hashlib, os

mode = sys.argv[1]
args = sys.argv[2:]

def fam(h):
    return socket.AF_INET6 if ':' in h else socket.AF_INET

def readall(c):
    buf = bytearray()
    while True:
        d = c.recv(1 << 16)
        if not d:
            return bytes(buf)
        buf += d

def pattern(n):
    return (bytes(range(251)) * (n // 251 + 1))[:n]

def guard(h, c):
    try:
        h(c)
    except OSError as e:
        print("peer handler error: %r" % (e,), file=sys.stderr, flush=True)

def tcp_server(host, handler):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    keep = []
    while True:
        c, _ = s.accept()
        keep.append(c)
        threading.Thread(target=guard, args=(handler, c), daemon=True).start()

def h_echo(c):
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        c.sendall(d)
    c.close()

def h_rev(c):
    d = readall(c)
    c.sendall(b"%d\n" % len(d) + d[::-1])
    c.close()

def h_late(c):
    readall(c)
    time.sleep(float(args[1]))
    c.sendall(pattern(int(args[2])))
    c.close()

def sha_until_eof(c):
    """sha256 hex digest and byte count of everything read from c until EOF."""
    h = hashlib.sha256()
    n = 0
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        h.update(d)
        n += len(d)
    return h.hexdigest(), n

def h_sha(c):
    c.sendall(("%s %d\n" % sha_until_eof(c)).encode())
    c.close()

def h_silent(c):
    time.sleep(3600)

def h_drip(c):
    while True:
        c.sendall(b".")
        time.sleep(0.1)

def h_flood(c):
    chunk = pattern(1 << 20)
    for _ in range(int(args[1])):
        c.sendall(chunk)
    c.close()

handlers = dict(echo=h_echo, rev=h_rev, late=h_late, sha=h_sha, silent=h_silent, drip=h_drip, flood=h_flood)

if mode in handlers:
    # MODE HOST [extra...]
    tcp_server(args[0], handlers[mode])

elif mode == "client":
    # client HOST PORT: stdin -> socket, half-close, socket -> stdout (like nc -N)
    data = sys.stdin.buffer.read()
    c = socket.create_connection((args[0], int(args[1])), timeout=15)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    sys.stdout.buffer.write(readall(c))
    sys.stdout.flush()

elif mode == "client-wait":
    # client-wait HOST PORT: send stdin, then read until the server's EOF, then close
    data = sys.stdin.buffer.read()
    c = socket.create_connection((args[0], int(args[1])), timeout=15)
    c.sendall(data)
    sys.stdout.buffer.write(readall(c))
    sys.stdout.flush()
    c.close()

elif mode == "client-sha":
    # client-sha HOST PORT: receive until EOF, print "sha256 count"
    c = socket.create_connection((args[0], int(args[1])), timeout=15)
    print("%s %d" % sha_until_eof(c), flush=True)
    c.close()

elif mode == "udp-server":
    # udp-server HOST: answer every datagram with b"answer:" + datagram
    s = socket.socket(fam(args[0]), socket.SOCK_DGRAM)
    s.bind((args[0], 0))
    print(s.getsockname()[1], flush=True)
    while True:
        d, a = s.recvfrom(65536)
        print("got %r from %r" % (d, a), file=sys.stderr, flush=True)
        s.sendto(b"answer:" + d, a)

elif mode == "udp-echo-check":
    # udp-echo-check PORT HOST...: one socket per HOST; each must get its own datagrams back
    port = int(args[0])
    socks = []
    for h in args[1:]:
        s = socket.socket(fam(h), socket.SOCK_DGRAM)
        s.settimeout(5)
        socks.append((h, s))
    ok = True
    def roundtrip(i, h, s, payload):
        global ok
        s.sendto(payload, (h, port))
        try:
            d, a = s.recvfrom(65536)
        except socket.timeout:
            print("socket %d (%s): no reply to %r" % (i, h, payload), flush=True)
            ok = False
            return
        if d != payload:
            print("socket %d (%s): sent %r got %r" % (i, h, payload, d), flush=True)
            ok = False
    for rnd in range(2):
        order = list(enumerate(socks))
        if rnd == 1:
            order.reverse()
        for i, (h, s) in order:
            roundtrip(i, h, s, b"dgram-%d-%d-\x00\x01\xfe\xff" % (rnd, i))
    print("OK" if ok else "FAILED", flush=True)
    sys.exit(0 if ok else 1)

elif mode == "unix-dgram-server":
    # unix-dgram-server PATH: reply b"answer:" + datagram to every sender that has an address
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(args[0])
    print("ready", flush=True)
    while True:
        d, a = s.recvfrom(65536)
        print("got %r from %r" % (d, a), flush=True)
        if a:
            s.sendto(b"answer:" + d, a)
        else:
            print("sender has no address, cannot reply", flush=True)

elif mode == "unix-dgram-echo-check":
    # unix-dgram-echo-check SERVER MYPATH: datagram must come back unchanged
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(args[1])
    s.settimeout(5)
    payload = b"unix-dgram-\x00\x01\xff"
    s.sendto(payload, args[0])
    d = s.recv(65536)
    print("OK" if d == payload else "got %r" % (d,), flush=True)
    sys.exit(0 if d == payload else 1)

elif mode == "unix-client":
    # unix-client PATH [wait] (use @name for abstract): stdin -> socket, half-close
    # (unless "wait": then no half-close, just read until the server's EOF), socket -> stdout
    p = args[0]
    if p.startswith("@"):
        p = "\0" + p[1:]
    data = sys.stdin.buffer.read()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(15)
    c.connect(p)
    c.sendall(data)
    if args[1:] != ["wait"]:
        c.shutdown(socket.SHUT_WR)
    sys.stdout.buffer.write(readall(c))
    sys.stdout.flush()

else:
    print("unknown mode " + mode, file=sys.stderr)
    sys.exit(2)
"#;

/// Read exactly `n` bytes from `r` in a helper thread, giving up after `limit`.
/// On success returns the bytes and the reader (so the caller decides when to close it).
pub fn read_exact_timeout<R: Read + Send + 'static>(
    mut r: R,
    n: usize,
    limit: Duration,
) -> Option<(Vec<u8>, R)> {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut buf = vec![0u8; n];
        let res = r.read_exact(&mut buf).map(|_| buf);
        let _ = tx.send(res.map(|b| (b, r)));
    });
    match rx.recv_timeout(limit.min(WAIT)) {
        Ok(Ok(x)) => Some(x),
        _ => None,
    }
}

/// Are we root? Prints the skip notice when not.
pub fn require_root(what: &str) -> bool {
    let uid = fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned));
    if uid.as_deref() == Some("0") {
        true
    } else {
        println!("skipped: {what} needs root");
        false
    }
}

/// A network namespace for one test, with `lo` up, deleted on drop together with its
/// `/etc/netns/NAME/` files (which `ip netns exec` bind-mounts over `/etc`).
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// None (after printing why) when not root or namespaces are unavailable.
    pub fn create(prefix: &str) -> Option<Netns> {
        if !Path::new("/proc/self/ns/net").exists() || !require_tool("ip") {
            return None;
        }
        if !require_root("a network namespace") {
            return None;
        }
        let name = unique(prefix);
        let added = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !added {
            println!("skipped: cannot create a network namespace");
            return None;
        }
        let ns = Netns { name };
        if !ns.ip(&["link", "set", "lo", "up"]) {
            println!("skipped: cannot bring lo up in a network namespace");
            return None;
        }
        Some(ns)
    }

    /// `ip -n NAME args...`; true on success.
    pub fn ip(&self, args: &[&str]) -> bool {
        Command::new("ip")
            .arg("-n")
            .arg(&self.name)
            .args(args)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Write `/etc/netns/NAME/FILE`, seen as `/etc/FILE` by commands run in the namespace.
    pub fn etc(&self, file: &str, contents: &str) {
        let dir = Path::new("/etc/netns").join(&self.name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(file), contents).unwrap();
    }

    /// `prog` run inside the namespace, with the scrubbed environment and stdin = /dev/null.
    pub fn command(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, prog]);
        scrub_env(&mut c);
        c.stdin(Stdio::null());
        c
    }

    pub fn sockcli(&self, args: &[&str]) -> Command {
        let mut c = self.command(bin());
        c.args(args);
        c
    }

    pub fn python(&self, snippet: &str, args: &[&str]) -> Command {
        let mut c = self.command("python3");
        c.arg("-c").arg(snippet).args(args);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = fs::remove_dir_all(Path::new("/etc/netns").join(&self.name));
    }
}
