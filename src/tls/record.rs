//! The TLS record layer, in place, with the keys rustls hands over once its handshake is done
//! (its "kernel connection" API, made for kTLS): a one-session relay seals and opens records
//! in its own buffers, so plaintext is read straight into the record that carries it and
//! decrypted where it arrived. No copy through rustls's buffers, one syscall for many records.
//!
//! - TLS 1.3 (RFC 8446 §5.2): outer type 23, AAD = the 5-byte header, nonce = IV ⊕ sequence,
//!   the inner content type after the payload, zero padding stripped on opening.
//! - TLS 1.2 AEAD (RFC 5288 for AES-GCM: an 8-byte explicit nonce after the header; RFC 7905
//!   for ChaCha20-Poly1305: nonce = IV ⊕ sequence): AAD = sequence ‖ type ‖ version ‖ length.
//!
//! A [`Cipher`] is one direction's key and sequence number; every record sealed or opened
//! advances the sequence, so no nonce is ever used twice under one key.

use std::ops::Range;

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use rustls::{ConnectionTrafficSecrets, ProtocolVersion};

/// Record header: type, legacy version, length.
pub const HEADER: usize = 5;
const TAG: usize = 16;
/// Largest plaintext per record (2^14).
pub const MAX_PLAIN: usize = 16 * 1024;
/// Largest record body a peer may send (2^14 + 256, RFC 8446 §5.2).
const MAX_BODY: usize = MAX_PLAIN + 256;
/// Largest whole record.
pub const MAX_RECORD: usize = HEADER + MAX_BODY;

/// Content types.
pub const ALERT: u8 = 21;
pub const HANDSHAKE: u8 = 22;
pub const APP_DATA: u8 = 23;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Tls13,
    /// TLS 1.2 AES-GCM: 8 bytes of explicit nonce open the body.
    Tls12Explicit,
    /// TLS 1.2 ChaCha20-Poly1305.
    Tls12,
}

/// A record that could not be opened or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad(pub &'static str);

/// One direction's AEAD key, IV and sequence number.
pub struct Cipher {
    key: LessSafeKey,
    iv: [u8; 12],
    seq: u64,
    layout: Layout,
}

