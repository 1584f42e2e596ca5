//! The echo server: every byte a client sends goes back to it. All clients live in one poll(2)
//! loop; each holds only what its socket refused to take back (see `Flow`), so an idle client
//! costs a socket and a few dozen bytes.

use std::net::Shutdown;
use std::os::fd::AsFd;
use std::time::Instant;

use anyhow::{Context, Result};
use rustix::event::{PollFd, PollFlags};
use socket2::Socket;

use super::Ctx;
use crate::cmd::log;
use crate::event::Timeout;
use crate::event::flow::{Flow, Wait};
use crate::exit::render;
use crate::sock::{self, addr};

struct Client {
    sock: Socket,
    peer: String,
    flow: Flow,
    last_activity: Instant,
}

impl Client {
    fn closed_line(&self, why: &str) -> String {
        let out = self.flow.bytes;
        let inb = out + self.flow.held() as u64;
        format!(
            "Closed {} (in {inb} bytes, out {out} bytes){why}",
            self.peer
        )
    }
}

/// Serve until the single client leaves (`keep_open` false) or until a signal or timeout.
pub fn serve(listener: &Socket, keep_open: bool, ctx: &Ctx<'_>) -> Result<()> {
    let mut clients: Vec<Client> = Vec::new();
    let mut scratch = vec![0u8; 64 * 1024];
    let mut served = 0u64;
    loop {
        let accepting = keep_open || served == 0;
        if accepting {
            while let Some((s, peer)) = sock::accept(listener).context("accept failed")? {
                let peer = addr::display(&peer);
                log(ctx.verbose, format_args!("Connected by {peer}"));
                clients.push(Client {
                    sock: s,
                    peer,
                    flow: Flow::copy(false),
                    last_activity: Instant::now(),
                });
                served += 1;
                if !keep_open {
                    break;
                }
            }
        }
        if !keep_open && served > 0 && clients.is_empty() {
            return Ok(());
        }
        ctx.check_deadlines(served > 0)?;

        let idle_wake = ctx
            .idle
            .and_then(|d| clients.iter().map(|c| c.last_activity + d).min());
        let wake = ctx.next_wake(served > 0, idle_wake);
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd<'_>> = clients
                .iter()
                .map(|c| {
                    let flags = match c.flow.interest() {
                        Some(Wait::Dst) => PollFlags::OUT,
                        _ => PollFlags::IN,
                    };
                    PollFd::new(&c.sock, flags)
                })
                .collect();
            if accepting && (keep_open || clients.is_empty()) {
                fds.push(PollFd::new(listener, PollFlags::IN));
            }
            ctx.wait(&mut fds, wake)?;
            fds.iter().map(|f| !f.revents().is_empty()).collect()
        };

        let now = Instant::now();
        let mut i = 0;
        for is_ready in ready.into_iter().take(clients.len()) {
            let c = &mut clients[i];
            // None: keep serving; Some(None): closed normally; Some(Some(err)): closed on error.
            let end: Option<Option<anyhow::Error>> = if is_ready {
                match c.flow.pump(c.sock.as_fd(), c.sock.as_fd(), &mut scratch) {
                    Ok(n) => {
                        if n > 0 || c.flow.src_eof() {
                            c.last_activity = now;
                        }
                        c.flow.done().then(|| {
                            let _ = c.sock.shutdown(Shutdown::Write);
                            None
                        })
                    }
                    Err(e) => Some(Some(
                        anyhow::Error::from(e.err).context(format!("echo to {} failed", c.peer)),
                    )),
                }
            } else if ctx.idle.is_some_and(|d| now >= c.last_activity + d) {
                Some(Some(
                    Timeout {
                        what: format!("idle timeout (-i) for {}", c.peer),
                    }
                    .into(),
                ))
            } else {
                None
            };
            let Some(err) = end else {
                i += 1;
                continue;
            };
            let why = err
                .as_ref()
                .map(|e| format!(": {}", render(e)))
                .unwrap_or_default();
            log(
                ctx.verbose,
                format_args!("{}", clients[i].closed_line(&why)),
            );
            clients.remove(i);
            // With -k one client's failure is logged and the server goes on.
            if let Some(err) = err
                && !keep_open
            {
                return Err(err);
            }
        }
    }
}
