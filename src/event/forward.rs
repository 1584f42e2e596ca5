//! `pair -k`: every client of a listening LEFT gets a fresh RIGHT, all in one reactor — no
//! fork, no thread per client.
//!
//! - Streams ([`serve_stream`]): each client is a [`Session`] between the accepted socket and
//!   its RIGHT. A RIGHT that must connect does so without blocking (the socket waits for
//!   writability in the same reactor, and the next address is tried on failure), so a slow
//!   upstream for one client never stalls another. A RIGHT that fails to open closes only its
//!   client. `exec:` children are reaped when their pidfd says they exited.
//! - Datagrams ([`serve_dgram`]): a UDP forwarder. One upstream socket per client address;
//!   replies are sent back to that address from the listening socket; an entry idle for `-i`
//!   (default 60 s) is expired by a timer; `--max-conns` caps the entries.
//!
//! The UDP forwarder is in [`udp`].
//!
//! A wake-up costs what is ready: clients are in a slab, each with its own tokens and one
//! idle timer re-armed lazily, so 10,000 idle clients cost nothing per wake-up.

mod udp;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use socket2::{SockAddr, Socket};

use super::end::{Addrs, Opened};
use super::hexdump::Dir;
use super::log::{Event, Record, connected, refused};
use super::reactor::{self, Interest, Reactor, Ready, Token, Watch};
use super::session::{End, Rules, Session, SessionError, TOKENS};
use super::shape::Shape;
use super::signals::Signals;
use super::{Interrupted, Timeout};
use crate::sock::{self, addr};
pub use udp::{DgramUpstream, serve_dgram};

/// How RIGHT is opened for each client (implemented by `endpoint::open`).
pub trait Upstream {
    /// Start opening RIGHT for a client whose connection has `client` addresses.
    fn start(&self, client: Addrs) -> Result<Start>;
    /// What RIGHT is called in logs.
    fn name(&self) -> &str;
    /// Whether `start` uses the client's addresses (an `exec:` child's environment); when
    /// not, the accept path skips asking the kernel for them.
    fn wants_addrs(&self) -> bool;
    /// A `tls:` RIGHT: its client configuration; the connected socket gets a TLS pump whose
    /// handshake runs on the loop like any other wake-up.
    fn tls(&self) -> Option<&crate::tls::config::Client> {
        None
    }
}

/// A RIGHT being opened.
// One per client, moved once into the client's slot: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Start {
    Open(Opened),
    /// A non-blocking connect in flight to `target` (an IP or a vsock address); `rest` are
    /// tried in turn if it fails.
    Connecting {
        sock: Socket,
        target: SockAddr,
        rest: Vec<SocketAddr>,
        opts: crate::sock::SockOpts,
        /// A proxy dialogue to run once connected (RIGHT is `socks5:`, `http-proxy:`...).
        tunnel: Option<Tunnel>,
    },
}

/// A proxy's dialogue for one client, run in the reactor after the connect to the proxy, so
/// a slow proxy for one client never stalls another.
#[derive(Clone)]
pub struct Tunnel {
    pub dialogue: crate::proxy::Dialogue,
    /// RIGHT's name before the proxy's address: `HOST:PORT via socks5`.
    pub name: String,
    /// `-v`: the protocol's name and the target asked for (`HOST:PORT`).
    pub kind: &'static str,
    pub target: String,
}

pub struct Opts<'a> {
    /// Per-client session rules; `rules.deadline` (`--timeout`) ends the whole server.
    pub rules: Rules,
    pub max_conns: Option<usize>,
    pub permits: &'a dyn Fn(Option<IpAddr>) -> bool,
    pub log: &'a dyn Fn(Event),
    /// `-v`: whether events are wanted at all (building them costs on every close).
    pub verbose: bool,
    pub shape: &'a Shape,
    /// `-w`: how long one upstream connect may take.
    pub connect_timeout: Option<Duration>,
    pub signals: &'a Signals,
    /// `tls-listen:` LEFT: each client is a TLS connection, its pump on this loop's reactor
    /// (the log gets its handshake and failure lines).
    pub tls: Option<(&'a crate::tls::config::Server, super::log::Log)>,
    /// Where the TLS pumps' lines go (a `tls:` RIGHT's too).
    pub tls_log: super::log::Log,
}