impl Cipher {
    /// The cipher of one direction from what rustls extracted: `seq` is the next record's
    /// sequence number (records already sent or read during the handshake count).
    pub fn new(
        version: ProtocolVersion,
        seq: u64,
        secrets: ConnectionTrafficSecrets,
    ) -> Result<Cipher, Bad> {
        let (alg, key, iv, gcm) = match &secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv } => (&aead::AES_128_GCM, key, iv, true),
            ConnectionTrafficSecrets::Aes256Gcm { key, iv } => (&aead::AES_256_GCM, key, iv, true),
            ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                (&aead::CHACHA20_POLY1305, key, iv, false)
            }
            _ => return Err(Bad("cipher suite not supported by the record layer")),
        };
        let layout = match version {
            ProtocolVersion::TLSv1_3 => Layout::Tls13,
            ProtocolVersion::TLSv1_2 if gcm => Layout::Tls12Explicit,
            ProtocolVersion::TLSv1_2 => Layout::Tls12,
            _ => return Err(Bad("protocol version not supported by the record layer")),
        };
        let key = UnboundKey::new(alg, key.as_ref()).map_err(|_| Bad("bad key length"))?;
        let iv: [u8; 12] = iv.as_ref().try_into().map_err(|_| Bad("bad IV length"))?;
        Ok(Cipher {
            key: LessSafeKey::new(key),
            iv,
            seq,
            layout,
        })
    }

    /// Records sealed or opened under this key so far (including the handshake's).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Bytes of a record before its payload.
    pub fn head(&self) -> usize {
        match self.layout {
            Layout::Tls12Explicit => HEADER + 8,
            _ => HEADER,
        }
    }

    /// Bytes of a record after its payload (TLS 1.3's inner type, the tag).
    pub fn tail(&self) -> usize {
        match self.layout {
            Layout::Tls13 => 1 + TAG,
            _ => TAG,
        }
    }

    /// The room one full record takes.
    pub fn slot(&self) -> usize {
        self.head() + MAX_PLAIN + self.tail()
    }

    fn nonce(&self) -> [u8; 12] {
        let mut n = self.iv;
        for (b, s) in n[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    /// TLS 1.2's additional data: sequence, type, version, plaintext length.
    fn aad12(&self, typ: u8, len: usize) -> [u8; 13] {
        let mut a = [0u8; 13];
        a[..8].copy_from_slice(&self.seq.to_be_bytes());
        a[8] = typ;
        a[9..11].copy_from_slice(&[3, 3]);
        a[11..].copy_from_slice(&(len as u16).to_be_bytes());
        a
    }

    /// Seal a record in place: `rec[head()..head() + len]` holds the payload (at most
    /// [`MAX_PLAIN`]) and `rec` has [`Cipher::tail`] bytes of room after it. Returns the
    /// record's length (it starts at `rec[0]`).
    pub fn seal(&mut self, rec: &mut [u8], len: usize, typ: u8) -> Result<usize, Bad> {
        let (head, tail) = (self.head(), self.tail());
        if len > MAX_PLAIN || rec.len() < head + len + tail {
            return Err(Bad("record too long"));
        }
        if self.seq == u64::MAX {
            return Err(Bad("sequence numbers exhausted"));
        }
        let nonce = self.nonce();
        let body = head - HEADER + len + tail;
        let outer = if self.layout == Layout::Tls13 {
            APP_DATA
        } else {
            typ
        };
        rec[..HEADER].copy_from_slice(&[outer, 3, 3, (body >> 8) as u8, body as u8]);
        let sealed = match self.layout {
            Layout::Tls13 => {
                rec[head + len] = typ;
                let (hdr, rest) = rec.split_at_mut(HEADER);
                let aad = Aad::from(&hdr[..]);
                self.seal_part(nonce, aad, &mut rest[..len + 1])
            }
            Layout::Tls12Explicit | Layout::Tls12 => {
                if self.layout == Layout::Tls12Explicit {
                    rec[HEADER..head].copy_from_slice(&nonce[4..]);
                }
                let aad = self.aad12(typ, len);
                self.seal_part(nonce, Aad::from(aad), &mut rec[head..head + len])
            }
        };
        let tag = sealed?;
        let end = HEADER + body;
        rec[end - TAG..end].copy_from_slice(tag.as_ref());
        self.seq += 1;
        Ok(end)
    }

    fn seal_part<A: AsRef<[u8]>>(
        &self,
        nonce: [u8; 12],
        aad: Aad<A>,
        data: &mut [u8],
    ) -> Result<aead::Tag, Bad> {
        self.key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), aad, data)
            .map_err(|_| Bad("encryption failed"))
    }

    /// Open the whole record `rec` (its length from [`record_len`]) in place: its content
    /// type and where its plaintext now is, within `rec`.
    pub fn open(&mut self, rec: &mut [u8]) -> Result<(u8, Range<usize>), Bad> {
        let bad_mac = Bad("bad record MAC (decryption failed)");
        let (head, tail) = (self.head(), self.tail());
        if rec.len() < head + tail {
            return Err(Bad("record too short"));
        }
        let outer = rec[0];
        let (typ, range) = match self.layout {
            Layout::Tls13 => {
                if outer != APP_DATA {
                    return Err(Bad("unexpected record type after the handshake"));
                }
                let nonce = Nonce::assume_unique_for_key(self.nonce());
                let (hdr, body) = rec.split_at_mut(HEADER);
                let plain = self
                    .key
                    .open_in_place(nonce, Aad::from(&hdr[..]), body)
                    .map_err(|_| bad_mac.clone())?;
                // The inner type is the last non-zero byte; zeros after it are padding.
                let Some(end) = plain.iter().rposition(|&b| b != 0) else {
                    return Err(Bad("record without a content type"));
                };
                (plain[end], HEADER..HEADER + end)
            }
            Layout::Tls12Explicit | Layout::Tls12 => {
                let mut nonce = self.nonce();
                if self.layout == Layout::Tls12Explicit {
                    nonce[4..].copy_from_slice(&rec[HEADER..head]);
                }
                let len = rec.len() - head - TAG;
                let aad = self.aad12(outer, len);
                self.key
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        &mut rec[head..],
                    )
                    .map_err(|_| bad_mac.clone())?;
                (outer, head..head + len)
            }
        };
        self.seq += 1;
        Ok((typ, range))
    }
}

/// The length of the record at the front of `buf` once its header has arrived (`None`: not
/// yet); a header announcing more than a peer may send is refused.
pub fn record_len(buf: &[u8]) -> Result<Option<usize>, Bad> {
    if buf.len() < HEADER {
        return Ok(None);
    }
    let body = u16::from_be_bytes([buf[3], buf[4]]) as usize;
    if body > MAX_BODY {
        return Err(Bad("record overflow"));
    }
    Ok(Some(HEADER + body))
}
