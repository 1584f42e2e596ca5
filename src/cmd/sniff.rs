//! `sniff` (SPEC §7): packets from an AF_PACKET ring (`sniff::live`) or a capture file
//! (`sniff::pcap`), through a filter (`sniff::filter`: attached in the kernel when live, run
//! in our BPF VM for files), to the printer (`sniff::print`) or a pcap writer.

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::sniff::SniffArgs;
use crate::cmd::usage;
use crate::event::Interrupted;
use crate::event::reactor::{Reactor, watch_read};
use crate::event::signals::Signals;
use crate::exit::Code;
use crate::sniff::filter::{self, Expr, Target, compile::Insn};
use crate::sniff::link::{LinkType, Meta};
use crate::sniff::live;
use crate::sniff::pcap::{self, Precision};
use crate::sniff::print::{Hex, PrintOpts, Printer, TsStyle};
use crate::sock::addr::ResolveError;
use crate::sys::{
    self,
    iface::{arphrd_type, if_index, if_name},
    privs::drop_privileges,
    ring::RingConfig,
};

/// Default ring: 16 MiB, like a generous `tcpdump -B 16384`, enough for a 1M-packet burst.
const RING_KIB: u32 = 16 * 1024;
/// Printed text is written out once this much is waiting (or at the end of each batch).
const OUT_CHUNK: usize = 64 * 1024;

pub fn run(args: &SniffArgs) -> Result<Code> {
    let (iface, expr_text) = split_words(args);
    let expr = if expr_text.is_empty() {
        None
    } else {
        // A first word that names no interface became the filter: say both if it fails.
        let first_word = (iface.is_none() && args.iface.is_none() && args.read.is_none())
            .then(|| args.words.first().map(String::as_str))
            .flatten();
        Some(parse_filter(&expr_text, first_word)?)
    };
    let snaplen = args.snaplen.unwrap_or(pcap::MAX_SNAPLEN);
    if args.dump_filter {
        return dump_filter(args, iface.as_deref(), expr.as_ref(), snaplen);
    }
    match &args.read {
        Some(path) => read_file(args, &path.to_string_lossy(), expr.as_ref()),
        None => capture(args, iface.as_deref(), expr.as_ref(), &expr_text, snaplen),
    }
}

/// Parses FILTER, looking `host NAME` up with the system resolver as libpcap does: every
/// address of every family, so without the AI_ADDRCONFIG that `sock::addr::resolve` sets for
/// connecting. A name that does not resolve exits 3 like every resolution failure; other
/// errors are usage.
fn parse_filter(text: &str, first_word: Option<&str>) -> Result<Expr> {
    let mut failed: Option<ResolveError> = None;
    let mut resolve = |name: &str| {
        let hints = sys::Hints {
            family: libc::AF_UNSPEC,
            socktype: libc::SOCK_STREAM,
            protocol: 0,
            flags: 0,
        };
        match sys::getaddrinfo(Some(name), None, hints) {
            Ok(found) => Ok(found.iter().map(|a| a.addr.ip()).collect()),
            Err(e) => {
                failed = Some(ResolveError {
                    what: name.to_string(),
                    reason: e.message.clone(),
                });
                Err(e.message)
            }
        }
    };
    match filter::parse::parse_with(text, &mut resolve) {
        Ok(expr) => Ok(expr),
        Err(e) => match failed {
            Some(r) if first_word == Some(r.what.as_str()) => Err(usage(format!(
                "no such interface '{}', and as a filter its name does not resolve: {}",
                r.what, r.reason
            ))),
            Some(r) => Err(anyhow::Error::new(r).context(format!("filter '{text}'"))),
            None => Err(usage(e.to_string())),
        },
    }
}

