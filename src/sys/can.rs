//! AF_CAN raw sockets (SocketCAN, `CAN_RAW`): open, bind to an interface (or all of them),
//! kernel filters, CAN FD, and frames in and out with their timestamp, interface and the
//! socket's drop counter (SO_RXQ_OVFL), received in batches (recvmmsg). Frames cross the boundary as bytes in the kernel's
//! layout (`struct can_frame`, 16 bytes; `struct canfd_frame`, 72 bytes), converted to and
//! from [`Frame`] here.
//!
//! A kernel without the `can` module (or with it but without `can-raw`) fails `socket()` with
//! EAFNOSUPPORT (or EPROTONOSUPPORT): callers turn that into one line naming the module.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::can::{FD_MAX_DLEN, Frame, MAX_DLEN};

/// `SO_TIMESTAMPNS` (= `SCM_TIMESTAMPNS`) and `SO_RXQ_OVFL` as asm-generic/socket.h defines
/// them (x86, arm, riscv...); the libc crate does not export them for every target.
const SO_TIMESTAMPNS: libc::c_int = 35;
const SO_RXQ_OVFL: libc::c_int = 40;

/// `sizeof(struct can_frame)` and `sizeof(struct canfd_frame)`.
pub const CAN_MTU: usize = 16;
pub const CANFD_MTU: usize = 72;

/// One received frame and what the kernel said about it.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub frame: Frame,
    pub ifindex: u32,
    pub ts_sec: i64,
    pub ts_nsec: u32,
    /// The socket's drop counter (frames the kernel dropped for a full receive buffer since
    /// the socket was opened), when the kernel sent it.
    pub drops: Option<u32>,
}

/// A `CAN_RAW` socket (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct CanSocket {
    fd: OwnedFd,
}

impl AsFd for CanSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

