//! Opening an [`Endpoint`] into what a session's end reads and writes: a socket (connected,
//! or accepted from a listener), a child on one end of a socketpair, a file, an inherited fd,
//! stdin/stdout, or a pseudo-terminal. Blocking steps (connect, waiting for the first client)
//! wait on the reactor with the signal pipe, so Ctrl-C and `-w` always end them.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use socket2::{Domain, SockAddr, Socket, Type};

use super::{Endpoint, Kind};
use crate::event::can_codec::CanLink;
use crate::event::end::{Addrs, Io, Keep, Opened};
use crate::event::forward::{DgramUpstream, Start, Tunnel, Upstream};
use crate::event::reactor::Interest;
use crate::event::signals::Signals;
use crate::event::stdio::{self, NonBlocking};
use crate::event::{Interrupted, Timeout};
use crate::sock::addr::{self, Family, Host, HostPort, Lookup, Proto};
use crate::sock::{self, SockOpts, UnixPathGuard};

/// What opening needs besides the endpoint: the command line's defaults and the signals.
pub struct Ctx<'a> {
    pub family: Family,
    pub numeric: bool,
    /// Socket options from flags; an endpoint's own options win.
    pub sock: SockOpts,
    /// `-w`: connecting, or waiting for the first client, gives up here (exit 4).
    pub deadline: Option<Instant>,
    pub signals: &'a Signals,
    /// Credentials and DNS mode for proxied endpoints.
    pub proxy: super::proxy::Settings,
    /// A TLS end's records are sealed and opened by the session itself ([`crate::tls::link`])
    /// rather than by a pump behind a socketpair: one session, nothing watching the bytes.
    pub tls_link: bool,
}

/// A bound listening endpoint (`tcp-listen:`, `udp-listen:`, `unix-listen:`).
pub struct Listener {
    pub sock: Socket,
    pub dgram: bool,
    /// `tls-listen:`: every accepted client is a TLS server connection.
    pub tls: Option<crate::tls::config::Server>,
    /// The bound address as users read it (`Listening on ...`).
    pub local: String,
    _path: Option<UnixPathGuard>,
}

/// Bind a listening endpoint.
pub fn bind(ep: &Endpoint, ctx: &Ctx<'_>) -> Result<Listener> {
    let opts = ep.opts.sock_opts(&ctx.sock);
    let family = ep.opts.family.unwrap_or(ctx.family);
    match &ep.kind {
        Kind::TcpListen(hp) | Kind::UdpListen(hp) | Kind::TlsListen(hp) => {
            let proto = if matches!(ep.kind, Kind::TcpListen(_) | Kind::TlsListen(_)) {
                Proto::Tcp
            } else {
                Proto::Udp
            };
            // `bind=ADDR` names the listening address, as socat's bind option does.
            let mut hp = hp.clone();
            let mut opts = opts;
            if let Some(ip) = ep.opts.bind {
                hp.host = Host::Name(ip.to_string());
                opts.source = None;
            }
            let tls = match &ep.kind {
                Kind::TlsListen(_) => Some(tls_server(ep, &hp)?),
                _ => None,
            };
            let sock = bind_inet(&hp, proto, family, ctx.numeric, &opts)?;
            Ok(Listener {
                local: sock::local_display(&sock),
                sock,
                dgram: proto == Proto::Udp,
                tls,
                _path: None,
            })
        }
        Kind::UnixListen { path, dgram } => {
            if ep.opts.unlink && !path.to_string_lossy().starts_with('@') {
                let _ = std::fs::remove_file(path);
            }
            let (sock, guard) = sock::bind_unix(path, *dgram, opts.backlog)
                .with_context(|| format!("listen on {} failed", path.display()))?;
            if let Some(mode) = ep.opts.mode {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .with_context(|| format!("cannot set mode {mode:o} on {}", path.display()))?;
            }
            Ok(Listener {
                local: path.display().to_string(),
                sock,
                dgram: *dgram,
                tls: None,
                _path: Some(guard),
            })
        }
        Kind::VsockListen { port } => {
            let sock = sock::vsock::listen(*port, opts.backlog).with_context(|| {
                format!(
                    "listen on {} failed",
                    sock::vsock::display(sock::vsock::ANY, *port)
                )
            })?;
            Ok(Listener {
                local: sock::local_display(&sock),
                sock,
                dgram: false,
                tls: None,
                _path: None,
            })
        }
        _ => Err(anyhow!("'{ep}' is not a listening endpoint")),
    }
}

