//! Network interfaces by name and index (SIOCGIFINDEX/SIOCGIFNAME through rustix), and their
//! ARPHRD type (SIOCGIFHWADDR, which rustix lacks), in this network namespace.

use std::io;
use std::mem::zeroed;
use std::os::fd::AsRawFd;

/// `ARPHRD_RAWIP` (if_arp.h): raw IP without a link header (e.g. some LTE modems); not in libc.
pub const ARPHRD_RAWIP: u16 = 519;

fn no_such(name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no such interface: {name}"),
    )
}

/// Any socket will do for the netdevice ioctls (glibc's `if_nametoindex` opens one too).
fn ioctl_socket() -> io::Result<socket2::Socket> {
    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
}

/// Interface index for a name (`if_nametoindex`); NotFound naming the interface if unknown.
pub fn if_index(name: &str) -> io::Result<u32> {
    let sock = ioctl_socket()?;
    match rustix::net::netdevice::name_to_index(&sock, name) {
        Ok(i) if i != 0 => Ok(i),
        Ok(_) | Err(rustix::io::Errno::NODEV) => Err(no_such(name)),
        Err(e) => Err(e.into()),
    }
}

/// Interface name for an index (`if_indextoname`).
pub fn if_name(index: u32) -> io::Result<String> {
    let sock = ioctl_socket()?;
    rustix::net::netdevice::index_to_name(&sock, index).map_err(|e| match e {
        rustix::io::Errno::NODEV => io::Error::new(
            io::ErrorKind::NotFound,
            format!("no interface with index {index}"),
        ),
        e => e.into(),
    })
}

/// The ARPHRD_* type of an interface (ioctl SIOCGIFHWADDR).
pub fn arphrd_type(name: &str) -> io::Result<u16> {
    if name.is_empty() || name.len() >= libc::IF_NAMESIZE || name.contains('\0') {
        return Err(no_such(name));
    }
    let sock = ioctl_socket()?;
    // SAFETY: all-zero is a valid ifreq.
    let mut ifr: libc::ifreq = unsafe { zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: `ifr` is a valid ifreq with a NUL-terminated name; SIOCGIFHWADDR writes the
    // hardware address into it.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFHWADDR, &mut ifr) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ENODEV) {
            return Err(no_such(name));
        }
        return Err(err);
    }
    // SAFETY: after SIOCGIFHWADDR the union holds ifru_hwaddr.
    Ok(unsafe { ifr.ifr_ifru.ifru_hwaddr.sa_family })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_interface_is_named() {
        let e = if_index("nosuchif0").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("nosuchif0"), "{e}");
        for long in ["", "averyveryverylongname0", "a\0b"] {
            assert_eq!(if_index(long).unwrap_err().kind(), io::ErrorKind::NotFound);
        }
        let e = arphrd_type("nosuchif0").unwrap_err();
        assert!(e.to_string().contains("nosuchif0"), "{e}");
        let lo = if_index("lo").unwrap();
        assert_eq!(if_name(lo).unwrap(), "lo");
        assert_eq!(arphrd_type("lo").unwrap(), libc::ARPHRD_LOOPBACK);
        let e = if_name(999_999).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(e.to_string(), "no interface with index 999999");
    }
}
