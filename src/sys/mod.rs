//! The only module (with its children) with `unsafe`: thin wrappers over the system calls
//! that neither socket2 nor rustix offers. Each function names the call it wraps; each
//! `unsafe` block says why it is sound. Nothing here knows about the rest of the crate's
//! formats (pcap, filters): `sys` imports no other module of sockcli but `can`'s frame types.
//!
//! - `netdb`, and `getaddrinfo` here: the resolver (`_r` calls).
//! - `packet`: the AF_PACKET capture socket; `ring`: its TPACKET_V3 receive ring.
//! - `iface`: interface names, indexes and ARPHRD types.
//! - `privs`: dropping root for the whole process.
//! - `can`, `can_bcm`: SocketCAN raw and broadcast-manager sockets.
//! - `time`: local time.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::{MaybeUninit, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;

pub mod can;
pub mod can_bcm;
pub mod iface;
pub mod netdb;
pub mod packet;
pub mod privs;
pub mod ring;
pub mod time;

/// Hints for [`getaddrinfo`], as in `struct addrinfo` (0 means "any").
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints {
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
    pub flags: i32,
}

/// One `struct addrinfo` result, with the address already converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
    pub canonname: Option<String>,
    pub addr: SocketAddr,
}

/// A getaddrinfo failure: the `EAI_*` code and the resolver's own message (`gai_strerror`, or
/// the errno text for `EAI_SYSTEM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaiError {
    pub code: i32,
    pub message: String,
}

/// `getaddrinfo(3)`: resolve `host`/`service` with the system resolver (honours /etc/hosts,
/// nsswitch and /etc/services). Results are in the resolver's order (RFC 6724 sorted).
pub fn getaddrinfo(
    host: Option<&str>,
    service: Option<&str>,
    hints: Hints,
) -> Result<Vec<AddrInfo>, GaiError> {
    let bad_input = |what: &str| GaiError {
        code: libc::EAI_NONAME,
        message: format!("{what} contains a NUL byte"),
    };
    let host = host
        .map(CString::new)
        .transpose()
        .map_err(|_| bad_input("host"))?;
    let service = service
        .map(CString::new)
        .transpose()
        .map_err(|_| bad_input("service"))?;
    // SAFETY: an all-zero addrinfo is a valid "no hints" value; we then set plain integers.
    let mut c_hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    c_hints.ai_family = hints.family;
    c_hints.ai_socktype = hints.socktype;
    c_hints.ai_protocol = hints.protocol;
    c_hints.ai_flags = hints.flags;
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: the C strings and hints outlive the call; `res` is an out-pointer that is only
    // read after success and freed exactly once with freeaddrinfo below.
    let rc = unsafe {
        libc::getaddrinfo(
            host.as_ref().map_or(ptr::null(), |h| h.as_ptr()),
            service.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &c_hints,
            &mut res,
        )
    };
    if rc != 0 {
        return Err(gai_error(rc));
    }
    let mut out = Vec::new();
    let mut cur = res;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getaddrinfo returned, not yet freed.
        let ai = unsafe { &*cur };
        // SAFETY: ai_addr points to ai_addrlen bytes of a sockaddr of family ai_family.
        if let Some(addr) = unsafe { sockaddr_to_std(ai.ai_addr, ai.ai_addrlen) } {
            let canonname = (!ai.ai_canonname.is_null()).then(|| {
                // SAFETY: ai_canonname, when set, is a NUL-terminated string owned by the list.
                unsafe { CStr::from_ptr(ai.ai_canonname) }
                    .to_string_lossy()
                    .into_owned()
            });
            out.push(AddrInfo {
                family: ai.ai_family,
                socktype: ai.ai_socktype,
                protocol: ai.ai_protocol,
                canonname,
                addr,
            });
        }
        cur = ai.ai_next;
    }
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

/// The resolver's message for an `EAI_*` code (`gai_strerror`, or errno for `EAI_SYSTEM`).
fn gai_error(code: i32) -> GaiError {
    let message = if code == libc::EAI_SYSTEM {
        io::Error::last_os_error().to_string()
    } else {
        // SAFETY: gai_strerror returns a pointer to a static, NUL-terminated string.
        unsafe { CStr::from_ptr(libc::gai_strerror(code)) }
            .to_string_lossy()
            .into_owned()
    };
    GaiError { code, message }
}