/// Bind a server socket on `hp`: the any-address is dual-stack unless a family was chosen
/// (IPv4 alone where the host has no IPv6); a name or literal is resolved (AI_PASSIVE).
pub fn bind_inet(
    hp: &HostPort,
    proto: Proto,
    fam: Family,
    numeric: bool,
    opts: &SockOpts,
) -> Result<Socket> {
    let (addr, dual) = if hp.host == Host::Any {
        (
            addr::any_addr(fam, addr::resolve_port(&hp.port, proto)?),
            fam == Family::Any,
        )
    } else {
        let how = Lookup {
            family: fam,
            proto,
            passive: true,
            numeric,
        };
        let a = *addr::resolve(hp, how)?
            .first()
            .ok_or_else(|| usage(format!("{hp} has no address")))?;
        (a, fam == Family::Any && a.ip().is_unspecified())
    };
    let mut opts = opts.clone();
    opts.broadcast = matches!(hp.host, Host::Broadcast) || opts.broadcast;
    match sock::bind_server(&addr, proto, dual, &opts) {
        // No IPv6 on this host: the any-address falls back to IPv4.
        Err(e) if dual && e.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
            let v4 = SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), addr.port());
            sock::bind_server(&v4, proto, false, &opts)
        }
        other => other,
    }
    .map_err(|e| {
        let hint = bind_hint(&e, addr.port());
        anyhow::Error::from(e).context(format!(
            "listen on {} failed{hint}",
            addr::display_inet(addr)
        ))
    })
}

/// What the user can do about a failed bind, in parentheses (empty when nothing useful).
pub fn bind_hint(e: &io::Error, port: u16) -> &'static str {
    match e.kind() {
        io::ErrorKind::PermissionDenied if port < 1024 => {
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        }
        io::ErrorKind::AddrInUse => " (another socket is bound there; pick another port)",
        _ => "",
    }
}

impl Listener {
    /// The socket, and what keeps its path alive (a unix socket file is removed when dropped).
    pub fn into_parts(self) -> (Socket, Option<UnixPathGuard>) {
        (self.sock, self._path)
    }

    /// Wait for the first client (stream: accept; datagram: the first sender, to which the
    /// socket is then connected, as socat's UDP-LISTEN does). `permits` decides on a client's
    /// address; `refused` is told about the ones turned away.
    pub fn accept_one(
        self,
        ctx: &Ctx<'_>,
        permits: &dyn Fn(Option<IpAddr>) -> bool,
        refused: &mut dyn FnMut(&str),
    ) -> Result<Opened> {
        loop {
            wait_ready(&self.sock, Interest::READ, ctx, "wait for a client (-w)")?;
            if self.dgram {
                let (_, from) = peek_sender(&self.sock).context("receive failed")?;
                let ip = from.as_socket().map(|a| a.ip());
                if !permits(ip) {
                    // Drop the datagram of a sender we refuse.
                    let _ = crate::sys::recv_from(&self.sock, &mut [0u8; 1]);
                    refused(&addr::display(&from));
                    continue;
                }
                // An unnamed unix sender cannot be answered: the socket stays unconnected
                // and only receives.
                let named = from.as_socket().is_some() || from.as_pathname().is_some();
                if named {
                    self.sock
                        .connect(&from)
                        .with_context(|| format!("connect to {} failed", addr::display(&from)))?;
                }
                let addrs = Addrs {
                    local: self.sock.local_addr().ok().and_then(|a| a.as_socket()),
                    peer: from.as_socket(),
                };
                let label = addr::display(&from);
                let mut o = Opened::new(Io::Socket(self.sock), true, label, addrs);
                o.keep(self._path.map(Keep::Path));
                return Ok(o);
            }
            let Some((client, peer)) = sock::accept(&self.sock).context("accept failed")? else {
                continue;
            };
            if !permits(peer.as_socket().map(|a| a.ip())) {
                refused(&addr::display(&peer));
                continue;
            }
            let addrs = Addrs {
                local: client.local_addr().ok().and_then(|a| a.as_socket()),
                peer: peer.as_socket(),
            };
            let label = addr::display(&peer);
            if let Some(tls) = &self.tls {
                // One client: its handshake may wait here (nothing else runs yet).
                if ctx.tls_link {
                    let link = crate::tls::link::Link::server(
                        tls,
                        &client,
                        label.clone(),
                        ctx.deadline,
                        ctx.signals,
                    )?;
                    return Ok(linked(client, link, label, addrs));
                }
                let (pump, plain) = crate::tls::pump::Pump::server(tls, client, label.clone())?;
                return tls_opened(pump, plain, label, addrs, ctx);
            }
            // The listener closes here: nobody else gets in (netcat's -l).
            return Ok(Opened::new(Io::Socket(client), false, label, addrs));
        }
    }
}

