//! AF_CAN broadcast manager sockets (`CAN_BCM`): the kernel sends frames cyclically from an
//! hrtimer, so the timing is the kernel's, not a sleep loop's. A job is set up with one
//! `TX_SETUP` message (`struct bcm_msg_head` followed by its frames) and removed with
//! `TX_DELETE`; closing the socket removes every job it set up.
//!
//! Messages are built as bytes at the offsets of libc's `bcm_msg_head` (linux/can/bcm.h:
//! three u32, then two `struct bcm_timeval` of two longs each, so 4 bytes of padding on
//! 64-bit targets, then can_id and nframes; the frames follow at `sizeof(bcm_msg_head)`,
//! which is 8-byte aligned because `struct can_frame` is). Reads and writes are plain
//! read(2)/write(2) on the connected socket, so the only `unsafe` is socket() and connect().

use std::io;
use std::mem::{offset_of, size_of, zeroed};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use libc::bcm_msg_head as Head;

use super::can::{CAN_MTU, CANFD_MTU, frame_to_bytes};
use crate::can::Frame;

/// `sizeof(struct bcm_msg_head)`: where the frames start.
pub const HEAD_LEN: usize = size_of::<Head>();
/// The kernel's limit on frames in one job (`MAX_NFRAMES` in net/can/bcm.c).
pub const MAX_FRAMES: usize = 256;
/// The longest interval the kernel accepts (`BCM_TIMER_SEC_MAX`: 400 days).
pub const MAX_INTERVAL: Duration = Duration::from_secs(400 * 24 * 60 * 60);

#[cfg(target_pointer_width = "64")]
const _: () = {
    // linux/can/bcm.h on LP64: the timevals at 16 and 32 (after 4 bytes of padding).
    assert!(HEAD_LEN == 56);
    assert!(offset_of!(Head, ival1) == 16);
    assert!(offset_of!(Head, ival2) == 32);
    assert!(offset_of!(Head, can_id) == 48);
    assert!(offset_of!(Head, nframes) == 52);
};

/// One cyclic transmission: `frames` sent one per interval, in turn.
#[derive(Debug, Clone)]
pub struct TxJob<'a> {
    pub frames: &'a [Frame],
    pub every: Duration,
    /// Frames to send in all, then stop and report `TX_EXPIRED`; `None`: until deleted.
    pub count: Option<u32>,
}

/// What the kernel reported on a BCM socket (the opcode of a message it sent us).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// `TX_EXPIRED`: a job with `TX_COUNTEVT` sent its count of frames.
    Expired {
        can_id: u32,
    },
    Other {
        opcode: u32,
    },
}

/// A connected `CAN_BCM` socket (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct BcmSocket {
    fd: OwnedFd,
}

impl AsFd for BcmSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl BcmSocket {
    /// `socket(PF_CAN, SOCK_DGRAM, CAN_BCM)`.
    pub fn open() -> io::Result<BcmSocket> {
        // SAFETY: plain syscall; the result is checked and owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_CAN,
                libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                libc::CAN_BCM,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a freshly created fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(BcmSocket { fd })
    }

