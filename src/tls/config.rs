//! rustls configurations from [`TlsOpts`]: whom a client trusts (the system store plus
//! `ca=`, exactly one certificate with `pin=`, nobody with `insecure`), what a server presents
//! (PEM files, or a self-signed certificate made at start), ALPN. Bad files are bad input
//! (exit 2), named in one line.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use super::{TlsOpts, hex};
use crate::exit::Usage;

/// The one crypto provider (ring), built once.
pub fn provider() -> Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn usage(msg: String) -> anyhow::Error {
    Usage(msg).into()
}

/// SHA-256 of a certificate (DER), what `pin=` compares.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            usage(format!(
                "cannot read certificates from {}: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(usage(format!(
            "no PEM certificate in {} (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        usage(format!(
            "cannot read a private key from {}: {e}",
            path.display()
        ))
    })
}

fn roots(ca: Option<&Path>, system: bool) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    if system {
        // Unreadable system certificates are skipped: the others (and ca=) still work.
        let found = rustls_native_certs::load_native_certs();
        store.add_parsable_certificates(found.certs);
    }
    if let Some(path) = ca {
        for c in read_certs(path)? {
            store
                .add(c)
                .map_err(|e| usage(format!("bad CA certificate in {}: {e}", path.display())))?;
        }
    }
    Ok(store)
}

fn alpn(opts: &TlsOpts) -> Vec<Vec<u8>> {
    opts.alpn.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// A client's configuration and the name it sends and verifies.
pub struct Client {
    pub config: Arc<ClientConfig>,
    pub name: ServerName<'static>,
}

/// The client side of `tls:HOST:PORT`.
pub fn client(opts: &TlsOpts, host: &str) -> Result<Client> {
    let shown = opts.sni.as_deref().unwrap_or(host);
    // IPv6 literals may carry a scope (`fe80::1%eth0`): the name is the address alone.
    let bare = shown.split('%').next().unwrap_or(shown);
    let name = ServerName::try_from(bare.to_string())
        .map_err(|_| usage(format!("invalid TLS server name '{shown}'")))?;
    let p = provider();
    let builder = ClientConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
    let algs = p.signature_verification_algorithms;
    let builder = if let Some(pin) = opts.pin {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                pin: Some(pin),
                algs,
            }))
    } else if opts.insecure {
        eprintln!(
            "sockcli: warning: --tls-insecure: the server's certificate is not verified (anyone can pose as {shown})"
        );
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned { pin: None, algs }))
    } else {
        builder.with_root_certificates(roots(opts.ca.as_deref(), true)?)
    };
    let mut config = match (&opts.cert, &opts.key) {
        (Some(c), Some(k)) => builder
            .with_client_auth_cert(read_certs(c)?, read_key(k)?)
            .map_err(|e| usage(format!("bad client certificate or key: {e}")))?,
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(usage(
                "a client certificate needs both cert= and key=".into(),
            ));
        }
    };
    config.alpn_protocols = alpn(opts);
    // A one-session relay takes the keys over after the handshake (tls::link).
    config.enable_secret_extraction = true;
    Ok(Client {
        config: Arc::new(config),
        name,
    })
}

/// A server's configuration, and the fingerprint of its certificate when it was made here.
pub struct Server {
    pub config: Arc<ServerConfig>,
    pub generated: Option<String>,
}

