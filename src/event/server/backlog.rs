//! Bytes waiting for a non-blocking fd (a hub client's socket, the hub's stdout).
//!
//! A ring ([`VecDeque`]), not a `Vec` with a "sent" offset: what was written is released at
//! once, so the memory held is what waits (rounded up to the ring's capacity), however long
//! the reader lags. A `Vec` that is only cleared once it empties grows with every byte that
//! passes a reader that keeps a little behind (a client with a small send buffer: 128 MiB
//! through it held 135 MiB).

use std::collections::VecDeque;
use std::io;
use std::os::fd::AsFd;

use rustix::io::Errno;

#[derive(Default)]
pub struct Backlog {
    buf: VecDeque<u8>,
}

impl Backlog {
    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes of memory the ring holds (its capacity).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend(data);
    }

    /// Write what waits until `fd` would block, adding the bytes written to `written` (also
    /// those before an error); an error other than EAGAIN/EINTR is returned as is. Once empty
    /// the ring's memory is given back, so an idle reader holds none.
    pub fn write_to(&mut self, fd: impl AsFd, written: &mut u64) -> Result<(), Errno> {
        while !self.buf.is_empty() {
            // Both halves of a wrapped ring in one writev.
            let (front, back) = self.buf.as_slices();
            let parts = [io::IoSlice::new(front), io::IoSlice::new(back)];
            match rustix::io::writev(fd.as_fd(), &parts) {
                Ok(n) => {
                    self.buf.drain(..n);
                    *written += n as u64;
                }
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.buf = VecDeque::new();
        Ok(())
    }
}
