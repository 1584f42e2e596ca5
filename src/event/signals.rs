//! SIGINT/SIGTERM as a pollable fd (the self-pipe trick, via signal-hook), so the event loop
//! notices a signal at once and shuts down cleanly instead of dying mid-write. A second
//! SIGINT while the first is being handled exits at once (130), as shells users expect.
//! SIGCHLD only wakes the loop, so `--exec` children are reaped as soon as they end.

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGCHLD, SIGINT, SIGTERM};

pub struct Signals {
    wake: UnixStream,
    int: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let (wake, notify) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        notify.set_nonblocking(true)?;
        let int = Arc::new(AtomicBool::new(false));
        let term = Arc::new(AtomicBool::new(false));
        // Order matters: the conditional exit checks the flag before the next handler sets it,
        // so only a repeated signal exits without cleanup.
        signal_hook::flag::register_conditional_shutdown(SIGINT, 130, Arc::clone(&int))?;
        signal_hook::flag::register_conditional_shutdown(SIGTERM, 143, Arc::clone(&term))?;
        signal_hook::flag::register(SIGINT, Arc::clone(&int))?;
        signal_hook::flag::register(SIGTERM, Arc::clone(&term))?;
        signal_hook::low_level::pipe::register(SIGINT, notify.try_clone()?)?;
        signal_hook::low_level::pipe::register(SIGTERM, notify.try_clone()?)?;
        // A child of --exec ended: wakes the loop so it reaps it (never a zombie). Not a
        // reason to stop, so `pending` does not report it.
        signal_hook::low_level::pipe::register(SIGCHLD, notify)?;
        Ok(Signals { wake, int, term })
    }

    /// The fd to poll for readability: readable once a signal has arrived.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// The signal that arrived, if any (SIGTERM wins when both did).
    pub fn pending(&self) -> Option<i32> {
        let mut buf = [0u8; 16];
        while matches!((&self.wake).read(&mut buf), Ok(n) if n > 0) {}
        if self.term.load(Ordering::SeqCst) {
            Some(SIGTERM)
        } else if self.int.load(Ordering::SeqCst) {
            Some(SIGINT)
        } else {
            None
        }
    }
}
