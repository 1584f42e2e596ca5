//! `-t/--tty`: the terminal on stdin in raw mode for the length of a session, so every
//! keystroke (Ctrl-C and Ctrl-D too) goes to the peer as typed, and the escape key
//! [`ESCAPE`] (Ctrl-], as in telnet) to quit.
//!
//! How it fits the loop: a reader thread copies the terminal into a private pipe and stops at
//! the escape key, closing the pipe. The relay reads that pipe as its stdin, so `-t` is an
//! input adapter that the flows, framing and timeouts never need to know about, and quitting
//! is an ordinary stdin EOF. (A terminal cannot be peeked at, so looking for the escape key
//! inside the loop would mean a second copy path beside [`super::flow::Flow`].)
//!
//! Restoring: [`Tty`] puts the saved termios back on drop, so every way out of the relay
//! (EOF, peer close, errors, SIGINT/SIGTERM via the signal pipe) restores the terminal; a
//! panic hook restores it before the panic message is printed. Only a second signal during
//! the shutdown (an immediate exit) or SIGKILL can leave the terminal raw (`stty sane`).
//!
//! Output processing (OPOST, ONLCR) is left as it was: raw mode is about input. A peer that
//! sends bare `\n` would otherwise print a staircase, and `\r\n` prints the same either way.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Once;

use rustix::io::Errno;
use rustix::pipe::PipeFlags;
use rustix::termios::{OptionalActions, isatty, tcgetattr, tcsetattr};

use super::reactor::Interest;

/// The local escape key: Ctrl-] (0x1d) ends the session, as in telnet. It is never sent.
pub const ESCAPE: u8 = 0x1d;

/// How a chunk read from the terminal is split: the bytes to send, and whether the escape key
/// was among them (everything from it on is dropped).
pub fn until_escape(chunk: &[u8]) -> (&[u8], bool) {
    match chunk.iter().position(|&b| b == ESCAPE) {
        Some(i) => (&chunk[..i], true),
        None => (chunk, false),
    }
}

/// The terminal on stdin in raw mode, and the pipe its keystrokes come out of.
pub struct Tty {
    keys: OwnedFd,
}

impl Tty {
    /// Raw mode on `stdin` when it is a terminal (`None` otherwise), and a reader thread that
    /// copies keystrokes into the pipe [`Tty::keys`] until the escape key or a hang-up.
    /// `stdin` must be the process's stdin: crossterm keeps the saved mode for fd 0.
    pub fn start(stdin: BorrowedFd<'_>) -> io::Result<Option<Tty>> {
        if !isatty(stdin) {
            return Ok(None);
        }
        let (keys, feed) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC)?;
        let term = rustix::io::fcntl_dupfd_cloexec(stdin, 0)?;
        enable_raw(stdin)?;
        let tty = Tty { keys };
        std::thread::Builder::new()
            .name("tty-keys".into())
            .spawn(move || copy_keys(&term, &feed))?;
        Ok(Some(tty))
    }

    /// The read end of the keystroke pipe: EOF once the escape key was typed.
    pub fn keys(&self) -> BorrowedFd<'_> {
        self.keys.as_fd()
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// crossterm's raw mode (it saves the mode it replaces, for `disable_raw_mode`), with output
/// processing put back as it was.
fn enable_raw(stdin: BorrowedFd<'_>) -> io::Result<()> {
    let before = tcgetattr(stdin)?;
    install_panic_hook();
    crossterm::terminal::enable_raw_mode()?;
    let restore_output = || -> io::Result<()> {
        let mut raw = tcgetattr(stdin)?;
        raw.output_modes = before.output_modes;
        tcsetattr(stdin, OptionalActions::Now, &raw)?;
        Ok(())
    };
    restore_output().inspect_err(|_| {
        let _ = crossterm::terminal::disable_raw_mode();
    })
}

/// Restore the terminal before a panic message is printed (the message then reads normally,
/// and nothing is left raw should unwinding not reach the [`Tty`]).
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::terminal::disable_raw_mode();
            previous(info);
        }));
    });
}

/// The reader thread: terminal → pipe, until the escape key, a hang-up, or the relay being
/// gone (EPIPE). Dropping `feed` is the EOF the relay sees.
fn copy_keys(term: &OwnedFd, feed: &OwnedFd) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match rustix::io::read(term, &mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            // Someone left the terminal non-blocking: wait for it instead of spinning.
            Err(Errno::AGAIN) => {
                let _ = super::reactor::wait_one(term.as_fd(), Interest::READ, None);
                continue;
            }
            Err(_) => return,
        };
        let (send, quit) = until_escape(&buf[..n]);
        if write_all(feed, send).is_err() || quit {
            return;
        }
    }
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> rustix::io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_splits_a_chunk() {
        assert_eq!(until_escape(b"abc"), (&b"abc"[..], false));
        assert_eq!(until_escape(b"ab\x1dcd"), (&b"ab"[..], true));
        assert_eq!(until_escape(b"\x1d"), (&b""[..], true));
        assert_eq!(until_escape(b"\x03\x04\r"), (&b"\x03\x04\r"[..], false));
        assert_eq!(until_escape(b""), (&b""[..], false));
    }

    #[test]
    fn not_a_terminal_is_left_alone() {
        let (r, _w) = rustix::pipe::pipe().unwrap();
        assert!(Tty::start(r.as_fd()).unwrap().is_none());
    }
}
