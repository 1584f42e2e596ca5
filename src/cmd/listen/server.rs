//! The many-client stream server behind `--echo`, `-k`, `--broker` and `--exec`: every client
//! lives in one poll(2) loop (no thread or process per client, except the child `--exec`
//! asks for).
//!
//! - `Echo`: each client's bytes go back to it through its own [`Flow`], which holds only what
//!   the client's socket refused: that is the client's backpressure, nobody else's.
//! - `Hub`: stdin goes to every client; each client's bytes go to stdout (as ncat `-k`), or,
//!   with `--broker`, to every other client. Each client has a queue; while one is over
//!   [`QUEUE_LIMIT`], the sources feeding it (stdin, and with `--broker` the other clients)
//!   are not read, so a slow reader slows the room instead of being dropped and memory stays
//!   bounded. A client whose queue stays full for [`STALL_LIMIT`] without taking a byte is not
//!   reading: it is dropped and the others go on. A slow stdout pauses reading from clients
//!   (stdout is the user: we never drop it).
//! - `Exec`: each client's socket becomes a child's stdin/stdout; children are reaped on
//!   SIGCHLD and their exit status logged.
//!
//! An idle client costs its socket, an 8-byte pollfd and about 150 bytes of state: buffers
//! exist only while bytes are waiting.

use std::io;
use std::os::fd::AsFd;
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustix::event::PollFlags;
use rustix::io::Errno;
use socket2::Socket;

use super::Ctx;
use super::access::Access;
use crate::cmd::exec::{self, ExecCmd};
use crate::cmd::log;
use crate::event::flow::{Flow, Wait};
use crate::event::pollset::PollSet;
use crate::event::stdio::{Kind, NonBlocking};
use crate::event::{Interrupted, Timeout, earliest};
use crate::exit::render;
use crate::sock::{self, addr};

pub enum Mode {
    Echo,
    Hub { broker: bool },
    Exec(ExecCmd),
}

pub struct Opts<'a> {
    pub mode: Mode,
    /// Serve clients until stopped; otherwise serve the first one and return when it is done.
    pub keep_open: bool,
    pub max_conns: Option<usize>,
    pub access: &'a Access,
    /// Hub: read stdin (not `--recv-only`).
    pub send: bool,
    /// Hub: write clients' bytes to stdout (not `--send-only`).
    pub recv: bool,
}

/// Bytes queued for one client above which its sources pause (hub and broker).
const QUEUE_LIMIT: usize = 1 << 20;
/// How long a client may sit over [`QUEUE_LIMIT`] without taking a byte before it is dropped.
const STALL_LIMIT: Duration = Duration::from_secs(2);
/// Most bytes waiting for stdout before clients are no longer read.
const STDOUT_LIMIT: usize = 1 << 20;
/// Connections accepted per wakeup, so a connection storm cannot starve established clients.
const ACCEPTS_PER_WAKE: usize = 256;
/// Bytes read from one client (or stdin) per wakeup.
const SCRATCH: usize = 64 * 1024;
/// How long accept(2) rests after running out of file descriptors.
const EMFILE_PAUSE: Duration = Duration::from_millis(100);
/// On SIGINT/SIGTERM, how long we still try to write out what clients sent.
const FLUSH_ON_SIGNAL: Duration = Duration::from_secs(2);

/// Fixed poll slots; clients follow from `FIRST`, in the order of `Server::conns`.
const SIG: usize = 0;
const LISTENER: usize = 1;
const STDIN: usize = 2;
const STDOUT: usize = 3;
const FIRST: usize = 4;

struct Conn {
    sock: Socket,
    peer: Box<str>,
    last_activity: Instant,
    state: State,
    /// Why this client is to be closed, once decided (`Some("")`: a normal end).
    closing: Option<String>,
}

enum State {
    Echo(Flow),
    Hub(Queue),
}

