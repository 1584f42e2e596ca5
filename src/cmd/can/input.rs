//! Stdin for `can replay -`: every read first waits on a reactor that watches stdin and the
//! signal pipe, so Ctrl-C is noticed while the producer (`candump -L ... |`) is quiet, not
//! only at the next line. Stdin stays blocking (its file description is shared with other
//! processes): a read happens only once poll says it will not block.

use std::io::{self, BufRead, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::event::reactor::{Reactor, Watch, watch_read};

const STDIN: usize = 0;
const SIGNAL: usize = 1;

/// The error a read returns when a signal arrived instead of input; the caller asks the
/// signal pipe which one.
#[derive(Debug)]
pub struct SignalArrived;

impl std::fmt::Display for SignalArrived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted by a signal")
    }
}

impl std::error::Error for SignalArrived {}

pub struct WatchedStdin {
    reactor: Reactor,
    /// A duplicate of the signal pipe's read end: it is only polled, never read, so the
    /// signal stays pending for `Signals::pending`.
    _signal: OwnedFd,
    _watches: [Watch; 2],
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
}

impl WatchedStdin {
    pub fn new(signal_fd: BorrowedFd<'_>) -> io::Result<WatchedStdin> {
        let signal = signal_fd.try_clone_to_owned()?;
        let mut reactor = Reactor::new()?;
        let w_in = watch_read(&mut reactor, io::stdin().as_fd(), STDIN)?;
        let w_sig = watch_read(&mut reactor, signal.as_fd(), SIGNAL)?;
        Ok(WatchedStdin {
            reactor,
            _signal: signal,
            _watches: [w_in, w_sig],
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
        })
    }
}

impl Read for WatchedStdin {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for WatchedStdin {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len {
            let (mut ready, mut fired) = (Vec::new(), Vec::new());
            // Each pass blocks until stdin or the signal pipe is ready, so it is bounded by
            // input arriving or a signal. (The pipe also wakes for SIGCHLD, but replay starts
            // no children: readiness there is SIGINT or SIGTERM.)
            let n = loop {
                ready.clear();
                self.reactor.wait(None, &mut ready, &mut fired)?;
                if ready.iter().any(|r| r.token == SIGNAL) {
                    return Err(io::Error::other(SignalArrived));
                }
                if !ready.iter().any(|r| r.token == STDIN) {
                    continue;
                }
                match rustix::io::read(io::stdin(), &mut self.buf[..]) {
                    Ok(n) => break n,
                    // A signal that interrupted the read is seen by the next wait.
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            (self.pos, self.len) = (0, n);
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}
