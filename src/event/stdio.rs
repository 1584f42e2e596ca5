//! stdin and stdout as pollable fds. Pipes and sockets are switched to O_NONBLOCK for the
//! session and restored on drop; terminals, regular files and devices are left blocking (a
//! shared terminal must not be changed under the shell) and are only touched when poll(2)
//! says they are ready, one operation at a time.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{FileType, OFlags, fcntl_getfl, fcntl_setfl, fstat};

/// What kind of file an fd is: decides splice/sendfile use and blocking behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pipe,
    Socket,
    File,
    /// /dev/null: accepts splice, never blocks.
    Null,
    /// Terminals and other devices: plain read/write, may block.
    Device,
}

impl Kind {
    pub fn of(fd: BorrowedFd<'_>) -> io::Result<Kind> {
        let st = fstat(fd)?;
        Ok(match FileType::from_raw_mode(st.st_mode) {
            FileType::Fifo => Kind::Pipe,
            FileType::Socket => Kind::Socket,
            FileType::RegularFile => Kind::File,
            FileType::CharacterDevice if st.st_rdev == libc::makedev(1, 3) => Kind::Null,
            _ => Kind::Device,
        })
    }

    /// Can a read or write on this fd block after poll said it was ready? Then the loop does
    /// one operation per wakeup.
    pub fn may_block(self) -> bool {
        self == Kind::Device
    }
}

/// Pipe size we ask for on a stdin/stdout pipe: fewer, larger transfers and wakeups between
/// us and the process at the other end (the kernel caps it at /proc/sys/fs/pipe-max-size).
const PIPE_SIZE: usize = 1 << 20;

/// Grow a pipe's buffer; a refusal (another user's pipe, a lower limit) changes nothing.
pub fn grow_pipe(fd: BorrowedFd<'_>, kind: Kind) {
    if kind == Kind::Pipe {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_SIZE);
    }
}

/// Keeps an fd non-blocking while alive and puts its flags back on drop.
pub struct NonBlocking<'a> {
    fd: BorrowedFd<'a>,
    saved: Option<OFlags>,
}

impl<'a> NonBlocking<'a> {
    pub fn set(fd: BorrowedFd<'a>, kind: Kind) -> io::Result<NonBlocking<'a>> {
        let mut saved = None;
        if matches!(kind, Kind::Pipe | Kind::Socket) {
            let flags = fcntl_getfl(fd)?;
            if !flags.contains(OFlags::NONBLOCK) {
                fcntl_setfl(fd, flags | OFlags::NONBLOCK)?;
                saved = Some(flags);
            }
        }
        Ok(NonBlocking { fd, saved })
    }
}

impl Drop for NonBlocking<'_> {
    fn drop(&mut self) {
        if let Some(flags) = self.saved {
            let _ = fcntl_setfl(self.fd, flags);
        }
    }
}

impl AsFd for NonBlocking<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd
    }
}
