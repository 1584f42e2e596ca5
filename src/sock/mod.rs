//! The internal socket module every subcommand shares: socket options, a Happy Eyeballs
//! (RFC 8305) connect, dual-stack listeners, UDP and AF_UNIX sockets. Returns `io::Result`;
//! no CLI types, no anyhow.

pub mod addr;
pub mod cidr;
pub mod ports;
pub mod scan;
pub mod vsock;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use socket2::{Domain, SockAddr, Socket, TcpKeepalive, Type};

use crate::event::reactor::{Interest, Reactor, Token, Watch, watch_read};
use addr::Proto;

/// RFC 8305 §5 "Connection Attempt Delay": how long one attempt runs alone before the next
/// address is tried in parallel.
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Socket options chosen on the command line.
#[derive(Debug, Clone, Default)]
pub struct SockOpts {
    pub source: Option<IpAddr>,
    pub source_port: Option<u16>,
    pub nodelay: bool,
    pub keepalive: bool,
    pub sndbuf: Option<usize>,
    pub rcvbuf: Option<usize>,
    pub ttl: Option<u32>,
    pub tos: Option<u32>,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub broadcast: bool,
    pub backlog: Option<i32>,
}

impl SockOpts {
    /// Apply every option that makes sense for this socket (before bind/connect).
    fn apply(&self, sock: &Socket, domain: Domain, ty: Type) -> io::Result<()> {
        let inet = domain == Domain::IPV4 || domain == Domain::IPV6;
        if self.reuseaddr {
            sock.set_reuse_address(true)?;
        }
        if self.reuseport && inet {
            sock.set_reuse_port(true)?;
        }
        if let Some(n) = self.sndbuf {
            sock.set_send_buffer_size(n)?;
        }
        if let Some(n) = self.rcvbuf {
            sock.set_recv_buffer_size(n)?;
        }
        if ty == Type::STREAM && inet {
            if self.nodelay {
                sock.set_tcp_nodelay(true)?;
            }
            if self.keepalive {
                sock.set_keepalive(true)?;
                sock.set_tcp_keepalive(&TcpKeepalive::new())?;
            }
        }
        if self.broadcast && domain == Domain::IPV4 {
            sock.set_broadcast(true)?;
        }
        if domain == Domain::IPV4 {
            if let Some(ttl) = self.ttl {
                sock.set_ttl_v4(ttl)?;
            }
            if let Some(tos) = self.tos {
                sock.set_tos_v4(tos)?;
            }
        } else if domain == Domain::IPV6 {
            if let Some(ttl) = self.ttl {
                sock.set_unicast_hops_v6(ttl)?;
            }
            if let Some(tos) = self.tos {
                sock.set_tclass_v6(tos)?;
            }
        }
        Ok(())
    }

    /// Bind to `-s`/`-p` when given (a client's source address).
    fn bind_source(&self, sock: &Socket, target: &SocketAddr) -> io::Result<()> {
        if self.source.is_none() && self.source_port.is_none() {
            return Ok(());
        }
        let ip = self.source.unwrap_or(match target {
            SocketAddr::V4(_) => IpAddr::from([0u8; 4]),
            SocketAddr::V6(_) => IpAddr::from([0u16; 8]),
        });
        sock.bind(&SocketAddr::new(ip, self.source_port.unwrap_or(0)).into())
    }

    /// Whether a target address can be reached from the chosen source address.
    pub fn source_matches(&self, target: &SocketAddr) -> bool {
        self.source.is_none_or(|s| s.is_ipv4() == target.is_ipv4())
    }
}

fn sock_type(proto: Proto) -> Type {
    match proto {
        Proto::Tcp => Type::STREAM,
        Proto::Udp => Type::DGRAM,
    }
}

/// A fresh non-blocking inet socket with the options applied and the source bound.
fn inet_socket(target: &SocketAddr, proto: Proto, opts: &SockOpts) -> io::Result<Socket> {
    let domain = Domain::for_address(*target);
    let ty = sock_type(proto);
    let sock = Socket::new(domain, ty, None)?;
    opts.apply(&sock, domain, ty)?;
    opts.bind_source(&sock, target)?;
    sock.set_nonblocking(true)?;
    Ok(sock)
}

