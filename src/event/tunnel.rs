//! A proxy [`Dialogue`] over a non-blocking socket: the one I/O step both the blocking
//! opener (`endpoint::proxy`) and the `pair -k` reactor (`event::forward`) repeat.

use std::io;

use anyhow::Result;
use socket2::Socket;

use super::reactor::Interest;
use crate::proxy::Dialogue;

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
