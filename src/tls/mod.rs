//! TLS as an endpoint layer (`tls:`, `tls-listen:`, `--tls`), with rustls (ring provider).
//!
//! Shape: a [`pump::Pump`] sits between the TCP socket and one end of a socketpair; the
//! session (or the `listen -k` server, or an `--exec` child) sees the other end as an ordinary
//! socket carrying plaintext. Pumps are driven by the loop that owns the client ([`hub::Hub`]
//! on its reactor), so a handshake never blocks anyone else. One mechanism serves `connect`,
//! `listen` (every mode, `--exec` included: a child needs a plain fd anyway) and `pair`, at
//! the price of one extra copy through the socketpair.
//!
//! - [`config`]: trust (system store, `ca=`, `pin=`, `insecure`), certificates (PEM files or
//!   a fresh self-signed one), ALPN, SNI → rustls configs.
//! - [`pump`]: one connection's TLS state machine over non-blocking fds.
//! - [`hub`]: the pumps of one loop, on its reactor.

pub mod config;
pub mod hub;
pub mod link;
pub mod pump;
pub mod record;

use std::fmt;
use std::path::PathBuf;

/// TLS options of an endpoint (`ca=`, `sni=`, ...) or of the `--tls-*` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOpts {
    /// `ca=FILE`: PEM bundle trusted besides the system store (client); on a server, client
    /// certificates are required and verified against it.
    pub ca: Option<PathBuf>,
    /// `sni=NAME`: the name sent and verified instead of HOST.
    pub sni: Option<String>,
    /// `alpn=h2;http/1.1`: protocols offered (client) or accepted (server), in order.
    pub alpn: Vec<String>,
    /// `insecure`: no verification at all (a warning on stderr).
    pub insecure: bool,
    /// `cert=FILE`, `key=FILE`: our certificate chain and key (PEM).
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// `pin=SHA256HEX`: trust exactly the peer certificate with this SHA-256 digest.
    pub pin: Option<[u8; 32]>,
}

impl TlsOpts {
    /// These options with `base` (the flags) under them: a value given here wins.
    pub fn over(&self, base: &TlsOpts) -> TlsOpts {
        TlsOpts {
            ca: self.ca.clone().or_else(|| base.ca.clone()),
            sni: self.sni.clone().or_else(|| base.sni.clone()),
            alpn: if self.alpn.is_empty() {
                base.alpn.clone()
            } else {
                self.alpn.clone()
            },
            insecure: self.insecure || base.insecure,
            cert: self.cert.clone().or_else(|| base.cert.clone()),
            key: self.key.clone().or_else(|| base.key.clone()),
            pin: self.pin.or(base.pin),
        }
    }
}

/// A SHA-256 pin: 64 hex digits, colons allowed (`AB:CD:...` as openssl prints it).
pub fn parse_pin(s: &str) -> Result<[u8; 32], String> {
    let hex: String = s.chars().filter(|&c| c != ':').collect();
    let bad = || format!("invalid pin '{s}' (expected a SHA-256 digest: 64 hex digits)");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// ALPN protocol names separated by `sep`; empty names are refused.
pub fn parse_alpn(s: &str, sep: &[char]) -> Result<Vec<String>, String> {
    let list: Vec<String> = s.split(sep).map(str::to_string).collect();
    if list.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(format!(
            "invalid ALPN list '{s}' (expected names like h2{}http/1.1)",
            sep[0]
        ));
    }
    Ok(list)
}

/// Lower-case hex, as `pin=` takes it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The handshake or the verification failed, or the peer sent an alert: exit 6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    pub peer: String,
    /// In plain words: `certificate expired`, `unknown issuer`, `peer sent alert: ...`.
    pub reason: String,
    /// Whether the handshake had finished (the wording differs).
    pub established: bool,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.established {
            write!(f, "TLS error with {}: {}", self.peer, self.reason)
        } else {
            write!(
                f,
                "TLS handshake with {} failed: {}",
                self.peer, self.reason
            )
        }
    }
}

impl std::error::Error for TlsError {}

/// rustls's error in plain words.
pub fn reason(e: &rustls::Error) -> String {
    use rustls::{CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => "certificate expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "certificate not valid yet".into(),
            C::UnknownIssuer => "unknown issuer".into(),
            C::NotValidForName => "certificate is not valid for the name asked".into(),
            C::NotValidForNameContext { expected, .. } => {
                format!("certificate is not valid for {}", server_name(expected))
            }
            C::Revoked => "certificate revoked".into(),
            C::BadSignature => "bad certificate signature".into(),
            C::Other(o) => o.to_string(),
            other => format!("invalid certificate ({other:?})"),
        },
        E::AlertReceived(a) => format!("peer sent alert: {}", alert_words(a)),
        E::NoApplicationProtocol => "no ALPN protocol in common".into(),
        E::General(s) => s.clone(),
        E::PeerIncompatible(p) => format!("peer incompatible: {p:?}"),
        other => other.to_string(),
    }
}

fn server_name(n: &rustls::pki_types::ServerName<'_>) -> String {
    match n {
        rustls::pki_types::ServerName::DnsName(d) => d.as_ref().to_string(),
        rustls::pki_types::ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// `BadCertificate` → `bad certificate`.
pub(crate) fn alert_words(a: &rustls::AlertDescription) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in format!("{a:?}").chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        out.extend(c.to_lowercase());
    }
    out
}

/// What `-v` says once a handshake is done (and `--json` has as fields).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub version: String,
    pub cipher: String,
    pub alpn: Option<String>,
    pub peer_subject: Option<String>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}, ALPN {}, peer certificate {}",
            self.version,
            self.cipher,
            self.alpn.as_deref().unwrap_or("none"),
            self.peer_subject.as_deref().unwrap_or("none"),
        )
    }
}

/// What was negotiated, once a handshake is done (the `-v` line, the JSON fields).
pub fn summary_of(c: &rustls::CommonState) -> Summary {
    let version = match c.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        Some(v) => format!("{v:?}"),
        None => "TLS".to_string(),
    };
    let cipher = c
        .negotiated_cipher_suite()
        .map(|s| {
            let name = format!("{:?}", s.suite());
            name.strip_prefix("TLS_")
                .map_or(name.clone(), |n| format!("TLS_{n}"))
        })
        .unwrap_or_default();
    Summary {
        version,
        cipher,
        alpn: c
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        peer_subject: c
            .peer_certificates()
            .and_then(|certs| certs.first())
            .map(|c| config::subject(c).unwrap_or_else(|| "(unreadable subject)".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_take_hex_with_or_without_colons() {
        let hexs = "00".repeat(31) + "ff";
        assert_eq!(parse_pin(&hexs).unwrap()[31], 0xff);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_pin(&colons).unwrap(), [0xab; 32]);
        assert!(parse_pin("abc").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn alpn_lists_split_and_refuse_empty_names() {
        assert_eq!(
            parse_alpn("h2;http/1.1", &[';']).unwrap(),
            ["h2", "http/1.1"]
        );
        assert!(parse_alpn("h2;;x", &[';']).is_err());
    }

    #[test]
    fn reasons_are_plain_words() {
        use rustls::{AlertDescription, CertificateError, Error};
        assert_eq!(
            reason(&Error::InvalidCertificate(CertificateError::Expired)),
            "certificate expired"
        );
        assert_eq!(
            reason(&Error::AlertReceived(AlertDescription::BadCertificate)),
            "peer sent alert: bad certificate"
        );
    }
}
