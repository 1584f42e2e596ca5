//! Exit codes (SPEC §1) and how an error chain becomes one line on stderr.

use std::io;

use crate::event::{Interrupted, Timeout};
use crate::sock::addr::ResolveError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Resolve = 3,
    Timeout = 4,
    Permission = 5,
    /// A TLS handshake or verification failed, or the peer sent an alert.
    Tls = 6,
    Interrupted = 130,
    Terminated = 143,
}

impl From<Code> for std::process::ExitCode {
    fn from(c: Code) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// Bad input found after parsing (a malformed address, a port out of range): exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Map an error chain to its exit code: the first typed cause decides.
pub fn classify(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if cause.is::<Usage>() {
            return Code::Usage;
        }
        if cause.is::<ResolveError>() {
            return Code::Resolve;
        }
        if cause.is::<Timeout>() {
            return Code::Timeout;
        }
        if cause.is::<crate::tls::TlsError>() {
            return Code::Tls;
        }
        if let Some(p) = cause.downcast_ref::<crate::proxy::ProxyError>() {
            use crate::proxy::Failure;
            return match p.failure {
                Failure::Denied => Code::Permission,
                Failure::TimedOut => Code::Timeout,
                Failure::Failed | Failure::Malformed => Code::Failure,
            };
        }
        if let Some(i) = cause.downcast_ref::<Interrupted>() {
            return if i.signal == libc::SIGTERM {
                Code::Terminated
            } else {
                Code::Interrupted
            };
        }
        if let Some(e) = cause.downcast_ref::<io::Error>() {
            return match e.kind() {
                io::ErrorKind::PermissionDenied => Code::Permission,
                io::ErrorKind::TimedOut => Code::Timeout,
                _ => Code::Failure,
            };
        }
    }
    Code::Failure
}

/// One line: every cause joined by ": ", OS errors in lower case without "(os error N)".
pub fn render(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = match cause.downcast_ref::<io::Error>() {
            Some(e) => describe_io(e),
            None => cause.to_string(),
        };
        if parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}

/// An OS error as `strerror` says it, lower-cased like netcat's messages.
pub fn describe_io(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match (e.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(i)) => text[..i].to_string(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(|c| c.is_lowercase()) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn io_errors_read_like_netcat() {
        let e = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(describe_io(&e), "connection refused");
        let err = Err::<(), _>(e)
            .context("connect to 127.0.0.1:9 failed")
            .unwrap_err();
        assert_eq!(
            render(&err),
            "connect to 127.0.0.1:9 failed: connection refused"
        );
        assert_eq!(classify(&err), Code::Failure);
    }

    #[test]
    fn typed_causes_pick_the_code() {
        let perm = anyhow::Error::from(io::Error::from_raw_os_error(libc::EACCES)).context("bind");
        assert_eq!(classify(&perm), Code::Permission);
        let t = anyhow::Error::from(Timeout {
            what: "idle timeout (-i)".into(),
        });
        assert_eq!(classify(&t), Code::Timeout);
        assert_eq!(render(&t), "idle timeout (-i) expired");
        let r = anyhow::Error::from(ResolveError {
            what: "'x'".into(),
            reason: "Name or service not known".into(),
        });
        assert_eq!(classify(&r), Code::Resolve);
        let term = anyhow::Error::from(Interrupted {
            signal: libc::SIGTERM,
        });
        assert_eq!(classify(&term), Code::Terminated);
        assert_eq!(
            classify(&anyhow::Error::from(Usage("bad".into()))),
            Code::Usage
        );
    }
}