/// `-d`: the program for the live capture on IFACE, or for the first record of `-r FILE`.
fn dump_filter(
    args: &SniffArgs,
    iface: Option<&str>,
    expr: Option<&Expr>,
    snaplen: u32,
) -> Result<Code> {
    let target = match &args.read {
        Some(path) => {
            let path = path.to_string_lossy();
            let mut reader = pcap::Reader::open(&path)
                .map_err(|e| anyhow::Error::new(e).context(format!("cannot read {path}")))?;
            let link = match reader.next() {
                Ok(Some(rec)) => rec.link,
                _ => reader.link().unwrap_or(LinkType::ETHERNET),
            };
            Target::Link(link)
        }
        None => live_target(iface)?.2,
    };
    let prog = match expr {
        Some(expr) => {
            filter::compile::compile(expr, target, snaplen).map_err(|e| usage(e.to_string()))?
        }
        // No filter accepts every packet whole: tcpdump prints the one `ret` too.
        None => vec![Insn::stmt(filter::compile::RET, snaplen)],
    };
    let mut out = io::stdout().lock();
    write_result(out.write_all(filter::compile::dump(&prog).as_bytes()))?;
    Ok(Code::Success)
}

/// `[IFACE] [FILTER...]`: the first word is the interface when it names one (or is `any`)
/// and `-i` was not given; the rest is the filter.
fn split_words(args: &SniffArgs) -> (Option<String>, String) {
    let mut words = args.words.as_slice();
    let mut iface = args.iface.clone();
    if iface.is_none()
        && args.read.is_none()
        && let Some(first) = words.first()
        && (first == "any" || if_index(first).is_ok())
    {
        iface = Some(first.clone());
        words = &words[1..];
    }
    (iface, words.join(" "))
}

fn precision(args: &SniffArgs) -> Precision {
    if args.nano {
        Precision::Nano
    } else {
        Precision::Micro
    }
}

fn print_opts(args: &SniffArgs) -> PrintOpts {
    PrintOpts {
        ts: match args.ts {
            0 => TsStyle::Local,
            1 => TsStyle::None,
            2 => TsStyle::Epoch,
            3 => TsStyle::Delta,
            4 => TsStyle::Date,
            _ => TsStyle::SinceFirst,
        },
        link_header: args.link_header,
        hex: match (args.hex, args.hex_ascii, args.link_header) {
            (true, _, false) => Hex::Net,
            (true, _, true) => Hex::Link,
            (_, true, false) => Hex::NetAscii,
            (_, true, true) => Hex::LinkAscii,
            _ => Hex::No,
        },
        nanos: args.nano,
        json: args.json,
    }
}

/// Where packets go: printed lines, or a pcap file.
enum Sink {
    Print {
        printer: Printer,
        buf: Vec<u8>,
        out: io::Stdout,
    },
    Pcap(pcap::Writer<Box<dyn Write>>),
}

impl Sink {
    fn new(args: &SniffArgs, link: LinkType, snaplen: u32) -> Result<Sink> {
        match &args.write {
            Some(path) => {
                let path = path.to_string_lossy();
                let w = pcap::Writer::create(&path, link, snaplen, precision(args))
                    .with_context(|| format!("cannot write {path}"))?;
                Ok(Sink::Pcap(w))
            }
            None => Ok(Sink::Print {
                printer: Printer::new(print_opts(args)),
                buf: Vec::with_capacity(2 * OUT_CHUNK),
                out: io::stdout(),
            }),
        }
    }

    fn packet(&mut self, meta: &Meta<'_>, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::Print {
                printer, buf, out, ..
            } => {
                printer.print(meta, data, buf);
                if buf.len() >= OUT_CHUNK {
                    out.lock().write_all(buf)?;
                    buf.clear();
                }
                Ok(())
            }
            Sink::Pcap(w) => w.write(meta.ts_sec, meta.ts_nsec, meta.len, data),
        }
    }

    /// The end of a batch: printed lines go out now; a pcap file's buffer at the end.
    fn flush(&mut self, last: bool) -> io::Result<()> {
        match self {
            Sink::Print { buf, out, .. } => {
                let mut out = out.lock();
                out.write_all(buf)?;
                buf.clear();
                out.flush()
            }
            Sink::Pcap(w) if last => w.flush(),
            Sink::Pcap(_) => Ok(()),
        }
    }
}