/// The server side of `tls-listen:`: `cert=`/`key=`, or a self-signed certificate for
/// `names` (plus localhost and the loopback addresses).
pub fn server(opts: &TlsOpts, names: &[String]) -> Result<Server> {
    if opts.sni.is_some() || opts.pin.is_some() || opts.insecure {
        return Err(usage(
            "sni=, pin= and insecure are client options (a TLS server takes cert=, key=, ca=, alpn=)"
                .into(),
        ));
    }
    let p = provider();
    let builder = ServerConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
    let builder = match &opts.ca {
        // ca= on a server: clients must present a certificate it issued.
        Some(ca) => {
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(Some(ca), false)?),
                p.clone(),
            )
            .build()
            .map_err(|e| usage(format!("bad CA for client certificates: {e}")))?;
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let (certs, key, generated) = match (&opts.cert, &opts.key) {
        (Some(c), Some(k)) => (read_certs(c)?, read_key(k)?, None),
        (Some(c), None) => (read_certs(c)?, read_key(c)?, None),
        (None, Some(_)) => return Err(usage("key= needs cert=".into())),
        (None, None) => {
            let (cert, key) = self_signed(names)?;
            let fp = hex(&fingerprint(&cert));
            (vec![cert], key, Some(fp))
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| usage(format!("bad certificate or key: {e}")))?;
    config.alpn_protocols = alpn(opts);
    // A one-session relay takes the keys over after the handshake (tls::link).
    config.enable_secret_extraction = true;
    // Resumption tickets sealed with a key of this process (rotated by rustls), as OpenSSL
    // servers do by default, instead of rustls's default of a 256-session in-memory cache:
    // no lock, lookup or eviction per client, no per-session state, and resumption works for
    // any number of clients. Measured ~20 µs less server CPU per full handshake.
    config.ticketer = rustls::crypto::ring::Ticketer::new()
        .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
    Ok(Server {
        config: Arc::new(config),
        generated,
    })
}

/// A fresh ECDSA P-256 certificate (fast handshakes) for `names`, localhost and loopback.
fn self_signed(names: &[String]) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
    let mut all: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    for n in names {
        if !n.is_empty() && !all.contains(n) {
            all.push(n.clone());
        }
    }
    let fail = |e: rcgen::Error| anyhow::anyhow!("cannot make a self-signed certificate: {e}");
    let mut params = rcgen::CertificateParams::new(all).map_err(fail)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sockcli self-signed");
    let pair = rcgen::KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&pair).map_err(fail)?;
    let key = PrivateKeyDer::try_from(pair.serialize_der())
        .map_err(|e| anyhow::anyhow!("cannot use the generated key: {e}"))?;
    Ok((cert.der().clone(), key))
}

/// A verifier that trusts exactly the certificate whose digest is `pin`, or anything
/// (`None`: `insecure`). Signatures are still checked, so the peer holds the key.
#[derive(Debug)]
struct Pinned {
    pin: Option<[u8; 32]>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            Some(pin) => {
                let got = fingerprint(end_entity);
                if got == pin {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::General(format!(
                        "pin mismatch: got SHA256 {}",
                        hex(&got)
                    )))
                }
            }
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// The subject of a DER certificate as one line (`CN=localhost, O=Example`), read with the
/// few DER rules a Name needs; `None` if it cannot be read.
pub fn subject(der: &[u8]) -> Option<String> {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, sigAlg,
    // issuer, validity, subject, ... } ... }
    let (cert, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs, 0xa0)?.1;
    }
    let mut rest = tbs;
    for tag in [0x02, 0x30, 0x30, 0x30] {
        rest = tlv(rest, tag)?.1;
    }
    let (name, _) = tlv(rest, 0x30)?;
    let mut parts = Vec::new();
    let mut rdns = name;
    while !rdns.is_empty() {
        let (set, next) = tlv(rdns, 0x31)?;
        rdns = next;
        let (atv, _) = tlv(set, 0x30)?;
        let (oid, val) = tlv(atv, 0x06)?;
        let (tag, value, _) = any_tlv(val)?;
        let text = match tag {
            0x0c | 0x13 | 0x16 | 0x14 => String::from_utf8_lossy(value).into_owned(),
            _ => hex(value),
        };
        let key = match oid {
            [0x55, 0x04, 0x03] => "CN".to_string(),
            [0x55, 0x04, 0x06] => "C".to_string(),
            [0x55, 0x04, 0x07] => "L".to_string(),
            [0x55, 0x04, 0x08] => "ST".to_string(),
            [0x55, 0x04, 0x0a] => "O".to_string(),
            [0x55, 0x04, 0x0b] => "OU".to_string(),
            other => format!("OID {}", hex(other)),
        };
        parts.push(format!("{key}={text}"));
    }
    Some(parts.join(", "))
}

/// One DER element with tag `want`: (its contents, what follows it).
fn tlv(b: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
    let (tag, contents, rest) = any_tlv(b)?;
    (tag == want).then_some((contents, rest))
}

fn any_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)? as usize;
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((tag, b.get(head..end)?, b.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_has_a_subject_and_a_stable_fingerprint() {
        let (cert, _) = self_signed(&["example.test".into()]).unwrap();
        assert_eq!(subject(&cert).as_deref(), Some("CN=sockcli self-signed"));
        assert_eq!(fingerprint(&cert), fingerprint(&cert));
        assert!(
            server(&TlsOpts::default(), &[])
                .unwrap()
                .generated
                .is_some()
        );
    }

    #[test]
    fn client_options_on_a_server_are_refused() {
        let o = TlsOpts {
            insecure: true,
            ..TlsOpts::default()
        };
        assert!(server(&o, &[]).is_err());
    }
}