const SIG: Token = 0;
const LISTENER: Token = 1;
/// Tokens per client: the session's, one for a connect in flight, one for an exec child's
/// pidfd (so a child that exits mid-session is reaped at once, never left a zombie).
const STRIDE: usize = TOKENS + 2;
const CONNECT: usize = TOKENS;
const CHILD: usize = TOKENS + 1;
const FIRST: Token = 2;
/// Children outliving their client are watched from here up (their pidfds).
const CHILD_BASE: Token = 1 << 40;
/// The timer that ends an accept pause after EMFILE.
const ACCEPT_TIMER: Token = usize::MAX;
const ACCEPTS_PER_WAKE: usize = 256;
const EMFILE_PAUSE: Duration = Duration::from_millis(100);
const SCRATCH: usize = 64 * 1024;
const FLUSH_ON_SIGNAL: Duration = Duration::from_secs(2);

struct Connecting {
    sock: Socket,
    target: SockAddr,
    rest: Vec<SocketAddr>,
    opts: crate::sock::SockOpts,
    watch: Watch,
    since: Instant,
    /// The reactor said the socket is writable (or failed): the connect has an outcome.
    ready: bool,
    tunnel: Option<Tunnel>,
    /// Connected to the proxy: the tunnel's dialogue is running.
    connected: bool,
}

struct Client {
    left: Opened,
    right: Option<Opened>,
    connecting: Option<Connecting>,
    session: Option<Session>,
    /// The earliest timer armed for this client that has not fired yet.
    armed: Option<Instant>,
    /// RIGHT's child's pidfd and its watch, while the child runs.
    child_exit: Option<(OwnedFd, Watch)>,
}

/// A client's two ends, once RIGHT is open (a function, so that the session can be borrowed
/// mutably beside them).
fn ends_of<'a>(left: &'a Opened, right: &'a Option<Opened>) -> io::Result<Option<[End<'a>; 2]>> {
    match right {
        Some(r) => Ok(Some([left.end()?, r.end()?])),
        None => Ok(None),
    }
}

/// An exec child whose client is gone, until it exits: its pidfd (when the kernel has
/// pidfd_open) and the watch on it, and its name for the log.
type Orphan = (Child, Option<OwnedFd>, Watch, String);

struct Server<'a> {
    r: Reactor,
    listener: Socket,
    listener_watch: Watch,
    upstream: &'a dyn Upstream,
    opts: Opts<'a>,
    clients: Vec<Option<Client>>,
    free: Vec<usize>,
    live: usize,
    children: Vec<Option<Orphan>>,
    scratch: Vec<u8>,
    accept_paused: bool,
    emfile_count: u64,
    tls: Option<crate::tls::hub::Hub>,
}

/// Serve every client of a stream listener until a signal or `--timeout`.
pub fn serve_stream(listener: Socket, upstream: &dyn Upstream, opts: Opts<'_>) -> Result<()> {
    let mut r = Reactor::new().context("cannot create the event loop")?;
    let _sig = reactor::watch_read(&mut r, opts.signals.fd(), SIG)?;
    let listener_watch = reactor::watch_read(&mut r, &listener, LISTENER)?;
    let opts_tls = opts.tls;
    let mut s = Server {
        r,
        listener,
        listener_watch,
        upstream,
        opts,
        clients: Vec::new(),
        free: Vec::new(),
        live: 0,
        children: Vec::new(),
        scratch: vec![0u8; SCRATCH],
        accept_paused: false,
        emfile_count: 0,
        tls: opts_tls.map(|(_, log)| crate::tls::hub::Hub::new(log, true)),
    };
    let result = s.run();
    s.shut_down();
    // Clients closed by us still get their close_notify.
    if let Some(h) = s.tls.as_mut() {
        h.drain(Instant::now() + FLUSH_ON_SIGNAL);
    }
    result
}