/// `recvfrom(2)` into an initialised buffer (socket2 takes `MaybeUninit` buffers so that it
/// can also fill fresh ones).
pub fn recv_from(sock: &socket2::Socket, buf: &mut [u8]) -> io::Result<(usize, socket2::SockAddr)> {
    // SAFETY: u8 and MaybeUninit<u8> have the same layout, and recvfrom only ever writes
    // initialised bytes into the buffer, so the slice stays fully initialised.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
    sock.recv_from(uninit)
}

/// A close-on-exec duplicate of the inherited fd number `n` (`fd:N` endpoints), so that ours
/// can be closed without closing the caller's. EBADF when `n` is not open.
pub fn dup_fd(n: i32) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    if n < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only reads the fd number; a number that is not open
    // makes it fail with EBADF instead of touching anything.
    let dup = unsafe { libc::fcntl(n, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `dup` is a new descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(dup) })
}

/// `setsockopt(2)` with a plain C value (the options socket2 and rustix lack: PACKET_*).
fn setsockopt<T>(fd: BorrowedFd<'_>, level: i32, name: i32, val: &T) -> io::Result<()> {
    // SAFETY: `val` is a valid T for the duration of the call and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (val as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `getsockopt(2)` of a plain C value that is valid all-zero (PACKET_STATISTICS).
fn getsockopt<T: Copy>(fd: BorrowedFd<'_>, level: i32, name: i32) -> io::Result<T> {
    let mut val = MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `val` has room for `len` bytes; the kernel writes at most that many.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            val.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: T is a C struct of integers, valid all-zero, and the kernel filled in the rest.
    Ok(unsafe { val.assume_init() })
}

/// `poll(2)` over raw `pollfd`s, for the capture ring's unit tests (everything else waits on
/// the epoll reactor). EINTR is returned as an error.
#[cfg(test)]
pub fn poll_raw(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: `fds` is an exclusively borrowed, initialised slice of `pollfd` whose length is
    // passed with it; poll only writes the `revents` fields. Negative fds are ignored by poll.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Convert a C `sockaddr` of family AF_INET/AF_INET6 to std; other families give `None`.
///
/// # Safety
/// `sa` must point to at least `len` readable bytes holding a sockaddr.
unsafe fn sockaddr_to_std(sa: *const libc::sockaddr, len: libc::socklen_t) -> Option<SocketAddr> {
    if sa.is_null() {
        return None;
    }
    let len = len as usize;
    // SAFETY: (the whole block) the caller guarantees `len` bytes; each cast is checked against the
    // size of the struct it reads, and read_unaligned makes no alignment assumption.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
                let sin = ptr::read_unaligned(sa.cast::<libc::sockaddr_in>());
                let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                Some(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(sin.sin_port),
                )))
            }
            libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
                let sin6 = ptr::read_unaligned(sa.cast::<libc::sockaddr_in6>());
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_v4_and_v6_with_service() {
        let hints = Hints {
            socktype: libc::SOCK_STREAM,
            flags: libc::AI_NUMERICHOST,
            ..Hints::default()
        };
        let v4 = getaddrinfo(Some("127.0.0.1"), Some("80"), hints).unwrap();
        assert_eq!(v4[0].addr, "127.0.0.1:80".parse().unwrap());
        let v6 = getaddrinfo(Some("::1"), Some("443"), hints).unwrap();
        assert_eq!(v6[0].addr, "[::1]:443".parse().unwrap());
        assert_eq!(v6[0].family, libc::AF_INET6);
    }

    #[test]
    fn failure_carries_resolver_message() {
        let hints = Hints {
            flags: libc::AI_NUMERICHOST,
            ..Hints::default()
        };
        let err = getaddrinfo(Some("not-a-literal"), None, hints).unwrap_err();
        assert_eq!(err.code, libc::EAI_NONAME);
        assert!(!err.message.is_empty());
    }
}
