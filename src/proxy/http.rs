//! HTTP CONNECT (RFC 9110 §9.3.6), with Basic proxy authentication (RFC 7617).

use std::net::IpAddr;

use super::{Credentials, Dest, Failure, Machine, ProxyError, shown};

/// The longest answer head taken before calling it malformed.
const MAX_HEAD: usize = 16 * 1024;
const END: &[u8] = b"\r\n\r\n";

#[derive(Clone)]
pub(super) struct Http;

impl Http {
    pub(super) fn start(
        dest: &Dest,
        port: u16,
        creds: Option<&Credentials>,
        out: &mut Vec<u8>,
    ) -> Http {
        let authority = match dest {
            Dest::Ip(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
            _ => format!("{dest}:{port}"),
        };
        let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if let Some(c) = creds {
            let token = base64(format!("{}:{}", c.user, c.pass).as_bytes());
            req.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
        }
        req.push_str("\r\n");
        out.extend(req.as_bytes());
        Http
    }
}

impl Machine for Http {
    /// Until the blank line: as many bytes as could end the head now, so nothing after it
    /// is read (4 after an ordinary byte, 1 after "\r\n\r").
    fn missing(&self, buf: &[u8]) -> Result<usize, ProxyError> {
        let head = b"HTTP/";
        let n = buf.len().min(head.len());
        if buf[..n] != head[..n] {
            return Err(ProxyError::malformed(format!(
                "not an HTTP proxy (answered '{}')",
                shown(first_line(buf))
            )));
        }
        if buf.len() > MAX_HEAD {
            return Err(ProxyError::malformed(format!(
                "HTTP proxy's answer head is longer than {MAX_HEAD} bytes"
            )));
        }
        let matched = (1..=END.len())
            .rev()
            .find(|&k| buf.ends_with(&END[..k]))
            .unwrap_or(0);
        Ok(END.len() - matched)
    }

    fn answer(&mut self, buf: &[u8], _out: &mut Vec<u8>) -> Result<bool, ProxyError> {
        let line = first_line(buf);
        let status = std::str::from_utf8(line)
            .ok()
            .and_then(|l| l.split(' ').nth(1))
            .filter(|s| s.len() == 3)
            .and_then(|s| s.parse::<u16>().ok());
        let Some(status) = status else {
            return Err(ProxyError::malformed(format!(
                "malformed HTTP status line '{}'",
                shown(line)
            )));
        };
        let failure = match status {
            200..=299 => return Ok(true),
            401 | 403 | 407 => Failure::Denied,
            504 => Failure::TimedOut,
            _ => Failure::Failed,
        };
        Err(ProxyError::new(
            failure,
            format!("HTTP proxy answered '{}'", shown(line)),
        ))
    }
}

fn first_line(buf: &[u8]) -> &[u8] {
    let end = buf
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(buf.len());
    &buf[..end]
}

/// Standard base64 with padding (RFC 4648 §4), for the Basic credentials.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
pub(super) fn base64_for_tests(data: &[u8]) -> String {
    base64(data)
}