/// MSG_PEEK the next datagram's sender without taking the datagram.
fn peek_sender(sock: &Socket) -> io::Result<(usize, SockAddr)> {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    sock.peek_from(&mut buf)
}

/// [`crate::event::wait_ready`] with this opening's deadline (`-w`) and signals.
pub fn wait_ready(fd: &impl AsFd, want: Interest, ctx: &Ctx<'_>, what: &str) -> Result<()> {
    crate::event::wait_ready(fd.as_fd(), want, ctx.deadline, ctx.signals, &|| {
        what.to_string()
    })
}

/// Open a non-listening endpoint. `other` is what the other end is connected to (for an
/// `exec:` child's environment).
pub fn open(ep: &Endpoint, ctx: &Ctx<'_>, other: Addrs) -> Result<Opened> {
    let opts = ep.opts.sock_opts(&ctx.sock);
    let family = ep.opts.family.unwrap_or(ctx.family);
    match &ep.kind {
        Kind::Stdio => {
            let (i, o) = (rustix::stdio::stdin(), rustix::stdio::stdout());
            let (ik, ok) = (stdio::Kind::of(i)?, stdio::Kind::of(o)?);
            stdio::grow_pipe(i, ik);
            stdio::grow_pipe(o, ok);
            let io = Io::Stdio {
                stdin: NonBlocking::set(i, ik)?,
                stdout: NonBlocking::set(o, ok)?,
            };
            Ok(Opened::new(io, false, "stdio".into(), Addrs::default()))
        }
        Kind::Tcp(hp) | Kind::Udp(hp) => {
            let proto = if matches!(ep.kind, Kind::Tcp(_)) {
                Proto::Tcp
            } else {
                Proto::Udp
            };
            let (sock, peer) = connect_inet(hp, proto, family, ctx.numeric, &opts, ctx)?;
            let addrs = Addrs {
                local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                peer: Some(peer),
            };
            let dgram = proto == Proto::Udp;
            Ok(Opened::new(
                Io::Socket(sock),
                dgram,
                addr::display_inet(peer),
                addrs,
            ))
        }
        Kind::Unix { path, dgram } => {
            let sock = sock::connect_unix(path, *dgram)
                .with_context(|| format!("connect to {} failed", path.display()))?;
            Ok(Opened::new(
                Io::Socket(sock),
                *dgram,
                path.display().to_string(),
                Addrs::default(),
            ))
        }
        Kind::Exec { argv, shown } => {
            let (sock, child) = spawn(argv, shown, other)?;
            let label = format!("'{shown}' (pid {})", child.id());
            let mut o = Opened::new(Io::Socket(sock), false, label, Addrs::default());
            o.child = Some(child);
            o.is_child = true;
            Ok(o)
        }
        Kind::File(path) => {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let io = Io::Split {
                rd: Some(f.into()),
                wr: None,
            };
            Ok(Opened::new(
                io,
                false,
                path.display().to_string(),
                Addrs::default(),
            ))
        }
        Kind::Create(path) | Kind::Append(path) => {
            let append = matches!(ep.kind, Kind::Append(_));
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .append(append)
                .truncate(!append)
                .open(path)
                .with_context(|| format!("cannot open {} for writing", path.display()))?;
            let io = Io::Split {
                rd: None,
                wr: Some(f.into()),
            };
            Ok(Opened::new(
                io,
                false,
                path.display().to_string(),
                Addrs::default(),
            ))
        }
        Kind::Fd(n) => {
            let fd = crate::sys::dup_fd(*n).with_context(|| format!("fd:{n} is not open"))?;
            let kind = stdio::Kind::of(fd.as_fd())?;
            if kind == stdio::Kind::Socket {
                let sock = Socket::from(fd);
                sock.set_nonblocking(true)?;
                let dgram = sock.r#type().is_ok_and(|t| t == Type::DGRAM);
                let addrs = Addrs {
                    local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                    peer: sock.peer_addr().ok().and_then(|a| a.as_socket()),
                };
                return Ok(Opened::new(
                    Io::Socket(sock),
                    dgram,
                    format!("fd {n}"),
                    addrs,
                ));
            }
            Ok(Opened::new(
                Io::Duplex(fd),
                false,
                format!("fd {n}"),
                Addrs::default(),
            ))
        }
        Kind::Pty => open_pty(ep),
        Kind::Tls(hp) => {
            let client = crate::tls::config::client(&ep.opts.tls, &tls_host(hp))?;
            let (sock, peer) = connect_inet(hp, Proto::Tcp, family, ctx.numeric, &opts, ctx)?;
            let addrs = Addrs {
                local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                peer: Some(peer),
            };
            let label = addr::display_inet(peer);
            if ctx.tls_link {
                let link = crate::tls::link::Link::client(
                    &client,
                    &sock,
                    label.clone(),
                    ctx.deadline,
                    ctx.signals,
                )?;
                return Ok(linked(sock, link, label, addrs));
            }
            let (pump, plain) = crate::tls::pump::Pump::client(&client, sock, label.clone())?;
            tls_opened(pump, plain, label, addrs, ctx)
        }
        Kind::Can(name) => {
            let b = crate::can::link::bound(name, true, "use")?;
            let (sock, fd) = (Socket::from(OwnedFd::from(b.sock)), b.fd);
            let mut o = Opened::new(
                Io::Socket(sock),
                true,
                format!("can:{name}"),
                Addrs::default(),
            );
            o.can = Some(CanLink { fd });
            Ok(o)
        }
        Kind::Proxy(via) => {
            let (sock, proxy) = super::proxy::connect(via, &ctx.proxy, &opts, family, ctx)?;
            let addrs = Addrs {
                local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                peer: Some(proxy),
            };
            Ok(Opened::new(
                Io::Socket(sock),
                false,
                via.label(proxy),
                addrs,
            ))
        }
        Kind::Vsock { cid, port } => {
            let sock = connect_vsock(*cid, *port, ctx)?;
            let label = sock::vsock::display(*cid, *port);
            Ok(Opened::new(
                Io::Socket(sock),
                false,
                label,
                Addrs::default(),
            ))
        }
        Kind::TcpListen(_)
        | Kind::UdpListen(_)
        | Kind::UnixListen { .. }
        | Kind::TlsListen(_)
        | Kind::VsockListen { .. } => Err(anyhow!("'{ep}' is a listening endpoint")),
    }
}