/// What waits to be sent to one hub client, and what it has done.
#[derive(Default)]
struct Queue {
    buf: Vec<u8>,
    sent: usize,
    /// The client sent EOF: close it once its queue is empty.
    eof: bool,
    /// Over [`QUEUE_LIMIT`] since then, without taking a byte.
    stalled_since: Option<Instant>,
    bytes_in: u64,
    bytes_out: u64,
}

impl Queue {
    fn pending(&self) -> &[u8] {
        &self.buf[self.sent..]
    }

    fn full(&self) -> bool {
        self.pending().len() > QUEUE_LIMIT
    }

    /// Start or stop the stall clock after the queue changed.
    fn note_level(&mut self, now: Instant) {
        if self.full() {
            self.stalled_since.get_or_insert(now);
        } else {
            self.stalled_since = None;
        }
    }

    /// Write what is queued until the socket is full; an error means the client is gone.
    fn flush(&mut self, sock: &Socket) -> Result<(), Errno> {
        while self.sent < self.buf.len() {
            match rustix::io::write(sock, &self.buf[self.sent..]) {
                Ok(n) => {
                    self.sent += n;
                    self.bytes_out += n as u64;
                    // It is reading: the stall clock starts again.
                    self.stalled_since = None;
                }
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.buf = Vec::new();
        self.sent = 0;
        Ok(())
    }
}

impl Conn {
    fn closed_line(&self) -> String {
        let (inb, out) = match &self.state {
            State::Echo(f) => (f.bytes + f.held() as u64, f.bytes),
            State::Hub(q) => (q.bytes_in, q.bytes_out),
        };
        let why = match self.closing.as_deref() {
            None | Some("") => String::new(),
            Some(why) => format!(": {why}"),
        };
        format!(
            "Closed {} (in {inb} bytes, out {out} bytes){why}",
            self.peer
        )
    }

    /// Give `data` to this hub client: written at once if nothing is queued, the rest queued
    /// (the caller stops reading sources while a queue is over [`QUEUE_LIMIT`]).
    fn offer(&mut self, data: &[u8], now: Instant) {
        let State::Hub(q) = &mut self.state else {
            return;
        };
        if self.closing.is_some() {
            return;
        }
        if q.pending().is_empty() {
            match write_some(&self.sock, data) {
                Ok(n) => {
                    q.bytes_out += n as u64;
                    if n == data.len() {
                        return;
                    }
                    q.buf.extend_from_slice(&data[n..]);
                }
                Err(e) => {
                    self.closing = Some(format!("send failed: {}", describe(e)));
                    return;
                }
            }
        } else {
            q.buf.extend_from_slice(data);
        }
        q.note_level(now);
    }

    /// A hub client over [`QUEUE_LIMIT`] that is still being served.
    fn full(&self) -> bool {
        self.closing.is_none() && matches!(&self.state, State::Hub(q) if q.full())
    }

    /// When this client will have been stalled for [`STALL_LIMIT`].
    fn stall_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Hub(q) => q.stalled_since.map(|t| t + STALL_LIMIT),
            State::Echo(_) => None,
        }
    }
}

struct ChildConn {
    proc: Child,
    peer: Box<str>,
}

struct Server<'a> {
    listener: &'a Socket,
    opts: Opts<'a>,
    ctx: &'a Ctx<'a>,
    set: PollSet,
    conns: Vec<Conn>,
    children: Vec<ChildConn>,
    served: u64,
    stdin: Option<NonBlocking<'a>>,
    stdout: Option<NonBlocking<'a>>,
    stdin_open: bool,
    out_buf: Vec<u8>,
    out_sent: usize,
    scratch: Vec<u8>,
    /// The last child of a one-client `--exec` server: its status decides ours.
    last_status: Option<std::process::ExitStatus>,
    /// Out of file descriptors: accept(2) rests until then instead of spinning on a listener
    /// that stays readable.
    accept_paused_until: Option<Instant>,
    /// stdout was closed by its reader (EPIPE): the hub ends.
    stdout_gone: bool,
}

