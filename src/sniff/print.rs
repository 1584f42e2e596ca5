//! `sniff`'s output: one tcpdump-style line per packet (timestamp, summary from `decode`,
//! optional hex dump) or one JSON object per packet, appended to a caller's buffer with no
//! allocation per packet once the scratch buffer has grown.
//!
//! JSON Lines fields (always all present, `null` when unknown, in this order):
//! `ts` (epoch seconds with 6 or 9 decimals, a JSON number), `iface`, `direction`
//! (`"In"`, `"Out"`, `"B"`, `"M"`, `"P"`, `"?"`), `len` (wire length), `caplen`, `link`
//! (pcap LINKTYPE number), `src_mac`, `dst_mac`, `ethertype`, `vlan` (array of ids,
//! outermost first), `proto` (`"arp"`, `"ip"`, `"ip6"`, `"tcp"`, `"udp"`, `"icmp"`,
//! `"icmp6"`, `"can"`), `ip_proto`, `src`, `dst`, `sport`, `dport`, `tcp_flags` (tcpdump letters,
//! e.g. `"S."`), `seq`, `ack`, `win`, `icmp_type`, `icmp_code`, `truncated` (bool), `can`
//! (a CAN frame's fields as `can dump --json` has them, from `id` to `error_words`),
//! `summary` (the text line without timestamp).

use serde::Serialize;
use serde_json::value::RawValue;

use super::decode::{self, Addr, Fields, put_dec, put_ipv4, put_ipv6, put_mac};
use super::hex;
use super::link::Meta;
use crate::sys::time;

/// tcpdump's `-t` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsStyle {
    /// `HH:MM:SS.ffffff` local time (default).
    #[default]
    Local,
    /// No timestamp (`-t`).
    None,
    /// Seconds since the epoch, `1700000000.000007` (`-tt`).
    Epoch,
    /// Time since the previous packet, ` 00:00:01.001000` (`-ttt`).
    Delta,
    /// `2023-11-14 22:13:20.000007` local time (`-tttt`).
    Date,
    /// Time since the first packet (`-ttttt`).
    SinceFirst,
}

/// tcpdump's `-x`/`-xx`/`-X`/`-XX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hex {
    #[default]
    No,
    /// `-x`: hex from the network header.
    Net,
    /// `-X`: hex and ASCII from the network header.
    NetAscii,
    /// `-xx`: hex from the link header.
    Link,
    /// `-XX`: hex and ASCII from the link header.
    LinkAscii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrintOpts {
    pub ts: TsStyle,
    /// `-e`: print the link-layer header.
    pub link_header: bool,
    pub hex: Hex,
    /// Nanosecond timestamps (`--nano`) instead of microseconds.
    pub nanos: bool,
    /// JSON Lines instead of text (`ts`, `link_header` and `hex` do not apply except that
    /// `-e` changes the `summary` text as it changes the line).
    pub json: bool,
}

/// Formats packets; keeps the timestamps `-ttt`/`-ttttt` count from, the cached UTC offset
/// and a scratch buffer.
#[derive(Debug)]
pub struct Printer {
    opts: PrintOpts,
    line: Vec<u8>,
    first: Option<(i64, u32)>,
    prev: Option<(i64, u32)>,
    /// `(second, utc_offset)` of the last local-time lookup.
    tz: Option<(i64, i64)>,
    /// The `--json` record's self-formatted fields, reused from packet to packet.
    text: Vec<u8>,
}

impl Printer {
    pub fn new(opts: PrintOpts) -> Printer {
        Printer {
            opts,
            line: Vec::with_capacity(256),
            first: None,
            prev: None,
            tz: None,
            text: Vec::with_capacity(128),
        }
    }

    /// Append the packet's line (with hex lines) or JSON object, and a newline, to `out`.
    pub fn print(&mut self, meta: &Meta<'_>, data: &[u8], out: &mut Vec<u8>) {
        self.line.clear();
        let f = decode::decode(meta, data, self.opts.link_header, &mut self.line);
        let ts = (meta.ts_sec, meta.ts_nsec.min(999_999_999));
        if self.opts.json {
            self.json(meta, data, &f, out);
        } else {
            self.timestamp(ts, out);
            out.extend_from_slice(&self.line);
            let (from, ascii) = match self.opts.hex {
                Hex::No => (f.payload_hex, false),
                Hex::Net => (Some(f.net_off), false),
                Hex::NetAscii => (Some(f.net_off), true),
                Hex::Link => (Some(0), false),
                Hex::LinkAscii => (Some(0), true),
            };
            if let Some(from) = from {
                hex::dump(data.get(from..).unwrap_or(&[]), ascii, out);
            }
            out.push(b'\n');
        }
        self.first.get_or_insert(ts);
        self.prev = Some(ts);
    }