// --- TLS (issue 14 §1) ---

/// The server configuration of a `tls-listen:` endpoint; a generated certificate names the
/// listening host besides localhost.
pub fn tls_server(ep: &Endpoint, hp: &HostPort) -> Result<crate::tls::config::Server> {
    let mut names = Vec::new();
    if let Host::Name(n) = &hp.host {
        names.push(n.split('%').next().unwrap_or(n).to_string());
    }
    if let Some(ip) = ep.opts.bind {
        names.push(ip.to_string());
    }
    crate::tls::config::server(&ep.opts.tls, &names)
}

/// The name a TLS client verifies: the host as typed, without an IPv6 literal's brackets.
fn tls_host(hp: &HostPort) -> String {
    match &hp.host {
        Host::Name(n) => n.clone(),
        other => other.to_string(),
    }
}

/// One TLS session end: the handshake done here (one session waits for nothing else), then
/// the pair's end as the session's socket with the pump riding along for its loop.
fn tls_opened(
    mut pump: crate::tls::pump::Pump,
    plain: Socket,
    label: String,
    addrs: Addrs,
    ctx: &Ctx<'_>,
) -> Result<Opened> {
    let mut scratch = vec![0u8; 128 * 1024];
    pump.handshake(&mut scratch, ctx.deadline, ctx.signals)?;
    let mut o = Opened::new(Io::Socket(plain), false, label, addrs);
    o.tls = Some(Box::new(pump));
    Ok(o)
}