pub fn serve(listener: &Socket, opts: Opts<'_>, ctx: &Ctx<'_>) -> Result<()> {
    let hub = matches!(opts.mode, Mode::Hub { .. });
    let broker = matches!(opts.mode, Mode::Hub { broker: true });
    let in_fd = std::io::stdin();
    let out_fd = std::io::stdout();
    let stdin = if hub && opts.send {
        let fd = in_fd.as_fd();
        Some(NonBlocking::set(fd, Kind::of(fd)?)?)
    } else {
        None
    };
    let stdout = if hub && opts.recv && !broker {
        let fd = out_fd.as_fd();
        Some(NonBlocking::set(fd, Kind::of(fd)?)?)
    } else {
        None
    };
    let mut set = PollSet::new();
    set.push(Some(&ctx.signals.fd()), PollFlags::IN);
    set.push(Some(listener), PollFlags::IN);
    set.push(stdin.as_ref().map(|s| s.as_fd()).as_ref(), PollFlags::IN);
    set.push(stdout.as_ref().map(|s| s.as_fd()).as_ref(), PollFlags::OUT);
    let stdin_open = stdin.is_some();
    let mut server = Server {
        listener,
        opts,
        ctx,
        set,
        conns: Vec::new(),
        children: Vec::new(),
        served: 0,
        stdin,
        stdout,
        stdin_open,
        out_buf: Vec::new(),
        out_sent: 0,
        scratch: vec![0u8; SCRATCH],
        last_status: None,
        accept_paused_until: None,
        stdout_gone: false,
    };
    let result = server.run();
    if result.is_err() {
        server.shut_down();
    }
    result
}

