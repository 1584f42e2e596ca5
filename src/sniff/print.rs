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
}

impl Printer {
    pub fn new(opts: PrintOpts) -> Printer {
        Printer {
            opts,
            line: Vec::with_capacity(256),
            first: None,
            prev: None,
            tz: None,
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
        out.extend_from_slice(b"{\"ts\":");
        if meta.ts_sec < 0 {
            out.push(b'-');
        }
        put_dec(out, meta.ts_sec.unsigned_abs());
        out.push(b'.');
        self.frac(meta.ts_nsec.min(999_999_999), out);
        out.extend_from_slice(b",\"iface\":");
        match meta.iface {
            Some(i) => crate::json::write(out, i),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"direction\":");
        match meta.pkttype.or(f.pkttype) {
            Some(p) => {
                out.push(b'"');
                out.extend_from_slice(p.direction().as_bytes());
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        num(out, "len", Some(u64::from(meta.len)));
        num(out, "caplen", Some(data.len() as u64));
        num(out, "link", Some(u64::from(meta.link.0)));
        mac(out, "src_mac", f.src_mac);
        mac(out, "dst_mac", f.dst_mac);
        num(out, "ethertype", f.ethertype.map(u64::from));
        out.extend_from_slice(b",\"vlan\":");
        if f.vlan_count == 0 {
            out.extend_from_slice(b"null");
        } else {
            out.push(b'[');
            for (i, v) in f.vlan[..usize::from(f.vlan_count)].iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put_dec(out, u64::from(*v));
            }
            out.push(b']');
        }
        out.extend_from_slice(b",\"proto\":");
        match f.proto {
            Some(p) => {
                out.push(b'"');
                out.extend_from_slice(p.as_bytes());
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        num(out, "ip_proto", f.ip_proto.map(u64::from));
        addr(out, "src", f.src);
        addr(out, "dst", f.dst);
        num(out, "sport", f.sport.map(u64::from));
        num(out, "dport", f.dport.map(u64::from));
        out.extend_from_slice(b",\"tcp_flags\":");
        match f.tcp {
            Some(t) => {
                out.push(b'"');
                for (bit, c) in [
                    (1, b'F'),
                    (2, b'S'),
                    (4, b'R'),
                    (8, b'P'),
                    (16, b'.'),
                    (32, b'U'),
                    (64, b'E'),
                    (128, b'W'),
                ] {
                    if t.flags & bit != 0 {
                        out.push(c);
                    }
                }
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        num(out, "seq", f.tcp.map(|t| u64::from(t.seq)));
        num(out, "ack", f.tcp.and_then(|t| t.ack).map(u64::from));
        num(out, "win", f.tcp.map(|t| u64::from(t.win)));
        num(out, "icmp_type", f.icmp.map(|(t, _)| u64::from(t)));
        num(out, "icmp_code", f.icmp.map(|(_, c)| u64::from(c)));
        out.extend_from_slice(if f.truncated {
            b",\"truncated\":true"
        } else {
            b",\"truncated\":false"
        });
        out.extend_from_slice(b",\"can\":");
        match &f.can {
            Some(c) => crate::json::write(out, &crate::can::format::json_fields(c)),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"summary\":");
        crate::json::write(out, &crate::json::Lossy(&self.line));
        out.extend_from_slice(b"}\n");
    }
}

fn key(out: &mut Vec<u8>, k: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

fn num(out: &mut Vec<u8>, k: &str, v: Option<u64>) {
    key(out, k);
    match v {
        Some(v) => put_dec(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

fn mac(out: &mut Vec<u8>, k: &str, m: Option<[u8; 6]>) {
    key(out, k);
    match m {
        Some(m) => {
            out.push(b'"');
            put_mac(out, &m);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn addr(out: &mut Vec<u8>, k: &str, a: Addr) {
    key(out, k);
    match a {
        Addr::None => out.extend_from_slice(b"null"),
        Addr::V4(a) => {
            out.push(b'"');
            put_ipv4(out, a);
            out.push(b'"');
        }
        Addr::V6(a) => {
            out.push(b'"');
            put_ipv6(out, a);
            out.push(b'"');
        }
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
