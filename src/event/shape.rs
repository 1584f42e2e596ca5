//! What the data flags ask of each direction: the opt-in user-space path of a [`Flow`] (a
//! [`Shaper`]) for a direction whose bytes are changed (`--frame`, `--crlf`) or watched
//! (`--hexdump`, `--pcap`). Everything else keeps the zero-copy mechanisms of [`Flow::new`];
//! only a direction that needs it pays for the copy.

use std::sync::Arc;

use super::can_codec::{CanCodec, CanDir};
use super::flow::{Flow, MAX_DATAGRAM};
use super::frame::{DEFAULT_MAX_FRAME, Decoder, Encoder, Framing, Outbox};
use super::hexdump::{Dir, HexSink, Tap};
use super::pcap_tap::{PcapSink, PcapTap};
use super::session::End;
pub use super::shaper::frame_error;
use super::shaper::{Codec, Shaper};
use super::stdio::Kind;

/// What the data flags ask of a stdio session.
#[derive(Debug, Clone)]
pub struct Shape {
    pub framing: Framing,
    /// `--crlf`: a bare `\n` from stdin goes out as `\r\n` (raw and line framing).
    pub crlf: bool,
    pub max_frame: usize,
    pub hexdump: Option<Arc<HexSink>>,
    /// `--pcap FILE`: both directions as a synthesized capture.
    pub pcap: Option<Arc<PcapSink>>,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            framing: Framing::Raw,
            crlf: false,
            max_frame: DEFAULT_MAX_FRAME,
            hexdump: None,
            pcap: None,
        }
    }
}

impl Shape {
    /// Something watches the bytes (`--hexdump`, `--pcap`): both directions take the
    /// shaping path.
    pub fn watched(&self) -> bool {
        self.hexdump.is_some() || self.pcap.is_some()
    }

    /// stdin → socket: the shaping path when stdin's bytes are changed or watched.
    pub fn up_flow(&self, src: Kind, dgram: bool) -> Flow {
        let changes = self.crlf || self.framing != Framing::Raw;
        if !changes && !self.watched() {
            return Flow::new(src, Kind::Socket, false, dgram);
        }
        let max_datagram = dgram.then_some(MAX_DATAGRAM);
        let shaper = Shaper {
            codec: Codec::Encode(Encoder::new(
                self.framing,
                self.crlf,
                self.max_frame,
                max_datagram,
            )),
            tap: self.hexdump.clone().map(|s| Tap::new(s, Dir::Sent)),
            pcap: self.pcap.clone().map(|s| PcapTap::new(s, Dir::Sent)),
            out: Outbox::new(dgram),
            failed: None,
            // --crlf may double a raw read; it must still fit one datagram.
            read_limit: if dgram && self.crlf && self.framing == Framing::Raw {
                MAX_DATAGRAM / 2
            } else if dgram && self.framing == Framing::Raw {
                MAX_DATAGRAM
            } else {
                usize::MAX
            },
            src_dgram: false,
        };
        Flow::shaped(src, Kind::Socket, false, dgram, shaper)
    }

    /// socket → stdout: the shaping path when received bytes are decoded or watched. Lines
    /// from a stream pass through untouched, so `--frame line` alone keeps the fast path.
    pub fn down_flow(&self, dst: Kind, dgram: bool) -> Flow {
        let decodes = match self.framing {
            Framing::Raw => false,
            Framing::Line => dgram,
            Framing::Len(_) => true,
        };
        if !decodes && !self.watched() {
            return Flow::new(Kind::Socket, dst, dgram, false);
        }
        let shaper = Shaper {
            codec: Codec::Decode(Decoder::new(self.framing, self.max_frame)),
            tap: self.hexdump.clone().map(|s| Tap::new(s, Dir::Received)),
            pcap: self.pcap.clone().map(|s| PcapTap::new(s, Dir::Received)),
            out: Outbox::new(false),
            failed: None,
            read_limit: usize::MAX,
            src_dgram: dgram,
        };
        Flow::shaped(Kind::Socket, dst, dgram, false, shaper)
    }
}

impl Shape {
    /// A `pair` direction between any two ends: bytes pass unchanged; with `-x` they are
    /// dumped as they are read (`dir` marks the direction), otherwise the flow keeps the
    /// zero-copy mechanisms of [`Flow::new`].
    /// The flow from `src` to `dst` of a `pair` (one-shot or `-k`), `None` when one of them
    /// lacks that direction. A CAN end puts a CAN codec in the way (see `can_codec`).
    pub fn flow_between(&self, src: &End<'_>, dst: &End<'_>, dir: Dir) -> Option<Flow> {
        let (sk, dk) = (src.rd_kind()?, dst.wr_kind()?);
        // A TLS end with its keys here (one session, nothing watched: see tls::link).
        match (src.tls, dst.tls) {
            (Some(link), None) => return Some(Flow::tls_in(link.clone(), dk)),
            (None, Some(link)) => return Some(Flow::tls_out(link.clone(), sk)),
            _ => {}
        }
        let can_dir = match (src.can, dst.can) {
            (None, None) => None,
            (Some(_), None) if dst.dgram => Some(CanDir::ToDatagrams),
            (Some(_), None) => Some(CanDir::ToStream),
            (_, Some(_)) if src.dgram => Some(CanDir::FromDatagrams),
            (_, Some(_)) => Some(CanDir::FromStream),
        };
        let Some(can_dir) = can_dir else {
            return Some(self.tap_flow(sk, dk, src.dgram, dst.dgram, dir));
        };
        let shaper = Shaper {
            codec: Codec::Can(CanCodec::new(can_dir, dst.can.is_some_and(|c| c.fd))),
            tap: self.hexdump.clone().map(|s| Tap::new(s, dir)),
            pcap: None,
            out: Outbox::new(dst.dgram),
            failed: None,
            read_limit: usize::MAX,
            src_dgram: src.dgram,
        };
        Some(Flow::shaped(sk, dk, src.dgram, dst.dgram, shaper))
    }