    fn frac(&self, nsec: u32, out: &mut Vec<u8>) {
        let (v, digits) = if self.opts.nanos {
            (nsec, 9)
        } else {
            (nsec / 1000, 6)
        };
        pad_dec(out, u64::from(v), digits);
    }

    /// UTC offset in effect at `sec`, from localtime_r at most once per distinct second.
    fn utc_offset(&mut self, sec: i64) -> i64 {
        match self.tz {
            Some((s, off)) if s == sec => off,
            _ => {
                let off = time::local_time(sec).map_or(0, |t| t.utc_offset);
                self.tz = Some((sec, off));
                off
            }
        }
    }

    fn timestamp(&mut self, (sec, nsec): (i64, u32), out: &mut Vec<u8>) {
        match self.opts.ts {
            TsStyle::None => {}
            TsStyle::Epoch => {
                if sec < 0 {
                    out.push(b'-');
                }
                put_dec(out, sec.unsigned_abs());
                out.push(b'.');
                self.frac(nsec, out);
                out.push(b' ');
            }
            TsStyle::Local | TsStyle::Date => {
                let local = sec + self.utc_offset(sec);
                let days = local.div_euclid(86_400);
                let tod = local.rem_euclid(86_400) as u64;
                if self.opts.ts == TsStyle::Date {
                    let (y, m, d) = civil_from_days(days);
                    if y < 0 {
                        out.push(b'-');
                    }
                    pad_dec(out, y.unsigned_abs(), 4);
                    out.push(b'-');
                    pad_dec(out, m, 2);
                    out.push(b'-');
                    pad_dec(out, d, 2);
                    out.push(b' ');
                }
                hms(out, tod);
                out.push(b'.');
                self.frac(nsec, out);
                out.push(b' ');
            }
            TsStyle::Delta | TsStyle::SinceFirst => {
                let base = if self.opts.ts == TsStyle::Delta {
                    self.prev
                } else {
                    self.first
                };
                let (bs, bn) = base.unwrap_or((sec, nsec));
                let diff = i128::from(sec - bs) * 1_000_000_000 + i128::from(nsec) - i128::from(bn);
                out.push(if diff < 0 { b'-' } else { b' ' });
                let diff = diff.unsigned_abs();
                let secs = (diff / 1_000_000_000) as u64;
                hms(out, secs);
                out.push(b'.');
                self.frac((diff % 1_000_000_000) as u32, out);
                out.push(b' ');
            }
        }
    }

    fn json(&mut self, meta: &Meta<'_>, data: &[u8], f: &Fields, out: &mut Vec<u8>) {
        // The fields sockcli formats itself (timestamp, MACs, addresses, TCP flags) are
        // written into one reused buffer first and borrowed from it by the record.
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let mut spans: [Option<(usize, usize)>; 6] = [None; 6];
        let mut span = |text: &mut Vec<u8>, i: usize, put: &mut dyn FnMut(&mut Vec<u8>)| {
            let from = text.len();
            put(text);
            spans[i] = Some((from, text.len()));
        };
        span(&mut text, 0, &mut |t| {
            if meta.ts_sec < 0 {
                t.push(b'-');
            }
            put_dec(t, meta.ts_sec.unsigned_abs());
            t.push(b'.');
            self.frac(meta.ts_nsec.min(999_999_999), t);
        });
        if let Some(m) = f.src_mac {
            span(&mut text, 1, &mut |t| put_mac(t, &m));
        }
        if let Some(m) = f.dst_mac {
            span(&mut text, 2, &mut |t| put_mac(t, &m));
        }
        for (i, a) in [(3, f.src), (4, f.dst)] {
            if a != Addr::None {
                span(&mut text, i, &mut |t| put_addr(t, a));
            }
        }
        if let Some(tcp) = f.tcp {
            span(&mut text, 5, &mut |t| {
                decode::tcp_flag_letters(t, tcp.flags)
            });
        }
        // Every span is ASCII; a field without one is absent (`null`).
        let field = |i: usize| {
            spans[i].map(|(from, to)| std::str::from_utf8(&text[from..to]).unwrap_or_default())
        };
        let ts: &RawValue =
            serde_json::from_str(field(0).unwrap_or_default()).expect("SEC.FRAC is a JSON number");
        let record = PacketRecord {
            ts,
            iface: meta.iface,
            direction: meta.pkttype.or(f.pkttype).map(|p| p.direction()),
            len: meta.len,
            caplen: data.len(),
            link: meta.link.0,
            src_mac: field(1),
            dst_mac: field(2),
            ethertype: f.ethertype,
            vlan: (f.vlan_count > 0).then(|| &f.vlan[..usize::from(f.vlan_count)]),
            proto: f.proto,
            ip_proto: f.ip_proto,
            src: field(3),
            dst: field(4),
            sport: f.sport,
            dport: f.dport,
            tcp_flags: field(5),
            seq: f.tcp.map(|t| t.seq),
            ack: f.tcp.and_then(|t| t.ack),
            win: f.tcp.map(|t| t.win),
            icmp_type: f.icmp.map(|(t, _)| t),
            icmp_code: f.icmp.map(|(_, c)| c),
            truncated: f.truncated,
            can: f.can.as_ref().map(crate::can::format::json_fields),
            summary: crate::json::Lossy(&self.line),
        };
        crate::json::write(out, &record);
        out.push(b'\n');
        self.text = text;
    }
}