/// One TLS session end whose records the session handles: the TCP socket itself.
fn linked(tcp: Socket, link: crate::tls::link::Link, label: String, addrs: Addrs) -> Opened {
    let mut o = Opened::new(Io::Socket(tcp), false, label, addrs);
    o.link = Some(std::rc::Rc::new(std::cell::RefCell::new(link)));
    o
}

// --- end TLS ---

/// Connect an AF_VSOCK stream, bounded by `ctx.deadline` (exit 4) and ended by a signal.
pub fn connect_vsock(cid: u32, port: u32, ctx: &Ctx<'_>) -> Result<Socket> {
    let target = sock::vsock::display(cid, port);
    sock::vsock::connect(cid, port, ctx.deadline, ctx.signals.fd()).map_err(|e| match e.kind() {
        io::ErrorKind::TimedOut => Timeout {
            what: format!("connect to {target}: connect timeout"),
        }
        .into(),
        io::ErrorKind::Interrupted => Interrupted {
            signal: ctx.signals.pending().unwrap_or(libc::SIGINT),
        }
        .into(),
        _ => {
            // ENODEV says nothing about the fix: no transport serves this CID.
            let hint = match e.raw_os_error() {
                Some(libc::ENODEV) => {
                    " (no vsock transport for this CID; CID 1 needs the vsock_loopback module)"
                }
                _ => "",
            };
            anyhow::Error::from(e).context(format!("connect to {target} failed{hint}"))
        }
    })
}

/// Resolve `hp` and connect: Happy Eyeballs for TCP (bounded by `ctx.deadline`, ended by a
/// signal), the first usable address for UDP. Errors name the target; a timeout exits 4.
pub fn connect_inet(
    hp: &HostPort,
    proto: Proto,
    family: Family,
    numeric: bool,
    opts: &SockOpts,
    ctx: &Ctx<'_>,
) -> Result<(Socket, SocketAddr)> {
    let addrs = resolve(hp, proto, family, numeric, opts)?;
    if proto == Proto::Udp {
        let mut opts = opts.clone();
        opts.broadcast |= matches!(hp.host, Host::Broadcast);
        return sock::connect_dgram(&addrs, &opts).map_err(|e| {
            // The kernel's EACCES for a broadcast address without SO_BROADCAST says nothing
            // about the fix.
            let hint = if e.kind() == io::ErrorKind::PermissionDenied && !opts.broadcast {
                " (a broadcast address needs --broadcast)"
            } else {
                ""
            };
            anyhow::Error::from(e).context(format!("connect to udp {hp} failed{hint}"))
        });
    }
    sock::connect_stream(&addrs, opts, ctx.deadline, ctx.signals.fd()).map_err(|e| match e.kind() {
        io::ErrorKind::TimedOut => Timeout {
            what: format!("connect to {hp}: connect timeout"),
        }
        .into(),
        io::ErrorKind::Interrupted => Interrupted {
            signal: ctx.signals.pending().unwrap_or(libc::SIGINT),
        }
        .into(),
        _ => anyhow::Error::from(e).context(format!("connect to {hp} failed")),
    })
}

/// Resolve a client endpoint's host, keeping the addresses the source address can reach.
pub fn resolve(
    hp: &HostPort,
    proto: Proto,
    family: Family,
    numeric: bool,
    opts: &SockOpts,
) -> Result<Vec<SocketAddr>> {
    let how = Lookup {
        family,
        proto,
        passive: false,
        numeric,
    };
    let mut addrs = addr::resolve(hp, how)?;
    addrs.retain(|a| opts.source_matches(a));
    if addrs.is_empty() {
        return Err(usage(format!(
            "{hp} has no address of the source address's family"
        )));
    }
    Ok(addrs)
}

/// Start `argv` on one end of a socketpair (its stdin and stdout; stderr stays ours), with
/// the other end's addresses in its environment. Returns our end, non-blocking.
pub fn spawn(argv: &[String], shown: &str, other: Addrs) -> Result<(Socket, Child)> {
    let (ours, theirs) = Socket::pair(Domain::UNIX, Type::STREAM.cloexec(), None)
        .context("cannot make a socketpair")?;
    let theirs_out = theirs.try_clone().context("cannot duplicate the socket")?;
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::from(OwnedFd::from(theirs_out)));
    for (name, a) in [("PEER", other.peer), ("LOCAL", other.local)] {
        if let Some(a) = a {
            cmd.env(format!("SOCKCLI_{name}_ADDR"), a.ip().to_string());
            cmd.env(format!("SOCKCLI_{name}_PORT"), a.port().to_string());
        }
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot run '{shown}'"))?;
    ours.set_nonblocking(true)?;
    Ok((ours, child))
}

