//! SOCKS5 (RFC 1928) CONNECT, with no authentication or user/password (RFC 1929).

use super::{Credentials, Dest, Failure, Machine, ProxyError};

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0;
const USER_PASS: u8 = 2;
const NO_ACCEPTABLE: u8 = 0xff;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Await {
    /// The method the proxy chose (2 bytes).
    Method,
    /// The RFC 1929 status (2 bytes).
    Auth,
    /// The CONNECT reply (4 bytes, then the bound address).
    Reply,
}

#[derive(Clone)]
pub(super) struct Socks5 {
    awaiting: Await,
    /// The CONNECT request, sent once the method is settled.
    request: Vec<u8>,
    /// The RFC 1929 request, when credentials were given.
    auth: Option<Vec<u8>>,
}

impl Socks5 {
    /// Queue the greeting: no authentication, and user/password when there are credentials.
    pub(super) fn start(
        dest: &Dest,
        port: u16,
        creds: Option<&Credentials>,
        out: &mut Vec<u8>,
    ) -> Result<Socks5, String> {
        let mut request = vec![VERSION, 1, 0];
        match dest {
            Dest::Ip(std::net::IpAddr::V4(ip)) => {
                request.push(1);
                request.extend(ip.octets());
            }
            Dest::Ip(std::net::IpAddr::V6(ip)) => {
                request.push(4);
                request.extend(ip.octets());
            }
            Dest::Name(name) => {
                let len = u8::try_from(name.len())
                    .map_err(|_| format!("host name '{name}' is longer than SOCKS5's 255 bytes"))?;
                request.push(3);
                request.push(len);
                request.extend(name.as_bytes());
            }
        }
        request.extend(port.to_be_bytes());
        let auth = match creds {
            None => None,
            Some(c) => {
                let (u, p) = (u8::try_from(c.user.len()), u8::try_from(c.pass.len()));
                let (Ok(ul), Ok(pl)) = (u, p) else {
                    return Err("SOCKS5 user name and password are at most 255 bytes each".into());
                };
                let mut a = vec![1, ul];
                a.extend(c.user.as_bytes());
                a.push(pl);
                a.extend(c.pass.as_bytes());
                Some(a)
            }
        };
        if auth.is_some() {
            out.extend([VERSION, 2, NO_AUTH, USER_PASS]);
        } else {
            out.extend([VERSION, 1, NO_AUTH]);
        }
        Ok(Socks5 {
            awaiting: Await::Method,
            request,
            auth,
        })
    }
}

impl Machine for Socks5 {
    fn missing(&self, buf: &[u8]) -> Result<usize, ProxyError> {
        // Whatever the stage, the first byte must be a version this machine knows.
        if let Some(&v) = buf.first() {
            let want = if self.awaiting == Await::Auth {
                1
            } else {
                VERSION
            };
            if v != want {
                return Err(ProxyError::malformed(format!(
                    "not a SOCKS5 proxy (answered version {v}, expected {want})"
                )));
            }
        }
        let total = match self.awaiting {
            Await::Method | Await::Auth => 2,
            Await::Reply if buf.len() < 5 => 5,
            Await::Reply => {
                let addr = match buf[3] {
                    1 => 4,
                    4 => 16,
                    3 => 1 + buf[4] as usize,
                    other => {
                        return Err(ProxyError::malformed(format!(
                            "malformed SOCKS5 reply: address type {other}"
                        )));
                    }
                };
                4 + addr + 2
            }
        };
        Ok(total.saturating_sub(buf.len()))
    }

    fn answer(&mut self, buf: &[u8], out: &mut Vec<u8>) -> Result<bool, ProxyError> {
        match self.awaiting {
            Await::Method => match (buf[1], &self.auth) {
                (NO_AUTH, _) => {
                    out.extend(&self.request);
                    self.awaiting = Await::Reply;
                    Ok(false)
                }
                (USER_PASS, Some(a)) => {
                    out.extend(a);
                    self.awaiting = Await::Auth;
                    Ok(false)
                }
                (NO_ACCEPTABLE, None) => Err(ProxyError::new(
                    Failure::Denied,
                    "SOCKS5 proxy accepts none of the offered methods (does it need --proxy-auth?)",
                )),
                (NO_ACCEPTABLE, Some(_)) => Err(ProxyError::new(
                    Failure::Denied,
                    "SOCKS5 proxy accepts none of the offered methods (no authentication, user/password)",
                )),
                (m, _) => Err(ProxyError::malformed(format!(
                    "SOCKS5 proxy chose method {m}, which was not offered"
                ))),
            },
            Await::Auth => {
                if buf[1] != 0 {
                    return Err(ProxyError::new(
                        Failure::Denied,
                        format!(
                            "SOCKS5 proxy refused the user name and password (status {})",
                            buf[1]
                        ),
                    ));
                }
                out.extend(&self.request);
                self.awaiting = Await::Reply;
                Ok(false)
            }
            Await::Reply => match buf[1] {
                0 => Ok(true),
                code => {
                    let (failure, text) = reply_text(code);
                    Err(ProxyError::new(
                        failure,
                        format!("{text} (SOCKS5 reply {code})"),
                    ))
                }
            },
        }
    }
}

/// RFC 1928's text for a reply code, and how it ends the command.
fn reply_text(code: u8) -> (Failure, String) {
    let (failure, text) = match code {
        1 => (Failure::Failed, "general SOCKS server failure"),
        2 => (Failure::Denied, "connection not allowed by ruleset"),
        3 => (Failure::Failed, "network unreachable"),
        4 => (Failure::Failed, "host unreachable"),
        5 => (Failure::Failed, "connection refused"),
        6 => (Failure::TimedOut, "TTL expired"),
        7 => (Failure::Failed, "command not supported"),
        8 => (Failure::Failed, "address type not supported"),
        _ => (Failure::Failed, "unassigned SOCKS5 reply"),
    };
    (failure, text.to_string())
}
