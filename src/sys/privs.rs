//! Dropping root for good after the privileged set-up (`sniff -Z USER`): setuid for the whole
//! process, which rustix does not offer (its `set_thread_uid` changes one thread only), and the
//! user lookup with the reentrant `getpwnam_r`.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::zeroed;
use std::ptr;

/// Become `user` for good: look it up (getpwnam_r), then setgroups([gid]), setgid(gid),
/// setuid(uid) in that order (glibc applies them to every thread), and check with
/// getuid/geteuid/getgid that it took.
pub fn drop_privileges(user: &str) -> io::Result<()> {
    let name = CString::new(user).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "user name contains a NUL byte")
    })?;
    let (uid, gid) = lookup_user(&name)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no such user: {user}")))?;
    let fail = |what: &str| {
        let e = io::Error::last_os_error();
        io::Error::new(e.kind(), format!("cannot become {user}: {what}: {e}"))
    };
    // SAFETY: a one-element gid array whose length is passed with it.
    if unsafe { libc::setgroups(1, &gid) } < 0 {
        return Err(fail("setgroups"));
    }
    // SAFETY: plain syscall wrappers.
    if unsafe { libc::setgid(gid) } < 0 {
        return Err(fail("setgid"));
    }
    // SAFETY: as above.
    if unsafe { libc::setuid(uid) } < 0 {
        return Err(fail("setuid"));
    }
    use rustix::process::{geteuid, getgid, getuid};
    let (ruid, euid, rgid) = (getuid().as_raw(), geteuid().as_raw(), getgid().as_raw());
    if ruid != uid || euid != uid || rgid != gid {
        return Err(io::Error::other(format!(
            "cannot become {user}: still uid {ruid}/{euid} gid {rgid}"
        )));
    }
    Ok(())
}

/// (uid, gid) of a user name, None if there is no such user.
fn lookup_user(name: &CStr) -> io::Result<Option<(libc::uid_t, libc::gid_t)>> {
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: all-zero is a valid passwd to be filled in.
        let mut pw: libc::passwd = unsafe { zeroed() };
        let mut res: *mut libc::passwd = ptr::null_mut();
        // SAFETY: all pointers are valid; `buf` has the length passed; `res` is only read
        // after the call.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pw,
                buf.as_mut_ptr(),
                buf.len(),
                &mut res,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        return Ok((!res.is_null()).then_some((pw.pw_uid, pw.pw_gid)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_user_is_not_found() {
        let e = drop_privileges("no-such-user-sockcli").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(e.to_string(), "no such user: no-such-user-sockcli");
        let e = drop_privileges("a\0b").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(lookup_user(c"root").unwrap(), Some((0, 0)));
    }
}
