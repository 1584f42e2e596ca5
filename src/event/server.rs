//! The many-client stream server behind `listen` `--echo`, `-k`, `--broker` and `--exec`:
//! every client lives on one [`Reactor`] (no thread or process per client, except the child
//! `--exec` asks for), and a wake-up costs what is ready, not what is open.
//!
//! - `Echo`: each client's bytes go back to it through its own [`Flow`], which holds only what
//!   the client's socket refused: that is the client's backpressure, nobody else's.
//! - `Hub`: stdin goes to every client; each client's bytes go to stdout (as ncat `-k`), or,
//!   with `--broker`, to every other client. Each client has a [`Queue`]; while one is over
//!   [`conn::QUEUE_LIMIT`], the sources feeding it (stdin, and with `--broker` the other clients)
//!   are not read, so a slow reader slows the room instead of being dropped and memory stays
//!   bounded. A client whose queue stays full for [`conn::STALL_LIMIT`] without taking a byte is not
//!   reading: it is dropped and the others go on. A slow stdout pauses reading from clients
//!   (stdout is the user: we never drop it).
//! - `Exec`: each client's socket becomes a child's stdin/stdout; a pidfd per child reports
//!   its exit (SIGCHLD wake-ups on kernels without pidfds), and its status is logged.
//!
//! Clients live in a [`Slab`]; a client's reactor token is its slot. Only the clients the
//! reactor reports, and those another client's bytes were fanned out to, are served and have
//! their wait updated; "some queue is full" is a count kept in step ([`Conns`]); idle (`-i`)
//! and stall timeouts are one reactor timer per client, re-armed when it fires if the client
//! was active since. The command to run is a [`Spawn`], so this module knows nothing of how
//! `--exec` words are split.

mod backlog;
mod conn;
#[cfg(test)]
mod tests;

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustix::io::Errno;
use socket2::Socket;

use super::flow::{Flow, Wait};
use super::reactor::{self, Interest, Reactor, Ready, Token, Watch};
use super::signals::Signals;
use super::stdio::{Kind, NonBlocking};
use super::{Interrupted, Timeout, earliest};
use crate::exit::render;
use crate::sock::{self, addr};
use backlog::Backlog;
use conn::{Conn, Conns, Fired, Queue, STALL_LIMIT, Slab, State, describe};

/// A command run per client (`--exec`): the server starts, watches and stops children; what
/// the command is belongs to the caller.
pub trait Spawn {
    /// Start a child with `sock` as its stdin and stdout.
    fn spawn(&self, sock: Socket) -> Result<Child>;
    /// How a child ended, as `-v` logs it (`exited with status 0`).
    fn describe(&self, status: ExitStatus) -> String;
    /// The error a one-client server ends with when its child failed.
    fn check(&self, status: ExitStatus) -> Result<()>;
    /// SIGTERM the children, wait a little, SIGKILL the rest, reap them all.
    fn stop(&self, children: &mut [Child]);
}

pub enum Mode<'a> {
    Echo,
    Hub { broker: bool },
    Exec(&'a dyn Spawn),
}

pub struct Opts<'a> {
    pub mode: Mode<'a>,
    /// Serve clients until stopped; otherwise serve the first one and return when it is done.
    pub keep_open: bool,
    pub max_conns: Option<usize>,
    /// `--allow`/`--deny`: whether a client from this address is served (`None`: no IP).
    pub permits: &'a dyn Fn(Option<IpAddr>) -> bool,
    /// Hub: read stdin (not `--recv-only`).
    pub send: bool,
    /// Hub: write clients' bytes to stdout (not `--send-only`).
    pub recv: bool,
    /// `--tls`: each client is a TLS connection, its pump on this loop's reactor.
    pub tls: Option<&'a crate::tls::config::Server>,
}

/// What every server loop needs besides its socket.
pub struct Ctx<'a> {
    /// `-v` (and `--json`) connection events.
    pub log: super::log::Log,
    pub signals: &'a Signals,
    /// `--timeout`: the whole run.
    pub deadline: Option<Instant>,
    /// `-w`: until the first client arrives.
    pub first_client_deadline: Option<Instant>,
    /// `-i`: no traffic on a client for this long.
    pub idle: Option<Duration>,
}

