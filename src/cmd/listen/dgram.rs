//! Datagram servers (UDP, AF_UNIX datagram). Never locked onto the first sender, the classic
//! netcat trap: each datagram is printed (or, with --echo, sent back to its own sender), and
//! stdin goes to the peer heard from last, or with `-k` to every peer heard from.

use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use anyhow::{Context, Result};
use rustix::io::Errno;
use socket2::Socket;

use super::Ctx;
use super::access::Access;
use super::peers::{Heard, Peers};
use crate::cmd::log;
use crate::event::Timeout;
use crate::event::flow::MAX_DATAGRAM;
use crate::event::reactor::{Interest, Reactor, Watch};
use crate::event::relay::RelayOpts;
use crate::event::stdio::{Kind, NonBlocking};
use crate::sock::addr;
use crate::sys;

pub struct Opts<'a> {
    pub echo: bool,
    /// stdin goes to every peer heard from, not only the last one.
    pub keep_open: bool,
    /// `--max-conns`: datagrams from more peers than this are dropped (logged with -v).
    pub max_peers: Option<usize>,
    pub access: &'a Access,
}

/// Reactor tokens besides [`Ctx::SIGNAL`].
const SOCK: usize = 1;
const STDIN: usize = 2;
const STDOUT: usize = 3;

