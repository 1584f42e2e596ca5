//! The zero-I/O scanner behind `connect -z`: many non-blocking TCP connects in flight at once,
//! each a writable wait on the reactor with a timer for its per-port timeout, SO_ERROR to tell
//! open from closed. Results are handed back in
//! ascending port order as soon as every lower port is known, so output streams yet stays sorted.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::SockOpts;
use crate::event::reactor::{Interest, Reactor, Token, Watch, watch_read};

/// What one port turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    /// The handshake completed (the connection is reset at once).
    Open,
    /// Refused (RST): nothing listens.
    Closed,
    /// No answer within the per-port timeout (filtered, or the host is down).
    TimedOut,
    /// Any other per-port failure (host or network unreachable, ...).
    Failed,
}

/// How a scan is run.
#[derive(Debug, Clone)]
pub struct ScanOpts {
    /// Most connects in flight at once; see [`super::fd_budget`] for the open-file limit.
    pub parallel: usize,
    /// How long one port may take to answer; `None` waits for the kernel to give up.
    pub port_timeout: Option<Duration>,
    /// When the whole scan stops (`--timeout`).
    pub deadline: Option<Instant>,
    pub sock: SockOpts,
}

/// Why a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every port has a state.
    Done,
    /// `deadline` passed first.
    Deadline,
    /// The interrupt fd became readable (a signal).
    Interrupted,
    /// The reporter asked to stop (e.g. stdout was closed).
    Reporter,
}

/// Counts per state, the first per-port error worth showing, and why the scan ended.
#[derive(Debug)]
pub struct Summary {
    pub open: usize,
    pub closed: usize,
    pub timed_out: usize,
    pub failed: usize,
    pub first_failure: Option<(u16, io::Error)>,
    pub stop: Stop,
}

struct Slot {
    sock: Socket,
    /// Index into the port list.
    idx: usize,
    deadline: Option<Instant>,
    watch: Watch,
}

/// Reactor tokens: the interrupt fd, then one per slot of the connects in flight (slot `i` is
/// token `i + 1`, for its socket and for its timeout timer alike).
const INTERRUPT: Token = 0;

/// The connects in flight, indexed by token; freed slots are reused.
struct Slots {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    live: usize,
}

impl Slots {
    fn insert(
        &mut self,
        r: &mut Reactor,
        sock: Socket,
        idx: usize,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        let i = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let token = i + 1;
        let mut watch = Watch::new(token);
        if let Err(e) = watch.set(r, sock.as_fd(), Interest::WRITE) {
            self.free.push(i);
            return Err(e);
        }
        if let Some(d) = deadline {
            r.timer(d, token);
        }
        self.slots[i] = Some(Slot {
            sock,
            idx,
            deadline,
            watch,
        });
        self.live += 1;
        Ok(())
    }

    /// Take the slot behind `token` out of the reactor (None for a stale token).
    fn remove(&mut self, r: &mut Reactor, token: Token) -> Option<Slot> {
        let mut slot = self.slots.get_mut(token.checked_sub(1)?)?.take()?;
        slot.watch.clear(r, slot.sock.as_fd());
        self.free.push(token - 1);
        self.live -= 1;
        Some(slot)
    }

    /// Whether `token`'s connect has outlived its per-port timeout at `now` (a timer of a
    /// slot since reused for a later connect is stale: that one's deadline is later).
    fn expired(&self, token: Token, now: Instant) -> bool {
        token
            .checked_sub(1)
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .is_some_and(|s| s.deadline.is_some_and(|d| now >= d))
    }
}