impl Ctx<'_> {
    /// The reactor token [`Ctx::watch_signals`] gives the signal pipe; a loop numbers its own
    /// fds and timers from 1.
    pub const SIGNAL: Token = 0;

    /// Watch the signal pipe on `r` as [`Ctx::SIGNAL`], for [`Ctx::wait`].
    pub fn watch_signals(&self, r: &mut Reactor) -> Result<Watch> {
        reactor::watch_read(r, self.signals.fd(), Self::SIGNAL).context("cannot watch for signals")
    }

    /// Wait on `r` (whose signal pipe is watched by [`Ctx::watch_signals`]) until `wake`:
    /// what is ready is appended to `ready`, due timers to `fired`; a signal is an
    /// [`Interrupted`].
    pub fn wait(
        &self,
        r: &mut Reactor,
        ready: &mut Vec<Ready>,
        fired: &mut Vec<Token>,
        wake: Option<Instant>,
    ) -> Result<()> {
        r.wait(wake, ready, fired).context("poll failed")?;
        let signalled = ready.iter().any(|e| e.token == Self::SIGNAL);
        if signalled && let Some(signal) = self.signals.pending() {
            return Err(Interrupted { signal }.into());
        }
        Ok(())
    }

    /// Exit 4 once `--timeout` (or, before any client, `-w`) has passed.
    pub fn check_deadlines(&self, any_client_yet: bool) -> Result<()> {
        let now = Instant::now();
        if self.deadline.is_some_and(|d| now >= d) {
            return Err(Timeout {
                what: "session timeout (--timeout)".into(),
            }
            .into());
        }
        if !any_client_yet && self.first_client_deadline.is_some_and(|d| now >= d) {
            return Err(Timeout {
                what: "wait for a client (-w)".into(),
            }
            .into());
        }
        Ok(())
    }

    pub fn next_wake(&self, any_client_yet: bool, others: Option<Instant>) -> Option<Instant> {
        let first = if any_client_yet {
            None
        } else {
            self.first_client_deadline
        };
        earliest(&[self.deadline, first, others])
    }

    fn log(&self, line: std::fmt::Arguments<'_>) {
        self.log.line(line);
    }
}

/// Most bytes waiting for stdout before clients are no longer read.
const STDOUT_LIMIT: usize = 1 << 20;
/// Connections accepted per wake-up, so a connection storm cannot starve established clients.
const ACCEPTS_PER_WAKE: usize = 256;
/// Bytes read from one client (or stdin) per wake-up.
const SCRATCH: usize = 64 * 1024;
/// How long accept(2) rests after running out of file descriptors.
const EMFILE_PAUSE: Duration = Duration::from_millis(100);
/// On SIGINT/SIGTERM, how long we still try to write out what clients sent.
const FLUSH_ON_SIGNAL: Duration = Duration::from_secs(2);

/// Reactor tokens of fds: fixed ones, then clients from `FIRST` (slot + `FIRST`), children
/// with the top bit set (slot | `CHILD`).
const SIG: Token = 0;
const LISTENER: Token = 1;
const STDIN: Token = 2;
const STDOUT: Token = 3;
const FIRST: Token = 4;
const CHILD: Token = 1 << (usize::BITS - 1);

/// Timer tokens: the accept pause, then two per client slot (idle, stall).
const ACCEPT_TIMER: Token = 0;
fn idle_timer(slot: usize) -> Token {
    1 + 2 * slot
}
fn stall_timer(slot: usize) -> Token {
    2 + 2 * slot
}

struct ChildConn {
    proc: Child,
    peer: Box<str>,
    /// Readable once the child has exited (None: no pidfd on this kernel).
    exit: Option<(OwnedFd, Watch)>,
}

/// Out of file descriptors: logged once when it starts, counted until an accept succeeds.
struct Emfile {
    since: Instant,
    hits: u64,
}