fn check(r: libc::c_int) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl CanSocket {
    /// `socket(PF_CAN, SOCK_RAW, CAN_RAW)`.
    pub fn open() -> io::Result<CanSocket> {
        // SAFETY: plain syscall; the result is checked and owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_CAN,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                libc::CAN_RAW,
            )
        };
        check(raw)?;
        // SAFETY: `raw` is a freshly created fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(CanSocket { fd })
    }

    fn setsockopt<T>(&self, level: libc::c_int, name: libc::c_int, value: &[T]) -> io::Result<()> {
        // SAFETY: `value` points to `size_of_val(value)` initialised bytes for the call.
        check(unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                value.as_ptr().cast(),
                std::mem::size_of_val(value) as libc::socklen_t,
            )
        })
    }

    /// Binds to interface `ifindex` (0: every CAN interface).
    pub fn bind(&self, ifindex: u32) -> io::Result<()> {
        // SAFETY: an all-zero sockaddr_can is valid; family and index are set below.
        let mut sa: libc::sockaddr_can = unsafe { zeroed() };
        sa.can_family = libc::AF_CAN as libc::sa_family_t;
        sa.can_ifindex = ifindex as libc::c_int;
        // SAFETY: `sa` is a valid sockaddr_can whose size is passed with it.
        check(unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_can).cast(),
                size_of::<libc::sockaddr_can>() as libc::socklen_t,
            )
        })
    }

    /// CAN_RAW_FILTER: only frames matching one of `rules` (id, mask; id with
    /// CAN_INV_FILTER for the inverse). An empty list receives no data frames at all.
    pub fn set_filters(&self, rules: &[(u32, u32)]) -> io::Result<()> {
        let filters: Vec<libc::can_filter> = rules
            .iter()
            .map(|&(can_id, can_mask)| libc::can_filter { can_id, can_mask })
            .collect();
        self.setsockopt(libc::SOL_CAN_RAW, libc::CAN_RAW_FILTER, &filters)
    }

    /// CAN_RAW_ERR_FILTER: which error classes arrive as error frames.
    pub fn set_err_mask(&self, mask: u32) -> io::Result<()> {
        self.setsockopt(libc::SOL_CAN_RAW, libc::CAN_RAW_ERR_FILTER, &[mask])
    }

    /// CAN_RAW_JOIN_FILTERS: a frame must match every filter.
    pub fn join_filters(&self) -> io::Result<()> {
        self.setsockopt(
            libc::SOL_CAN_RAW,
            libc::CAN_RAW_JOIN_FILTERS,
            &[1 as libc::c_int],
        )
    }

    /// CAN_RAW_FD_FRAMES: receive (and allow sending) CAN FD frames.
    pub fn enable_fd(&self) -> io::Result<()> {
        self.setsockopt(
            libc::SOL_CAN_RAW,
            libc::CAN_RAW_FD_FRAMES,
            &[1 as libc::c_int],
        )
    }

    /// SO_TIMESTAMPNS and SO_RXQ_OVFL, so [`CanSocket::recv_batch`] reports both.
    pub fn enable_rx_meta(&self) -> io::Result<()> {
        self.setsockopt(libc::SOL_SOCKET, SO_TIMESTAMPNS, &[1 as libc::c_int])?;
        self.setsockopt(libc::SOL_SOCKET, SO_RXQ_OVFL, &[1 as libc::c_int])
    }

    /// Up to [`BATCH`] waiting frames in one `recvmmsg` call, into `batch` (cleared first);
    /// an empty batch when none is waiting (EAGAIN). One syscall for a burst instead of one
    /// `recvmsg` per frame and a last one for EAGAIN.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> io::Result<()> {
        batch.frames.clear();
        let b = &mut *batch.bufs;
        // The kernel rewrote the lengths of the headers it used last time (and perhaps of
        // the one after): only those are reset, the pointers stay as set up once.
        for h in &mut b.hdrs[..(b.used + 1).min(BATCH)] {
            h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_can>() as libc::socklen_t;
            h.msg_hdr.msg_controllen = CONTROL_LEN as _;
            h.msg_hdr.msg_flags = 0;
        }
        b.used = 0;
        // SAFETY: every header points into `b`'s boxed (so unmoving) arrays, alive and of
        // the sizes given, for the duration of the call; no timeout pointer.
        let n = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                b.hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(()),
                _ => Err(e),
            };
        }
        b.used = n as usize;
        for (k, h) in b.hdrs.iter().enumerate().take(n as usize) {
            let len = h.msg_len as usize;
            let frame = frame_from_bytes(&b.data[k][..len.min(CANFD_MTU)]).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the kernel delivered a {len}-byte CAN frame"),
                )
            })?;
            batch.frames.push(received(frame, &b.addr[k], &h.msg_hdr));
        }
        Ok(())
    }

    /// Writes one frame (a `can_frame` or, for CAN FD, a `canfd_frame`).
    pub fn send(&self, f: &Frame) -> io::Result<()> {
        let bytes = frame_to_bytes(f);
        let n = rustix::io::write(&self.fd, &bytes)?;
        if n != bytes.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short write of a CAN frame ({n} of {} bytes)", bytes.len()),
            ));
        }
        Ok(())
    }
}

/// Frames [`CanSocket::recv_batch`] takes in one call.
pub const BATCH: usize = 64;

/// What one `recvmmsg` call receives into: the frames, and the buffers the kernel fills
/// (allocated once, reused for every call).
pub struct RecvBatch {
    pub frames: Vec<Received>,
    bufs: Box<BatchBufs>,
}

/// Bytes of one message's control buffer (a timestamp and a drop counter need 48).
const CONTROL_LEN: usize = 128;

struct BatchBufs {
    data: [[u8; CANFD_MTU]; BATCH],
    addr: [libc::sockaddr_can; BATCH],
    // u64 elements keep each control buffer aligned for cmsghdr.
    control: [[u64; CONTROL_LEN / 8]; BATCH],
    iov: [libc::iovec; BATCH],
    /// Each points into the arrays above (set once: the box never moves them).
    hdrs: [libc::mmsghdr; BATCH],
    /// Headers the last call filled.
    used: usize,
}

