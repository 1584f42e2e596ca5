//! Datagram servers (UDP, AF_UNIX datagram). Never locked onto the first sender, the classic
//! netcat trap: each datagram is printed (or, with --echo, sent back to its own sender), and
//! stdin goes to the peer heard from last.

use std::io;
use std::os::fd::AsFd;
use std::time::Instant;

use anyhow::{Context, Result};
use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;
use socket2::{SockAddr, Socket};

use super::Ctx;
use crate::cmd::log;
use crate::event::Timeout;
use crate::event::flow::MAX_DATAGRAM;
use crate::event::relay::RelayOpts;
use crate::event::stdio::{Kind, NonBlocking};
use crate::sock::addr;
use crate::sys;

pub fn serve(sock: &Socket, echo: bool, opts: &RelayOpts, ctx: &Ctx<'_>) -> Result<()> {
    let stdin_fd = std::io::stdin();
    let stdout_fd = std::io::stdout();
    let stdin = NonBlocking::set(stdin_fd.as_fd(), Kind::of(stdin_fd.as_fd())?)?;
    let stdout = NonBlocking::set(stdout_fd.as_fd(), Kind::of(stdout_fd.as_fd())?)?;
    let use_stdin = !echo && opts.send;
    let use_stdout = !echo && opts.recv;

    let mut line = vec![0u8; MAX_DATAGRAM];
    let mut peer: Option<SockAddr> = None;
    let mut peer_name = String::new();
    // A datagram received but not yet fully written to stdout; the socket is not read meanwhile.
    let mut out_pending: Vec<u8> = Vec::new();
    // A stdin chunk waiting for socket buffer space.
    let mut in_pending: Option<Vec<u8>> = None;
    let mut stdin_open = use_stdin;
    let mut heard_any = false;
    let mut last_activity = Instant::now();

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
            let mut fds = Vec::with_capacity(3);
            let mut sock_flags = PollFlags::empty();
            if out_pending.is_empty() {
                sock_flags |= PollFlags::IN;
            }
            if in_pending.is_some() {
                sock_flags |= PollFlags::OUT;
            }
            fds.push(PollFd::new(sock, sock_flags));
            let read_stdin = stdin_open && peer.is_some() && in_pending.is_none();
            if read_stdin {
                fds.push(PollFd::from_borrowed_fd(stdin.as_fd(), PollFlags::IN));
            }
            if !out_pending.is_empty() {
                fds.push(PollFd::from_borrowed_fd(stdout.as_fd(), PollFlags::OUT));
            }
            ctx.wait(&mut fds, ctx.next_wake(heard_any, idle_deadline))?;
            let r = |i: usize| fds.get(i).is_some_and(|f| !f.revents().is_empty());
            let stdin_ready = read_stdin && r(1);
            let stdout_ready = !out_pending.is_empty() && r(1 + usize::from(read_stdin));
            (r(0), stdin_ready, stdout_ready)
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
        if sock_ready && let (Some(data), Some(to)) = (in_pending.as_ref(), peer.as_ref()) {
            match sock.send_to(data, to) {
                Ok(_) => in_pending = None,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e).with_context(|| format!("send to {peer_name} failed")),
            }
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
                heard_any = true;
                last_activity = now;
                if peer.as_ref() != Some(&from) {
                    peer_name = addr::display(&from);
                    log(ctx.verbose, format_args!("Connected by {peer_name}"));
                }
                if echo {
                    // A full socket buffer drops the echo, as UDP may; the sender retries.
                    if let Err(e) = sock.send_to(&line[..n], &from)
                        && e.kind() != io::ErrorKind::WouldBlock
                    {
                        log(
                            ctx.verbose,
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
                peer = Some(from);
                if !out_pending.is_empty() {
                    break;
                }
            }
        }
        if stdin_ready && let Some(to) = peer.as_ref() {
            match rustix::io::read(stdin.as_fd(), &mut line) {
                Ok(0) => stdin_open = false,
                Ok(n) => {
                    last_activity = now;
                    match sock.send_to(&line[..n], to) {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            in_pending = Some(line[..n].to_vec());
                        }
                        Err(e) => {
                            return Err(e).with_context(|| format!("send to {peer_name} failed"));
                        }
                    }
                }
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => return Err(io::Error::from(e)).context("read from stdin failed"),
            }
        }
    }
}