/// Scan `ports` (ascending) on `ip`. `report` is called once per port in ascending order,
/// never for a port whose state is still unknown when the scan stops; it returns `false` to
/// stop the scan. `interrupt` is polled too: readable means stop (a signal arrived).
pub fn scan(
    ip: IpAddr,
    ports: &[u16],
    opts: &ScanOpts,
    interrupt: BorrowedFd<'_>,
    mut report: impl FnMut(u16, PortState) -> bool,
) -> io::Result<Summary> {
    let parallel = opts.parallel.max(1);
    let mut states: Vec<Option<PortState>> = vec![None; ports.len()];
    let mut sum = Summary {
        open: 0,
        closed: 0,
        timed_out: 0,
        failed: 0,
        first_failure: None,
        stop: Stop::Done,
    };
    let mut reactor = Reactor::new()?;
    let _interrupt = watch_read(&mut reactor, interrupt, INTERRUPT)?;
    let mut inflight = Slots {
        slots: Vec::with_capacity(parallel),
        free: Vec::new(),
        live: 0,
    };
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let mut spare: Vec<Socket> = Vec::new();
    let mut next = 0; // next port index to start
    let mut emitted = 0; // ports[..emitted] have been reported
    let mut set = |states: &mut [Option<PortState>], idx: usize, r: io::Result<PortState>| {
        let state = r.unwrap_or_else(|e| {
            if sum.first_failure.is_none() {
                sum.first_failure = Some((ports[idx], e));
            }
            PortState::Failed
        });
        match state {
            PortState::Open => sum.open += 1,
            PortState::Closed => sum.closed += 1,
            PortState::TimedOut => sum.timed_out += 1,
            PortState::Failed => sum.failed += 1,
        }
        states[idx] = Some(state);
    };
    let stop = loop {
        // Fill up to the limit. Running out of fds or local ports is a reason to wait for
        // the connects in flight, unless none is left to wait for.
        while inflight.live < parallel && next < ports.len() {
            let target = SocketAddr::new(ip, ports[next]);
            match start(&target, &opts.sock, &mut spare) {
                Ok(Started::Pending(sock)) => {
                    let deadline = opts.port_timeout.map(|t| Instant::now() + t);
                    inflight.insert(&mut reactor, sock, next, deadline)?;
                }
                Ok(Started::Done(r)) => set(&mut states, next, r),
                Err(e) if is_exhaustion(&e) && inflight.live > 0 => break,
                Err(e) => return Err(e),
            }
            next += 1;
        }
        if !emit(ports, &states, &mut emitted, &mut report) {
            break Stop::Reporter;
        }
        if inflight.live == 0 && next >= ports.len() {
            break Stop::Done;
        }
        ready.clear();
        fired.clear();
        reactor.wait(opts.deadline, &mut ready, &mut fired)?;
        let now = Instant::now();
        let mut interrupted = false;
        for e in &ready {
            if e.token == INTERRUPT {
                interrupted = true;
            } else if let Some(slot) = inflight.remove(&mut reactor, e.token) {
                set(&mut states, slot.idx, finish(&slot.sock));
                spare.extend(recycle(slot.sock));
            }
        }
        for &token in &fired {
            if inflight.expired(token, now)
                && let Some(slot) = inflight.remove(&mut reactor, token)
            {
                set(&mut states, slot.idx, Ok(PortState::TimedOut));
                spare.extend(recycle(slot.sock));
            }
        }
        // Results that arrived with the signal or the deadline still count.
        if interrupted {
            break Stop::Interrupted;
        }
        if opts.deadline.is_some_and(|d| now >= d) {
            break Stop::Deadline;
        }
    };
    // Ports found before an early stop are still reported, in order; unknown ones are skipped.
    if stop != Stop::Reporter {
        for (i, s) in states.iter().enumerate().skip(emitted) {
            if let Some(s) = s
                && !report(ports[i], *s)
            {
                break;
            }
        }
    }
    sum.stop = stop;
    Ok(sum)
}

/// Report ports in order as long as the next one is known; `false` if the reporter stopped.
fn emit(
    ports: &[u16],
    states: &[Option<PortState>],
    emitted: &mut usize,
    report: &mut impl FnMut(u16, PortState) -> bool,
) -> bool {
    while let Some(Some(s)) = states.get(*emitted) {
        let port = ports[*emitted];
        *emitted += 1;
        if !report(port, *s) {
            return false;
        }
    }
    true
}

enum Started {
    Pending(Socket),
    Done(io::Result<PortState>),
}

/// connect() on a recycled or fresh socket. Per-port outcomes come back as
/// `Started::Done`; `Err` is reserved for failures that concern the scan as a whole (no fds,
/// no local ports, a bad -s/-p).
fn start(target: &SocketAddr, opts: &SockOpts, spare: &mut Vec<Socket>) -> io::Result<Started> {
    let sock = match spare.pop() {
        Some(s) => s,
        None => {
            let domain = Domain::for_address(*target);
            // Non-blocking from birth: one syscall less per port than fcntl afterwards.
            let sock = Socket::new(domain, Type::STREAM.nonblocking(), None)?;
            opts.apply(&sock, domain, Type::STREAM)?;
            opts.bind_source(&sock, target)?;
            sock
        }
    };
    match sock.connect(&(*target).into()) {
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(Started::Pending(sock)),
        Ok(()) => {
            let r = open_ref(&sock);
            spare.extend(recycle(sock));
            Ok(Started::Done(r))
        }
        Err(e) if is_exhaustion(&e) => Err(e),
        Err(e) => {
            let r = classify(e);
            spare.extend(recycle(sock));
            Ok(Started::Done(r))
        }
    }
}

