//! A proxy [`Dialogue`] over a non-blocking socket: the one I/O step both the blocking
//! opener (`endpoint::proxy`) and the `pair -k` reactor (`event::forward`) repeat, and the
//! two `-v` events both tell (ncat's `Connected to proxy`, then the tunnel).

use std::io;

use anyhow::Result;
use socket2::Socket;

use super::log::{Event, Record};
use super::reactor::Interest;
use crate::proxy::Dialogue;

/// `-v`: connected to the proxy at `proxy`, about to ask it for `target`.
pub fn reached<'a>(kind: &'a str, proxy: &'a str, target: &'a str) -> Event<'a> {
    Event::new(
        format!("Connected to {kind} proxy {proxy} for {target}"),
        Record::Proxy {
            proxy,
            proxy_kind: kind,
            target,
        },
    )
}

/// `-v`: the proxy at `proxy` opened the tunnel to `target`.
pub fn opened<'a>(kind: &'a str, proxy: &'a str, target: &'a str) -> Event<'a> {
    Event::new(
        format!("Proxy {proxy} connected to {target}"),
        Record::Tunnel {
            proxy,
            proxy_kind: kind,
            target,
        },
    )
}

/// Write what the dialogue has to say and read what it waits for, until it is done (`None`)
/// or the socket would block (`Some`: what to wait for). Never reads past the proxy's answer.
pub fn pump(sock: &Socket, d: &mut Dialogue) -> Result<Option<Interest>> {
    let mut buf = [0u8; 512];
    loop {
        if d.is_done() {
            return Ok(None);
        }
        if !d.output().is_empty() {
            match sock.send(d.output()) {
                Ok(n) => d.wrote(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Some(Interest::WRITE));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(anyhow::Error::from(e).context("send to the proxy failed")),
            }
            continue;
        }
        let want = d.wants().min(buf.len());
        match io::Read::read(&mut &*sock, &mut buf[..want]) {
            Ok(0) => return Err(d.closed().into()),
            Ok(n) => d.received(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Some(Interest::READ)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(anyhow::Error::from(e).context("receive from the proxy failed"));
            }
        }
    }
}