/// A closed stdout (`| head`) ends the capture quietly.
fn write_result(r: io::Result<()>) -> Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("write failed"),
    }
}

// ------------------------------------------------------------------------------ files

fn read_file(args: &SniffArgs, path: &str, expr: Option<&Expr>) -> Result<Code> {
    let mut reader = pcap::Reader::open(path)
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot read {path}")))?;
    let snaplen = args
        .snaplen
        .or(reader.snaplen())
        .unwrap_or(pcap::MAX_SNAPLEN);
    let mut sink: Option<Sink> = None;
    let mut programs: HashMap<LinkType, Vec<Insn>> = HashMap::new();
    let mut first_link: Option<LinkType> = None;
    let mut count = 0u64;
    let signals = Signals::install().context("cannot install signal handlers")?;
    loop {
        if let Some(signal) = signals.pending() {
            if let Some(s) = &mut sink {
                let _ = s.flush(true);
            }
            return Err(Interrupted { signal }.into());
        }
        let rec = match reader.next() {
            Ok(Some(rec)) => rec,
            Ok(None) => break,
            Err(e) => {
                if let Some(s) = &mut sink {
                    write_result(s.flush(true))?;
                }
                return Err(anyhow::Error::new(e).context(format!("cannot read {path}")));
            }
        };
        if let Some(expr) = expr {
            let prog = match programs.get(&rec.link) {
                Some(p) => p,
                None => {
                    let p = filter::compile::compile(expr, Target::Link(rec.link), snaplen)
                        .map_err(|e| usage(format!("{e} (link type {})", rec.link.0)))?;
                    programs.entry(rec.link).or_insert(p)
                }
            };
            if filter::run(prog, rec.data, rec.len) == 0 {
                continue;
            }
        }
        let meta = Meta {
            ts_sec: rec.ts_sec,
            ts_nsec: rec.ts_nsec,
            len: rec.len,
            link: rec.link,
            iface: rec.iface,
            pkttype: None,
        };
        let first = *first_link.get_or_insert(rec.link);
        if args.write.is_some() && first != rec.link {
            // One pcap file holds one link type.
            return Err(usage(format!(
                "{path} mixes link types {} and {}: a pcap file holds one",
                first.0, rec.link.0
            )));
        }
        if sink.is_none() {
            sink = Some(Sink::new(args, rec.link, snaplen)?);
        }
        let s = sink.as_mut().expect("sink made above");
        let data = &rec.data[..rec.data.len().min(snaplen as usize)];
        if !write_result(s.packet(&meta, data))? {
            return Ok(Code::Success);
        }
        count += 1;
        if args.count.is_some_and(|c| count >= c) {
            break;
        }
    }
    if sink.is_none() && args.write.is_some() {
        // An empty (or fully filtered) file still gives a valid pcap file.
        sink = Some(Sink::new(
            args,
            reader.link().unwrap_or(LinkType::ETHERNET),
            snaplen,
        )?);
    }
    if let Some(s) = &mut sink {
        write_result(s.flush(true))?;
    }
    Ok(Code::Success)
}

// ------------------------------------------------------------------------------ live

/// The interface index (none for all interfaces), the link type packets are stored with,
/// and what the kernel filter sees: cooked packets for "any" and for links without an
/// Ethernet-like header, the frame with its tags stripped for Ethernet.
fn live_target(iface: Option<&str>) -> Result<(Option<u32>, LinkType, Target)> {
    match iface.filter(|i| *i != "any") {
        None => Ok((None, LinkType::LINUX_SLL, Target::KernelCooked)),
        Some(name) => {
            let index = if_index(name).map_err(|_| usage(format!("no such interface '{name}'")))?;
            let hatype = arphrd_type(name)
                .with_context(|| format!("cannot read the type of interface {name}"))?;
            let (link, cooked) = live::link_type_for(hatype);
            let target = match (link, cooked) {
                (_, true) => Target::KernelCooked,
                (LinkType::ETHERNET, false) => Target::KernelEthernet,
                (other, false) => Target::Link(other),
            };
            Ok((Some(index), link, target))
        }
    }
}