/// One packet's `--json` record (the module doc lists the fields); every field is present,
/// `null` when unknown.
#[derive(Serialize)]
struct PacketRecord<'a> {
    ts: &'a RawValue,
    iface: Option<&'a str>,
    direction: Option<&'static str>,
    len: u32,
    caplen: usize,
    link: u32,
    src_mac: Option<&'a str>,
    dst_mac: Option<&'a str>,
    ethertype: Option<u16>,
    vlan: Option<&'a [u16]>,
    proto: Option<&'static str>,
    ip_proto: Option<u8>,
    src: Option<&'a str>,
    dst: Option<&'a str>,
    sport: Option<u16>,
    dport: Option<u16>,
    tcp_flags: Option<&'a str>,
    seq: Option<u32>,
    ack: Option<u32>,
    win: Option<u16>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    truncated: bool,
    can: Option<crate::can::format::JsonFields>,
    summary: crate::json::Lossy<'a>,
}

fn put_addr(out: &mut Vec<u8>, a: Addr) {
    match a {
        Addr::None => {}
        Addr::V4(a) => put_ipv4(out, a),
        Addr::V6(a) => put_ipv6(out, a),
    }
}

/// `v` in at least `width` digits, zero-padded.
fn pad_dec(out: &mut Vec<u8>, v: u64, width: usize) {
    let start = out.len();
    put_dec(out, v);
    let n = out.len() - start;
    if n < width {
        out.resize(out.len() + width - n, b'0');
        out[start..].rotate_right(width - n);
    }
}

