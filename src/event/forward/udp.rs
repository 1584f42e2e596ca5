//! The UDP forwarder of `pair -k udp-listen:... udp:...`: every client address gets its own
//! upstream socket; replies go back to that address from the listening socket; an entry idle
//! for `-i` (default 60 s) is expired by a timer; `--max-conns` caps the entries.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustix::io::Errno;
use socket2::{SockAddr, Socket};

use super::{FIRST, LISTENER, Opts, SIG};
use crate::event::log::{Event, Record, connected, refused};
use crate::event::reactor::{self, Interest, Reactor, Watch};
use crate::event::{Interrupted, Timeout};
use crate::sock::addr;

/// How the UDP forwarder makes an upstream socket for a new client.
pub trait DgramUpstream {
    fn open(&self) -> io::Result<Socket>;
    fn name(&self) -> &str;
}

struct Peer {
    client: SocketAddr,
    sock: Socket,
    watch: Watch,
    last: Instant,
    sent: u64,
    received: u64,
}

/// Idle time after which a UDP forwarder entry is expired when `-i` is not given.
pub const UDP_IDLE: Duration = Duration::from_secs(60);
/// Datagrams moved per readiness report, so one busy peer cannot starve the rest.
const DATAGRAMS_PER_WAKE: usize = 64;

/// The UDP forwarder: every sender to `listener` gets its own upstream socket.
pub fn serve_dgram(listener: Socket, upstream: &dyn DgramUpstream, opts: Opts<'_>) -> Result<()> {
    let mut r = Reactor::new().context("cannot create the event loop")?;
    let _sig = reactor::watch_read(&mut r, opts.signals.fd(), SIG)?;
    let _l = reactor::watch_read(&mut r, &listener, LISTENER)?;
    let idle = opts.rules.idle.unwrap_or(UDP_IDLE);
    let mut peers: Vec<Option<Peer>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut by_addr: HashMap<SocketAddr, usize> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let log = opts.log;
    let close = |p: Peer, why: &str, r: &mut Reactor| {
        let mut p = p;
        p.watch.clear(r, p.sock.as_fd());
        let label = addr::display_inet(p.client);
        log(Event::new(
            format!(
                "Closed {label} <-> {} ({} bytes left to right, {} bytes right to left){why}",
                upstream.name(),
                p.sent,
                p.received
            ),
            Record::Relayed {
                left: &label,
                right: upstream.name(),
                bytes_left_to_right: p.sent,
                bytes_right_to_left: p.received,
                error: None,
            },
        ));
    };
    loop {
        if opts.rules.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Timeout {
                what: "session timeout (--timeout)".into(),
            }
            .into());
        }
        ready.clear();
        fired.clear();
        r.wait(opts.rules.deadline, &mut ready, &mut fired)
            .context("epoll_wait failed")?;
        if ready.iter().any(|e| e.token == SIG)
            && let Some(signal) = opts.signals.pending()
        {
            return Err(Interrupted { signal }.into());
        }
        let now = Instant::now();
        for e in &ready {
            match e.token {
                SIG => {}
                LISTENER => {
                    for _ in 0..DATAGRAMS_PER_WAKE {
                        let (n, from) = match crate::sys::recv_from(&listener, &mut buf) {
                            Ok(x) => x,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            // An ICMP error for an earlier reply: not the forwarder's failure.
                            Err(_) => continue,
                        };
                        let Some(client) = from.as_socket() else {
                            continue;
                        };
                        let slot = match by_addr.get(&client) {
                            Some(&s) => s,
                            None => {
                                let label = addr::display_inet(client);
                                if !(opts.permits)(Some(client.ip())) {
                                    log(Event::new(
                                        format!("Refused {label}: not allowed by --allow/--deny"),
                                        refused(&label),
                                    ));
                                    continue;
                                }
                                if let Some(max) = opts.max_conns
                                    && by_addr.len() >= max
                                {
                                    log(Event::new(
                                        format!("Refused {label}: --max-conns {max} reached"),
                                        refused(&label),
                                    ));
                                    continue;
                                }
                                let sock = match upstream.open() {
                                    Ok(s) => s,
                                    Err(e) => {
                                        log(Event::new(
                                            format!(
                                                "Refused {label}: cannot open {}: {}",
                                                upstream.name(),
                                                crate::exit::describe_io(&e)
                                            ),
                                            Record::Error,
                                        ));
                                        continue;
                                    }
                                };
                                let slot = free.pop().unwrap_or_else(|| {
                                    peers.push(None);
                                    peers.len() - 1
                                });
                                let mut watch = Watch::new(FIRST + slot);
                                watch.set(&mut r, sock.as_fd(), Interest::READ)?;
                                log(Event::new(
                                    format!("Connected by {label}"),
                                    connected(&label),
                                ));
                                peers[slot] = Some(Peer {
                                    client,
                                    sock,
                                    watch,
                                    last: now,
                                    sent: 0,
                                    received: 0,
                                });
                                by_addr.insert(client, slot);
                                r.timer(now + idle, slot);
                                slot
                            }
                        };
                        if let Some(Some(p)) = peers.get_mut(slot) {
                            p.last = now;
                            // A full upstream socket drops the datagram, as a router would.
                            if let Ok(m) = rustix::net::send(
                                &p.sock,
                                &buf[..n],
                                rustix::net::SendFlags::DONTWAIT,
                            ) {
                                p.sent += m as u64;
                            }
                        }
                    }
                }
                t => {
                    let slot = t - FIRST;
                    let Some(Some(p)) = peers.get_mut(slot) else {
                        continue;
                    };
                    for _ in 0..DATAGRAMS_PER_WAKE {
                        match rustix::io::read(&p.sock, &mut buf) {
                            Ok(n) => {
                                p.last = now;
                                let to = SockAddr::from(p.client);
                                if listener.send_to(&buf[..n], &to).is_ok() {
                                    p.received += n as u64;
                                }
                            }
                            Err(Errno::AGAIN) => break,
                            Err(Errno::INTR) => continue,
                            // ECONNREFUSED from an upstream with nobody there: the client
                            // hears nothing, as with a plain UDP path; the entry expires.
                            Err(_) => break,
                        }
                    }
                }
            }
        }
        for &slot in &fired {
            let Some(entry) = peers.get_mut(slot) else {
                continue;
            };
            match entry.take_if(|p| now >= p.last + idle) {
                Some(p) => {
                    by_addr.remove(&p.client);
                    free.push(slot);
                    close(p, "", &mut r);
                }
                None => {
                    if let Some(p) = entry {
                        r.timer(p.last + idle, slot);
                    }
                }
            }
        }
    }
}