/// A pseudo-terminal: we keep the master, the slave is a virtual serial port for another
/// program (its path printed with `-v`, linked with `link=PATH`). The slave is raw (no echo,
/// no line editing, bytes as they are, as socat's `pty,raw,echo=0`) and we hold it open, so
/// programs may open and close the port without ending the session.
fn open_pty(ep: &Endpoint) -> Result<Opened> {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .context("cannot open a pseudo-terminal")?;
    grantpt(&master).context("grantpt failed")?;
    unlockpt(&master).context("unlockpt failed")?;
    let name = ptsname(&master, Vec::new()).context("ptsname failed")?;
    let path = PathBuf::from(name.to_string_lossy().into_owned());
    let slave = rustix::fs::open(
        &path,
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    let mut t = rustix::termios::tcgetattr(&slave).context("tcgetattr failed")?;
    t.make_raw();
    rustix::termios::tcsetattr(&slave, rustix::termios::OptionalActions::Now, &t)
        .context("tcsetattr failed")?;
    rustix::io::ioctl_fionbio(&master, true)?;
    let mut o = Opened::new(
        Io::Duplex(master),
        false,
        path.display().to_string(),
        Addrs::default(),
    );
    o.keep(Some(Keep::Fd(slave)));
    if let Some(link) = &ep.opts.link {
        make_link(link, &path)?;
        o.keep(Some(Keep::Link(link.clone())));
    }
    Ok(o)
}

/// `link=PATH`: a symlink to the slave, replacing an old symlink but never a real file.
fn make_link(link: &Path, target: &Path) -> Result<()> {
    if let Ok(m) = std::fs::symlink_metadata(link) {
        if !m.file_type().is_symlink() {
            return Err(anyhow!(
                "link={}: exists and is not a symlink",
                link.display()
            ));
        }
        std::fs::remove_file(link)?;
    }
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot create link {}", link.display()))
}

/// RIGHT of `pair -k` over a stream listener, opened afresh for every client. A `tcp:` RIGHT
/// is resolved once, at start, and connected without blocking (the forwarder waits for it in
/// its reactor); other kinds open at once (a unix connect, a child, a file).
pub struct StreamRight<'a> {
    ep: &'a Endpoint,
    ctx: &'a Ctx<'a>,
    tcp: Option<(Vec<SocketAddr>, SockOpts)>,
    tls: Option<crate::tls::config::Client>,
    /// A proxied RIGHT (the proxy's addresses are `tcp`'s): the tunnel each client gets a
    /// copy of (made once, so `--proxy-dns local` resolves once; boxed, as `tcp:` has none).
    via: Option<Box<Tunnel>>,
}

