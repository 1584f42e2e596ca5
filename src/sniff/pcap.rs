//! Capture files: a streaming reader for classic pcap and pcapng, and a classic pcap writer.
//!
//! Written here rather than taken from a crate: `pcap-file` is at a 3.0 release candidate
//! (2.x hands out owned or `Cow` packets and has no streaming pcapng reader that survives a
//! pipe), and `pcap-parser` 0.17 is a `nom` parser that leaves buffer refilling, truncation
//! reporting and block reassembly to the caller. What we need is small: read a header, then
//! records into one reused buffer, from any `Read` (so `-r -` works on a pipe), with malformed
//! input reported as an error that names the file offset, never a panic or a huge allocation.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

use super::link::LinkType;

/// The largest packet we accept (libpcap's maximum snapshot length), and the default snap
/// length of a capture, as in tcpdump: the one snap length constant.
pub const MAX_SNAPLEN: u32 = 262_144;
/// Largest pcapng block (a packet plus generous room for options).
const MAX_BLOCK: u32 = MAX_SNAPLEN + 65_536;

const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
const NG_SHB: u32 = 0x0A0D_0D0A;
const NG_BOM: u32 = 0x1A2B_3C4D;
const NG_IDB: u32 = 1;
/// What Wireshark's converters write as `if_name` when the original file named no interface
/// (`Unknown/not available in original file format(libpcap)`, and the same for other formats).
const NO_NAME_PLACEHOLDER: &str = "Unknown/not available in original file format";
const NG_PB: u32 = 2;
const NG_SPB: u32 = 3;
const NG_EPB: u32 = 6;

#[derive(Debug)]
pub enum PcapError {
    Io(io::Error),
    /// The file ended inside a header or record: the offset where the data stopped.
    Truncated(u64),
    /// Anything else malformed, with the offset of the header or record at fault.
    Format {
        offset: u64,
        msg: String,
    },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The io::Error is the source: the error line and the exit code come from it.
            PcapError::Io(_) => write!(f, "capture file"),
            PcapError::Truncated(n) => write!(f, "capture file truncated at byte {n}"),
            PcapError::Format { offset, msg } => {
                write!(f, "capture file: {msg} at byte {offset}")
            }
        }
    }
}

impl std::error::Error for PcapError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PcapError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for PcapError {
    fn from(e: io::Error) -> Self {
        PcapError::Io(e)
    }
}

/// One packet from a capture file, borrowing the reader's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub ts_sec: i64,
    pub ts_nsec: u32,
    /// Length on the wire; `data.len()` is the captured length.
    pub len: u32,
    pub data: &'a [u8],
    pub link: LinkType,
    /// The interface name (pcapng `if_name`), when the file has one.
    pub iface: Option<&'a str>,
}

#[derive(Debug)]
struct Iface {
    link: LinkType,
    snaplen: u32,
    /// Timestamp units per second, and whether it is a power of ten (then `units` = 10^n).
    units: u64,
    offset_sec: i64,
    name: Option<String>,
}

#[derive(Debug)]
enum Format {
    Pcap {
        swap: bool,
        nanos: bool,
        link: LinkType,
        snaplen: u32,
    },
    Pcapng {
        big: bool,
    },
}

/// A streaming capture file reader (classic pcap or pcapng, told apart by the magic).
pub struct Reader<R: Read> {
    r: R,
    buf: Vec<u8>,
    /// Offset of the next unread byte.
    offset: u64,
    format: Format,
    ifaces: Vec<Iface>,
}