pub fn serve(sock: &Socket, o: &Opts<'_>, opts: &RelayOpts, ctx: &Ctx<'_>) -> Result<()> {
    let echo = o.echo;
    let stdin_fd = std::io::stdin();
    let stdout_fd = std::io::stdout();
    let stdin = NonBlocking::set(stdin_fd.as_fd(), Kind::of(stdin_fd.as_fd())?)?;
    let stdout = NonBlocking::set(stdout_fd.as_fd(), Kind::of(stdout_fd.as_fd())?)?;
    let use_stdin = !echo && opts.send;
    let use_stdout = !echo && opts.recv;

    let mut line = vec![0u8; MAX_DATAGRAM];
    let mut peers = Peers::new(o.keep_open, o.max_peers);
    // A datagram received but not yet fully written to stdout; the socket is not read meanwhile.
    let mut out_pending: Vec<u8> = Vec::new();
    // A stdin chunk waiting for socket buffer space, and the index of the next peer it goes to.
    let mut in_pending: Option<(Vec<u8>, usize)> = None;
    let mut stdin_open = use_stdin;
    let mut heard_any = false;
    let mut last_activity = Instant::now();
    let mut r = Reactor::new().context("cannot create the event loop")?;
    let _signals = ctx.watch_signals(&mut r)?;
    let (mut sock_w, mut stdin_w, mut stdout_w) =
        (Watch::new(SOCK), Watch::new(STDIN), Watch::new(STDOUT));
    let (mut ready, mut fired) = (Vec::new(), Vec::new());

    loop {
        ctx.check_deadlines(heard_any)?;
        let idle_deadline = ctx.idle.map(|d| last_activity + d);
        if idle_deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Timeout {
                what: "idle timeout (-i)".into(),
            }
            .into());
        }
        let (sock_ready, stdin_ready, stdout_ready) = {
            let sock_want = Interest {
                read: out_pending.is_empty(),
                write: in_pending.is_some(),
            };
            let read_stdin = stdin_open && !peers.is_empty() && in_pending.is_none();
            let stdin_want = if read_stdin {
                Interest::READ
            } else {
                Interest::NONE
            };
            let stdout_want = if out_pending.is_empty() {
                Interest::NONE
            } else {
                Interest::WRITE
            };
            let watch = "cannot watch the socket and stdio";
            sock_w.set(&mut r, sock.as_fd(), sock_want).context(watch)?;
            stdin_w
                .set(&mut r, stdin.as_fd(), stdin_want)
                .context(watch)?;
            stdout_w
                .set(&mut r, stdout.as_fd(), stdout_want)
                .context(watch)?;
            ready.clear();
            ctx.wait(
                &mut r,
                &mut ready,
                &mut fired,
                ctx.next_wake(heard_any, idle_deadline),
            )?;
            fired.clear();
            let is = |token, want| ready.iter().any(|e| e.token == token && e.serves(want));
            (
                is(SOCK, sock_want),
                is(STDIN, stdin_want),
                is(STDOUT, stdout_want),
            )
        };
        let now = Instant::now();

        if stdout_ready {
            match rustix::io::write(stdout.as_fd(), &out_pending) {
                Ok(n) => drop(out_pending.drain(..n)),
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(Errno::PIPE) => return Ok(()),
                Err(e) => return Err(io::Error::from(e)).context("write to stdout failed"),
            }
        }
        if sock_ready && let Some((data, next)) = in_pending.take() {
            in_pending = send_to_peers(sock, &data, next, &peers)?;
        }
        if sock_ready && out_pending.is_empty() {
            // Drain what is queued, a bounded number of datagrams per wakeup.
            for _ in 0..64 {
                let (n, from) = match sys::recv_from(sock, &mut line) {
                    Ok(r) => r,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // An ICMP error for an earlier reply to a peer that has gone: not ours.
                    Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
                    Err(e) => return Err(e).context("receive failed"),
                };
                let ip = from.as_socket().map(|a| a.ip());
                if !o.access.permits(ip) {
                    log(
                        ctx.log,
                        format_args!(
                            "Refused {}: not allowed by --allow/--deny",
                            addr::display(&from)
                        ),
                    );
                    continue;
                }
                match peers.heard(&from) {
                    Heard::Known => {}
                    Heard::New => log(
                        ctx.log,
                        format_args!("Connected by {}", addr::display(&from)),
                    ),
                    Heard::Full => {
                        log(
                            ctx.log,
                            format_args!(
                                "Refused {}: --max-conns {} reached",
                                addr::display(&from),
                                o.max_peers.unwrap_or(0)
                            ),
                        );
                        continue;
                    }
                }
                heard_any = true;
                last_activity = now;
                if echo {
                    // A full socket buffer drops the echo, as UDP may; the sender retries.
                    if let Err(e) = sock.send_to(&line[..n], &from)
                        && e.kind() != io::ErrorKind::WouldBlock
                    {
                        log(
                            ctx.log,
                            format_args!("echo to {} failed: {e}", addr::display(&from)),
                        );
                    }
                } else if use_stdout {
                    match rustix::io::write(stdout.as_fd(), &line[..n]) {
                        Ok(w) if w == n => {}
                        Ok(w) => out_pending.extend_from_slice(&line[w..n]),
                        Err(Errno::AGAIN | Errno::INTR) => {
                            out_pending.extend_from_slice(&line[..n])
                        }
                        Err(Errno::PIPE) => return Ok(()),
                        Err(e) => return Err(io::Error::from(e)).context("write to stdout failed"),
                    }
                }
                if !out_pending.is_empty() {
                    break;
                }
            }
        }
        if stdin_ready {
            match rustix::io::read(stdin.as_fd(), &mut line) {
                Ok(0) => stdin_open = false,
                Ok(n) => {
                    last_activity = now;
                    in_pending = send_to_peers(sock, &line[..n], 0, &peers)?;
                }
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => return Err(io::Error::from(e)).context("read from stdin failed"),
            }
        }
    }
}

/// Send one stdin datagram to the peers from slot `next` on; only when a full socket buffer
/// refuses it is it copied, to be retried when the socket is writable.
fn send_to_peers(
    sock: &Socket,
    data: &[u8],
    next: usize,
    peers: &Peers,
) -> Result<Option<(Vec<u8>, usize)>> {
    for (i, to) in (next..peers.slot_count()).filter_map(|i| Some((i, peers.at(i)?))) {
        match sock.send_to(data, to) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Some((data.to_vec(), i))),
            // A peer that has gone away: its ICMP error must not end the server.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
            Err(e) => {
                return Err(e).with_context(|| format!("send to {} failed", addr::display(to)));
            }
        }
    }
    Ok(None)
}