/// `HH:MM:SS` (hours may exceed 23 for long deltas).
fn hms(out: &mut Vec<u8>, secs: u64) {
    pad_dec(out, secs / 3600, 2);
    out.push(b':');
    pad_dec(out, secs / 60 % 60, 2);
    out.push(b':');
    pad_dec(out, secs % 60, 2);
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u64, u64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::link::LinkType;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    fn udp_packet() -> Vec<u8> {
        let mut v = Vec::new();
        etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .udp(40000, 9)
            .write(&mut v, b"hello")
            .unwrap();
        v
    }

    fn meta(sec: i64, nsec: u32, len: usize) -> Meta<'static> {
        Meta {
            ts_sec: sec,
            ts_nsec: nsec,
            len: len as u32,
            link: LinkType::ETHERNET,
            iface: None,
            pkttype: None,
        }
    }

    fn run(opts: PrintOpts, pkts: &[(i64, u32)]) -> String {
        let p = udp_packet();
        let mut pr = Printer::new(opts);
        let mut out = Vec::new();
        for &(s, n) in pkts {
            pr.print(&meta(s, n, p.len()), &p, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn timestamp_styles() {
        let ts = [(1_700_000_000, 7_000), (1_700_000_001, 1_007_000)];
        let o = |ts| PrintOpts {
            ts,
            ..PrintOpts::default()
        };
        let line = "IP 127.0.0.1.40000 > 127.0.0.1.9: UDP, length 5\n";
        assert_eq!(
            run(o(TsStyle::Epoch), &ts),
            format!("1700000000.000007 {line}1700000001.001007 {line}")
        );
        assert_eq!(run(o(TsStyle::None), &ts), format!("{line}{line}"));
        assert_eq!(
            run(o(TsStyle::Delta), &ts),
            format!(" 00:00:00.000000 {line} 00:00:01.001000 {line}")
        );
        assert_eq!(
            run(
                o(TsStyle::SinceFirst),
                &[ts[0], ts[1], (1_700_003_601, 7_000)]
            ),
            format!(" 00:00:00.000000 {line} 00:00:01.001000 {line} 01:00:01.000000 {line}")
        );
        let off = time::local_time(1_700_000_000).unwrap();
        let local = run(o(TsStyle::Local), &ts[..1]);
        assert_eq!(
            local,
            format!(
                "{:02}:{:02}:{:02}.000007 {line}",
                off.hour, off.min, off.sec
            )
        );
        let date = run(o(TsStyle::Date), &ts[..1]);
        assert_eq!(
            date,
            format!(
                "{}-{:02}-{:02} {:02}:{:02}:{:02}.000007 {line}",
                off.year, off.month, off.day, off.hour, off.min, off.sec
            )
        );
        let nano = PrintOpts {
            ts: TsStyle::Epoch,
            nanos: true,
            ..PrintOpts::default()
        };
        assert!(run(nano, &ts[..1]).starts_with("1700000000.000007000 IP"));
    }

    #[test]
    fn hex_options() {
        let o = |hex| PrintOpts {
            ts: TsStyle::None,
            hex,
            ..PrintOpts::default()
        };
        let x = run(o(Hex::Net), &[(0, 0)]);
        assert!(x.contains(": UDP, length 5\n\t0x0000:  4500 0021"), "{x}");
        assert!(x.ends_with("\n\t0x0020:  6f\n"), "{x}");
        let xx = run(o(Hex::LinkAscii), &[(0, 0)]);
        assert!(xx.contains("\n\t0x0000:  0200 0000 0002 0200 0000 0001 0800 4500  "));
        assert!(
            xx.ends_with("\n\t0x0020:  0001 9c40 0009 000d 21b6 6865 6c6c 6f    ...@....!.hello\n"),
            "{xx}"
        );
    }

    #[test]
    fn json_record() {
        let opts = PrintOpts {
            json: true,
            ..PrintOpts::default()
        };
        let s = run(opts, &[(1_700_000_000, 7_000)]);
        assert_eq!(
            s,
            "{\"ts\":1700000000.000007,\"iface\":null,\"direction\":null,\"len\":47,\
             \"caplen\":47,\"link\":1,\"src_mac\":\"02:00:00:00:00:01\",\
             \"dst_mac\":\"02:00:00:00:00:02\",\"ethertype\":2048,\"vlan\":null,\
             \"proto\":\"udp\",\"ip_proto\":17,\"src\":\"127.0.0.1\",\"dst\":\"127.0.0.1\",\
             \"sport\":40000,\"dport\":9,\"tcp_flags\":null,\"seq\":null,\"ack\":null,\
             \"win\":null,\"icmp_type\":null,\"icmp_code\":null,\"truncated\":false,\
             \"can\":null,\"summary\":\"IP 127.0.0.1.40000 > 127.0.0.1.9: UDP, length 5\"}\n"
        );
    }

    /// By hand: `cargo test --release bench_udp -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_udp() {
        let p = udp_packet();
        let m = meta(1_700_000_000, 0, p.len());
        for (name, opts) in [
            (
                "text -tt",
                PrintOpts {
                    ts: TsStyle::Epoch,
                    ..PrintOpts::default()
                },
            ),
            ("text local", PrintOpts::default()),
            (
                "json",
                PrintOpts {
                    json: true,
                    ..PrintOpts::default()
                },
            ),
        ] {
            let mut pr = Printer::new(opts);
            let mut out = Vec::with_capacity(1 << 20);
            let n = 1_000_000u32;
            let t = std::time::Instant::now();
            let mut bytes = 0;
            for i in 0..n {
                let m = Meta {
                    ts_sec: m.ts_sec + i64::from(i / 100_000),
                    ts_nsec: i % 1_000_000_000,
                    ..m
                };
                pr.print(&m, &p, &mut out);
                if out.len() > (1 << 20) - 512 {
                    bytes += out.len();
                    out.clear();
                }
            }
            bytes += out.len();
            let el = t.elapsed();
            println!(
                "{name}: {n} UDP packets in {el:?}: {:.1} ns/packet, {bytes} bytes",
                el.as_nanos() as f64 / f64::from(n)
            );
        }
    }
}