/// Order addresses as RFC 8305 §4 says: alternate families, starting with the resolver's
/// first choice, keeping each family's own order.
pub fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut a, mut b): (Vec<&SocketAddr>, Vec<&SocketAddr>) =
        addrs.iter().partition(|x| x.is_ipv4() == first.is_ipv4());
    let mut out = Vec::with_capacity(addrs.len());
    a.reverse();
    b.reverse();
    while let Some(x) = a.pop() {
        out.push(*x);
        if let Some(y) = b.pop() {
            out.push(*y);
        }
    }
    out.extend(b.into_iter().rev().copied());
    out
}

/// Connect a stream socket with Happy Eyeballs: start with the first address, start the next
/// one after [`ATTEMPT_DELAY`] or as soon as one fails, and keep the first that connects.
///
/// Returns `TimedOut` at `deadline`, `Interrupted` when `interrupt` becomes readable (a
/// signal arrived), otherwise the last attempt's error.
///
/// On the reactor: token 0 is `interrupt`; attempt `i` (the `i`th address of the interleaved
/// order) is token `i + 1`, both for its socket's writable wait and for its stagger timer,
/// which starts the next attempt only while `i` is still the latest one started.
pub fn connect_stream(
    addrs: &[SocketAddr],
    opts: &SockOpts,
    deadline: Option<Instant>,
    interrupt: BorrowedFd<'_>,
) -> io::Result<(Socket, SocketAddr)> {
    const INTERRUPT: Token = 0;
    let order = interleave(addrs);
    let mut reactor = Reactor::new()?;
    let _interrupt = watch_read(&mut reactor, interrupt, INTERRUPT)?;
    let mut next = 0;
    let mut start_next = true;
    let mut inflight: Vec<(Socket, SocketAddr, Watch)> = Vec::new();
    let mut last_err = None;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    loop {
        while start_next && next < order.len() {
            start_next = false;
            let target = order[next];
            let token = next + 1;
            next += 1;
            let attempt = inet_socket(&target, Proto::Tcp, opts)
                .and_then(|s| start_connect(&s, &target).map(|done| (s, done)))
                .and_then(|(s, done)| {
                    let mut w = Watch::new(token);
                    if !done {
                        w.set(&mut reactor, s.as_fd(), Interest::WRITE)?;
                    }
                    Ok((s, done, w))
                });
            match attempt {
                Ok((s, true, _)) => return Ok((s, target)),
                Ok((s, false, w)) => {
                    reactor.timer(Instant::now() + ATTEMPT_DELAY, token);
                    inflight.push((s, target, w));
                }
                Err(e) => {
                    last_err = Some(e);
                    start_next = true;
                }
            }
        }
        if inflight.is_empty() {
            return Err(last_err.unwrap_or_else(|| io::Error::other("no address to connect to")));
        }
        ready.clear();
        fired.clear();
        reactor.wait(deadline, &mut ready, &mut fired)?;
        if ready.iter().any(|e| e.token == INTERRUPT) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        for e in &ready {
            let Some(i) = inflight.iter().position(|(_, _, w)| w.token == e.token) else {
                continue;
            };
            let (s, target, mut w) = inflight.remove(i);
            match s.take_error()? {
                None if s.peer_addr().is_ok() => return Ok((s, target)),
                Some(e) => last_err = Some(e),
                None => last_err = Some(io::ErrorKind::NotConnected.into()),
            }
            w.clear(&mut reactor, s.as_fd());
            start_next = true;
        }
        // A stagger timer counts only for the latest attempt (token `next`).
        if fired.contains(&next) {
            start_next = true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(io::ErrorKind::TimedOut.into());
        }
    }
}

/// Non-blocking connect: `Ok(true)` when already connected, `Ok(false)` when in progress.
/// Start a non-blocking TCP connect to `target` (the many-client forwarder's upstreams):
/// the socket, and whether it connected at once. Finish with [`finish_connect`] once the
/// socket is writable.
pub fn begin_connect(target: &SocketAddr, opts: &SockOpts) -> io::Result<(Socket, bool)> {
    let sock = inet_socket(target, Proto::Tcp, opts)?;
    let done = start_connect(&sock, target)?;
    Ok((sock, done))
}

