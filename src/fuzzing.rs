//! Entry points for the fuzz targets in `fuzz/`: each takes arbitrary bytes and must never
//! panic. They are thin on purpose, so that the fuzzers exercise the same code `sniff` runs.

use crate::sniff::filter;
use crate::sniff::link::{LinkType, Meta, PacketType};
use crate::sniff::pcap;
use crate::sniff::print::{Hex, PrintOpts, Printer, TsStyle};

/// Decodes and prints one packet under every link type `sniff` knows, in text (with `-e` and
/// `-XX`) and in JSON. Two selector bytes come first: the link type (an index into `LINKS`,
/// modulo its length), then the options: interface name (bit 3), packet type (bit 4, its value
/// in bits 5-7), `-e` (bit 5), `-XX` (bit 6), a wire length one more than captured (bit 7).
pub fn print_packet(data: &[u8]) {
    let [link, sel, pkt @ ..] = data else {
        return;
    };
    const LINKS: [LinkType; 10] = [
        LinkType::ETHERNET,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::RAW,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::NULL,
        LinkType::LOOP,
        LinkType::ARCNET_LINUX,
        LinkType::CAN_SOCKETCAN,
    ];
    let sel = *sel;
    let meta = Meta {
        ts_sec: 1_700_000_000,
        ts_nsec: 123_456_789,
        len: pkt.len() as u32 + u32::from(sel >> 7),
        link: LINKS[usize::from(*link) % LINKS.len()],
        iface: (sel & 8 != 0).then_some("eth0"),
        pkttype: (sel & 16 != 0).then_some(PacketType::from_raw(u16::from(sel >> 5))),
    };
    let mut out = Vec::new();
    for json in [false, true] {
        let mut p = Printer::new(PrintOpts {
            ts: TsStyle::default(),
            link_header: sel & 32 != 0,
            hex: if sel & 64 != 0 {
                Hex::LinkAscii
            } else {
                Hex::No
            },
            nanos: false,
            json,
        });
        p.print(&meta, pkt, &mut out);
    }
    assert!(out.ends_with(b"\n"));
}

/// Parses a filter expression and, when it parses, compiles it for every target and runs the
/// program over a fixed packet; a compiled program must pass the kernel's checks.
pub fn parse_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = filter::parse(text) else {
        return;
    };
    for target in [
        filter::Target::Link(LinkType::ETHERNET),
        filter::Target::Link(LinkType::LINUX_SLL),
        filter::Target::Link(LinkType::LINUX_SLL2),
        filter::Target::Link(LinkType::RAW),
        filter::Target::KernelCooked,
        filter::Target::KernelEthernet,
    ] {
        if let Ok(prog) = filter::compile(&expr, target, pcap::MAX_SNAPLEN) {
            if let Err(e) = filter::validate(&prog) {
                panic!("{text:?} compiled to an invalid program for {target:?}: {e}");
            }
            filter::run(&prog, data, data.len() as u32);
        }
    }
}

/// Reads a capture file held in memory (pcap or pcapng) to its end or its first error.
pub fn read_capture(data: &[u8]) {
    let (records, _err) = pcap::read_all(data);
    for (caplen, _len, _link) in records {
        assert!(caplen <= data.len());
    }
}

/// Parses arbitrary UTF-8 as an endpoint string. An error must be one line naming the endpoint;
/// an endpoint must parse again from its text to the same value, [`Endpoint::looks_like`] must
/// agree, and its canonical form must parse back to the same kind and options.
///
/// [`Endpoint::looks_like`]: crate::endpoint::Endpoint::looks_like
pub fn parse_endpoint(data: &[u8]) {
    use crate::endpoint::Endpoint;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let e = match Endpoint::parse(text) {
        Ok(e) => e,
        Err(msg) => {
            assert!(msg.starts_with("invalid endpoint '"), "{msg}");
            assert!(!msg.contains('\n') && !msg.contains('\r'), "{msg:?}");
            return;
        }
    };
    assert_eq!(e.to_string(), text);
    assert_eq!(Endpoint::parse(&e.text).as_ref(), Ok(&e));
    assert!(
        Endpoint::looks_like(text),
        "{text:?} parsed but does not look like one"
    );
    let canonical = e.canonical();
    match Endpoint::parse(&canonical) {
        Ok(again) => {
            assert_eq!(again.kind, e.kind, "{text:?} -> {canonical:?}");
            assert_eq!(again.opts, e.opts, "{text:?} -> {canonical:?}");
            assert_eq!(again.canonical(), canonical);
        }
        Err(err) => panic!("{text:?} -> canonical {canonical:?} does not parse: {err}"),
    }
}

