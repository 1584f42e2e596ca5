//! The one crypto provider: rustls's aws-lc-rs provider (X25519 and P-256 from s2n-bignum,
//! about twice ring's speed for the key exchange), with one change: TLS 1.3's HKDF runs on
//! HMAC keys set up once per secret.
//!
//! Why: the stock aws-lc-rs HKDF calls `HKDF_expand` per label, which hashes the key's ipad
//! and opad blocks again every time; a TLS 1.3 handshake expands a dozen labels from the same
//! few secrets, and with SHA-384 (the suite OpenSSL clients ask first) those extra SHA-512
//! blocks were ~15 % of a server's handshake CPU. rustls's own [`HkdfUsingHmac`] over an HMAC
//! whose key keeps its inner and outer hash states (aws-lc's `HMAC_CTX`, copied per message)
//! computes the same bytes with half the blocks per label. Suites, groups, signature
//! algorithms and their order are the stock provider's.

use std::sync::{Arc, OnceLock};

use ::aws_lc_rs::hmac as lc;
use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs as stock;
use rustls::crypto::hmac::{Hmac, Key, Tag};
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::{SupportedCipherSuite, Tls13CipherSuite};

/// The provider, built once.
pub fn provider() -> Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| {
        let mut p = stock::default_provider();
        for s in &mut p.cipher_suites {
            *s = with_keyed_hkdf(*s);
        }
        Arc::new(p)
    })
    .clone()
}

/// A TLS 1.3 suite with its HKDF on [`KeyedHmac`]; other suites as they are. The suite lives
/// for the process (built once, by [`provider`]), as rustls's own statics do.
fn with_keyed_hkdf(s: SupportedCipherSuite) -> SupportedCipherSuite {
    let SupportedCipherSuite::Tls13(t) = s else {
        return s;
    };
    let alg = match t.common.hash_provider.algorithm() {
        rustls::crypto::hash::HashAlgorithm::SHA256 => lc::HMAC_SHA256,
        rustls::crypto::hash::HashAlgorithm::SHA384 => lc::HMAC_SHA384,
        rustls::crypto::hash::HashAlgorithm::SHA512 => lc::HMAC_SHA512,
        _ => return s,
    };
    let hmac: &'static KeyedHmac = Box::leak(Box::new(KeyedHmac(alg)));
    let hkdf: &'static HkdfUsingHmac<'static> = Box::leak(Box::new(HkdfUsingHmac(hmac)));
    SupportedCipherSuite::Tls13(Box::leak(Box::new(Tls13CipherSuite {
        common: rustls::CipherSuiteCommon { ..t.common },
        hkdf_provider: hkdf,
        aead_alg: t.aead_alg,
        quic: t.quic,
    })))
}

/// HMAC whose keys are aws-lc `HMAC_CTX`s initialised once (ipad/opad hashed).
struct KeyedHmac(lc::Algorithm);

struct KeyedKey(lc::Key);

impl Hmac for KeyedHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn Key> {
        Box::new(KeyedKey(lc::Key::new(self.0, key)))
    }

    fn hash_output_len(&self) -> usize {
        self.0.tag_len()
    }
}

impl Key for KeyedKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        let mut ctx = lc::Context::with_key(&self.0);
        ctx.update(first);
        for m in middle {
            ctx.update(m);
        }
        ctx.update(last);
        Tag::new(ctx.sign().as_ref())
    }

    fn tag_len(&self) -> usize {
        self.0.algorithm().tag_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyed HKDF gives the stock one's bytes (RFC 5869 shape: extract, then expand to
    /// one block and to a longer slice).
    #[test]
    fn keyed_hkdf_matches_the_stock_one() {
        let stock = stock::default_provider();
        let ours = provider();
        assert_eq!(stock.cipher_suites.len(), ours.cipher_suites.len());
        for (a, b) in stock.cipher_suites.iter().zip(ours.cipher_suites.iter()) {
            assert_eq!(a.suite(), b.suite());
            let (Some(a), Some(b)) = (a.tls13(), b.tls13()) else {
                continue;
            };
            let (ha, hb) = (a.hkdf_provider, b.hkdf_provider);
            let ea = ha.extract_from_secret(Some(b"salt"), b"input keying material");
            let eb = hb.extract_from_secret(Some(b"salt"), b"input keying material");
            let info: &[&[u8]] = &[b"tls13 ", b"c hs traffic", &[7; 48]];
            assert_eq!(
                ea.expand_block(info).as_ref(),
                eb.expand_block(info).as_ref()
            );
            let (mut la, mut lb) = ([0u8; 200], [0u8; 200]);
            ea.expand_slice(info, &mut la).unwrap();
            eb.expand_slice(info, &mut lb).unwrap();
            assert_eq!(la, lb);
            let za = ha.extract_from_zero_ikm(None).expand_block(&[b"x"]);
            let zb = hb.extract_from_zero_ikm(None).expand_block(&[b"x"]);
            assert_eq!(za.as_ref(), zb.as_ref());
            let key = ea.expand_block(&[b"finished"]);
            assert_eq!(
                ha.hmac_sign(&key, b"transcript").as_ref(),
                hb.hmac_sign(&key, b"transcript").as_ref()
            );
        }
    }
}
