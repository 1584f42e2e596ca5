//! The shaping stage of a [`super::flow::Flow`]: bytes read are run through a framing codec
//! and/or watched by taps (`--hexdump`, `--pcap`) on their way to the sink. [`super::shape`]
//! decides which directions need it and builds them.
//!
//! One step: write what the [`Outbox`] holds; only when it is empty read the source again
//! and run the bytes through the codec. So at most one read's worth of output (plus one
//! message being collected, bounded by `--max-frame`) is ever held: backpressure as in the
//! plain copy path. A protocol error is kept until everything decoded before it has been
//! written, then returned.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::io::Errno;

use super::can_codec::CanCodec;
use super::frame::{Decoder, Encoder, FrameError, Outbox};
use super::hexdump::Tap;
use super::pcap_tap::PcapTap;
use super::step::{FlowError, Side, fail};

#[derive(Debug)]
pub(super) enum Codec {
    /// stdin → socket; the taps see what was written.
    Encode(Encoder),
    /// socket → stdout; the taps see what was read.
    Decode(Decoder),
    /// CAN frames to or from a CAN socket (`pair can:IFACE ...`); the taps see what was read.
    Can(CanCodec),
}

/// The state of one shaping direction (held by [`Flow`]).
#[derive(Debug)]
pub struct Shaper {
    pub(super) codec: Codec,
    pub(super) tap: Option<Tap>,
    pub(super) pcap: Option<PcapTap>,
    pub(super) out: Outbox,
    pub(super) failed: Option<FrameError>,
    pub(super) read_limit: usize,
    pub(super) src_dgram: bool,
}

impl Shaper {
    /// Output not yet delivered.
    pub fn held(&self) -> usize {
        self.out.len()
    }

    /// A CAN bridge over datagrams: a peer bridge that is not (yet, or any more) running
    /// answers with ICMP port unreachable, which the socket reports once as ECONNREFUSED.
    /// That loses the datagram, not the bridge, as a bus loses frames nobody acknowledges.
    fn bridges_can(&self) -> bool {
        matches!(self.codec, Codec::Can(_))
    }

    /// Poll the sink: output is waiting, or an error waits to be reported (the sink is
    /// writable or about to be; either way the next pump returns it).
    pub fn wants_dst(&self) -> bool {
        !self.out.is_empty() || self.failed.is_some()
    }

    /// One operation (or a read plus the codec). Returns whether to go on; sets `eof` once
    /// the source ended and the codec was finished, and counts delivered bytes in `bytes`.
    pub fn step(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        scratch: &mut [u8],
        one_op: bool,
        eof: &mut bool,
        bytes: &mut u64,
    ) -> Result<bool, FlowError> {
        if !self.out.is_empty() {
            let chunk = self.out.next();
            return match rustix::io::write(dst, chunk) {
                Ok(n) => {
                    if let Codec::Encode(_) = &self.codec {
                        if let Some(tap) = self.tap.as_mut() {
                            tap.record(&chunk[..n]);
                        }
                        if let Some(pcap) = self.pcap.as_mut() {
                            pcap.record(&chunk[..n]);
                        }
                    }
                    self.out.consume(n);
                    *bytes += n as u64;
                    Ok(!one_op)
                }
                Err(Errno::AGAIN) => Ok(false),
                Err(Errno::INTR) => Ok(true),
                Err(Errno::CONNREFUSED) if self.bridges_can() => {
                    let n = chunk.len();
                    self.out.consume(n);
                    Ok(true)
                }
                Err(e) => Err(fail(Side::Write, e)),
            };
        }
        if let Some(e) = self.failed.take() {
            return Err(FlowError {
                side: Side::Read,
                err: io::Error::new(io::ErrorKind::InvalidData, e),
            });
        }
        if *eof {
            return Ok(false);
        }
        let limit = scratch.len().min(self.read_limit);
        let n = match rustix::io::read(src, &mut scratch[..limit]) {
            Ok(0) if !self.src_dgram => {
                *eof = true;
                let r = match &mut self.codec {
                    Codec::Encode(enc) => enc.finish(&mut self.out),
                    Codec::Decode(dec) => dec.finish(),
                    Codec::Can(can) => can.finish(),
                };
                if let Err(e) = r {
                    *eof = false;
                    self.failed = Some(e);
                }
                return Ok(true);
            }
            Ok(n) => n,
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => return Ok(true),
            Err(Errno::CONNREFUSED) if self.bridges_can() => return Ok(true),
            Err(e) => return Err(fail(Side::Read, e)),
        };
        let input = &scratch[..n];
        let r = match &mut self.codec {
            Codec::Encode(enc) => enc.feed(input, &mut self.out),
            Codec::Decode(dec) => {
                if let Some(tap) = self.tap.as_mut() {
                    tap.record(input);
                }
                if let Some(pcap) = self.pcap.as_mut() {
                    pcap.record(input);
                }
                if self.src_dgram {
                    dec.feed_datagram(input, &mut self.out)
                } else {
                    dec.feed(input, &mut self.out)
                }
            }
            Codec::Can(can) => {
                if let Some(tap) = self.tap.as_mut() {
                    tap.record(input);
                }
                can.feed(input, &mut self.out)
            }
        };
        if let Err(e) = r {
            self.failed = Some(e);
            return Ok(true);
        }
        if !self.out.is_empty() {
            // Write it in this pump unless the fds may block (then poll says when).
            return Ok(!one_op);
        }
        // Nothing to write yet (a partial line or message): read on while the source has more.
        Ok(!one_op && (self.src_dgram || n == limit))
    }
}

/// The framing error inside a flow error, if that is what it is.
pub fn frame_error(e: &io::Error) -> Option<&FrameError> {
    e.get_ref()?.downcast_ref::<FrameError>()
}