struct Server<'a> {
    listener: &'a Socket,
    opts: Opts<'a>,
    ctx: &'a Ctx<'a>,
    r: Reactor,
    listen_watch: Watch,
    stdin_watch: Watch,
    stdout_watch: Watch,
    conns: Conns,
    children: Slab<ChildConn>,
    /// Children without a pidfd: reaped on SIGCHLD wake-ups.
    unwatched_children: usize,
    served: u64,
    stdin: Option<NonBlocking<'a>>,
    stdout: Option<NonBlocking<'a>>,
    stdin_open: bool,
    /// What clients sent that stdout did not take yet.
    out_buf: Backlog,
    scratch: Vec<u8>,
    /// Hub: whether clients may be read (stdout not backed up, no broker queue full), as the
    /// clients' watches were last set.
    read_clients: bool,
    /// The last child of a one-client `--exec` server: its status decides ours.
    last_status: Option<ExitStatus>,
    /// accept(2) rests (out of file descriptors) until the accept timer fires.
    accept_paused: bool,
    emfile: Option<Emfile>,
    /// stdout was closed by its reader (EPIPE): the hub ends.
    stdout_gone: bool,
    /// `--tls`: the clients' pumps.
    tls: Option<crate::tls::hub::Hub>,
}

/// Serve clients of `listener` as `opts` says, until the one client is done (without
/// `keep_open`), a signal, a timeout or an error.
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
    let mut r = Reactor::new().context("cannot create the event loop")?;
    reactor::watch_read(&mut r, ctx.signals.fd(), SIG).context("cannot watch signals")?;
    let opts_tls = opts.tls;
    let stdin_open = stdin.is_some();
    let mut server = Server {
        listener,
        opts,
        ctx,
        r,
        listen_watch: Watch::new(LISTENER),
        stdin_watch: Watch::new(STDIN),
        stdout_watch: Watch::new(STDOUT),
        conns: Conns::default(),
        children: Slab::default(),
        unwatched_children: 0,
        served: 0,
        stdin,
        stdout,
        stdin_open,
        out_buf: Backlog::default(),
        scratch: vec![0u8; SCRATCH],
        read_clients: true,
        last_status: None,
        accept_paused: false,
        emfile: None,
        stdout_gone: false,
        tls: opts_tls.map(|_| crate::tls::hub::Hub::new(ctx.log, true)),
    };
    let result = server.run();
    if result.is_err() {
        server.shut_down();
    }
    // Clients closed by us still get their close_notify.
    if let Some(h) = server.tls.as_mut() {
        h.drain(Instant::now() + FLUSH_ON_SIGNAL);
    }
    result
}