fn capture(
    args: &SniffArgs,
    iface: Option<&str>,
    expr: Option<&Expr>,
    expr_text: &str,
    snaplen: u32,
) -> Result<Code> {
    let iface = iface.filter(|i| *i != "any");
    let (ifindex, link, target) = live_target(iface)?;
    let cooked = target == Target::KernelCooked;
    let ring = RingConfig::for_buffer(args.buffer_kib.unwrap_or(RING_KIB) as usize * 1024, snaplen);
    // After Ctrl-C, packets already in the ring's open block appear once its retire timer
    // fires: wait two periods for them, so nothing received is lost.
    let drain = Duration::from_millis(2 * u64::from(ring.retire_ms) + 20);
    let mut cap = live::open(ifindex, cooked, snaplen, ring)
        .with_context(|| format!("cannot capture on {}", iface.unwrap_or("all interfaces")))?;
    if let Some(expr) = expr {
        let prog =
            filter::compile::compile(expr, target, snaplen).map_err(|e| usage(e.to_string()))?;
        live::attach_filter(&mut cap, &prog)
            .with_context(|| format!("cannot attach the filter '{expr_text}'"))?;
    }
    if let (Some(index), false) = (ifindex, args.no_promisc) {
        cap.set_promiscuous(index)
            .context("cannot enter promiscuous mode (use -p)")?;
    }
    if let Some(user) = &args.user {
        drop_privileges(user).with_context(|| format!("cannot switch to user {user}"))?;
    }
    // Installed only now, with the ring and filter in place: bench/sniff.sh takes SIGINT in
    // SigCgt as the sign that the capture is ready.
    let signals = Signals::install().context("cannot install signal handlers")?;
    let mut sink = Sink::new(args, link, snaplen)?;
    let mut names: HashMap<u32, String> = HashMap::new();
    // Reused for the packets that need bytes added: a cooked header, or a VLAN tag.
    let mut sll = Vec::with_capacity(snaplen as usize + 16);
    let mut count = 0u64;
    let limit = args.count;
    let mut stop: Option<Result<Code>> = None;
    let mut interrupted: Option<(i32, Instant)> = None;
    // Tokens: the signal pipe, the ring (readable when the kernel hands over a block: its
    // retire timer bounds how long a quiet link keeps packets back), and the drain timer.
    const SIGNAL: usize = 0;
    const RING: usize = 1;
    const DRAIN: usize = 2;
    let mut reactor = Reactor::new().context("cannot create the event loop")?;
    let _signal_watch =
        watch_read(&mut reactor, signals.fd(), SIGNAL).context("cannot watch for signals")?;
    let _ring_watch =
        watch_read(&mut reactor, cap.as_fd(), RING).context("cannot watch the capture")?;
    let (mut ready, mut fired) = (Vec::new(), Vec::new());
    let end = loop {
        ready.clear();
        fired.clear();
        reactor
            .wait(None, &mut ready, &mut fired)
            .context("poll failed")?;
        if let Some(signal) = signals.pending()
            && interrupted.is_none()
        {
            let until = Instant::now() + drain;
            interrupted = Some((signal, until));
            reactor.timer(until, DRAIN);
        }
        // An error on the ring's socket (pending until fetched, so it would wake every wait):
        // the interface went down or away, which ends the capture after what the ring holds.
        let gone = if ready.iter().any(|e| e.token == RING && e.closed) {
            cap.take_error()
        } else {
            None
        };
        let mut failed: Option<io::Error> = None;
        cap.for_each_ready(|f| {
            let name = names
                .entry(f.ifindex)
                .or_insert_with(|| if_name(f.ifindex).unwrap_or_default());
            // The 802.1Q tag the kernel took out goes back in, as libpcap does.
            let tag = f
                .vlan_tci
                .filter(|_| link == LinkType::ETHERNET && f.data.len() >= 12);
            let meta = Meta {
                ts_sec: f.ts_sec,
                ts_nsec: f.ts_nsec,
                len: match (cooked, tag) {
                    (true, _) => f.len + 16,
                    (false, Some(_)) => f.len + 4,
                    (false, None) => f.len,
                },
                link,
                iface: if cooked { Some(name.as_str()) } else { None },
                pkttype: Some(live::packet_type(f)),
            };
            let r = if cooked {
                // What libpcap stores for "any": a cooked header, then the network packet.
                sll.clear();
                sll.extend_from_slice(&live::sll_header(f));
                sll.extend_from_slice(f.data);
                sink.packet(&meta, &sll)
            } else if let Some(tci) = tag {
                insert_vlan(&mut sll, f.data, f.vlan_tpid, tci, snaplen as usize);
                sink.packet(&meta, &sll)
            } else {
                sink.packet(&meta, f.data)
            };
            if let Err(e) = r {
                failed = Some(e);
                return false;
            }
            count += 1;
            limit.is_none_or(|l| count < l)
        });
        if let Some(e) = failed {
            stop = Some(write_result(Err(e)).map(|_| Code::Success));
        } else if limit.is_some_and(|l| count >= l) {
            stop = Some(Ok(Code::Success));
        } else if let Some(e) = gone {
            stop = Some(Err(interface_lost(iface, ifindex, e)));
        } else if let Some((signal, until)) = interrupted
            && Instant::now() >= until
        {
            stop = Some(Err(Interrupted { signal }.into()));
        }
        // Each batch goes out as it comes, so a pipeline sees packets as they arrive.
        if !write_result(sink.flush(stop.is_some()))? {
            stop = Some(Ok(Code::Success));
        }
        if let Some(end) = stop.take() {
            break end;
        }
    };
    let _ = sink.flush(true);
    let stats = cap.stats().context("cannot read capture statistics")?;
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "{count} packets captured, {} dropped by kernel",
        stats.drops
    );
    end
}