impl Server<'_> {
    fn run(&mut self) -> Result<()> {
        loop {
            self.reap_children();
            let active = self.conns.len() + self.children.len();
            if !self.opts.keep_open && self.served > 0 && active == 0 {
                if let (Mode::Exec(cmd), Some(status)) = (&self.opts.mode, self.last_status) {
                    exec::check(cmd, status)?;
                }
                return self.flush_stdout(None);
            }
            let any_client = self.served > 0;
            self.ctx.check_deadlines(any_client)?;
            let idle_wake = self.idle_deadline();
            let stall_wake = self.conns.iter().filter_map(Conn::stall_deadline).min();
            self.update_interest();
            let wake = earliest(&[idle_wake, stall_wake, self.accept_paused_until]);
            self.set
                .wait(self.ctx.next_wake(any_client, wake))
                .context("poll failed")?;

            if self.set.ready(SIG)
                && let Some(signal) = self.ctx.signals.pending()
            {
                let _ = self.flush_stdout(Some(Instant::now() + FLUSH_ON_SIGNAL));
                return Err(Interrupted { signal }.into());
            }
            if self.set.ready(STDOUT) && !self.write_stdout()? {
                self.shut_down();
                return Ok(());
            }
            if self.set.ready(LISTENER) {
                self.accept_clients()?;
            }
            if self.set.ready(STDIN) {
                self.read_stdin()?;
            }
            self.serve_clients()?;
            if self.stdout_gone {
                self.shut_down();
                return Ok(());
            }
        }
    }

    fn accepting(&self) -> bool {
        (self.opts.keep_open || self.served == 0)
            && self.accept_paused_until.is_none_or(|t| Instant::now() >= t)
    }

    fn update_interest(&mut self) {
        if self
            .accept_paused_until
            .is_some_and(|t| Instant::now() >= t)
        {
            self.accept_paused_until = None;
        }
        if self.accepting() {
            self.set.set(LISTENER, PollFlags::IN);
        } else {
            self.set.set(LISTENER, PollFlags::empty());
        }
        // While a client's queue is full, nothing that feeds the queues is read.
        let full = self.conns.iter().any(Conn::full);
        let broker = matches!(self.opts.mode, Mode::Hub { broker: true });
        let stdin_flags = if self.stdin_open && !self.conns.is_empty() && !full {
            PollFlags::IN
        } else {
            PollFlags::empty()
        };
        self.set.set(STDIN, stdin_flags);
        let out_waiting = self.out_sent < self.out_buf.len();
        self.set.set(
            STDOUT,
            if out_waiting {
                PollFlags::OUT
            } else {
                PollFlags::empty()
            },
        );
        let read_clients = self.out_buf.len() - self.out_sent < STDOUT_LIMIT && !(broker && full);
        for (i, c) in self.conns.iter().enumerate() {
            let flags = match &c.state {
                State::Echo(f) => match f.interest() {
                    Some(Wait::Dst) => PollFlags::OUT,
                    _ => PollFlags::IN,
                },
                State::Hub(q) => {
                    let mut flags = PollFlags::empty();
                    if !q.eof && read_clients {
                        flags |= PollFlags::IN;
                    }
                    if !q.pending().is_empty() {
                        flags |= PollFlags::OUT;
                    }
                    flags
                }
            };
            self.set.set(FIRST + i, flags);
        }
    }

    fn idle_deadline(&self) -> Option<Instant> {
        let idle = self.ctx.idle?;
        self.conns.iter().map(|c| c.last_activity + idle).min()
    }

    fn accept_clients(&mut self) -> Result<()> {
        for _ in 0..ACCEPTS_PER_WAKE {
            if !self.accepting() {
                return Ok(());
            }
            let (sock, peer_addr) = match sock::accept(self.listener) {
                Ok(Some(client)) => client,
                Ok(None) => return Ok(()),
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    if self.accept_paused_until.is_none() {
                        log(
                            self.ctx.verbose,
                            format_args!(
                                "accept: {} ({} clients); waiting for one to leave",
                                crate::exit::describe_io(&e),
                                self.conns.len() + self.children.len()
                            ),
                        );
                    }
                    self.accept_paused_until = Some(Instant::now() + EMFILE_PAUSE);
                    return Ok(());
                }
                Err(e) => return Err(e).context("accept failed"),
            };
            self.accept_paused_until = None;
            let peer = addr::display(&peer_addr);
            let ip = peer_addr.as_socket().map(|a| a.ip());
            if !self.opts.access.permits(ip) {
                log(
                    self.ctx.verbose,
                    format_args!("Refused {peer}: not allowed by --allow/--deny"),
                );
                continue;
            }
            let active = self.conns.len() + self.children.len();
            if let Some(max) = self.opts.max_conns
                && active >= max
            {
                log(
                    self.ctx.verbose,
                    format_args!("Refused {peer}: --max-conns {max} reached"),
                );
                continue;
            }
            log(self.ctx.verbose, format_args!("Connected by {peer}"));
            self.served += 1;
            let state = match &self.opts.mode {
                Mode::Exec(cmd) => {
                    match cmd.spawn(sock) {
                        Ok(proc) => self.children.push(ChildConn {
                            proc,
                            peer: peer.into(),
                        }),
                        // A command that cannot start fails the same way for every client.
                        Err(e) => return Err(e),
                    }
                    continue;
                }
                Mode::Echo => State::Echo(Flow::copy(false)),
                Mode::Hub { .. } => State::Hub(Queue::default()),
            };
            self.set.push(Some(&sock), PollFlags::IN);
            self.conns.push(Conn {
                sock,
                peer: peer.into(),
                last_activity: Instant::now(),
                state,
                closing: None,
            });
        }
        Ok(())
    }

    /// stdin → every client.
    fn read_stdin(&mut self) -> Result<()> {
        let Some(stdin) = &self.stdin else {
            return Ok(());
        };
        match rustix::io::read(stdin.as_fd(), &mut self.scratch) {
            Ok(0) => self.stdin_open = false,
            Ok(n) => {
                let now = Instant::now();
                for c in &mut self.conns {
                    c.offer(&self.scratch[..n], now);
                    c.last_activity = now;
                }
            }
            Err(Errno::AGAIN | Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e)).context("read from stdin failed"),
        }
        Ok(())
    }

    fn serve_clients(&mut self) -> Result<()> {
        let now = Instant::now();
        let broker = matches!(self.opts.mode, Mode::Hub { broker: true });
        let mut i = 0;
        while i < self.conns.len() {
            if self.set.ready(FIRST + i) {
                match &mut self.conns[i].state {
                    State::Echo(_) => self.pump_echo(i, now),
                    State::Hub(_) => self.pump_hub(i, now, broker)?,
                }
            } else if self
                .ctx
                .idle
                .is_some_and(|d| now >= self.conns[i].last_activity + d)
            {
                let c = &mut self.conns[i];
                c.closing = Some(render(
                    &Timeout {
                        what: format!("idle timeout (-i) for {}", c.peer),
                    }
                    .into(),
                ));
                if !self.opts.keep_open {
                    self.close(i);
                    return Err(Timeout {
                        what: "idle timeout (-i)".into(),
                    }
                    .into());
                }
            }
            i += 1;
        }
        for c in &mut self.conns {
            if c.closing.is_none()
                && let State::Hub(q) = &c.state
                && q.stalled_since.is_some_and(|t| now >= t + STALL_LIMIT)
            {
                c.closing = Some(format!(
                    "dropped: not reading, {} bytes queued for {}s",
                    q.pending().len(),
                    STALL_LIMIT.as_secs()
                ));
            }
        }
        // Close in reverse so each swap_remove moves an already-checked client.
        for i in (0..self.conns.len()).rev() {
            if self.conns[i].closing.is_some() {
                let failed = self.conns[i].closing.as_deref() != Some("");
                let why = self.conns[i].closing.clone().unwrap_or_default();
                self.close(i);
                if failed && !self.opts.keep_open {
                    return Err(anyhow::anyhow!("{why}"));
                }
            }
        }
        Ok(())
    }

    fn pump_echo(&mut self, i: usize, now: Instant) {
        let c = &mut self.conns[i];
        let State::Echo(flow) = &mut c.state else {
            return;
        };
        match flow.pump(c.sock.as_fd(), c.sock.as_fd(), &mut self.scratch) {
            Ok(n) => {
                if n > 0 || flow.src_eof() {
                    c.last_activity = now;
                }
                if flow.done() {
                    // Closing sends the FIN; no separate shutdown(2) needed.
                    c.closing = Some(String::new());
                }
            }
            Err(e) => c.closing = Some(format!("echo to {} failed: {}", c.peer, describe(e.err))),
        }
    }

    fn pump_hub(&mut self, i: usize, now: Instant, broker: bool) -> Result<()> {
        let c = &mut self.conns[i];
        let State::Hub(q) = &mut c.state else {
            return Ok(());
        };
        if let Err(e) = q.flush(&c.sock) {
            c.closing = Some(format!("send failed: {}", describe(e)));
            return Ok(());
        }
        q.note_level(now);
        if q.eof {
            if q.pending().is_empty() {
                c.closing = Some(String::new());
            }
            return Ok(());
        }
        let n = match rustix::io::read(&c.sock, &mut self.scratch) {
            Ok(0) => {
                q.eof = true;
                if q.pending().is_empty() {
                    c.closing = Some(String::new());
                }
                return Ok(());
            }
            Ok(n) => n,
            Err(Errno::AGAIN | Errno::INTR) => return Ok(()),
            Err(e) => {
                c.closing = Some(format!("receive failed: {}", describe(e)));
                return Ok(());
            }
        };
        q.bytes_in += n as u64;
        c.last_activity = now;
        if broker {
            for (j, other) in self.conns.iter_mut().enumerate() {
                if j != i {
                    other.offer(&self.scratch[..n], now);
                }
            }
        } else if let Some(out) = &self.stdout {
            // Straight from the read buffer when nothing waits before it; only what stdout
            // refuses is kept (and written when poll says stdout is ready).
            let mut done = 0;
            if self.out_sent == self.out_buf.len() {
                match rustix::io::write(out.as_fd(), &self.scratch[..n]) {
                    Ok(w) => done = w,
                    Err(Errno::AGAIN | Errno::INTR) => {}
                    // stdout closed (`| head`): a normal way to stop, as for the relay.
                    Err(Errno::PIPE) => {
                        self.stdout_gone = true;
                        return Ok(());
                    }
                    Err(e) => return Err(io::Error::from(e)).context("write to stdout failed"),
                }
            }
            self.out_buf.extend_from_slice(&self.scratch[done..n]);
        }
        Ok(())
    }

    /// Write what is waiting for stdout; false once stdout is closed (EPIPE).
    fn write_stdout(&mut self) -> Result<bool> {
        let Some(out) = &self.stdout else {
            return Ok(true);
        };
        while self.out_sent < self.out_buf.len() {
            match rustix::io::write(out.as_fd(), &self.out_buf[self.out_sent..]) {
                Ok(n) => self.out_sent += n,
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return Ok(true),
                Err(Errno::PIPE) => return Ok(false),
                Err(e) => return Err(io::Error::from(e)).context("write to stdout failed"),
            }
        }
        self.out_buf.clear();
        self.out_sent = 0;
        Ok(true)
    }

    /// Write out what clients already sent, waiting at most until `until` (None: as long as
    /// it takes).
    fn flush_stdout(&mut self, until: Option<Instant>) -> Result<()> {
        while self.out_sent < self.out_buf.len() {
            if until.is_some_and(|u| Instant::now() >= u) || !self.write_stdout()? {
                return Ok(());
            }
            if self.out_sent < self.out_buf.len()
                && let Some(out) = &self.stdout
            {
                let mut fds = [rustix::event::PollFd::from_borrowed_fd(
                    out.as_fd(),
                    PollFlags::OUT,
                )];
                crate::event::poll_until(&mut fds, until).context("poll failed")?;
            }
        }
        Ok(())
    }

    fn close(&mut self, i: usize) {
        let c = self.conns.swap_remove(i);
        self.set.swap_remove(FIRST + i);
        log(self.ctx.verbose, format_args!("{}", c.closed_line()));
    }

    fn reap_children(&mut self) {
        let verbose = self.ctx.verbose;
        let mut last = None;
        self.children.retain_mut(|c| match c.proc.try_wait() {
            Ok(None) => true,
            Ok(Some(status)) => {
                log(
                    verbose,
                    format_args!("Closed {} ({})", c.peer, exec::describe(status)),
                );
                last = Some(status);
                false
            }
            Err(e) => {
                log(
                    verbose,
                    format_args!("Closed {} (wait failed: {e})", c.peer),
                );
                false
            }
        });
        if last.is_some() {
            self.last_status = last;
        }
    }

    /// On the way out after an error or signal: log every client as closed, stop children.
    fn shut_down(&mut self) {
        for i in (0..self.conns.len()).rev() {
            self.close(i);
        }
        let mut procs: Vec<Child> = self.children.drain(..).map(|c| c.proc).collect();
        exec::stop_children(&mut procs);
    }
}

/// Write without blocking; EAGAIN is "nothing written".
fn write_some(sock: &Socket, data: &[u8]) -> Result<usize, Errno> {
    loop {
        match rustix::io::write(sock, data) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => return Ok(0),
            Err(e) => return Err(e),
        }
    }
}

fn describe(e: impl Into<io::Error>) -> String {
    crate::exit::describe_io(&e.into())
}