    pub fn tap_flow(
        &self,
        src: Kind,
        dst: Kind,
        src_dgram: bool,
        dst_dgram: bool,
        dir: Dir,
    ) -> Flow {
        if !self.watched() {
            return Flow::new(src, dst, src_dgram, dst_dgram);
        }
        let shaper = Shaper {
            codec: Codec::Decode(Decoder::new(Framing::Raw, self.max_frame)),
            tap: self.hexdump.clone().map(|s| Tap::new(s, dir)),
            pcap: self.pcap.clone().map(|s| PcapTap::new(s, dir)),
            out: Outbox::new(dst_dgram),
            failed: None,
            read_limit: if dst_dgram { MAX_DATAGRAM } else { usize::MAX },
            src_dgram,
        };
        Flow::shaped(src, dst, src_dgram, dst_dgram, shaper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::flow::Wait;
    use crate::event::frame::Prefix;
    use crate::event::reactor::{Interest, wait_one};
    use rustix::pipe::PipeFlags;
    use std::io::Read;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    #[test]
    fn nothing_to_change_keeps_the_zero_copy_paths() {
        let plain = Shape::default();
        assert!(!plain.up_flow(Kind::Pipe, false).is_shaped());
        assert!(!plain.down_flow(Kind::Pipe, false).is_shaped());
        let line = Shape {
            framing: Framing::Line,
            ..Shape::default()
        };
        // Received lines from a stream pass through untouched; sent ones may need a final \n.
        assert!(!line.down_flow(Kind::Pipe, false).is_shaped());
        assert!(line.down_flow(Kind::Pipe, true).is_shaped());
        assert!(line.up_flow(Kind::Pipe, false).is_shaped());
        let dump = Shape {
            hexdump: Some(HexSink::stderr()),
            ..Shape::default()
        };
        assert!(dump.down_flow(Kind::Null, false).is_shaped());
        // --pcap alone watches both directions, stream or datagram.
        let dir = tempfile::tempdir().unwrap();
        let pcap = Shape {
            pcap: Some(PcapSink::create(&dir.path().join("t.pcap")).unwrap()),
            ..Shape::default()
        };
        for dgram in [false, true] {
            assert!(pcap.up_flow(Kind::Pipe, dgram).is_shaped());
            assert!(pcap.down_flow(Kind::Pipe, dgram).is_shaped());
        }
    }

    #[test]
    fn a_full_sink_stops_reading_the_source_and_nothing_is_lost() {
        let (r, w) = rustix::pipe::pipe_with(PipeFlags::NONBLOCK).unwrap();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // A socket that takes little and a pipe that holds a lot.
        socket2::SockRef::from(&a)
            .set_send_buffer_size(4096)
            .unwrap();
        let _ = rustix::pipe::fcntl_setpipe_size(&w, 1 << 20);
        // Fill the pipe with lines until it is full.
        let mut input = Vec::new();
        let mut i = 0u32;
        loop {
            let line = format!("line {i}\n");
            match rustix::io::write(&w, line.as_bytes()) {
                Ok(n) if n == line.len() => input.extend_from_slice(line.as_bytes()),
                Ok(n) => {
                    input.extend_from_slice(&line.as_bytes()[..n]);
                    break;
                }
                Err(_) => break,
            }
            i += 1;
        }
        let shape = Shape {
            framing: Framing::Len(Prefix::LEN32),
            ..Shape::default()
        };
        let mut flow = shape.up_flow(Kind::Pipe, false);
        let mut scratch = vec![0u8; 4096];
        // Nobody reads `b`: the socket fills, the flow holds at most one read's output and
        // stops reading the pipe.
        for _ in 0..10_000 {
            flow.pump(r.as_fd(), a.as_fd(), &mut scratch).unwrap();
            if flow.interest() == Some(Wait::Dst) && rustix::io::ioctl_fionread(&r).unwrap() > 0 {
                break;
            }
        }
        assert_eq!(flow.interest(), Some(Wait::Dst));
        assert!(flow.held() <= 2 * scratch.len(), "held {}", flow.held());
        assert!(
            rustix::io::ioctl_fionread(&r).unwrap() > 0,
            "source still full"
        );

        drop(w);
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            b.read_to_end(&mut got).unwrap();
            got
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while !flow.done() {
            assert!(Instant::now() < deadline, "flow did not finish");
            flow.pump(r.as_fd(), a.as_fd(), &mut scratch).unwrap();
            match flow.interest() {
                None => break,
                Some(Wait::Src) => wait_one(r.as_fd(), Interest::READ, Some(deadline)),
                Some(Wait::Dst) => wait_one(a.as_fd(), Interest::WRITE, Some(deadline)),
            }
            .unwrap();
        }
        drop(a);
        let wire = reader.join().unwrap();
        let mut dec = Decoder::new(shape.framing, DEFAULT_MAX_FRAME);
        let mut out = Outbox::new(false);
        dec.feed(&wire, &mut out).unwrap();
        dec.finish().unwrap();
        let mut lines = Vec::new();
        while !out.is_empty() {
            let n = out.next().len();
            lines.extend_from_slice(out.next());
            out.consume(n);
        }
        // A last line cut short by the full pipe is still sent, and comes back with a \n.
        if input.last() != Some(&b'\n') {
            input.push(b'\n');
        }
        assert_eq!(lines, input);
    }
}