impl Server<'_> {
    fn run(&mut self) -> Result<()> {
        let mut ready: Vec<Ready> = Vec::new();
        let mut fired: Vec<Token> = Vec::new();
        let mut dirty: Vec<usize> = Vec::new();
        loop {
            let active = self.conns.len() + self.children.len();
            if !self.opts.keep_open && self.served > 0 && active == 0 {
                if let (Mode::Exec(cmd), Some(status)) = (&self.opts.mode, self.last_status) {
                    cmd.check(status)?;
                }
                return self.flush_stdout(None);
            }
            let any_client = self.served > 0;
            self.ctx.check_deadlines(any_client)?;
            self.update_interest(&mut dirty)?;
            ready.clear();
            fired.clear();
            self.r
                .wait(self.ctx.next_wake(any_client, None), &mut ready, &mut fired)
                .context("epoll_wait failed")?;
            let now = Instant::now();

            // Signals first, then stdout (it may unblock clients), then the rest in order.
            if ready.iter().any(|e| e.token == SIG) {
                if let Some(signal) = self.ctx.signals.pending() {
                    let _ = self.flush_stdout(Some(Instant::now() + FLUSH_ON_SIGNAL));
                    return Err(Interrupted { signal }.into());
                }
                // SIGCHLD: children without a pidfd may have ended.
                if self.unwatched_children > 0 {
                    self.reap_unwatched();
                }
            }
            if ready.iter().any(|e| e.token == STDOUT) && !self.write_stdout()? {
                self.shut_down();
                return Ok(());
            }
            for e in &ready {
                match e.token {
                    SIG | STDOUT => {}
                    LISTENER => self.accept_clients(now)?,
                    STDIN => self.read_stdin(now)?,
                    t if self.tls.as_ref().is_some_and(|h| h.owns(t)) => {
                        if let Some(h) = self.tls.as_mut() {
                            h.on_ready(&mut self.r, *e);
                        }
                    }
                    t if t & CHILD != 0 => self.reap_child(t & !CHILD),
                    t => self.serve_client(t - FIRST, e, now)?,
                }
                if self.stdout_gone {
                    self.shut_down();
                    return Ok(());
                }
            }
            for &t in &fired {
                self.timer_fired(t, now)?;
            }
            self.close_finished()?;
        }
    }

    fn hub(&self) -> bool {
        matches!(self.opts.mode, Mode::Hub { .. })
    }

    fn broker(&self) -> bool {
        matches!(self.opts.mode, Mode::Hub { broker: true })
    }

    /// Hub: whether clients may be read now: stdout is not backed up and, with `--broker`,
    /// no client's queue is full.
    fn room_for_clients(&self) -> bool {
        self.out_buf.len() < STDOUT_LIMIT && !(self.broker() && self.conns.any_full())
    }

    fn accepting(&self) -> bool {
        (self.opts.keep_open || self.served == 0) && !self.accept_paused
    }

    /// Tell the reactor what changed: the fixed fds (O(1)), the clients that changed, and
    /// every client when a global switch (stdout backed up, a broker queue full) flipped.
    fn update_interest(&mut self, dirty: &mut Vec<usize>) -> Result<()> {
        let listen = if self.accepting() {
            Interest::READ
        } else {
            Interest::NONE
        };
        self.listen_watch
            .set(&mut self.r, self.listener.as_fd(), listen)
            .context("cannot watch the listener")?;
        let full = self.conns.any_full();
        if let Some(stdin) = &self.stdin {
            // While a client's queue is full, nothing that feeds the queues is read.
            let want = if self.stdin_open && !self.conns.is_empty() && !full {
                Interest::READ
            } else {
                Interest::NONE
            };
            self.stdin_watch
                .set(&mut self.r, stdin.as_fd(), want)
                .context("cannot watch stdin")?;
        }
        if let Some(stdout) = &self.stdout {
            let want = if !self.out_buf.is_empty() {
                Interest::WRITE
            } else {
                Interest::NONE
            };
            self.stdout_watch
                .set(&mut self.r, stdout.as_fd(), want)
                .context("cannot watch stdout")?;
        }
        if self.hub() {
            let read_clients = self.room_for_clients();
            if read_clients != self.read_clients {
                self.read_clients = read_clients;
                self.conns.all_changed();
            }
        }
        for (slot, due) in self.conns.take_stall_timers() {
            self.r.timer(due, stall_timer(slot));
        }
        self.conns.take_dirty(dirty);
        for &slot in dirty.iter() {
            let read_clients = self.read_clients;
            let Some(c) = self.conns.get_mut(slot) else {
                continue;
            };
            if c.closing.is_some() {
                continue;
            }
            let want = match &c.state {
                State::Echo(f) => match f.interest() {
                    Some(Wait::Dst) => Interest::WRITE,
                    _ => Interest::READ,
                },
                State::Hub(q) => {
                    let read = if !q.eof && read_clients {
                        Interest::READ
                    } else {
                        Interest::NONE
                    };
                    if q.queued() == 0 {
                        read
                    } else {
                        read.union(Interest::WRITE)
                    }
                }
            };
            c.watch
                .set(&mut self.r, c.sock.as_fd(), want)
                .context("cannot watch a client")?;
        }
        Ok(())
    }

    fn accept_clients(&mut self, now: Instant) -> Result<()> {
        for _ in 0..ACCEPTS_PER_WAKE {
            if !self.accepting() {
                return Ok(());
            }
            let (sock, peer_addr) = match sock::accept(self.listener) {
                Ok(Some(client)) => client,
                Ok(None) => return Ok(()),
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    self.out_of_fds(&e, now);
                    return Ok(());
                }
                Err(e) => return Err(e).context("accept failed"),
            };
            self.fds_back(now);
            let peer = addr::display(&peer_addr);
            let ip = peer_addr.as_socket().map(|a| a.ip());
            if !(self.opts.permits)(ip) {
                self.ctx.log(format_args!(
                    "Refused {peer}: not allowed by --allow/--deny"
                ));
                continue;
            }
            let active = self.conns.len() + self.children.len();
            if let Some(max) = self.opts.max_conns
                && active >= max
            {
                self.ctx
                    .log(format_args!("Refused {peer}: --max-conns {max} reached"));
                continue;
            }
            self.ctx.log(format_args!("Connected by {peer}"));
            self.served += 1;
            // TLS: the client is the plaintext end of its pump's socketpair.
            let sock = match (self.opts.tls, self.tls.as_mut()) {
                (Some(cfg), Some(hub)) => {
                    let (pump, plain) = crate::tls::pump::Pump::server(cfg, sock, peer.clone())?;
                    hub.add(&mut self.r, pump);
                    plain
                }
                _ => sock,
            };
            let state = match &self.opts.mode {
                Mode::Exec(cmd) => {
                    // A command that cannot start fails the same way for every client.
                    let proc = cmd.spawn(sock)?;
                    self.add_child(proc, peer.into());
                    continue;
                }
                Mode::Echo => State::Echo(Flow::copy(false)),
                Mode::Hub { .. } => State::Hub(Queue::default()),
            };
            // The slot is the token; the watch is set with the other changes before waiting.
            let slot = self
                .conns
                .insert(Conn::new(sock, peer.into(), state, Watch::new(0), now));
            let c = self.conns.get_mut(slot).expect("just inserted");
            c.watch = Watch::new(FIRST + slot);
            if let Some(idle) = self.ctx.idle {
                c.idle_due = Some(now + idle);
                self.r.timer(now + idle, idle_timer(slot));
            }
        }
        Ok(())
    }

    /// accept(2) failed with EMFILE/ENFILE: rest [`EMFILE_PAUSE`] (the listener stays
    /// readable, so retrying at once would spin), log the first time of a run of them.
    fn out_of_fds(&mut self, e: &io::Error, now: Instant) {
        match &mut self.emfile {
            Some(run) => run.hits += 1,
            None => {
                self.ctx.log(format_args!(
                    "accept: {} ({} clients); waiting for one to leave",
                    crate::exit::describe_io(e),
                    self.conns.len() + self.children.len()
                ));
                self.emfile = Some(Emfile {
                    since: now,
                    hits: 1,
                });
            }
        }
        self.accept_paused = true;
        self.r.timer(now + EMFILE_PAUSE, ACCEPT_TIMER);
    }

    /// An accept succeeded (or we stop): close a run of EMFILEs with its count.
    fn fds_back(&mut self, now: Instant) {
        if let Some(run) = self.emfile.take()
            && run.hits > 1
        {
            self.ctx.log(format_args!(
                "accept: out of file descriptors {} times in {:.1}s",
                run.hits,
                now.duration_since(run.since).as_secs_f64()
            ));
        }
    }

    fn add_child(&mut self, proc: Child, peer: Box<str>) {
        let pidfd = reactor::child_exit_fd(proc.id());
        let slot = self.children.insert(ChildConn {
            proc,
            peer,
            exit: None,
        });
        let watched = pidfd.and_then(|fd| {
            let w = reactor::watch_read(&mut self.r, &fd, CHILD | slot).ok()?;
            Some((fd, w))
        });
        if watched.is_none() {
            self.unwatched_children += 1;
        }
        if let Some(c) = self.children.get_mut(slot) {
            c.exit = watched;
        }
    }

    /// A child's pidfd is readable: it has ended; reap it and log how.
    fn reap_child(&mut self, slot: usize) {
        let Some(c) = self.children.get_mut(slot) else {
            return;
        };
        let status = match c.proc.try_wait() {
            Ok(None) => return,
            Ok(Some(status)) => Ok(status),
            Err(e) => Err(e),
        };
        let mut c = self.children.remove(slot).expect("present");
        match c.exit.take() {
            Some((fd, mut w)) => w.clear(&mut self.r, fd.as_fd()),
            None => self.unwatched_children -= 1,
        }
        match status {
            Ok(status) => {
                let how = match &self.opts.mode {
                    Mode::Exec(cmd) => cmd.describe(status),
                    _ => String::new(),
                };
                self.ctx.log(format_args!("Closed {} ({how})", c.peer));
                self.last_status = Some(status);
            }
            Err(e) => self
                .ctx
                .log(format_args!("Closed {} (wait failed: {e})", c.peer)),
        }
    }

    /// SIGCHLD without pidfds: try every child that has none.
    fn reap_unwatched(&mut self) {
        let slots: Vec<usize> = self.children.slots().collect();
        for slot in slots {
            if self.children.get(slot).is_some_and(|c| c.exit.is_none()) {
                self.reap_child(slot);
            }
        }
    }

    /// stdin → every client (fan-out: O(clients) by nature).
    fn read_stdin(&mut self, now: Instant) -> Result<()> {
        let Some(stdin) = &self.stdin else {
            return Ok(());
        };
        // A client read earlier in this wake-up may have filled a queue.
        if !self.stdin_watch.interest().read || self.conns.any_full() {
            return Ok(());
        }
        match rustix::io::read(stdin.as_fd(), &mut self.scratch) {
            Ok(0) => self.stdin_open = false,
            Ok(n) => {
                let data = &self.scratch[..n];
                for (_, c) in self.conns.slab.iter_mut() {
                    c.offer(data, now);
                    c.last_activity = now;
                }
                let slots: Vec<usize> = self.conns.slab.slots().collect();
                for slot in slots {
                    self.conns.changed(slot);
                }
            }
            Err(Errno::AGAIN | Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e)).context("read from stdin failed"),
        }
        Ok(())
    }

    fn serve_client(&mut self, slot: usize, e: &Ready, now: Instant) -> Result<()> {
        let Some(c) = self.conns.get_mut(slot) else {
            return Ok(());
        };
        // Closing, or news it no longer waits for (its wait changed since the reactor
        // looked).
        if c.closing.is_some() || !e.serves(c.watch.interest()) {
            return Ok(());
        }
        match &c.state {
            State::Echo(_) => self.pump_echo(slot, now),
            State::Hub(_) => self.pump_hub(slot, now)?,
        }
        self.conns.changed(slot);
        Ok(())
    }

    fn pump_echo(&mut self, slot: usize, now: Instant) {
        let Some(c) = self.conns.get_mut(slot) else {
            return;
        };
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

    fn pump_hub(&mut self, slot: usize, now: Instant) -> Result<()> {
        let broker = self.broker();
        let read_clients = self.read_clients;
        let room = self.room_for_clients();
        let Some(c) = self.conns.get_mut(slot) else {
            return Ok(());
        };
        let State::Hub(q) = &mut c.state else {
            return Ok(());
        };
        if let Err(e) = q.flush(&c.sock) {
            c.closing = Some(format!("send failed: {}", describe(e)));
            return Ok(());
        }
        q.note_level(now);
        if q.eof {
            if q.queued() == 0 {
                c.closing = Some(String::new());
            }
            return Ok(());
        }
        // Ready for writing only, or reading paused since the wait began, or a client read
        // earlier in this wake-up filled a queue or stdout (so each holds at most one read
        // over its limit, however many clients were ready at once).
        if !read_clients || !c.watch.interest().read || !room {
            return Ok(());
        }
        let n = match rustix::io::read(&c.sock, &mut self.scratch) {
            Ok(0) => {
                q.eof = true;
                if q.queued() == 0 {
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
            let data = &self.scratch[..n];
            for (j, other) in self.conns.slab.iter_mut() {
                if j != slot {
                    other.offer(data, now);
                }
            }
            let slots: Vec<usize> = self.conns.slab.slots().collect();
            for j in slots {
                if j != slot {
                    self.conns.changed(j);
                }
            }
        } else if let Some(out) = &self.stdout {
            // Straight from the read buffer when nothing waits before it; only what stdout
            // refuses is kept (and written when the reactor says stdout is ready).
            let mut done = 0;
            if self.out_buf.is_empty() {
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
            self.out_buf.push(&self.scratch[done..n]);
        }
        Ok(())
    }

    fn timer_fired(&mut self, token: Token, now: Instant) -> Result<()> {
        if let Some(h) = self.tls.as_mut()
            && h.on_timer(&mut self.r, token)
        {
            return Ok(());
        }
        if token == ACCEPT_TIMER {
            self.accept_paused = false;
            return Ok(());
        }
        let slot = (token - 1) / 2;
        let Some(c) = self.conns.get_mut(slot) else {
            return Ok(());
        };
        if c.closing.is_some() {
            return Ok(());
        }
        if token == idle_timer(slot) {
            let Some(idle) = self.ctx.idle else {
                return Ok(());
            };
            match c.fire_idle(now, idle) {
                Fired::Stale => {}
                Fired::Rearm(due) => self.r.timer(due, token),
                Fired::Expired => {
                    c.closing = Some(render(
                        &Timeout {
                            what: format!("idle timeout (-i) for {}", c.peer),
                        }
                        .into(),
                    ));
                    if !self.opts.keep_open {
                        self.close(slot);
                        return Err(Timeout {
                            what: "idle timeout (-i)".into(),
                        }
                        .into());
                    }
                    self.conns.changed(slot);
                }
            }
        } else {
            match c.fire_stall(now) {
                Fired::Stale => {}
                Fired::Rearm(due) => self.r.timer(due, token),
                Fired::Expired => {
                    if let State::Hub(q) = &c.state {
                        c.closing = Some(format!(
                            "dropped: not reading, {} bytes queued for {}s",
                            q.queued(),
                            STALL_LIMIT.as_secs()
                        ));
                    }
                    self.conns.changed(slot);
                }
            }
        }
        Ok(())
    }

    /// Close the clients that have a reason to; without `keep_open` a failure is ours.
    fn close_finished(&mut self) -> Result<()> {
        for slot in self.conns.take_closing() {
            let Some(c) = self.conns.get_mut(slot) else {
                continue;
            };
            let why = c.closing.clone().unwrap_or_default();
            self.close(slot);
            if !why.is_empty() && !self.opts.keep_open {
                return Err(anyhow::anyhow!("{why}"));
            }
        }
        Ok(())
    }

    /// Write what is waiting for stdout; false once stdout is closed (EPIPE).
    fn write_stdout(&mut self) -> Result<bool> {
        let Some(out) = &self.stdout else {
            return Ok(true);
        };
        match self.out_buf.write_to(out.as_fd(), &mut 0) {
            Ok(()) => Ok(true),
            Err(Errno::PIPE) => Ok(false),
            Err(e) => Err(io::Error::from(e)).context("write to stdout failed"),
        }
    }

    /// Write out what clients already sent, waiting at most until `until` (None: as long as
    /// it takes).
    fn flush_stdout(&mut self, until: Option<Instant>) -> Result<()> {
        while !self.out_buf.is_empty() {
            if until.is_some_and(|u| Instant::now() >= u) || !self.write_stdout()? {
                return Ok(());
            }
            if !self.out_buf.is_empty()
                && let Some(out) = &self.stdout
            {
                reactor::wait_one(out.as_fd(), Interest::WRITE, until)
                    .context("epoll_wait failed")?;
            }
        }
        Ok(())
    }

    fn close(&mut self, slot: usize) {
        if let Some(mut c) = self.conns.remove(slot) {
            c.watch.clear(&mut self.r, c.sock.as_fd());
            self.ctx.log(format_args!("{}", c.closed_line()));
        }
    }

    /// On the way out after an error or signal: log every client as closed, stop children.
    fn shut_down(&mut self) {
        let slots: Vec<usize> = self.conns.slab.slots().collect();
        for slot in slots.into_iter().rev() {
            self.close(slot);
        }
        self.fds_back(Instant::now());
        let slots: Vec<usize> = self.children.slots().collect();
        let mut procs: Vec<Child> = slots
            .into_iter()
            .filter_map(|s| self.children.remove(s))
            .map(|c| c.proc)
            .collect();
        if let Mode::Exec(cmd) = &self.opts.mode {
            cmd.stop(&mut procs);
        }
    }
}
