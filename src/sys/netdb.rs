//! The netdb lookups of the seeds beside getaddrinfo: gethostbyaddr, gethostbyname2,
//! getnameinfo, getservbyname/port, getprotobyname/number, gethostname and if_nameindex.
//!
//! The reentrant `_r` forms are used so that `resolve -` may call them from worker threads;
//! the libc crate does not declare them, so they are declared here (glibc and musl agree on
//! their signatures). Each copies its result out of the caller-owned buffer before returning.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ptr;

use super::GaiError;

unsafe extern "C" {
    fn gethostbyaddr_r(
        addr: *const c_void,
        len: libc::socklen_t,
        family: c_int,
        ret: *mut libc::hostent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::hostent,
        h_errnop: *mut c_int,
    ) -> c_int;
    fn gethostbyname2_r(
        name: *const c_char,
        family: c_int,
        ret: *mut libc::hostent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::hostent,
        h_errnop: *mut c_int,
    ) -> c_int;
    fn getservbyname_r(
        name: *const c_char,
        proto: *const c_char,
        ret: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
    fn getservbyport_r(
        port: c_int,
        proto: *const c_char,
        ret: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
    fn getprotobyname_r(
        name: *const c_char,
        ret: *mut libc::protoent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::protoent,
    ) -> c_int;
    fn getprotobynumber_r(
        proto: c_int,
        ret: *mut libc::protoent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::protoent,
    ) -> c_int;
}

/// A `struct hostent`: official name, aliases and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEnt {
    pub name: String,
    pub aliases: Vec<String>,
    pub addrs: Vec<IpAddr>,
}

/// A gethostby* failure: `h_errno` and its `hstrerror` text (the seeds' `herror`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub code: i32,
    pub message: String,
}

/// A `struct servent`: service name, aliases, port and protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServEnt {
    pub name: String,
    pub aliases: Vec<String>,
    pub port: u16,
    pub proto: String,
}

/// A `struct protoent`: protocol name, aliases and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoEnt {
    pub name: String,
    pub aliases: Vec<String>,
    pub number: i32,
}

/// The `_r` calls return ERANGE until the buffer is big enough; give up past this size.
const MAX_BUF: usize = 1 << 20;