impl<'a> StreamRight<'a> {
    pub fn new(ep: &'a Endpoint, ctx: &'a Ctx<'a>) -> Result<StreamRight<'a>> {
        let (hp, via) = match &ep.kind {
            Kind::Tcp(hp) | Kind::Tls(hp) => (Some(hp), None),
            Kind::Proxy(v) => (Some(&v.proxy), Some(v)),
            _ => (None, None),
        };
        let family = ep.opts.family.unwrap_or(ctx.family);
        let tcp = match hp {
            Some(hp) => {
                let opts = ep.opts.sock_opts(&ctx.sock);
                let addrs = resolve(hp, Proto::Tcp, family, ctx.numeric, &opts)?;
                Some((sock::interleave(&addrs), opts))
            }
            None => None,
        };
        // A tls: RIGHT connects like tcp:, then its pump does the handshake on the loop.
        let tls = match &ep.kind {
            Kind::Tls(hp) => Some(crate::tls::config::client(&ep.opts.tls, &tls_host(hp))?),
            _ => None,
        };
        // A bad target (or one --proxy-dns local cannot resolve) fails before any client.
        let via = match via {
            Some(v) => Some(Box::new(Tunnel {
                dialogue: v.dialogue(&ctx.proxy, family, ctx.numeric)?,
                name: format!("{} via {}", v.target, v.protocol.name()),
                kind: v.protocol.name(),
                target: v.target.to_string(),
            })),
            None => None,
        };
        Ok(StreamRight {
            ep,
            ctx,
            tcp,
            tls,
            via,
        })
    }
}

impl Upstream for StreamRight<'_> {
    fn start(&self, client: Addrs) -> Result<Start> {
        if let Kind::Vsock { cid, port } = self.ep.kind {
            return start_vsock(cid, port);
        }
        let Some((addrs, opts)) = &self.tcp else {
            return open(self.ep, self.ctx, client).map(Start::Open);
        };
        let tunnel = self.via.as_deref().cloned();
        let mut last = None;
        for (i, target) in addrs.iter().enumerate() {
            match sock::begin_connect(target, opts) {
                // Even a connect done at once goes through the reactor when a dialogue follows.
                Ok((sock, true)) if tunnel.is_none() => {
                    let addrs = Addrs {
                        local: None,
                        peer: Some(*target),
                    };
                    let label = addr::display_inet(*target);
                    return Ok(Start::Open(Opened::new(
                        Io::Socket(sock),
                        false,
                        label,
                        addrs,
                    )));
                }
                Ok((sock, _)) => {
                    return Ok(Start::Connecting {
                        sock,
                        target: (*target).into(),
                        rest: addrs[i + 1..].to_vec(),
                        opts: opts.clone(),
                        tunnel,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| io::Error::other("no address"));
        Err(anyhow::Error::from(e).context(format!("connect to {} failed", self.ep)))
    }

    fn name(&self) -> &str {
        &self.ep.text
    }

    fn wants_addrs(&self) -> bool {
        matches!(self.ep.kind, Kind::Exec { .. })
    }

    fn tls(&self) -> Option<&crate::tls::config::Client> {
        self.tls.as_ref()
    }
}

/// A `vsock:` RIGHT of `pair -k`, connected without blocking like `tcp:`.
fn start_vsock(cid: u32, port: u32) -> Result<Start> {
    let (sock, done) = sock::vsock::begin_connect(cid, port)
        .with_context(|| format!("connect to {} failed", sock::vsock::display(cid, port)))?;
    let label = sock::vsock::display(cid, port);
    if done {
        return Ok(Start::Open(Opened::new(
            Io::Socket(sock),
            false,
            label,
            Addrs::default(),
        )));
    }
    Ok(Start::Connecting {
        sock,
        target: SockAddr::vsock(cid, port),
        rest: Vec::new(),
        opts: SockOpts::default(),
        tunnel: None,
    })
}

/// RIGHT of the UDP forwarder (`pair -k udp-listen:... udp:...`): a fresh connected datagram
/// socket per client, to addresses resolved once.
pub struct DgramRight<'a> {
    ep: &'a Endpoint,
    udp: Option<(Vec<SocketAddr>, SockOpts)>,
}

impl<'a> DgramRight<'a> {
    pub fn new(ep: &'a Endpoint, ctx: &Ctx<'_>) -> Result<DgramRight<'a>> {
        match &ep.kind {
            Kind::Udp(hp) => {
                let opts = ep.opts.sock_opts(&ctx.sock);
                let family = ep.opts.family.unwrap_or(ctx.family);
                let addrs = resolve(hp, Proto::Udp, family, ctx.numeric, &opts)?;
                Ok(DgramRight {
                    ep,
                    udp: Some((addrs, opts)),
                })
            }
            Kind::Unix { dgram: true, .. } => Ok(DgramRight { ep, udp: None }),
            _ => Err(usage(format!(
                "-k with a datagram LEFT forwards to udp: or unix-dgram:, not '{ep}'"
            ))),
        }
    }
}

impl DgramUpstream for DgramRight<'_> {
    fn open(&self) -> io::Result<Socket> {
        match (&self.udp, &self.ep.kind) {
            (Some((addrs, opts)), _) => sock::connect_dgram(addrs, opts).map(|(s, _)| s),
            (None, Kind::Unix { path, .. }) => sock::connect_unix(path, true),
            _ => Err(io::Error::other("not a datagram endpoint")),
        }
    }

    fn name(&self) -> &str {
        &self.ep.text
    }
}

/// A bad endpoint or a plan that cannot work: exit 2.
fn usage(msg: String) -> anyhow::Error {
    crate::exit::Usage(msg).into()
}