fn u16_at(b: &[u8], i: usize, big: bool) -> u16 {
    let a = [b[i], b[i + 1]];
    if big {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

fn u32_at(b: &[u8], i: usize, big: bool) -> u32 {
    let a = [b[i], b[i + 1], b[i + 2], b[i + 3]];
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn snaplen_or_max(s: u32) -> u32 {
    if s == 0 || s > MAX_SNAPLEN {
        MAX_SNAPLEN
    } else {
        s
    }
}

impl Reader<Box<dyn Read>> {
    /// Opens a file, or standard input for `-`.
    pub fn open(path: &str) -> Result<Self, PcapError> {
        let r: Box<dyn Read> = if path == "-" {
            Box::new(BufReader::with_capacity(1 << 16, io::stdin()))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, File::open(path)?))
        };
        Reader::new(r)
    }
}

impl<R: Read> Reader<R> {
    /// Reads the file header (pcap) or first section header (pcapng).
    pub fn new(r: R) -> Result<Self, PcapError> {
        let mut rd = Reader {
            r,
            buf: Vec::with_capacity(4096),
            offset: 0,
            format: Format::Pcapng { big: false },
            ifaces: Vec::new(),
        };
        if !rd.fill(0, 4)? {
            return Err(PcapError::Format {
                offset: 0,
                msg: "empty file".into(),
            });
        }
        let magic = u32_at(&rd.buf, 0, false);
        if magic == NG_SHB {
            rd.section(0, 4)?;
            return Ok(rd);
        }
        let (swap, nanos) = match magic {
            PCAP_MAGIC_US => (false, false),
            PCAP_MAGIC_NS => (false, true),
            m if m.swap_bytes() == PCAP_MAGIC_US => (true, false),
            m if m.swap_bytes() == PCAP_MAGIC_NS => (true, true),
            m => {
                return Err(PcapError::Format {
                    offset: 0,
                    msg: format!("not a pcap or pcapng file (magic {m:#010x})"),
                });
            }
        };
        rd.need(4, 20)?;
        let big = swap; // magic read as little endian: swapped means the file is big endian
        let snaplen = u32_at(&rd.buf, 16, big);
        let link = LinkType(u32_at(&rd.buf, 20, big) & 0x03ff_ffff);
        rd.format = Format::Pcap {
            swap: big,
            nanos,
            link,
            snaplen,
        };
        Ok(rd)
    }

    /// The link type of a classic pcap file, or of the first pcapng interface seen so far.
    pub fn link(&self) -> Option<LinkType> {
        match self.format {
            Format::Pcap { link, .. } => Some(link),
            Format::Pcapng { .. } => self.ifaces.first().map(|i| i.link),
        }
    }

    /// The snapshot length from a classic pcap header (pcapng: of the first interface).
    pub fn snaplen(&self) -> Option<u32> {
        match self.format {
            Format::Pcap { snaplen, .. } => Some(snaplen),
            Format::Pcapng { .. } => self.ifaces.first().map(|i| i.snaplen),
        }
    }

    /// Reads `n` bytes into `buf[at..at + n]`. Ok(false) at a clean end of file (nothing
    /// read and `at == 0`); a partial read is a truncation error.
    fn fill(&mut self, at: usize, n: usize) -> Result<bool, PcapError> {
        self.buf.resize(at + n, 0);
        let mut got = 0;
        while got < n {
            match self.r.read(&mut self.buf[at + got..at + n]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.offset += got as u64;
        if got == n {
            Ok(true)
        } else if got == 0 && at == 0 {
            Ok(false)
        } else {
            Err(PcapError::Truncated(self.offset))
        }
    }

    fn need(&mut self, at: usize, n: usize) -> Result<(), PcapError> {
        if self.fill(at, n)? {
            Ok(())
        } else {
            Err(PcapError::Truncated(self.offset))
        }
    }

    /// Parses a pcapng section header whose first `have` bytes are in `buf`; `start` is its offset.
    fn section(&mut self, start: u64, have: usize) -> Result<(), PcapError> {
        self.need(have, 12 - have)?;
        let big = match u32_at(&self.buf, 8, false) {
            NG_BOM => false,
            b if b.swap_bytes() == NG_BOM => true,
            _ => {
                return Err(PcapError::Format {
                    offset: start,
                    msg: "pcapng section header with a bad byte-order magic".into(),
                });
            }
        };
        let len = u32_at(&self.buf, 4, big);
        if len < 28 || !len.is_multiple_of(4) || len > MAX_BLOCK {
            return Err(PcapError::Format {
                offset: start,
                msg: format!("bad pcapng section header length {len}"),
            });
        }
        self.need(12, len as usize - 12)?;
        self.format = Format::Pcapng { big };
        self.ifaces.clear();
        Ok(())
    }

    /// The next packet, `None` at the end of the file.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Record<'_>>, PcapError> {
        match self.format {
            Format::Pcap {
                swap,
                nanos,
                link,
                snaplen,
            } => self.next_pcap(swap, nanos, link, snaplen),
            Format::Pcapng { .. } => self.next_ng(),
        }
    }

    fn next_pcap(
        &mut self,
        big: bool,
        nanos: bool,
        link: LinkType,
        snaplen: u32,
    ) -> Result<Option<Record<'_>>, PcapError> {
        let start = self.offset;
        if !self.fill(0, 16)? {
            return Ok(None);
        }
        let sec = u32_at(&self.buf, 0, big);
        let frac = u32_at(&self.buf, 4, big);
        let caplen = u32_at(&self.buf, 8, big);
        let len = u32_at(&self.buf, 12, big);
        let limit = snaplen_or_max(snaplen).saturating_mul(2).min(MAX_SNAPLEN);
        if caplen > limit.max(snaplen_or_max(snaplen)) {
            return Err(PcapError::Format {
                offset: start,
                msg: format!("packet record with captured length {caplen} (snaplen {snaplen})"),
            });
        }
        self.need(0, caplen as usize)?;
        let ts_nsec = if nanos { frac } else { frac.wrapping_mul(1000) };
        Ok(Some(Record {
            ts_sec: i64::from(sec),
            ts_nsec,
            len,
            data: &self.buf[..caplen as usize],
            link,
            iface: None,
        }))
    }

    fn next_ng(&mut self) -> Result<Option<Record<'_>>, PcapError> {
        loop {
            let start = self.offset;
            if !self.fill(0, 8)? {
                return Ok(None);
            }
            let ty = u32_at(&self.buf, 0, false);
            if ty == NG_SHB {
                self.section(start, 8)?;
                continue;
            }
            let Format::Pcapng { big } = self.format else {
                unreachable!()
            };
            let ty = u32_at(&self.buf, 0, big);
            let blen = u32_at(&self.buf, 4, big);
            let bad = |msg: String| PcapError::Format { offset: start, msg };
            if blen < 12 || !blen.is_multiple_of(4) || blen > MAX_BLOCK {
                return Err(bad(format!("bad pcapng block length {blen}")));
            }
            self.need(0, blen as usize - 8)?;
            let body_len = blen as usize - 12;
            if u32_at(&self.buf, body_len, big) != blen {
                return Err(bad("pcapng block lengths disagree".into()));
            }
            match ty {
                NG_IDB => {
                    if body_len < 8 {
                        return Err(bad("short pcapng interface block".into()));
                    }
                    let mut iface = Iface {
                        link: LinkType(u32::from(u16_at(&self.buf, 0, big))),
                        snaplen: u32_at(&self.buf, 4, big),
                        units: 1_000_000,
                        offset_sec: 0,
                        name: None,
                    };
                    let mut i = 8;
                    while i + 4 <= body_len {
                        let code = u16_at(&self.buf, i, big);
                        let olen = usize::from(u16_at(&self.buf, i + 2, big));
                        let v = i + 4;
                        if code == 0 || v + olen > body_len {
                            break;
                        }
                        let val = &self.buf[v..v + olen];
                        match (code, olen) {
                            (2, _) => {
                                let s = String::from_utf8_lossy(val);
                                let name = s.trim_end_matches('\0');
                                // Converters (editcap, tshark) name the interface of a file
                                // that had none with a placeholder: that is no name, and
                                // tcpdump prints none.
                                if !name.starts_with(NO_NAME_PLACEHOLDER) && !name.is_empty() {
                                    iface.name = Some(name.to_string());
                                }
                            }
                            (9, 1..) => {
                                let r = val[0];
                                let units = if r & 0x80 != 0 {
                                    1u64.checked_shl(u32::from(r & 0x7f))
                                } else {
                                    10u64.checked_pow(u32::from(r))
                                };
                                iface.units = units
                                    .ok_or_else(|| bad(format!("unsupported if_tsresol {r:#x}")))?;
                            }
                            (14, 8..) => iface.offset_sec = u64_at(val, big) as i64,
                            _ => {}
                        }
                        i = v + olen.div_ceil(4) * 4;
                    }
                    self.ifaces.push(iface);
                }
                NG_EPB | NG_PB => {
                    if body_len < 20 {
                        return Err(bad("short pcapng packet block".into()));
                    }
                    let id = if ty == NG_EPB {
                        u32_at(&self.buf, 0, big) as usize
                    } else {
                        usize::from(u16_at(&self.buf, 0, big))
                    };
                    let hi = u32_at(&self.buf, 4, big);
                    let lo = u32_at(&self.buf, 8, big);
                    let caplen = u32_at(&self.buf, 12, big) as usize;
                    let len = u32_at(&self.buf, 16, big);
                    if caplen > body_len - 20 {
                        return Err(bad(format!("packet block with captured length {caplen}")));
                    }
                    let iface = self
                        .ifaces
                        .get(id)
                        .ok_or_else(|| bad(format!("packet for unknown interface {id}")))?;
                    let ts = (u64::from(hi) << 32) | u64::from(lo);
                    let secs = ts / iface.units;
                    let rem = ts % iface.units;
                    let nsec = (u128::from(rem) * 1_000_000_000 / u128::from(iface.units)) as u32;
                    return Ok(Some(Record {
                        ts_sec: secs as i64 + iface.offset_sec,
                        ts_nsec: nsec,
                        len,
                        data: &self.buf[20..20 + caplen],
                        link: iface.link,
                        iface: iface.name.as_deref(),
                    }));
                }
                NG_SPB => {
                    if body_len < 4 {
                        return Err(bad("short pcapng simple packet block".into()));
                    }
                    let iface = self
                        .ifaces
                        .first()
                        .ok_or_else(|| bad("simple packet block before any interface".into()))?;
                    let len = u32_at(&self.buf, 0, big);
                    let mut caplen = (len as usize).min(body_len - 4);
                    if iface.snaplen != 0 {
                        caplen = caplen.min(iface.snaplen as usize);
                    }
                    return Ok(Some(Record {
                        ts_sec: 0,
                        ts_nsec: 0,
                        len,
                        data: &self.buf[4..4 + caplen],
                        link: iface.link,
                        iface: iface.name.as_deref(),
                    }));
                }
                _ => {} // name resolution, statistics, custom, ...: skipped
            }
        }
    }
}