/// Call a `_r` lookup with a growing buffer. `call` returns the C return code and whether a
/// result was produced; ERANGE means "retry with more room".
fn with_buffer<T>(mut call: impl FnMut(&mut [u8]) -> (c_int, Option<T>)) -> (c_int, Option<T>) {
    let mut buf = vec![0u8; 1024];
    loop {
        let (rc, found) = call(&mut buf);
        if rc == libc::ERANGE && buf.len() < MAX_BUF {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        return (rc, found);
    }
}

/// `gethostbyaddr_r(3)`: the name, aliases and addresses the resolver has for `ip`.
pub fn gethostbyaddr(ip: IpAddr) -> Result<HostEnt, HostError> {
    let (bytes, family): (Vec<u8>, c_int) = match ip {
        IpAddr::V4(v4) => (v4.octets().to_vec(), libc::AF_INET),
        IpAddr::V6(v6) => (v6.octets().to_vec(), libc::AF_INET6),
    };
    let mut h_errno: c_int = 0;
    let (rc, found) = with_buffer(|buf| {
        // SAFETY: an all-zero hostent is a valid value to be overwritten by the call.
        let mut ent: libc::hostent = unsafe { std::mem::zeroed() };
        let mut res: *mut libc::hostent = ptr::null_mut();
        // SAFETY: `bytes` holds `len` bytes of an address of `family`; `ent`, `buf`, `res` and
        // `h_errno` are valid out-parameters for the duration of the call.
        let rc = unsafe {
            gethostbyaddr_r(
                bytes.as_ptr().cast(),
                bytes.len() as libc::socklen_t,
                family,
                &mut ent,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut res,
                &mut h_errno,
            )
        };
        // SAFETY: on success `res` points to `ent`, whose pointers reach into `buf`, alive here.
        (rc, (!res.is_null()).then(|| unsafe { copy_hostent(&*res) }))
    });
    found.ok_or_else(|| host_error(rc, h_errno))
}

/// `gethostbyname2_r(3)`: the hosts-database entry for `name` in one family (the seeds'
/// `gethostbyname_ex` is this with AF_INET).
pub fn gethostbyname2(name: &str, family: c_int) -> Result<HostEnt, HostError> {
    let c_name = CString::new(name).map_err(|_| HostError {
        code: libc::EINVAL,
        message: "name contains a NUL byte".into(),
    })?;
    let mut h_errno: c_int = 0;
    let (rc, found) = with_buffer(|buf| {
        // SAFETY: an all-zero hostent is a valid value to be overwritten by the call.
        let mut ent: libc::hostent = unsafe { std::mem::zeroed() };
        let mut res: *mut libc::hostent = ptr::null_mut();
        // SAFETY: `c_name` is NUL-terminated; the out-parameters are valid for the call.
        let rc = unsafe {
            gethostbyname2_r(
                c_name.as_ptr(),
                family,
                &mut ent,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut res,
                &mut h_errno,
            )
        };
        // SAFETY: on success `res` points to `ent`, whose pointers reach into `buf`, alive here.
        (rc, (!res.is_null()).then(|| unsafe { copy_hostent(&*res) }))
    });
    found.ok_or_else(|| host_error(rc, h_errno))
}

fn host_error(rc: c_int, h_errno: c_int) -> HostError {
    // NETDB_INTERNAL (-1): the reason is in errno, which the `_r` call returned as `rc`.
    if h_errno == -1 && rc != 0 {
        return HostError {
            code: h_errno,
            message: io::Error::from_raw_os_error(rc).to_string(),
        };
    }
    // SAFETY: hstrerror returns a pointer to a static, NUL-terminated string for any code.
    let text = unsafe { CStr::from_ptr(libc::hstrerror(h_errno)) };
    HostError {
        code: h_errno,
        message: text.to_string_lossy().into_owned(),
    }
}

/// Copy a hostent out of the lookup buffer.
///
/// # Safety
/// `ent` must be a hostent filled by a successful gethostby*_r call whose buffer is alive.
unsafe fn copy_hostent(ent: &libc::hostent) -> HostEnt {
    // SAFETY: (the whole block) the resolver fills h_name with a C string, h_aliases and
    // h_addr_list with NULL-terminated arrays, each address h_length bytes of h_addrtype.
    unsafe {
        let mut addrs = Vec::new();
        let mut p = ent.h_addr_list;
        while !p.is_null() && !(*p).is_null() {
            let a = (*p).cast::<u8>();
            match (ent.h_addrtype, ent.h_length) {
                (libc::AF_INET, 4) => addrs.push(IpAddr::V4(Ipv4Addr::from(ptr::read_unaligned(
                    a.cast::<[u8; 4]>(),
                )))),
                (libc::AF_INET6, 16) => addrs.push(IpAddr::V6(Ipv6Addr::from(
                    ptr::read_unaligned(a.cast::<[u8; 16]>()),
                ))),
                _ => {}
            }
            p = p.add(1);
        }
        HostEnt {
            name: c_string(ent.h_name),
            aliases: c_string_list(ent.h_aliases),
            addrs,
        }
    }
}

/// `getnameinfo(3)`: host and service names for a socket address (`NI_*` flags).
pub fn getnameinfo(addr: SocketAddr, flags: c_int) -> Result<(String, String), GaiError> {
    let sa = socket2::SockAddr::from(addr);
    let mut host = [0 as c_char; 1025];
    let mut serv = [0 as c_char; 32];
    // SAFETY: `sa` is a valid sockaddr of `sa.len()` bytes; host and serv are writable
    // buffers whose lengths are passed with them.
    let rc = unsafe {
        libc::getnameinfo(
            sa.as_ptr().cast(),
            sa.len(),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            flags,
        )
    };
    if rc != 0 {
        return Err(super::gai_error(rc));
    }
    // SAFETY: on success both buffers hold NUL-terminated strings.
    let (host, serv) = unsafe { (c_string(host.as_ptr()), c_string(serv.as_ptr())) };
    Ok((host, serv))
}

/// `getservbyname_r(3)`: the /etc/services entry for `name` (any protocol when `proto` is
/// None). `None` when there is none.
pub fn getservbyname(name: &str, proto: Option<&str>) -> Option<ServEnt> {
    let name = CString::new(name).ok()?;
    let proto = proto.map(CString::new).transpose().ok()?;
    serv_lookup(|ent, buf, res| {
        // SAFETY: the strings are NUL-terminated; out-parameters are valid for the call.
        unsafe {
            getservbyname_r(
                name.as_ptr(),
                proto.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                ent,
                buf.as_mut_ptr().cast(),
                buf.len(),
                res,
            )
        }
    })
}

/// `getservbyport_r(3)`: the /etc/services entry for `port`.
pub fn getservbyport(port: u16, proto: Option<&str>) -> Option<ServEnt> {
    let proto = proto.map(CString::new).transpose().ok()?;
    serv_lookup(|ent, buf, res| {
        // SAFETY: as in getservbyname; the port goes in network byte order.
        unsafe {
            getservbyport_r(
                c_int::from(port.to_be()),
                proto.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                ent,
                buf.as_mut_ptr().cast(),
                buf.len(),
                res,
            )
        }
    })
}

fn serv_lookup(
    mut call: impl FnMut(&mut libc::servent, &mut [u8], &mut *mut libc::servent) -> c_int,
) -> Option<ServEnt> {
    with_buffer(|buf| {
        // SAFETY: an all-zero servent is a valid value to be overwritten by the call.
        let mut ent: libc::servent = unsafe { std::mem::zeroed() };
        let mut res: *mut libc::servent = ptr::null_mut();
        let rc = call(&mut ent, buf, &mut res);
        // SAFETY: on success `res` points to `ent`, whose strings live in `buf`.
        let found = (!res.is_null()).then(|| unsafe {
            let e = &*res;
            ServEnt {
                name: c_string(e.s_name),
                aliases: c_string_list(e.s_aliases),
                port: u16::from_be(e.s_port as u16),
                proto: c_string(e.s_proto),
            }
        });
        (rc, found)
    })
    .1
}

/// `getprotobyname_r(3)`: the /etc/protocols entry for `name`.
pub fn getprotobyname(name: &str) -> Option<ProtoEnt> {
    let name = CString::new(name).ok()?;
    proto_lookup(|ent, buf, res| {
        // SAFETY: `name` is NUL-terminated; out-parameters are valid for the call.
        unsafe { getprotobyname_r(name.as_ptr(), ent, buf.as_mut_ptr().cast(), buf.len(), res) }
    })
}

/// `getprotobynumber_r(3)`: the /etc/protocols entry for `number`.
pub fn getprotobynumber(number: i32) -> Option<ProtoEnt> {
    proto_lookup(|ent, buf, res| {
        // SAFETY: out-parameters are valid for the call.
        unsafe { getprotobynumber_r(number, ent, buf.as_mut_ptr().cast(), buf.len(), res) }
    })
}

fn proto_lookup(
    mut call: impl FnMut(&mut libc::protoent, &mut [u8], &mut *mut libc::protoent) -> c_int,
) -> Option<ProtoEnt> {
    with_buffer(|buf| {
        // SAFETY: an all-zero protoent is a valid value to be overwritten by the call.
        let mut ent: libc::protoent = unsafe { std::mem::zeroed() };
        let mut res: *mut libc::protoent = ptr::null_mut();
        let rc = call(&mut ent, buf, &mut res);
        // SAFETY: on success `res` points to `ent`, whose strings live in `buf`.
        let found = (!res.is_null()).then(|| unsafe {
            let e = &*res;
            ProtoEnt {
                name: c_string(e.p_name),
                aliases: c_string_list(e.p_aliases),
                number: e.p_proto,
            }
        });
        (rc, found)
    })
    .1
}

/// `gethostname(2)`.
pub fn gethostname() -> io::Result<String> {
    let mut buf = [0 as c_char; 256];
    // SAFETY: `buf` is writable for its length; one byte is kept for the NUL terminator.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the buffer was zeroed and the last byte never written, so it is NUL-terminated.
    Ok(unsafe { c_string(buf.as_ptr()) })
}

/// `if_nameindex(3)`: every interface's index and name, in the kernel's order.
pub fn if_nameindex() -> io::Result<Vec<(u32, String)>> {
    // SAFETY: no arguments; the result is checked for NULL and freed once below.
    let list = unsafe { libc::if_nameindex() };
    if list.is_null() {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut p = list;
    // SAFETY: the array ends with an entry whose index is 0 and name NULL; names are C strings.
    unsafe {
        while (*p).if_index != 0 && !(*p).if_name.is_null() {
            out.push(((*p).if_index, c_string((*p).if_name)));
            p = p.add(1);
        }
        libc::if_freenameindex(list);
    }
    Ok(out)
}

/// # Safety
/// `p` must be NULL or a NUL-terminated string.
unsafe fn c_string(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the caller guarantees a NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// # Safety
/// `list` must be NULL or a NULL-terminated array of NUL-terminated strings.
unsafe fn c_string_list(list: *mut *mut c_char) -> Vec<String> {
    let mut out = Vec::new();
    if list.is_null() {
        return out;
    }
    let mut p = list;
    // SAFETY: the caller guarantees the array is NULL-terminated.
    unsafe {
        while !(*p).is_null() {
            out.push(c_string(*p));
            p = p.add(1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_reverse_and_numeric_nameinfo() {
        let ent = gethostbyaddr(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
        assert!(!ent.name.is_empty());
        assert_eq!(ent.addrs, vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        let (host, serv) = getnameinfo(
            "127.0.0.1:80".parse().unwrap(),
            libc::NI_NUMERICHOST | libc::NI_NUMERICSERV,
        )
        .unwrap();
        assert_eq!((host.as_str(), serv.as_str()), ("127.0.0.1", "80"));
    }

    #[test]
    fn unknown_address_is_a_host_error() {
        // 192.0.2.0/24 is TEST-NET-1: never in a hosts file.
        let err = gethostbyaddr("192.0.2.77".parse().unwrap()).unwrap_err();
        assert!(!err.message.is_empty());
    }

    #[test]
    fn services_and_protocols_both_ways() {
        let http = getservbyname("http", Some("tcp")).unwrap();
        assert_eq!((http.port, http.proto.as_str()), (80, "tcp"));
        assert_eq!(getservbyport(443, Some("tcp")).unwrap().name, "https");
        assert!(getservbyname("no-such-service", None).is_none());
        assert_eq!(getprotobyname("icmp").unwrap().number, 1);
        assert_eq!(getprotobynumber(17).unwrap().name, "udp");
        assert!(getprotobyname("no-such-proto").is_none());
    }

    #[test]
    fn hostname_and_interfaces() {
        assert!(!gethostname().unwrap().is_empty());
        let ifs = if_nameindex().unwrap();
        assert!(ifs.iter().any(|(_, name)| name == "lo"));
    }
}