/// Make a finished socket reusable for the next port: on Linux, connect(AF_UNSPEC)
/// disconnects a TCP socket back to CLOSED (sending a RST if it was connected, so no
/// TIME_WAIT), keeping its options and -s/-p binding. That spares a socket() and a close()
/// per port, about a third of the kernel time of a loopback scan. Elsewhere the socket is
/// closed (`None`).
fn recycle(sock: Socket) -> Option<Socket> {
    #[cfg(target_os = "linux")]
    if rustix::net::connect_unspec(&sock).is_ok() {
        return Some(sock);
    }
    drop(sock);
    None
}

/// A connect in flight became ready: SO_ERROR says how it went.
fn finish(sock: &Socket) -> io::Result<PortState> {
    match sock.take_error()? {
        Some(e) => classify(e),
        None => open_ref(sock),
    }
}

/// A completed handshake. Two things make it not count:
/// - a TCP self-connect: on loopback the kernel may pick the scanned port as the source port,
///   and the SYN then "answers" itself (simultaneous open) although nothing listens;
/// - no peer after all (ENOTCONN).
///
/// The socket is closed with SO_LINGER 0 (a RST), so no TIME_WAIT piles up on either side.
fn open_ref(sock: &Socket) -> io::Result<PortState> {
    let peer = match sock.peer_addr() {
        Ok(p) => p,
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => return Ok(PortState::Closed),
        Err(e) => return Err(e),
    };
    let _ = sock.set_linger(Some(Duration::ZERO));
    if sock.local_addr().is_ok_and(|l| l == peer) {
        return Ok(PortState::Closed);
    }
    Ok(PortState::Open)
}

fn classify(e: io::Error) -> io::Result<PortState> {
    match e.raw_os_error() {
        Some(libc::ECONNREFUSED) => Ok(PortState::Closed),
        Some(libc::ETIMEDOUT) => Ok(PortState::TimedOut),
        _ => Err(e),
    }
}

/// Errors that mean "too much at once" rather than anything about a port: out of file
/// descriptors, kernel memory, or local (ephemeral) ports.
fn is_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EMFILE
                | libc::ENFILE
                | libc::ENOBUFS
                | libc::ENOMEM
                | libc::EADDRNOTAVAIL
                | libc::EAGAIN
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    fn opts(parallel: usize) -> ScanOpts {
        ScanOpts {
            parallel,
            port_timeout: Some(Duration::from_secs(5)),
            deadline: None,
            sock: SockOpts::default(),
        }
    }

    /// Loopback listeners plus just-released ports, sorted, and which of them are open.
    fn ports() -> (Vec<TcpListener>, Vec<u16>, Vec<u16>) {
        let ls: Vec<TcpListener> = (0..3)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let open: Vec<u16> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
        let mut all = open.clone();
        for _ in 0..5 {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            all.push(l.local_addr().unwrap().port());
        }
        all.sort();
        all.dedup();
        (ls, all, open)
    }

    #[test]
    fn reports_every_port_in_order_with_any_parallelism() {
        let (_ls, all, mut open) = ports();
        open.sort();
        let (quiet, _keep) = UnixStream::pair().unwrap();
        for parallel in [1, 2, 512] {
            let mut seen = Vec::new();
            let sum = scan(
                "127.0.0.1".parse().unwrap(),
                &all,
                &opts(parallel),
                quiet.as_fd(),
                |p, s| {
                    seen.push((p, s));
                    true
                },
            )
            .unwrap();
            assert_eq!(sum.stop, Stop::Done);
            assert_eq!((sum.open, sum.closed), (3, all.len() - 3), "{sum:?}");
            assert_eq!(seen.iter().map(|x| x.0).collect::<Vec<_>>(), all);
            let got: Vec<u16> = seen
                .iter()
                .filter(|x| x.1 == PortState::Open)
                .map(|x| x.0)
                .collect();
            assert_eq!(got, open);
        }
    }

    #[test]
    fn the_reporter_can_stop_the_scan() {
        let (_ls, all, _) = ports();
        let (quiet, _keep) = UnixStream::pair().unwrap();
        let mut calls = 0;
        let sum = scan(
            "127.0.0.1".parse().unwrap(),
            &all,
            &opts(512),
            quiet.as_fd(),
            |_, _| {
                calls += 1;
                false
            },
        )
        .unwrap();
        assert_eq!(sum.stop, Stop::Reporter);
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_readable_interrupt_fd_stops_the_scan() {
        let (_ls, all, _) = ports();
        let (wake, mut notify) = UnixStream::pair().unwrap();
        std::io::Write::write_all(&mut notify, b"x").unwrap();
        let sum = scan(
            "127.0.0.1".parse().unwrap(),
            &all,
            &opts(2),
            wake.as_fd(),
            |_, _| true,
        )
        .unwrap();
        assert_eq!(sum.stop, Stop::Interrupted);
    }
}