impl Server<'_> {
    fn run(&mut self) -> Result<()> {
        let (mut ready, mut fired) = (Vec::new(), Vec::new());
        let mut touched = Vec::new();
        loop {
            if self
                .opts
                .rules
                .deadline
                .is_some_and(|d| Instant::now() >= d)
            {
                return Err(Timeout {
                    what: "session timeout (--timeout)".into(),
                }
                .into());
            }
            ready.clear();
            fired.clear();
            self.r
                .wait(self.opts.rules.deadline, &mut ready, &mut fired)
                .context("epoll_wait failed")?;
            if ready.iter().any(|e| e.token == SIG)
                && let Some(signal) = self.opts.signals.pending()
            {
                self.drain_all();
                return Err(Interrupted { signal }.into());
            }
            touched.clear();
            for &e in &ready {
                match e.token {
                    SIG => {}
                    LISTENER => self.accept_clients()?,
                    t if self.tls.as_ref().is_some_and(|h| h.owns(t)) => {
                        if let Some(h) = self.tls.as_mut() {
                            h.on_ready(&mut self.r, e);
                        }
                    }
                    t if t >= CHILD_BASE => self.reap(t - CHILD_BASE),
                    t => {
                        let slot = (t - FIRST) / STRIDE;
                        self.on_ready(slot, e);
                        touched.push(slot);
                    }
                }
            }
            for &t in &fired {
                if let Some(h) = self.tls.as_mut()
                    && h.on_timer(&mut self.r, t)
                {
                    continue;
                }
                if t == ACCEPT_TIMER {
                    self.resume_accept()?;
                } else {
                    if let Some(Some(c)) = self.clients.get_mut(t) {
                        c.armed = None;
                    }
                    touched.push(t);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for &slot in &touched {
                self.service(slot);
            }
        }
    }

    fn base(slot: usize) -> Token {
        FIRST + slot * STRIDE
    }

    fn accept_clients(&mut self) -> Result<()> {
        for _ in 0..ACCEPTS_PER_WAKE {
            let (sock, peer) = match sock::accept(&self.listener) {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(()),
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    self.emfile_count += 1;
                    if self.emfile_count == 1 {
                        (self.opts.log)(Event::new(
                            format!(
                                "accept: {} ({} clients); waiting for one to leave",
                                crate::exit::describe_io(&e),
                                self.live
                            ),
                            Record::Error,
                        ));
                    }
                    self.accept_paused = true;
                    self.listener_watch
                        .set(&mut self.r, self.listener.as_fd(), Interest::NONE)?;
                    self.r.timer(Instant::now() + EMFILE_PAUSE, ACCEPT_TIMER);
                    return Ok(());
                }
                Err(e) => return Err(e).context("accept failed"),
            };
            let label = addr::display(&peer);
            if !(self.opts.permits)(peer.as_socket().map(|a| a.ip())) {
                (self.opts.log)(Event::new(
                    format!("Refused {label}: not allowed by --allow/--deny"),
                    refused(&label),
                ));
                continue;
            }
            if let Some(max) = self.opts.max_conns
                && self.live >= max
            {
                (self.opts.log)(Event::new(
                    format!("Refused {label}: --max-conns {max} reached"),
                    refused(&label),
                ));
                continue;
            }
            (self.opts.log)(Event::new(
                format!("Connected by {label}"),
                connected(&label),
            ));
            let addrs = Addrs {
                local: if self.upstream.wants_addrs() {
                    sock.local_addr().ok().and_then(|a| a.as_socket())
                } else {
                    None
                },
                peer: peer.as_socket(),
            };
            // TLS: LEFT is the plaintext end of the client's pump.
            let sock = match (self.opts.tls, self.tls.as_mut()) {
                (Some((cfg, _)), Some(hub)) => {
                    let (pump, plain) = crate::tls::pump::Pump::server(cfg, sock, label.clone())?;
                    hub.add(&mut self.r, pump);
                    plain
                }
                _ => sock,
            };
            let left = Opened::new(super::end::Io::Socket(sock), false, label, addrs);
            self.add_client(left);
        }
        Ok(())
    }

    fn resume_accept(&mut self) -> Result<()> {
        if self.accept_paused {
            self.accept_paused = false;
            self.listener_watch
                .set(&mut self.r, self.listener.as_fd(), Interest::READ)?;
        }
        Ok(())
    }

    fn add_client(&mut self, left: Opened) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.clients.push(None);
            self.clients.len() - 1
        });
        self.live += 1;
        let client = Client {
            left,
            right: None,
            connecting: None,
            session: None,
            armed: None,
            child_exit: None,
        };
        self.clients[slot] = Some(client);
        let start = self.upstream.start(
            self.clients[slot]
                .as_ref()
                .map_or_else(Addrs::default, |c| c.left.addrs),
        );
        match start {
            Ok(Start::Open(right)) => self.begin_session(slot, right),
            Ok(Start::Connecting {
                sock,
                target,
                rest,
                opts,
                tunnel,
            }) => self.watch_connect(slot, sock, target, rest, opts, tunnel),
            Err(e) => self.close(slot, Some(format!("{e:#}"))),
        }
    }

    fn watch_connect(
        &mut self,
        slot: usize,
        sock: Socket,
        target: SockAddr,
        rest: Vec<SocketAddr>,
        opts: crate::sock::SockOpts,
        tunnel: Option<Tunnel>,
    ) {
        let mut watch = Watch::new(Self::base(slot) + CONNECT);
        if let Err(e) = watch.set(&mut self.r, sock.as_fd(), Interest::WRITE) {
            self.close(slot, Some(format!("cannot watch the connect: {e}")));
            return;
        }
        let since = Instant::now();
        if let Some(t) = self.opts.connect_timeout {
            self.r.timer(since + t, slot);
        }
        if let Some(Some(c)) = self.clients.get_mut(slot) {
            c.connecting = Some(Connecting {
                sock,
                target,
                rest,
                opts,
                watch,
                since,
                ready: false,
                tunnel,
                connected: false,
            });
        }
    }

    fn on_ready(&mut self, slot: usize, e: Ready) {
        let Some(Some(c)) = self.clients.get_mut(slot) else {
            return;
        };
        let k = (e.token - FIRST) % STRIDE;
        if k == CHILD {
            // Reap now; try_wait keeps the status for the log when the client closes.
            if let Some(child) = c.right.as_mut().and_then(|r| r.child.as_mut())
                && matches!(child.try_wait(), Ok(Some(_)))
                && let Some((fd, mut w)) = c.child_exit.take()
            {
                w.clear(&mut self.r, fd.as_fd());
            }
        } else if k == CONNECT {
            if let Some(conn) = c.connecting.as_mut() {
                conn.ready = true;
            }
        } else if let Some(s) = c.session.as_mut() {
            s.on_ready(e);
        }
    }

    /// Move what is ready for one client, end it if it is over, and set its waits and timer.
    fn service(&mut self, slot: usize) {
        let Some(Some(c)) = self.clients.get_mut(slot) else {
            return;
        };
        if c.connecting.is_some() {
            self.continue_connect(slot);
            return;
        }
        let now = Instant::now();
        let ends = match ends_of(&c.left, &c.right) {
            Ok(Some(e)) => e,
            Ok(None) => return,
            Err(e) => {
                let why = format!("{e}");
                self.close(slot, Some(why));
                return;
            }
        };
        let Some(s) = c.session.as_mut() else { return };
        let mut outcome = s.pump(&ends, &mut self.scratch).err().map(Err);
        if outcome.is_none() {
            outcome = s.check(&ends, now);
        }
        if let Some(result) = outcome {
            let why = result
                .err()
                .and_then(|e| describe(e, &c.left.label, self.upstream.name()));
            self.close(slot, why);
            return;
        }
        if let Err(e) = s.update(&mut self.r, &ends) {
            let why = format!("cannot wait: {e}");
            self.close(slot, Some(why));
            return;
        }
        if let Some(at) = s.next_wake()
            && c.armed.is_none_or(|a| at < a)
        {
            c.armed = Some(at);
            self.r.timer(at, slot);
        }
    }

    /// A connect in flight was reported writable (or its timer fired).
    fn continue_connect(&mut self, slot: usize) {
        let Some(Some(c)) = self.clients.get_mut(slot) else {
            return;
        };
        let Some(mut conn) = c.connecting.take() else {
            return;
        };
        if conn.connected {
            self.continue_tunnel(slot, conn);
            return;
        }
        let timed_out = self
            .opts
            .connect_timeout
            .is_some_and(|t| Instant::now() >= conn.since + t);
        let writable = conn.ready;
        if !writable && !timed_out {
            c.connecting = Some(conn);
            return;
        }
        conn.watch.clear(&mut self.r, conn.sock.as_fd());
        let result = if writable {
            sock::finish_connect(&conn.sock)
        } else {
            Err(io::Error::from(io::ErrorKind::TimedOut))
        };
        match result {
            Ok(()) if conn.tunnel.is_some() => {
                // Connected to the proxy: its dialogue gets a -w of its own.
                if let (true, Some(t)) = (self.opts.verbose, &conn.tunnel) {
                    let proxy = addr::display(&conn.target);
                    (self.opts.log)(super::tunnel::reached(t.kind, &proxy, &t.target));
                }
                conn.connected = true;
                conn.ready = true;
                conn.since = Instant::now();
                if let Some(t) = self.opts.connect_timeout {
                    self.r.timer(conn.since + t, slot);
                }
                self.continue_tunnel(slot, conn);
            }
            Ok(()) => {
                // Nothing asks a forwarded upstream for its local address.
                let addrs = Addrs {
                    local: None,
                    peer: conn.target.as_socket(),
                };
                let label = addr::display(&conn.target);
                let right = Opened::new(super::end::Io::Socket(conn.sock), false, label, addrs);
                self.begin_session(slot, right);
            }
            // The next address, as Happy Eyeballs would after a failure.
            Err(_) if !conn.rest.is_empty() => {
                let target = conn.rest.remove(0);
                match sock::begin_connect(&target, &conn.opts) {
                    Ok((sock, _)) => self.watch_connect(
                        slot,
                        sock,
                        target.into(),
                        conn.rest,
                        conn.opts,
                        conn.tunnel,
                    ),
                    Err(e) => {
                        let why = format!(
                            "connect to {} failed: {}",
                            addr::display_inet(target),
                            crate::exit::describe_io(&e)
                        );
                        self.close(slot, Some(why));
                    }
                }
            }
            Err(e) => {
                let why = format!(
                    "connect to {} failed: {}",
                    self.upstream.name(),
                    crate::exit::describe_io(&e)
                );
                self.close(slot, Some(why));
            }
        }
    }

    /// RIGHT's connected TCP socket → a TLS pump on this loop (one hub for both sides).
    fn wrap_tls(&mut self, cfg: &crate::tls::config::Client, right: Opened) -> Result<Opened> {
        let super::end::Io::Socket(sock) = right.io else {
            unreachable!("checked by the caller")
        };
        let (pump, plain) = crate::tls::pump::Pump::client(cfg, sock, right.label.clone())?;
        let log = self.opts.tls_log;
        let hub = self
            .tls
            .get_or_insert_with(|| crate::tls::hub::Hub::new(log, true));
        hub.add(&mut self.r, pump);
        Ok(Opened::new(
            super::end::Io::Socket(plain),
            false,
            right.label,
            right.addrs,
        ))
    }

    /// Move a proxy dialogue on as far as its socket allows; open the session once the
    /// tunnel is up.
    fn continue_tunnel(&mut self, slot: usize, mut conn: Connecting) {
        let timed_out = self
            .opts
            .connect_timeout
            .is_some_and(|t| Instant::now() >= conn.since + t);
        if !conn.ready && !timed_out {
            if let Some(Some(c)) = self.clients.get_mut(slot) {
                c.connecting = Some(conn);
            }
            return;
        }
        conn.ready = false;
        let Some(tunnel) = conn.tunnel.as_mut() else {
            return;
        };
        let failed = |e: &dyn std::fmt::Display| {
            format!(
                "connect to {} {} failed: {e}",
                tunnel.name,
                addr::display(&conn.target)
            )
        };
        let why = match super::tunnel::pump(&conn.sock, &mut tunnel.dialogue) {
            Ok(None) => {
                conn.watch.clear(&mut self.r, conn.sock.as_fd());
                if self.opts.verbose {
                    let proxy = addr::display(&conn.target);
                    (self.opts.log)(super::tunnel::opened(tunnel.kind, &proxy, &tunnel.target));
                }
                let addrs = Addrs {
                    local: None,
                    peer: conn.target.as_socket(),
                };
                let label = format!("{} {}", tunnel.name, addr::display(&conn.target));
                let right = Opened::new(super::end::Io::Socket(conn.sock), false, label, addrs);
                self.begin_session(slot, right);
                return;
            }
            Ok(Some(_)) if timed_out => failed(&"proxy handshake timed out (-w)"),
            Ok(Some(want)) => match conn.watch.set(&mut self.r, conn.sock.as_fd(), want) {
                Ok(()) => {
                    if let Some(Some(c)) = self.clients.get_mut(slot) {
                        c.connecting = Some(conn);
                    }
                    return;
                }
                Err(e) => format!("cannot watch the proxy: {e}"),
            },
            Err(e) => failed(&format_args!("{e:#}")),
        };
        conn.watch.clear(&mut self.r, conn.sock.as_fd());
        self.close(slot, Some(why));
    }

    fn begin_session(&mut self, slot: usize, mut right: Opened) {
        if let (Some(cfg), super::end::Io::Socket(_)) = (self.upstream.tls(), &right.io)
            && right.tls.is_none()
        {
            right = match self.wrap_tls(cfg, right) {
                Ok(r) => r,
                Err(e) => return self.close(slot, Some(format!("{e:#}"))),
            };
        }
        let shape = self.opts.shape;
        let Some(Some(c)) = self.clients.get_mut(slot) else {
            return;
        };
        let (l, r) = match (c.left.end(), right.end()) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(e), _) | (_, Err(e)) => {
                drop(right);
                self.close(slot, Some(format!("{e}")));
                return;
            }
        };
        let dirs = [
            shape.flow_between(&l, &r, Dir::Sent),
            shape.flow_between(&r, &l, Dir::Received),
        ];
        let mut rules = self.opts.rules.clone();
        rules.deadline = None;
        rules.progress = false;
        let session = Session::new(&[l, r], dirs, rules, Self::base(slot));
        c.session = Some(session);
        if let Some(fd) = right
            .child
            .as_ref()
            .and_then(|ch| reactor::child_exit_fd(ch.id()))
        {
            let mut w = Watch::new(Self::base(slot) + CHILD);
            if w.set(&mut self.r, fd.as_fd(), Interest::READ).is_ok() {
                c.child_exit = Some((fd, w));
            }
        }
        c.right = Some(right);
        self.service(slot);
    }

    /// End a client: its fds leave the reactor and close; an exec child is reaped later.
    fn close(&mut self, slot: usize, why: Option<String>) {
        let Some(mut c) = self.clients.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.free.push(slot);
        self.live -= 1;
        if let Some(mut conn) = c.connecting.take() {
            conn.watch.clear(&mut self.r, conn.sock.as_fd());
        }
        if let Some((fd, mut w)) = c.child_exit.take() {
            w.clear(&mut self.r, fd.as_fd());
        }
        let mut stats = [0, 0];
        if let (Some(s), Ok(Some(ends))) = (c.session.as_mut(), ends_of(&c.left, &c.right)) {
            s.deregister(&mut self.r, &ends);
            stats = s.stats();
        }
        let right = c
            .right
            .as_ref()
            .map_or(self.upstream.name(), |r| &r.label)
            .to_string();
        if self.opts.verbose {
            let why_text = why.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
            (self.opts.log)(Event::new(
                format!(
                    "Closed {} <-> {right} ({} bytes left to right, {} bytes right to left){why_text}",
                    c.left.label, stats[0], stats[1]
                ),
                Record::Relayed {
                    left: &c.left.label,
                    right: &right,
                    bytes_left_to_right: stats[0],
                    bytes_right_to_left: stats[1],
                    error: why.as_deref(),
                },
            ));
        }
        let child = c.right.as_mut().and_then(|r| r.child.take());
        drop(c);
        if let Some(child) = child {
            self.watch_child(child, right);
        }
    }

    fn watch_child(&mut self, mut child: Child, label: String) {
        if let Ok(Some(status)) = child.try_wait() {
            self.log_exit(&label, child.id(), status);
            return;
        }
        let i = self
            .children
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| {
                self.children.push(None);
                self.children.len() - 1
            });
        let pidfd = reactor::child_exit_fd(child.id());
        let mut w = Watch::new(CHILD_BASE + i);
        if let Some(fd) = &pidfd {
            let _ = w.set(&mut self.r, fd.as_fd(), Interest::READ);
        }
        self.children[i] = Some((child, pidfd, w, label));
    }

    fn reap(&mut self, i: usize) {
        let Some(Some((child, pidfd, w, label))) = self.children.get_mut(i) else {
            return;
        };
        if let Ok(Some(status)) = child.try_wait() {
            if let Some(fd) = pidfd.as_ref() {
                w.clear(&mut self.r, fd.as_fd());
            }
            let (id, label) = (child.id(), label.clone());
            self.children[i] = None;
            self.log_exit(&label, id, status);
        }
    }

    fn log_exit(&self, label: &str, pid: u32, status: std::process::ExitStatus) {
        let how = super::child::describe(status);
        (self.opts.log)(Event::new(
            format!("{label} {how}"),
            Record::Exited {
                side: None,
                pid,
                status: status.code().unwrap_or(-1),
            },
        ));
    }

    /// On SIGINT/SIGTERM: deliver what every client already sent, within one shared budget.
    fn drain_all(&mut self) {
        let until = Instant::now() + FLUSH_ON_SIGNAL;
        for slot in 0..self.clients.len() {
            let Some(Some(c)) = self.clients.get_mut(slot) else {
                continue;
            };
            if let (Some(s), Ok(Some(ends))) = (c.session.as_mut(), ends_of(&c.left, &c.right)) {
                s.drain(&mut self.r, &ends, &mut self.scratch, until);
            }
        }
    }

    fn shut_down(&mut self) {
        for slot in 0..self.clients.len() {
            if self.clients[slot].is_some() {
                self.close(slot, None);
            }
        }
        if self.emfile_count > 1 {
            (self.opts.log)(Event::new(
                format!(
                    "accept: out of file descriptors {} times",
                    self.emfile_count
                ),
                Record::Error,
            ));
        }
        let mut procs: Vec<Child> = Vec::new();
        for (child, pidfd, mut w, _) in self.children.drain(..).flatten() {
            if let Some(fd) = pidfd.as_ref() {
                w.clear(&mut self.r, fd.as_fd());
            }
            procs.push(child);
        }
        // TERM, a grace period, then KILL: a child that ignores TERM must not hang the exit.
        super::child::stop_children(&mut procs);
    }
}

/// One line for a client's failure (`None`: a normal end, a closed reader).
fn describe(e: SessionError, left: &str, right: &str) -> Option<String> {
    Some(match e {
        SessionError::Timeout(t) => t.to_string(),
        SessionError::Interrupted(i) => i.to_string(),
        SessionError::Setup(e) => format!("event loop failed: {e}"),
        SessionError::Io { end, write, err } => format!(
            "{} {} failed: {}",
            if write { "write to" } else { "read from" },
            if end == 0 { left } else { right },
            crate::exit::describe_io(&err)
        ),
    })
}