impl Default for RecvBatch {
    fn default() -> Self {
        // SAFETY: all-zero bytes, sockaddr_can, u64s, iovecs and mmsghdrs (null pointers,
        // set below before any use) and a zero count are valid values.
        let mut b: Box<BatchBufs> = Box::new(unsafe { zeroed() });
        for k in 0..BATCH {
            b.iov[k] = libc::iovec {
                iov_base: b.data[k].as_mut_ptr().cast(),
                iov_len: CANFD_MTU,
            };
            let name = (&mut b.addr[k] as *mut libc::sockaddr_can).cast();
            let control = b.control[k].as_mut_ptr().cast();
            let iov = &mut b.iov[k] as *mut libc::iovec;
            let m = &mut b.hdrs[k].msg_hdr;
            m.msg_name = name;
            m.msg_iov = iov;
            m.msg_iovlen = 1;
            m.msg_control = control;
        }
        // recv_batch sets the lengths of the first header (used + 1) before each call; the
        // others start as if used.
        b.used = BATCH;
        RecvBatch {
            frames: Vec::with_capacity(BATCH),
            bufs: b,
        }
    }
}

/// A received frame with what the control messages of `msg` said: the kernel's timestamp
/// (now, when there is none) and the drop counter.
fn received(frame: Frame, sa: &libc::sockaddr_can, msg: &libc::msghdr) -> Received {
    let (mut ts_sec, mut ts_nsec, mut drops) = (0i64, 0u32, None);
    // SAFETY: `msg` was filled by recvmsg/recvmmsg; CMSG_FIRSTHDR/NXTHDR stay within
    // msg_controllen, and each payload read is bounds-checked against cmsg_len.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            let h = &*c;
            let data = libc::CMSG_DATA(c);
            let room = h.cmsg_len as usize - (data as usize - c as usize);
            if h.cmsg_level == libc::SOL_SOCKET {
                if h.cmsg_type == SO_TIMESTAMPNS && room >= size_of::<libc::timespec>() {
                    let t: libc::timespec = std::ptr::read_unaligned(data.cast());
                    ts_sec = t.tv_sec;
                    ts_nsec = t.tv_nsec as u32;
                } else if h.cmsg_type == SO_RXQ_OVFL && room >= 4 {
                    drops = Some(std::ptr::read_unaligned(data.cast::<u32>()));
                }
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    if ts_sec == 0 && ts_nsec == 0 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        ts_sec = now.as_secs() as i64;
        ts_nsec = now.subsec_nanos();
    }
    Received {
        frame,
        ifindex: sa.can_ifindex as u32,
        ts_sec,
        ts_nsec,
        drops,
    }
}

/// A frame from the kernel's bytes: 16 (`can_frame`) or 72 (`canfd_frame`).
pub fn frame_from_bytes(b: &[u8]) -> Option<Frame> {
    let fd = match b.len() {
        CAN_MTU => false,
        CANFD_MTU => true,
        _ => return None,
    };
    let can_id = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    let max = if fd { FD_MAX_DLEN } else { MAX_DLEN };
    let mut f = Frame::new(can_id, &[]);
    f.fd = fd;
    f.len = b[4].min(max as u8);
    f.flags = if fd { b[5] } else { 0 };
    f.data[..max].copy_from_slice(&b[8..8 + max]);
    Some(f)
}

/// The kernel's bytes for a frame: a 16-byte `can_frame` or a 72-byte `canfd_frame`.
pub fn frame_to_bytes(f: &Frame) -> Vec<u8> {
    let size = if f.fd { CANFD_MTU } else { CAN_MTU };
    let mut b = vec![0u8; size];
    b[..4].copy_from_slice(&f.can_id.to_ne_bytes());
    b[4] = f.len;
    if f.fd {
        b[5] = f.flags;
    }
    let n = f.max_len();
    b[8..8 + n].copy_from_slice(&f.data[..n]);
    b
}

/// An interface's MTU (16 for classic CAN, 72 for CAN FD), from sysfs.
pub fn mtu(name: &str) -> io::Result<u32> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/mtu"))?;
    text.trim()
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unreadable MTU"))
}

/// Whether an interface is up (IFF_UP in sysfs' flags).
pub fn is_up(name: &str) -> io::Result<bool> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/flags"))?;
    let flags = u32::from_str_radix(text.trim().trim_start_matches("0x"), 16)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unreadable flags"))?;
    Ok(flags & libc::IFF_UP as u32 != 0)
}

impl From<CanSocket> for OwnedFd {
    fn from(s: CanSocket) -> OwnedFd {
        s.fd
    }
}