fn u64_at(b: &[u8], big: bool) -> u64 {
    let a: [u8; 8] = b[..8].try_into().unwrap_or([0; 8]);
    if big {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}

/// Reads a whole capture held in memory (for tests and fuzzing): every record's
/// (caplen, len, link), or the error that ended reading.
pub fn read_all(bytes: &[u8]) -> (Vec<(usize, u32, LinkType)>, Option<PcapError>) {
    let mut out = Vec::new();
    let mut rd = match Reader::new(bytes) {
        Ok(r) => r,
        Err(e) => return (out, Some(e)),
    };
    loop {
        match rd.next() {
            Ok(Some(r)) => out.push((r.data.len(), r.len, r.link)),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

/// Timestamp precision of a classic pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Micro,
    Nano,
}

/// A classic pcap writer (host byte order, like libpcap).
pub struct Writer<W: Write> {
    w: BufWriter<W>,
    precision: Precision,
    snaplen: u32,
}

impl Writer<Box<dyn Write>> {
    /// Creates a file, or writes to standard output for `-`.
    pub fn create(
        path: &str,
        link: LinkType,
        snaplen: u32,
        precision: Precision,
    ) -> io::Result<Self> {
        let w: Box<dyn Write> = if path == "-" {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path)?)
        };
        Writer::with_precision(w, link, snaplen, precision)
    }
}

impl<W: Write> Writer<W> {
    /// A microsecond-precision writer; the file header is written at once.
    #[cfg(test)]
    pub fn new(w: W, link: LinkType, snaplen: u32) -> io::Result<Self> {
        Writer::with_precision(w, link, snaplen, Precision::Micro)
    }

    pub fn with_precision(
        w: W,
        link: LinkType,
        snaplen: u32,
        precision: Precision,
    ) -> io::Result<Self> {
        let mut w = BufWriter::with_capacity(1 << 16, w);
        let magic = match precision {
            Precision::Micro => PCAP_MAGIC_US,
            Precision::Nano => PCAP_MAGIC_NS,
        };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_ne_bytes());
        h[4..6].copy_from_slice(&2u16.to_ne_bytes());
        h[6..8].copy_from_slice(&4u16.to_ne_bytes());
        h[16..20].copy_from_slice(&snaplen.to_ne_bytes());
        h[20..24].copy_from_slice(&link.0.to_ne_bytes());
        w.write_all(&h)?;
        Ok(Writer {
            w,
            precision,
            snaplen,
        })
    }

    /// Writes one record: `len` is the length on the wire, `data` the captured bytes (cut
    /// to the snap length if longer).
    pub fn write(&mut self, ts_sec: i64, ts_nsec: u32, len: u32, data: &[u8]) -> io::Result<()> {
        let data = &data[..data.len().min(snaplen_or_max(self.snaplen) as usize)];
        let frac = match self.precision {
            Precision::Micro => ts_nsec / 1000,
            Precision::Nano => ts_nsec,
        };
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(ts_sec as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&frac.to_ne_bytes());
        h[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&len.max(data.len() as u32).to_ne_bytes());
        self.w.write_all(&h)?;
        self.w.write_all(data)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// Flushes and returns the inner writer.
    #[cfg(test)]
    pub fn into_inner(self) -> io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rec = (i64, u32, u32, Vec<u8>, LinkType, Option<String>);

    fn collect(bytes: &[u8]) -> Vec<Rec> {
        let mut rd = Reader::new(bytes).unwrap();
        let mut v = Vec::new();
        while let Some(r) = rd.next().unwrap() {
            v.push((
                r.ts_sec,
                r.ts_nsec,
                r.len,
                r.data.to_vec(),
                r.link,
                r.iface.map(String::from),
            ));
        }
        v
    }

    #[test]
    fn round_trip_micro_and_nano() {
        for p in [Precision::Micro, Precision::Nano] {
            let mut w = Writer::with_precision(Vec::new(), LinkType::ETHERNET, 100, p).unwrap();
            w.write(1_700_000_000, 123_456_789, 60, &[1; 60]).unwrap();
            w.write(1_700_000_001, 5_000, 500, &[2; 150]).unwrap();
            let bytes = w.into_inner().unwrap();
            let rd = Reader::new(&bytes[..]).unwrap();
            assert_eq!(rd.snaplen(), Some(100));
            assert_eq!(rd.link(), Some(LinkType::ETHERNET));
            let v = collect(&bytes);
            assert_eq!(v.len(), 2);
            let ns = if p == Precision::Nano {
                123_456_789
            } else {
                123_456_000
            };
            assert_eq!(v[0].0, 1_700_000_000);
            assert_eq!(v[0].1, ns);
            assert_eq!(v[0].3, vec![1; 60]);
            assert_eq!(v[1].2, 500);
            assert_eq!(v[1].3, vec![2; 100]);
            assert_eq!(v[1].4, LinkType::ETHERNET);
        }
    }

    fn swap_pcap(bytes: &[u8]) -> Vec<u8> {
        // Rewrite a little-endian classic pcap in big-endian order.
        let mut out = Vec::new();
        let w32 = |o: &mut Vec<u8>, b: &[u8]| o.extend(b.iter().rev());
        w32(&mut out, &bytes[0..4]);
        out.extend([bytes[5], bytes[4], bytes[7], bytes[6]]);
        for i in (8..24).step_by(4) {
            w32(&mut out, &bytes[i..i + 4]);
        }
        let mut i = 24;
        while i < bytes.len() {
            for j in 0..4 {
                w32(&mut out, &bytes[i + 4 * j..i + 4 * j + 4]);
            }
            let cl = u32::from_le_bytes(bytes[i + 8..i + 12].try_into().unwrap()) as usize;
            out.extend(&bytes[i + 16..i + 16 + cl]);
            i += 16 + cl;
        }
        out
    }

    #[test]
    fn both_byte_orders() {
        let mut w = Writer::new(Vec::new(), LinkType::RAW, 65535).unwrap();
        w.write(7, 8000, 3, &[0x45, 0, 1]).unwrap();
        let le = w.into_inner().unwrap();
        assert_eq!(le[0], 0xd4, "test assumes a little-endian host");
        let be = swap_pcap(&le);
        assert_eq!(be[0], 0xa1);
        assert_eq!(collect(&le), collect(&be));
        assert_eq!(collect(&be)[0].4, LinkType::RAW);
    }

    fn ng_block(big: bool, ty: u32, body: &[u8]) -> Vec<u8> {
        let p = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        let mut b = Vec::new();
        b.extend(p(ty));
        b.extend(p(len));
        b.extend(body);
        b.resize(8 + padded, 0);
        b.extend(p(len));
        b
    }

    fn ng_file(big: bool) -> Vec<u8> {
        let p32 = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let p16 = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut f = Vec::new();
        let mut shb = Vec::new();
        shb.extend(p32(NG_BOM));
        shb.extend(p16(1));
        shb.extend(p16(0));
        shb.extend([0xff; 8]);
        f.extend(ng_block(big, NG_SHB, &shb));
        // Interface 0: Ethernet, named eth0, default microseconds.
        let mut idb = Vec::new();
        idb.extend(p16(1));
        idb.extend(p16(0));
        idb.extend(p32(0));
        idb.extend(p16(2));
        idb.extend(p16(4));
        idb.extend(b"eth0");
        idb.extend(p16(0));
        idb.extend(p16(0));
        f.extend(ng_block(big, NG_IDB, &idb));
        f.extend(ng_block(big, 0x0bad, &[1, 2, 3, 4])); // unknown: skipped
        // Interface 1: raw IP, nanoseconds, no name.
        let mut idb = Vec::new();
        idb.extend(p16(101));
        idb.extend(p16(0));
        idb.extend(p32(1500));
        idb.extend(p16(9));
        idb.extend(p16(1));
        idb.extend([9, 0, 0, 0]);
        f.extend(ng_block(big, NG_IDB, &idb));
        let epb = |id: u32, ts: u64, data: &[u8]| {
            let mut e = Vec::new();
            e.extend(p32(id));
            e.extend(p32((ts >> 32) as u32));
            e.extend(p32(ts as u32));
            e.extend(p32(data.len() as u32));
            e.extend(p32(data.len() as u32 + 10));
            e.extend(data);
            ng_block(big, NG_EPB, &e)
        };
        f.extend(epb(0, 1_500_000_250_000, &[0xaa; 5]));
        f.extend(epb(1, 1_500_000_000_000_000_123, &[0x45; 20]));
        let mut spb = Vec::new();
        spb.extend(p32(3));
        spb.extend([7, 7, 7]);
        f.extend(ng_block(big, NG_SPB, &spb));
        f
    }

    #[test]
    fn converter_placeholder_interface_names_are_no_names() {
        let placeholder = b"Unknown/not available in original file format(libpcap)";
        let mut f = ng_file(false);
        // Rename eth0 by rebuilding the file's first IDB with the placeholder as if_name.
        let eth0 = f.windows(4).position(|w| w == b"eth0").unwrap();
        let idb_start = eth0 - 20;
        let old_len = u32::from_le_bytes(f[idb_start + 4..idb_start + 8].try_into().unwrap());
        let mut idb = Vec::new();
        idb.extend(1u16.to_le_bytes());
        idb.extend(0u16.to_le_bytes());
        idb.extend(0u32.to_le_bytes());
        idb.extend(2u16.to_le_bytes());
        idb.extend((placeholder.len() as u16).to_le_bytes());
        idb.extend(placeholder);
        idb.resize(idb.len().div_ceil(4) * 4, 0);
        idb.extend([0u8; 4]);
        let block = ng_block(false, NG_IDB, &idb);
        f.splice(idb_start..idb_start + old_len as usize, block);
        let v = collect(&f);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].5, None, "the placeholder is not an interface name");
        assert_eq!(v[0].3, vec![0xaa; 5]);
    }

    #[test]
    fn pcapng_two_interfaces_both_orders() {
        for big in [false, true] {
            let v = collect(&ng_file(big));
            assert_eq!(v.len(), 3, "big={big}");
            assert_eq!(v[0].0, 1_500_000);
            assert_eq!(v[0].1, 250_000_000);
            assert_eq!(v[0].2, 15);
            assert_eq!(v[0].4, LinkType::ETHERNET);
            assert_eq!(v[0].5.as_deref(), Some("eth0"));
            assert_eq!(v[1].0, 1_500_000_000);
            assert_eq!(v[1].1, 123);
            assert_eq!(v[1].4, LinkType::RAW);
            assert_eq!(v[1].5, None);
            assert_eq!(v[2].3, vec![7, 7, 7]);
        }
        // Two sections, the second big endian: its interfaces replace the first's.
        let mut two = ng_file(false);
        two.extend(ng_file(true));
        assert_eq!(collect(&two).len(), 6);
    }

    #[test]
    fn truncation_and_bad_lengths_are_errors() {
        let mut w = Writer::new(Vec::new(), LinkType::ETHERNET, 65535).unwrap();
        w.write(1, 0, 100, &[0; 100]).unwrap();
        w.write(2, 0, 100, &[0; 100]).unwrap();
        let bytes = w.into_inner().unwrap();
        for cut in 1..bytes.len() {
            let (recs, err) = read_all(&bytes[..cut]);
            if cut == 24 || cut == 140 {
                assert!(err.is_none(), "cut {cut}");
            } else {
                let e = err.unwrap().to_string();
                if cut > 24 {
                    assert_eq!(e, format!("capture file truncated at byte {cut}"));
                }
                assert!(recs.len() <= 1);
            }
        }
        let mut bad = bytes.clone();
        bad[24 + 8..24 + 12].copy_from_slice(&10_000_000u32.to_le_bytes());
        let (_, err) = read_all(&bad);
        assert_eq!(
            err.unwrap().to_string(),
            "capture file: packet record with captured length 10000000 (snaplen 65535) at byte 24"
        );
        let ng = ng_file(false);
        for cut in 1..ng.len() {
            let _ = read_all(&ng[..cut]);
        }
        let mut bad = ng.clone();
        bad[4] = 0xff;
        assert!(read_all(&bad).1.is_some());
    }

    #[test]
    fn garbage_never_panics() {
        let mut x = 0x1234_5678u32;
        let base = ng_file(false);
        for _ in 0..2000 {
            let mut b = base.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % b.len();
                b[i] = (x >> 8) as u8;
            }
            let _ = read_all(&b);
        }
    }
}