/// The outcome of a connect that [`begin_connect`] started, once the socket is writable.
pub fn finish_connect(sock: &Socket) -> io::Result<()> {
    match sock.take_error()? {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn start_connect(sock: &Socket, target: &SocketAddr) -> io::Result<bool> {
    match sock.connect(&(*target).into()) {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A connected UDP socket: the first address whose socket can be set up wins (UDP connect
/// sends nothing, so there is nothing to race).
pub fn connect_dgram(addrs: &[SocketAddr], opts: &SockOpts) -> io::Result<(Socket, SocketAddr)> {
    let mut last_err = None;
    for target in addrs {
        match inet_socket(target, Proto::Udp, opts).and_then(|s| {
            s.connect(&(*target).into())?;
            Ok(s)
        }) {
            Ok(s) => return Ok((s, *target)),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no address to connect to")))
}

/// Bind a server socket on `addr`: SO_REUSEADDR always (a restart never meets "Address
/// already in use"); with `dual_stack` an IPv6 wildcard also accepts IPv4 (IPV6_V6ONLY off),
/// otherwise an IPv6 socket is IPv6 only. Streams also listen().
pub fn bind_server(
    addr: &SocketAddr,
    proto: Proto,
    dual_stack: bool,
    opts: &SockOpts,
) -> io::Result<Socket> {
    let domain = Domain::for_address(*addr);
    let ty = sock_type(proto);
    let sock = Socket::new(domain, ty, None)?;
    sock.set_reuse_address(true)?;
    if domain == Domain::IPV6 {
        sock.set_only_v6(!dual_stack)?;
    }
    opts.apply(&sock, domain, ty)?;
    sock.bind(&(*addr).into())?;
    if ty == Type::STREAM {
        sock.listen(opts.backlog.unwrap_or(128))?;
    }
    sock.set_nonblocking(true)?;
    Ok(sock)
}

/// A unix socket path we created, removed again on drop.
#[derive(Debug)]
pub struct UnixPathGuard(Option<PathBuf>);

impl Drop for UnixPathGuard {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn unix_type(dgram: bool) -> Type {
    if dgram { Type::DGRAM } else { Type::STREAM }
}

/// Bind (and for streams listen on) an AF_UNIX socket. A stale socket file that nobody listens
/// on any more is replaced; a live one is left alone (EADDRINUSE).
pub fn bind_unix(
    path: &Path,
    dgram: bool,
    backlog: Option<i32>,
) -> io::Result<(Socket, UnixPathGuard)> {
    let sa = addr::unix_addr(path)?;
    let ty = unix_type(dgram);
    let sock = Socket::new(Domain::UNIX, ty, None)?;
    let is_file = sa.as_pathname().is_some();
    if let Err(e) = sock.bind(&sa) {
        if !(is_file && e.kind() == io::ErrorKind::AddrInUse && is_stale(&sa, ty)) {
            return Err(e);
        }
        std::fs::remove_file(path)?;
        sock.bind(&sa)?;
    }
    if !dgram {
        sock.listen(backlog.unwrap_or(128))?;
    }
    sock.set_nonblocking(true)?;
    Ok((sock, UnixPathGuard(is_file.then(|| path.to_path_buf()))))
}

/// A socket file is stale when connecting to it is refused (nobody bound to it).
fn is_stale(sa: &SockAddr, ty: Type) -> bool {
    let Ok(probe) = Socket::new(Domain::UNIX, ty, None) else {
        return false;
    };
    matches!(probe.connect(sa), Err(e) if e.kind() == io::ErrorKind::ConnectionRefused)
}

/// Connect an AF_UNIX socket. Datagram clients bind an autobound abstract address first so
/// that the server can reply.
pub fn connect_unix(path: &Path, dgram: bool) -> io::Result<Socket> {
    let sa = addr::unix_addr(path)?;
    let sock = Socket::new(Domain::UNIX, unix_type(dgram), None)?;
    if dgram {
        // An empty path asks Linux to autobind a unique abstract name.
        sock.bind(&SockAddr::unix("")?)?;
    }
    sock.connect(&sa)?;
    sock.set_nonblocking(true)?;
    Ok(sock)
}

/// File descriptors kept free for stdio, the signal pipe and the like.
const RESERVED_FDS: u64 = 32;

/// Raise the soft RLIMIT_NOFILE to the hard limit (unprivileged processes may) and return
/// how many sockets may be open at once.
pub fn fd_budget() -> usize {
    let lim = getrlimit(Resource::Nofile);
    let mut soft = lim.current.unwrap_or(u64::MAX);
    if lim.current.is_some() && lim.maximum != lim.current {
        let raised = Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            soft = lim.maximum.unwrap_or(u64::MAX);
        }
    }
    soft.saturating_sub(RESERVED_FDS)
        .clamp(1, usize::MAX as u64) as usize
}

/// accept4(2) with the accepted socket non-blocking and close-on-exec from the start (one
/// syscall, not accept + fcntl: it counts when thousands of clients a second come and go);
/// `Ok(None)` when nobody is waiting.
pub fn accept(listener: &Socket) -> io::Result<Option<(Socket, SockAddr)>> {
    use rustix::net::{SocketFlags, acceptfrom_with};
    loop {
        match acceptfrom_with(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC) {
            Ok((fd, from)) => {
                let sock = Socket::from(fd);
                let peer = match from.map(SocketAddr::try_from) {
                    Some(Ok(ip)) => SockAddr::from(ip),
                    // AF_UNIX peers (usually unnamed): ask the socket, as rarely matters.
                    _ => sock.peer_addr()?,
                };
                return Ok(Some((sock, peer)));
            }
            Err(rustix::io::Errno::AGAIN) => return Ok(None),
            Err(rustix::io::Errno::INTR) => continue,
            // The client gave up between SYN and accept: not the server's failure.
            Err(rustix::io::Errno::CONNABORTED) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The address a socket is bound to, as the user reads it.
pub fn local_display(sock: &Socket) -> String {
    sock.local_addr()
        .map(|a| addr::display(&a))
        .unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// A listener whose accept queue is full drops SYNs, so a connect to it hangs: the
    /// next address is tried after the stagger, and wins.
    #[test]
    fn a_hanging_attempt_is_overtaken_after_the_stagger() {
        let full = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        full.bind(&a("127.0.0.1:0").into()).unwrap();
        full.listen(0).unwrap();
        let full_addr = full.local_addr().unwrap().as_socket().unwrap();
        let mut fill = Vec::new();
        for _ in 0..4 {
            let c = Socket::new(Domain::IPV4, Type::STREAM.nonblocking(), None).unwrap();
            let _ = c.connect(&full_addr.into());
            fill.push(c);
        }
        std::thread::sleep(Duration::from_millis(50));
        let good = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let good_addr = good.local_addr().unwrap();
        let (_never, quiet) = std::os::unix::net::UnixStream::pair().unwrap();
        let t = Instant::now();
        let deadline = Some(t + Duration::from_secs(5));
        let (_s, won) = connect_stream(
            &[full_addr, good_addr],
            &SockOpts::default(),
            deadline,
            quiet.as_fd(),
        )
        .unwrap();
        assert_eq!(won, good_addr);
        assert!(t.elapsed() >= ATTEMPT_DELAY, "{:?}", t.elapsed());
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn interleaves_families_starting_with_the_first() {
        let got = interleave(&[
            a("[::1]:1"),
            a("[::2]:1"),
            a("[::3]:1"),
            a("1.1.1.1:1"),
            a("2.2.2.2:1"),
        ]);
        assert_eq!(
            got,
            vec![
                a("[::1]:1"),
                a("1.1.1.1:1"),
                a("[::2]:1"),
                a("2.2.2.2:1"),
                a("[::3]:1")
            ]
        );
        let got = interleave(&[a("1.1.1.1:1"), a("2.2.2.2:1"), a("[::1]:1")]);
        assert_eq!(got, vec![a("1.1.1.1:1"), a("[::1]:1"), a("2.2.2.2:1")]);
        assert!(interleave(&[]).is_empty());
    }
}