    /// Connects to interface `ifindex`: the jobs set up later send there, and the kernel
    /// reports that interface going down (ENETDOWN) or away (ENODEV) as a socket error.
    pub fn connect(&self, ifindex: u32) -> io::Result<()> {
        // SAFETY: an all-zero sockaddr_can is valid; family and index are set below.
        let mut sa: libc::sockaddr_can = unsafe { zeroed() };
        sa.can_family = libc::AF_CAN as libc::sa_family_t;
        sa.can_ifindex = ifindex as libc::c_int;
        // SAFETY: `sa` is a valid sockaddr_can whose size is passed with it.
        let r = unsafe {
            libc::connect(
                self.fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_can).cast(),
                size_of::<libc::sockaddr_can>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn write_all(&self, msg: &[u8]) -> io::Result<()> {
        let n = rustix::io::write(&self.fd, msg)?;
        if n != msg.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short write of a BCM message ({n} of {} bytes)", msg.len()),
            ));
        }
        Ok(())
    }

    /// `TX_SETUP`: start `job` (the first frame goes out at once, the next after one interval).
    pub fn tx_setup(&self, job: &TxJob<'_>) -> io::Result<()> {
        self.write_all(&tx_setup_message(job))
    }

    /// `TX_DELETE`: stop the job `job` set up.
    pub fn tx_delete(&self, job: &TxJob<'_>) -> io::Result<()> {
        self.write_all(&tx_delete_message(job))
    }

    /// One message from the kernel, or `None` when none is waiting. Errors are the socket's
    /// (ENETDOWN when the interface went down, ENODEV when it was removed).
    pub fn recv(&self) -> io::Result<Option<Notice>> {
        let mut buf = [0u8; HEAD_LEN + CANFD_MTU];
        match rustix::io::read(&self.fd, &mut buf) {
            Ok(n) => Ok(Some(parse_notice(&buf[..n]))),
            Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::INTR => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn put_timeval(b: &mut [u8], at: usize, d: Duration) {
    let long = size_of::<libc::c_long>();
    let sec = d.as_secs() as libc::c_long;
    let usec = d.subsec_micros() as libc::c_long;
    b[at..at + long].copy_from_slice(&sec.to_ne_bytes());
    b[at + long..at + 2 * long].copy_from_slice(&usec.to_ne_bytes());
}

/// The head every message of `job` carries: its id (the first frame's, which names the job)
/// and the CAN_FD_FRAME flag when its frames are CAN FD (part of the job's identity too).
fn head(job: &TxJob<'_>, opcode: u32, flags: u32) -> Vec<u8> {
    let mut b = vec![0u8; HEAD_LEN];
    let fd = job.frames.first().is_some_and(|f| f.fd);
    let flags = if fd {
        flags | libc::CAN_FD_FRAME
    } else {
        flags
    };
    put_u32(&mut b, offset_of!(Head, opcode), opcode);
    put_u32(&mut b, offset_of!(Head, flags), flags);
    put_u32(
        &mut b,
        offset_of!(Head, can_id),
        job.frames.first().map_or(0, |f| f.can_id),
    );
    b
}

/// `TX_SETUP` with SETTIMER|STARTTIMER: with a count, `count` frames `every` apart (ival1)
/// and TX_COUNTEVT so the kernel reports TX_EXPIRED after the last; without, no count and
/// ival2 = `every`, until deleted. Frames in the job's layout: every one a `can_frame` or
/// every one a `canfd_frame` (the caller checks they agree).
pub fn tx_setup_message(job: &TxJob<'_>) -> Vec<u8> {
    let mut flags = libc::SETTIMER | libc::STARTTIMER;
    if job.count.is_some() {
        flags |= libc::TX_COUNTEVT;
    }
    let mut b = head(job, libc::TX_SETUP, flags);
    match job.count {
        Some(n) => {
            put_u32(&mut b, offset_of!(Head, count), n);
            put_timeval(&mut b, offset_of!(Head, ival1), job.every);
        }
        None => put_timeval(&mut b, offset_of!(Head, ival2), job.every),
    }
    put_u32(&mut b, offset_of!(Head, nframes), job.frames.len() as u32);
    let fd = job.frames.first().is_some_and(|f| f.fd);
    for f in job.frames {
        let mut bytes = frame_to_bytes(f);
        bytes.resize(if fd { CANFD_MTU } else { CAN_MTU }, 0);
        b.extend_from_slice(&bytes);
    }
    b
}

/// `TX_DELETE` for the job `job` set up (same id, same CAN_FD_FRAME flag, no frames).
pub fn tx_delete_message(job: &TxJob<'_>) -> Vec<u8> {
    head(job, libc::TX_DELETE, 0)
}

/// The opcode (and id) of a message the kernel sent.
pub fn parse_notice(b: &[u8]) -> Notice {
    let u32_at = |at: usize| {
        b.get(at..at + 4)
            .map_or(0, |s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
    };
    let opcode = u32_at(offset_of!(Head, opcode));
    if opcode == libc::TX_EXPIRED {
        Notice::Expired {
            can_id: u32_at(offset_of!(Head, can_id)),
        }
    } else {
        Notice::Other { opcode }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::can::parse;

    #[test]
    fn tx_setup_with_a_count_is_laid_out_as_bcm_h_says() {
        let frames = [
            parse::frame("123#DEADBEEF").unwrap(),
            parse::frame("1F334455#11").unwrap(),
        ];
        let job = TxJob {
            frames: &frames,
            every: Duration::from_micros(1_500_250),
            count: Some(50),
        };
        let m = tx_setup_message(&job);
        assert_eq!(m.len(), 56 + 2 * 16);
        let u32_at = |at: usize| u32::from_ne_bytes(m[at..at + 4].try_into().unwrap());
        let i64_at = |at: usize| i64::from_ne_bytes(m[at..at + 8].try_into().unwrap());
        assert_eq!(u32_at(0), 1, "TX_SETUP");
        assert_eq!(
            u32_at(4),
            0x0001 | 0x0002 | 0x0004,
            "SETTIMER|STARTTIMER|TX_COUNTEVT"
        );
        assert_eq!(u32_at(8), 50);
        assert_eq!((i64_at(16), i64_at(24)), (1, 500_250), "ival1");
        assert_eq!((i64_at(32), i64_at(40)), (0, 0), "ival2");
        assert_eq!(u32_at(48), 0x123);
        assert_eq!(u32_at(52), 2);
        assert_eq!(&m[56..56 + 16], &frame_to_bytes(&frames[0])[..]);
        assert_eq!(u32_at(72), 0x1F33_4455 | 0x8000_0000);
        assert_eq!(m[76], 1);
        assert_eq!(m[80], 0x11);
    }

    #[test]
    fn endless_fd_jobs_use_ival2_and_canfd_frames() {
        let frames = [
            parse::frame("123##1112233").unwrap(),
            parse::frame("124##0").unwrap(),
        ];
        let job = TxJob {
            frames: &frames,
            every: Duration::from_millis(10),
            count: None,
        };
        let m = tx_setup_message(&job);
        assert_eq!(m.len(), 56 + 2 * 72);
        let u32_at = |at: usize| u32::from_ne_bytes(m[at..at + 4].try_into().unwrap());
        let i64_at = |at: usize| i64::from_ne_bytes(m[at..at + 8].try_into().unwrap());
        assert_eq!(
            u32_at(4),
            0x0001 | 0x0002 | 0x0800,
            "no TX_COUNTEVT, CAN_FD_FRAME"
        );
        assert_eq!(u32_at(8), 0);
        assert_eq!((i64_at(16), i64_at(24)), (0, 0), "ival1");
        assert_eq!((i64_at(32), i64_at(40)), (0, 10_000), "ival2");
        assert_eq!(&m[56 + 72..56 + 72 + 5], &[0x24, 1, 0, 0, 0]);
        assert_eq!(&m[56..56 + 8], &[0x23, 1, 0, 0, 3, 1, 0, 0]);

        let d = tx_delete_message(&job);
        assert_eq!(d.len(), 56);
        assert_eq!(u32_at_of(&d, 0), 2, "TX_DELETE");
        assert_eq!(u32_at_of(&d, 4), 0x0800);
        assert_eq!(u32_at_of(&d, 48), 0x123);
        assert_eq!(u32_at_of(&d, 52), 0);
    }

    fn u32_at_of(b: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn notices() {
        let mut b = vec![0u8; 56];
        b[..4].copy_from_slice(&9u32.to_ne_bytes());
        b[48..52].copy_from_slice(&0x123u32.to_ne_bytes());
        assert_eq!(parse_notice(&b), Notice::Expired { can_id: 0x123 });
        b[..4].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(parse_notice(&b), Notice::Other { opcode: 8 });
        assert_eq!(parse_notice(&[]), Notice::Other { opcode: 0 });
    }
}
