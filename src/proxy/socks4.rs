//! SOCKS4 CONNECT, and SOCKS4a when the proxy resolves the name. The user id is the
//! credentials' user name (SOCKS4 has no password).

use std::net::IpAddr;

use super::{Credentials, Dest, Failure, Machine, ProxyError};

#[derive(Clone)]
pub(super) struct Socks4;

impl Socks4 {
    pub(super) fn start(
        dest: &Dest,
        port: u16,
        creds: Option<&Credentials>,
        out: &mut Vec<u8>,
    ) -> Result<Socks4, String> {
        let user = creds.map_or("", |c| c.user.as_str());
        if user.contains('\0') {
            return Err("a SOCKS4 user id cannot contain a NUL byte".into());
        }
        out.extend([4, 1]);
        out.extend(port.to_be_bytes());
        match dest {
            Dest::Ip(IpAddr::V4(ip)) => out.extend(ip.octets()),
            Dest::Ip(IpAddr::V6(ip)) => {
                return Err(format!(
                    "SOCKS4 cannot reach the IPv6 address {ip} (use socks5)"
                ));
            }
            // SOCKS4a: the address 0.0.0.x (x != 0) says a name follows the user id.
            Dest::Name(_) => out.extend([0, 0, 0, 1]),
        }
        out.extend(user.as_bytes());
        out.push(0);
        if let Dest::Name(name) = dest {
            if name.contains('\0') {
                return Err("host name contains a NUL byte".into());
            }
            out.extend(name.as_bytes());
            out.push(0);
        }
        Ok(Socks4)
    }
}

impl Machine for Socks4 {
    fn missing(&self, buf: &[u8]) -> Result<usize, ProxyError> {
        // The reply's version byte is 0 (some servers echo 4).
        if let Some(&v) = buf.first()
            && v != 0
            && v != 4
        {
            return Err(ProxyError::malformed(format!(
                "not a SOCKS4 proxy (answered version {v}, expected 0)"
            )));
        }
        Ok(8usize.saturating_sub(buf.len()))
    }

    fn answer(&mut self, buf: &[u8], _out: &mut Vec<u8>) -> Result<bool, ProxyError> {
        let (failure, text) = match buf[1] {
            90 => return Ok(true),
            91 => (Failure::Failed, "request rejected or failed"),
            92 => (
                Failure::Denied,
                "request rejected: the proxy cannot reach identd on this host",
            ),
            93 => (
                Failure::Denied,
                "request rejected: identd reports a different user id",
            ),
            other => {
                return Err(ProxyError::malformed(format!(
                    "malformed SOCKS4 reply: code {other}"
                )));
            }
        };
        Err(ProxyError::new(
            failure,
            format!("{text} (SOCKS4 reply {})", buf[1]),
        ))
    }
}