/// Every value parser a command line reaches: durations, byte sizes, ports, port lists, CIDRs
/// and CIDR list files. The first byte picks the parser; the rest is the text.
pub fn parse_values(data: &[u8]) {
    let [which, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 6 {
        0 => {
            if let Ok(d) = crate::cli::value::duration(text) {
                // A duration that parses is one a deadline can be built from.
                let _ = std::time::Instant::now().checked_add(d);
            }
        }
        1 => drop(crate::cli::value::bytes(text)),
        2 => {
            if let Ok(crate::sock::addr::Port::Number(n)) = crate::sock::addr::Port::parse(text) {
                assert_eq!(text.trim_start_matches('0').parse::<u16>().unwrap_or(0), n);
            }
        }
        3 => drop(crate::sock::ports::parse_list(text)),
        4 => {
            if let Ok(c) = crate::cli::value::cidr(text) {
                let _ = c.contains(std::net::IpAddr::from([10, 0, 0, 1]));
            }
        }
        _ => drop(crate::sock::cidr::parse_list(text)),
    }
}

/// A `--frame` stream: the first byte picks the framing (raw, line, len16/32, LE or not) and
/// where the input is cut into reads; decoding and encoding must never panic, and what the
/// decoder emits is bounded by what it was fed plus one newline per message. The bytes also
/// go through the CAN stream codec (see `can_stream`).
pub fn frame_stream(data: &[u8]) {
    use crate::event::frame::{Decoder, Encoder, Framing, Outbox, Prefix};
    let [sel, input @ ..] = data else {
        return;
    };
    let framing = match sel % 6 {
        0 => Framing::Raw,
        1 => Framing::Line,
        2 => Framing::Len(Prefix::LEN16),
        3 => Framing::Len(Prefix::LEN32),
        4 => Framing::Len(Prefix::LEN16LE),
        _ => Framing::Len(Prefix::LEN32LE),
    };
    let cut = usize::from(sel >> 3).max(1);
    let max_frame = 4096;
    let mut dec = Decoder::new(framing, max_frame);
    let mut out = Outbox::new(false);
    for chunk in input.chunks(cut) {
        if dec.feed(chunk, &mut out).is_err() {
            break;
        }
    }
    let _ = dec.finish();
    let mut dgram = Decoder::new(framing, max_frame);
    let mut dout = Outbox::new(true);
    let _ = dgram.feed_datagram(input, &mut dout);
    let mut enc = Encoder::new(
        framing,
        sel & 4 != 0,
        max_frame,
        (sel & 2 != 0).then_some(1500),
    );
    let mut eout = Outbox::new(sel & 2 != 0);
    for chunk in input.chunks(cut) {
        if enc.feed(chunk, &mut eout).is_err() {
            break;
        }
    }
    let _ = enc.finish(&mut eout);
    can_stream(input, cut);
}

/// The same input as a byte stream of CAN frames (`pair can:IFACE tcp:...`): whatever comes
/// out is whole 16- or 72-byte frames, and they make the same stream again.
fn can_stream(input: &[u8], cut: usize) {
    use crate::event::can_codec::{CanCodec, CanDir};
    use crate::event::frame::Outbox;
    let mut dec = CanCodec::new(CanDir::FromStream, true);
    let mut out = Outbox::new(true);
    // Bytes handed to the decoder, including the read it failed on: the frames before a bad
    // one in the same read are still put out (found by this target: `used` once left that
    // read out).
    let (mut used, mut failed) = (0, false);
    for chunk in input.chunks(cut) {
        used += chunk.len();
        if dec.feed(chunk, &mut out).is_err() {
            failed = true;
            break;
        }
    }
    let mut frames = Vec::new();
    while !out.is_empty() {
        let f = out.next().to_vec();
        out.consume(f.len());
        assert!(
            f.len() == 16 || f.len() == 72,
            "a {}-byte CAN frame",
            f.len()
        );
        frames.push(f);
    }
    let whole: usize = frames.iter().map(Vec::len).sum();
    assert!(whole <= used);
    if !failed && dec.finish().is_ok() {
        assert_eq!(whole, input.len());
    }
    let mut enc = CanCodec::new(CanDir::ToStream, true);
    let mut again = Outbox::new(false);
    for f in &frames {
        enc.feed(f, &mut again).expect("a frame the decoder made");
    }
    let again = again.next().to_vec();
    assert_eq!(again, frames.concat(), "the stream re-encodes to itself");
}

/// One `conv` input line through every operation and output format (the stdin filter mode).
pub fn conv_line(data: &[u8]) {
    use crate::conv::{Conv, Format, Op};
    let [sel, line @ ..] = data else {
        return;
    };
    let ops = [
        Op::Htons,
        Op::Ntohs,
        Op::Htonl,
        Op::Ntohl,
        Op::Htonll,
        Op::Ntohll,
        Op::Aton,
        Op::Ntoa,
        Op::Pton(crate::conv::Family::V4),
        Op::Pton(crate::conv::Family::V6),
        Op::Ntop(crate::conv::Family::V4),
        Op::Ntop(crate::conv::Family::V6),
    ];
    let op = ops[usize::from(*sel) % ops.len()];
    let format = match sel >> 4 {
        0 => None,
        1 => Some(Format::Dec),
        2 => Some(Format::Hex),
        3 => Some(Format::Bin),
        _ => Some(Format::Bytes),
    };
    if let Ok(c) = Conv::new(op, format) {
        let mut out = Vec::new();
        let _ = c.run(line, &mut out);
    }
}

/// Parses arbitrary UTF-8 as a cansend frame, a candump `-L` line and a candump filter list.
/// An error must be one line naming a position inside the text (or just past its end); a
/// frame must print (log syntax and candump's default line) and parse back to itself. The
/// bytes (UTF-8 or not) are also read as a whole candump `-L` log, as `can replay` reads it.
pub fn parse_can(data: &[u8]) {
    use crate::can::{filter, format, parse};
    read_can_log(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let check = |e: &parse::ParseError| {
        assert!(e.pos >= 1 && e.pos <= text.len() + 1, "{text:?}: {e}");
        assert!(!e.to_string().contains('\n'), "{e:?}");
    };
    match parse::frame(text) {
        Ok(f) => {
            let mut s = String::new();
            format::compact(&f, &mut s);
            let again = parse::frame(&s).unwrap_or_else(|e| panic!("{text:?} -> {s:?}: {e}"));
            assert_eq!(again.can_id, f.can_id, "{text:?} -> {s:?}");
            assert_eq!(again.payload(), f.payload(), "{text:?} -> {s:?}");
            format::long(&f, true, &mut s);
            let mut p = format::Printer::new(format::TsStyle::Delta, false, true, false, 5);
            p.frame("vcan0", 1, 2, &f, &mut s);
        }
        Err(e) => check(&e),
    }
    match parse::log_line(text) {
        Ok(l) => assert!(l.nsec < 1_000_000_000),
        Err(e) => check(&e),
    }
    if let Err(e) = filter::parse(text) {
        check(&e);
    }
}

/// Reads bytes as a candump `-L` log (`can replay`'s reader) to its end or first error. Line
/// numbers must grow and stay within the lines there are; an entry must print back as a log
/// line that parses to the same entry; an error must be one line.
fn read_can_log(data: &[u8]) {
    use crate::can::format::{Printer, TsStyle};
    use crate::can::log::{LogError, Reader, ts_nanos};
    use crate::can::parse;
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let mut r = Reader::new(data);
    let mut last = 0;
    let mut p = Printer::new(TsStyle::None, true, false, false, 0);
    loop {
        match r.next_entry() {
            Ok(Some(e)) => {
                assert!(
                    e.line > last && e.line <= lines,
                    "line {} of {lines}",
                    e.line
                );
                last = e.line;
                assert!(e.rec.nsec < 1_000_000_000);
                let _ = ts_nanos(&e.rec);
                let mut s = String::new();
                p.frame(
                    &e.rec.iface,
                    e.rec.sec as i64,
                    e.rec.nsec,
                    &e.rec.frame,
                    &mut s,
                );
                let again = parse::log_line(s.trim_end())
                    .unwrap_or_else(|err| panic!("{:?} -> {s:?}: {err}", e.rec));
                assert_eq!(again.iface, e.rec.iface);
                assert_eq!(again.sec, e.rec.sec);
                assert_eq!(again.nsec / 1000, e.rec.nsec / 1000);
                assert_eq!(again.frame.can_id, e.rec.frame.can_id, "{s:?}");
                assert_eq!(again.frame.payload(), e.rec.frame.payload(), "{s:?}");
            }
            Ok(None) => break,
            Err(LogError::Bad { line, msg }) => {
                assert!(line > last && line <= lines, "line {line} of {lines}");
                assert!(!msg.contains('\n'), "{msg:?}");
                break;
            }
            Err(LogError::Io(e)) => panic!("reading memory failed: {e}"),
        }
    }
}

/// One `resolve -` stdin line (no lookup): a skipped line is blank or a comment, a query's
/// HOST and SERVICE are words of the line with no blank in them, and an error is one line.
pub fn resolve_line(data: &[u8]) {
    use crate::cmd::resolve::line::{Line, parse};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Line::Skip => {
            let t = text.trim();
            assert!(t.is_empty() || t.starts_with('#'), "{text:?}");
        }
        Line::Query { host, service } => {
            assert!(!host.is_empty(), "{text:?}");
            let words: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(words.first(), Some(&host), "{text:?}");
            assert_eq!(words.get(1).copied(), service, "{text:?}");
            assert!(words.len() <= 2, "{text:?}");
            if let Some(s) = service.filter(|s| s.bytes().all(|b| b.is_ascii_digit())) {
                assert!(
                    s.trim_start_matches('0').parse::<u16>().is_ok()
                        || s.trim_start_matches('0').is_empty(),
                    "{text:?}"
                );
            }
        }
        Line::Bad(why) => {
            assert!(!why.is_empty());
            assert!(!why.contains('\n') && !why.contains('\r'), "{why:?}");
        }
    }
}