/// Why a capture on one interface ended early: ENETDOWN when it went down or was deleted
/// (told apart by whether its index still names it), any other socket error as it is.
fn interface_lost(iface: Option<&str>, ifindex: Option<u32>, err: io::Error) -> anyhow::Error {
    let name = iface.unwrap_or("all interfaces");
    if err.raw_os_error() != Some(libc::ENETDOWN) {
        return anyhow::Error::new(err).context(format!("capture on {name} failed"));
    }
    let still_there = ifindex.is_some_and(|i| if_name(i).is_ok_and(|n| n == name));
    let what = if still_there {
        "went down"
    } else {
        "went away"
    };
    anyhow::anyhow!("capture on {name} ended: the interface {what}")
}

/// `data` (an Ethernet frame, at least the two MAC addresses) with the tag `tpid`, `tci`
/// put back after the MAC addresses, into `buf`; cut to `snaplen` like libpcap does.
fn insert_vlan(buf: &mut Vec<u8>, data: &[u8], tpid: u16, tci: u16, snaplen: usize) {
    buf.clear();
    buf.extend_from_slice(&data[..12]);
    buf.extend_from_slice(&tpid.to_be_bytes());
    buf.extend_from_slice(&tci.to_be_bytes());
    buf.extend_from_slice(&data[12..]);
    buf.truncate(snaplen);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlan_tag_goes_back_after_the_mac_addresses() {
        let frame: Vec<u8> = (1..=20).collect();
        let mut buf = Vec::with_capacity(64);
        insert_vlan(&mut buf, &frame, 0x8100, 0x200a, 64);
        let mut want: Vec<u8> = (1..=12).collect();
        want.extend_from_slice(&[0x81, 0x00, 0x20, 0x0a]);
        want.extend(13..=20);
        assert_eq!(buf, want);
        insert_vlan(&mut buf, &frame, 0x88a8, 10, 14);
        assert_eq!(buf, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x88, 0xa8]);
    }
}
