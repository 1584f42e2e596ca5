//! Packet decoding for `sniff`'s text and JSON output: one summary line per packet in the
//! manner of `tcpdump -n -S` (4.99), plus the fields the JSON record carries.
//!
//! Header parsing goes through etherparse's checked header slices (Ethernet II, 802.1Q,
//! IPv4, IPv6 and its extension headers, TCP, UDP, ICMP, ICMPv6, ARP); the tiny fixed
//! headers etherparse does not cover, or checks more strictly than a printer should (Linux
//! cooked v1/v2, BSD loopback), and the TCP option list are read with bounds-checked
//! `get`s. Nothing here indexes unchecked, so malformed input prints `[|proto]` and never
//! panics. Nothing allocates either (but a CAN error frame's words, built by `crate::can`):
//! text goes into the caller's reused `Vec<u8>`.
//!
//! Differences from tcpdump, on purpose:
//! - sequence numbers are absolute (as `tcpdump -S`), never relative to the first packet;
//! - above TCP/UDP only DNS (`dns.rs`), BOOTP and DHCPv6 (`dhcp.rs`), NTP (`ntp.rs`), PTP
//!   (`ptp.rs`, also over Ethernet), syslog (`syslog.rs`), ESP in UDP (`esp.rs`), VXLAN
//!   and Geneve (`tunnel.rs`, with the packet they carry) are decoded; others print `UDP, length N`, and a TCP segment's line ends at
//!   `length N`; IPv6 mobility headers are `mobility.rs`, MPTCP options `mptcp.rs`, Linux
//!   ARCnet frames `arcnet.rs`, SocketCAN frames (link type 227) `can.rs`, in candump's words;
//! - IPv6 routing headers print as `RT6 `, AH as `AH `, without their details;
//! - less common ICMP/ICMPv6 types print their name only.

use etherparse::{
    ArpPacketSlice, Ethernet2HeaderSlice, Icmpv4Slice, Icmpv6Slice, IpAuthHeaderSlice,
    Ipv4HeaderSlice, Ipv6FragmentHeaderSlice, Ipv6HeaderSlice, Ipv6RawExtHeaderSlice,
    SingleVlanHeaderSlice, TcpHeaderSlice, UdpHeaderSlice,
};

use super::link::{LinkType, Meta, PacketType};
use crate::digits::put_hex_min;
// The decoders (children) and the printer write numbers and addresses with these.
pub use crate::digits::{put_dec, put_hex, put_ipv4, put_ipv6};

mod arcnet;
mod can;
mod dhcp;
mod dns;
mod esp;
mod mobility;
mod mptcp;
mod ntp;
mod ptp;
mod syslog;
mod tunnel;

/// A network address found in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Addr {
    #[default]
    None,
    V4([u8; 4]),
    V6([u8; 16]),
}

/// TCP header fields for the JSON record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFields {
    /// The flag byte (FIN=1, SYN=2, RST=4, PSH=8, ACK=16, URG=32, ECE=64, CWR=128).
    pub flags: u8,
    pub seq: u32,
    /// Present when the ACK flag is set.
    pub ack: Option<u32>,
    pub win: u16,
}

/// What the decoder learnt about one packet, besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    /// The innermost ethertype (after VLAN tags), or the cooked header's protocol.
    pub ethertype: Option<u16>,
    /// VLAN ids, outermost first; `vlan_count` of them are valid (at most 2 kept).
    pub vlan: [u16; 2],
    pub vlan_count: u8,
    /// Direction from a cooked header (used when `Meta::pkttype` is `None`).
    pub pkttype: Option<PacketType>,
    /// `"arp"`, `"ip"` (IPv4 without a decoded transport), `"ip6"`, `"tcp"`, `"udp"`,
    /// `"icmp"`, `"icmp6"`, `"can"`, or `None` for a packet not decoded that far.
    pub proto: Option<&'static str>,
    /// The IP protocol number (IPv6: the last next-header value).
    pub ip_proto: Option<u8>,
    pub src: Addr,
    pub dst: Addr,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub tcp: Option<TcpFields>,
    /// ICMP or ICMPv6 type and code.
    pub icmp: Option<(u8, u8)>,
    /// Where the network header starts in the captured bytes (`-x` dumps from here).
    pub net_off: usize,
    /// Bytes tcpdump would dump as hex after the line (an unknown ethertype's payload).
    pub payload_hex: Option<usize>,
    /// A `[|proto]` or `bad-len` was printed: the packet was cut or malformed.
    pub truncated: bool,
    /// A whole CAN frame (LINKTYPE_CAN_SOCKETCAN), for the JSON record's `can` object.
    pub can: Option<crate::can::Frame>,
}

/// Decode one packet: append its summary line (without timestamp or newline) to `out`.
/// `link_header` is tcpdump's `-e`.
pub fn decode(meta: &Meta<'_>, data: &[u8], link_header: bool, out: &mut Vec<u8>) -> Fields {
    let mut d = Dec {
        out,
        f: Fields::default(),
        eflag: link_header,
        addrs_done: false,
        frag: false,
    };
    let wire = (meta.len as usize).max(data.len());
    match meta.link {
        LinkType::ETHERNET => {
            d.iface_prefix(meta, None);
            d.ether(data, wire);
        }
        LinkType::LINUX_SLL => d.sll(meta, data, wire),
        LinkType::LINUX_SLL2 => d.sll2(meta, data, wire),
        LinkType::RAW => {
            d.iface_prefix(meta, None);
            if d.eflag {
                d.s("ip: ");
            }
            match data.first().map(|b| b >> 4) {
                Some(4) => d.ip4(data, wire),
                Some(6) => d.ip6(data, wire),
                Some(v) => {
                    d.s("unknown ip ");
                    d.dec(u64::from(v));
                }
                None => d.trunc("ip"),
            }
        }
        LinkType::IPV4 => {
            d.iface_prefix(meta, None);
            d.ip4(data, wire);
        }
        LinkType::IPV6 => {
            d.iface_prefix(meta, None);
            d.ip6(data, wire);
        }
        LinkType::ARCNET_LINUX => {
            d.iface_prefix(meta, None);
            d.arcnet(data, wire);
        }
        LinkType::CAN_SOCKETCAN => {
            d.iface_prefix(meta, None);
            d.can(data, wire);
        }
        LinkType::NULL | LinkType::LOOP => {
            d.iface_prefix(meta, None);
            d.null(meta.link == LinkType::LOOP, data, wire);
        }
        LinkType(n) => {
            d.iface_prefix(meta, None);
            d.s("unknown link-type ");
            d.dec(u64::from(n));
            d.s(", length ");
            d.dec(wire as u64);
        }
    }
    d.f
}

struct Dec<'o> {
    out: &'o mut Vec<u8>,
    f: Fields,
    eflag: bool,
    /// `src > dst: ` was printed already (IPv6 extension headers, non-TCP/UDP protocols).
    addrs_done: bool,
    /// The IP datagram is the first fragment of several: UDP's length is not checked.
    frag: bool,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn ethertype_name(et: u16) -> &'static str {
    match et {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q",
        0x88a8 => "802.1Q-QinQ",
        0x9100 => "802.1Q-9100",
        0x8035 => "Reverse ARP",
        0x8847 => "MPLS unicast",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE D",
        0x8864 => "PPPoE S",
        0x888e => "EAPOL",
        0x88cc => "LLDP",
        0x88f7 => "PTP",
        0x9000 => "Loopback",
        _ => "Unknown",
    }
}

fn is_vlan(et: u16) -> bool {
    matches!(et, 0x8100 | 0x88a8 | 0x9100)
}

impl Dec<'_> {
    fn s(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn dec(&mut self, v: u64) {
        put_dec(self.out, v);
    }

    /// Lowercase hex with no leading zeros (`0` for zero), as tcpdump's `%x`/`%llx`.
    fn hex(&mut self, v: u64) {
        put_hex_min(self.out, v);
    }

    /// `label` then `v` as [`Self::hex`].
    fn label_hex(&mut self, label: &str, v: u64) {
        self.s(label);
        self.hex(v);
    }

    fn hex04(&mut self, v: u16) {
        self.s("0x");
        put_hex(self.out, u32::from(v), 4);
    }

    fn mac(&mut self, m: &[u8]) {
        put_mac(self.out, m);
    }

    fn addr(&mut self, a: Addr) {
        match a {
            Addr::None => {}
            Addr::V4(a) => put_ipv4(self.out, a),
            Addr::V6(a) => put_ipv6(self.out, a),
        }
    }

    fn trunc(&mut self, what: &str) {
        self.s(" [|");
        self.s(what);
        self.s("]");
        self.f.truncated = true;
    }

    /// `src > dst: ` once, before a non-TCP/UDP protocol or IPv6 extension headers.
    fn addrs(&mut self) {
        if !self.addrs_done {
            self.addrs_done = true;
            self.addr(self.f.src);
            self.s(" > ");
            self.addr(self.f.dst);
            self.s(": ");
        }
    }

    /// `src.sport > dst.dport: ` (only the ports after `addrs`).
    fn ports(&mut self, sport: u16, dport: u16) {
        self.f.sport = Some(sport);
        self.f.dport = Some(dport);
        if !self.addrs_done {
            self.addr(self.f.src);
            self.s(".");
        }
        self.dec(u64::from(sport));
        self.s(" > ");
        if !self.addrs_done {
            self.addr(self.f.dst);
            self.s(".");
        }
        self.dec(u64::from(dport));
        self.s(": ");
    }

    /// `lo    In  ` as tcpdump prints for "any" captures: when the interface is known (or
    /// the link type is cooked v2, which carries an index).
    fn iface_prefix(&mut self, meta: &Meta<'_>, ifindex: Option<u32>) {
        if meta.iface.is_none() && ifindex.is_none() {
            return;
        }
        let start = self.out.len();
        match (meta.iface, ifindex) {
            (Some(name), _) => self.s(name),
            (None, Some(i)) => {
                self.s("ifindex ");
                self.dec(u64::from(i));
            }
            (None, None) => {}
        }
        pad_to(self.out, start + 5);
        self.s(" ");
        let dir = meta
            .pkttype
            .or(self.f.pkttype)
            .map_or("?", PacketType::direction);
        let start = self.out.len();
        self.s(dir);
        pad_to(self.out, start + 3);
        self.s(" ");
    }

    fn ether(&mut self, data: &[u8], wire: usize) {
        let Ok(eth) = Ethernet2HeaderSlice::from_slice(data) else {
            self.trunc("ether");
            return;
        };
        let (src, dst) = (eth.source(), eth.destination());
        self.f.src_mac = Some(src);
        self.f.dst_mac = Some(dst);
        let outer = eth.ether_type().0;
        let mut rest = &data[eth.slice().len()..];
        if outer < 0x0600 {
            // 802.3 length field: LLC follows, which we do not decode.
            self.mac(&src);
            self.s(" > ");
            self.mac(&dst);
            self.s(", 802.3, length ");
            self.dec(wire as u64);
            self.f.net_off = 14;
            return;
        }
        // Walk the VLAN tags first: whether the link header is printed depends on what is
        // inside them.
        let mut et = outer;
        let mut tags = rest;
        let mut vlan_trunc = false;
        while is_vlan(et) {
            match SingleVlanHeaderSlice::from_slice(tags) {
                Ok(v) => {
                    if usize::from(self.f.vlan_count) < self.f.vlan.len() {
                        self.f.vlan[usize::from(self.f.vlan_count)] = v.vlan_identifier().value();
                        self.f.vlan_count += 1;
                    }
                    et = v.ether_type().0;
                    tags = &tags[v.slice().len()..];
                }
                Err(_) => {
                    vlan_trunc = true;
                    break;
                }
            }
        }
        self.f.ethertype = Some(et);
        let known = matches!(et, 0x0800 | 0x86dd | 0x0806 | 0x88f7);
        let show = self.eflag || !known || vlan_trunc;
        if show {
            self.mac(&src);
            self.s(" > ");
            self.mac(&dst);
            self.s(", ethertype ");
            self.s(ethertype_name(outer));
            self.s(" (");
            self.hex04(outer);
            self.s("), length ");
            self.dec(wire as u64);
            self.s(": ");
        }
        let mut et = outer;
        while is_vlan(et) {
            let Ok(v) = SingleVlanHeaderSlice::from_slice(rest) else {
                self.trunc("vlan");
                return;
            };
            et = v.ether_type().0;
            if show {
                self.s("vlan ");
                self.dec(u64::from(v.vlan_identifier().value()));
                self.s(", p ");
                self.dec(u64::from(v.priority_code_point().value()));
                if v.drop_eligible_indicator() {
                    self.s(", DEI");
                }
                self.s(", ethertype ");
                self.s(ethertype_name(et));
                self.s(" (");
                self.hex04(et);
                self.s("), ");
            }
            rest = &rest[v.slice().len()..];
        }
        self.f.net_off = data.len() - rest.len();
        let wire = wire.saturating_sub(self.f.net_off);
        self.net(et, rest, wire);
    }

    /// The protocol after a link header.
    fn net(&mut self, et: u16, data: &[u8], wire: usize) {
        match et {
            0x0800 => self.ip4(data, wire),
            0x86dd => self.ip6(data, wire),
            0x0806 => self.arp(data, wire),
            0x88f7 => self.ptp(data, wire),
            _ => {
                if !data.is_empty() {
                    self.f.payload_hex = Some(self.f.net_off);
                }
            }
        }
    }

    /// Linux cooked capture v1: pkttype, ARPHRD type, address length, 8 address bytes,
    /// protocol.
    fn sll(&mut self, meta: &Meta<'_>, data: &[u8], wire: usize) {
        let Some(hdr) = data.get(..16) else {
            self.iface_prefix(meta, None);
            self.trunc("sll");
            return;
        };
        let pkttype = PacketType::from_raw(be16(hdr, 0).unwrap_or(0));
        self.f.pkttype = Some(pkttype);
        let halen = usize::from(be16(hdr, 4).unwrap_or(0)).min(8);
        let proto = be16(hdr, 14).unwrap_or(0);
        self.iface_prefix(meta, None);
        if self.eflag {
            // Live "any": the interface prefix printed the direction already.
            if meta.iface.is_none() {
                let start = self.out.len();
                self.s(pkttype.direction());
                pad_left(self.out, start, 3);
                self.s(" ");
            }
            self.sll_tail(&hdr[6..6 + halen], proto, wire);
        }
        self.f.net_off = 16;
        self.f.ethertype = Some(proto);
        self.net(proto, &data[16..], wire.saturating_sub(16));
    }

    /// Linux cooked capture v2: protocol, reserved, ifindex, ARPHRD type, pkttype, address
    /// length, 8 address bytes.
    fn sll2(&mut self, meta: &Meta<'_>, data: &[u8], wire: usize) {
        let Some(hdr) = data.get(..20) else {
            self.iface_prefix(meta, Some(0));
            self.trunc("sll2");
            return;
        };
        let proto = be16(hdr, 0).unwrap_or(0);
        let ifindex = be32(hdr, 4).unwrap_or(0);
        self.f.pkttype = Some(PacketType::from_raw(u16::from(hdr[10])));
        let halen = usize::from(hdr[11]).min(8);
        self.iface_prefix(meta, Some(ifindex));
        if self.eflag {
            self.s("ifindex ");
            self.dec(u64::from(ifindex));
            self.s(" ");
            self.sll_tail(&hdr[12..12 + halen], proto, wire);
        }
        self.f.net_off = 20;
        self.f.ethertype = Some(proto);
        self.net(proto, &data[20..], wire.saturating_sub(20));
    }

    fn sll_tail(&mut self, addr: &[u8], proto: u16, wire: usize) {
        self.mac(addr);
        self.s(" ethertype ");
        self.s(ethertype_name(proto));
        self.s(" (");
        self.hex04(proto);
        self.s("), length ");
        self.dec(wire as u64);
        self.s(": ");
    }

    /// BSD loopback (NULL: host byte order, LOOP: network byte order).
    fn null(&mut self, big_endian: bool, data: &[u8], wire: usize) {
        let Some(fam) = data.get(..4) else {
            self.trunc("null");
            return;
        };
        let fam: [u8; 4] = [fam[0], fam[1], fam[2], fam[3]];
        let mut family = if big_endian {
            u32::from_be_bytes(fam)
        } else {
            u32::from_le_bytes(fam)
        };
        if family & 0xffff_0000 != 0 {
            family = family.swap_bytes();
        }
        let v6 = matches!(family, 10 | 24 | 28 | 30);
        if self.eflag || !(family == 2 || v6) {
            self.s("AF ");
            self.s(match family {
                2 => "IPv4",
                _ if v6 => "IPv6",
                _ => "Unknown",
            });
            self.s(" (");
            self.dec(u64::from(family));
            self.s("), length ");
            self.dec(wire as u64);
            self.s(": ");
        }
        self.f.net_off = 4;
        let (rest, wire) = (&data[4..], wire.saturating_sub(4));
        if family == 2 {
            self.ip4(rest, wire);
        } else if v6 {
            self.ip6(rest, wire);
        } else if !rest.is_empty() {
            self.f.payload_hex = Some(4);
        }
    }

    fn ip4(&mut self, data: &[u8], _wire: usize) {
        let name = !self.eflag;
        match data.first().map(|b| b >> 4) {
            Some(4) => {}
            Some(6) => {
                self.s("IP6, wrong link-layer encapsulation (invalid)");
                self.f.truncated = true;
                return;
            }
            Some(v) => {
                self.s("IP");
                self.dec(u64::from(v));
                self.s(" (invalid)");
                self.f.truncated = true;
                return;
            }
            None => {
                self.trunc("ip");
                return;
            }
        }
        if name {
            self.s("IP ");
        }
        if data.len() < 20 {
            self.trunc("ip");
            return;
        }
        let hlen = usize::from(data[0] & 15) * 4;
        if hlen < 20 {
            self.s("bad-hlen ");
            self.dec(hlen as u64);
            self.f.truncated = true;
            return;
        }
        let total = usize::from(be16(data, 2).unwrap_or(0));
        if total < hlen {
            self.s("bad-len ");
            self.dec(total as u64);
            self.f.truncated = true;
            return;
        }
        let Ok(h) = Ipv4HeaderSlice::from_slice(data) else {
            self.trunc("ip");
            return;
        };
        self.f.proto = Some("ip");
        self.f.src = Addr::V4(h.source());
        self.f.dst = Addr::V4(h.destination());
        let proto = h.protocol().0;
        self.f.ip_proto = Some(proto);
        let payload = &data[hlen..total.min(data.len()).max(hlen)];
        let len = total - hlen;
        self.frag = h.more_fragments();
        if h.fragments_offset().value() != 0 {
            self.addr(self.f.src);
            self.s(" > ");
            self.addr(self.f.dst);
            self.s(": ip-proto-");
            self.dec(u64::from(proto));
            return;
        }
        self.transport(proto, payload, len, false);
    }

    fn ip6(&mut self, data: &[u8], _wire: usize) {
        let Ok(h) = Ipv6HeaderSlice::from_slice(data) else {
            self.trunc("ip6");
            return;
        };
        if !self.eflag {
            self.s("IP6 ");
        }
        self.f.proto = Some("ip6");
        self.f.src = Addr::V6(h.source());
        self.f.dst = Addr::V6(h.destination());
        let mut len = usize::from(h.payload_length());
        let mut payload = &data[40..(40 + len).min(data.len())];
        let mut nh = h.next_header().0;
        loop {
            self.f.ip_proto = Some(nh);
            match nh {
                0 | 43 | 60 => {
                    self.addrs();
                    self.s(match nh {
                        0 => "HBH ",
                        43 => "RT6 ",
                        _ => "DSTOPT ",
                    });
                    let Ok(x) = Ipv6RawExtHeaderSlice::from_slice(payload) else {
                        self.trunc("ip6");
                        return;
                    };
                    nh = x.next_header().0;
                    let n = x.slice().len();
                    payload = &payload[n..];
                    len = len.saturating_sub(n);
                }
                44 => {
                    self.addrs();
                    let Ok(x) = Ipv6FragmentHeaderSlice::from_slice(payload) else {
                        self.trunc("frag");
                        return;
                    };
                    let off = u64::from(x.fragment_offset().value()) * 8;
                    len = len.saturating_sub(8);
                    self.s("frag (");
                    self.dec(off);
                    self.s("|");
                    self.dec(len as u64);
                    self.s(") ");
                    if off != 0 {
                        return;
                    }
                    self.frag = true;
                    nh = x.next_header().0;
                    payload = &payload[8..];
                }
                51 => {
                    self.addrs();
                    self.s("AH ");
                    let Ok(x) = IpAuthHeaderSlice::from_slice(payload) else {
                        self.trunc("AH");
                        return;
                    };
                    nh = x.next_header().0;
                    let n = x.slice().len();
                    payload = &payload[n..];
                    len = len.saturating_sub(n);
                }
                59 => {
                    self.addrs();
                    self.s("no next header");
                    return;
                }
                _ => break,
            }
        }
        self.transport(nh, payload, len, true);
    }

    /// The protocol after an IP header; `len` is its length on the wire.
    fn transport(&mut self, proto: u8, data: &[u8], len: usize, v6: bool) {
        match proto {
            6 => self.tcp(data, len),
            17 => self.udp(data, len),
            1 if !v6 => self.icmp4(data, len),
            58 if v6 => self.icmp6(data, len),
            135 | 62 if v6 => {
                self.addrs();
                self.mobility(data);
            }
            _ => {
                self.addrs();
                self.s(" ip-proto-");
                self.dec(u64::from(proto));
                self.s(" ");
                self.dec(len as u64);
            }
        }
    }

    /// `len` is the IP payload length on the wire.
    fn udp(&mut self, data: &[u8], len: usize) {
        let (Some(sport), Some(dport)) = (be16(data, 0), be16(data, 2)) else {
            self.addrs();
            self.trunc("udp");
            return;
        };
        self.ports(sport, dport);
        let Ok(h) = UdpHeaderSlice::from_slice(data) else {
            self.trunc("udp");
            return;
        };
        self.f.proto = Some("udp");
        let ulen = h.length();
        if ulen < 8 {
            self.s("truncated-udplength ");
            self.dec(u64::from(ulen));
            self.f.truncated = true;
            return;
        }
        // The application decoders get the captured payload and its length on the wire.
        let payload = data.get(8..).unwrap_or(&[]);
        let n = usize::from(ulen).min(len).saturating_sub(8);
        if let Some(mdns) = dns::udp_port(sport, dport) {
            self.dns_udp(payload, n, mdns);
            return;
        }
        if ntp::udp_port(sport, dport) {
            self.ntp_udp(payload, n);
            return;
        }
        if self.dhcp_udp(sport, dport, payload, n) {
            return;
        }
        if ptp::udp_port(sport, dport) {
            self.ptp(payload, n);
            return;
        }
        if let Some(vxlan) = tunnel::udp_port(sport, dport) {
            self.tunnel_udp(vxlan, payload, n);
            return;
        }
        if syslog::udp_port(sport, dport) {
            self.syslog_udp(payload, n);
            return;
        }
        if esp::udp_port(sport, dport) && self.esp_udp(payload, n) {
            return;
        }
        if usize::from(ulen) > len && !self.frag {
            self.s("UDP, bad length ");
            self.dec(u64::from(ulen - 8));
            self.s(" > ");
            self.dec(len.saturating_sub(8) as u64);
            self.f.truncated = true;
            return;
        }
        self.s("UDP, length ");
        self.dec(u64::from(ulen - 8));
    }

    fn tcp(&mut self, data: &[u8], len: usize) {
        let (Some(sport), Some(dport)) = (be16(data, 0), be16(data, 2)) else {
            self.addrs();
            self.trunc("tcp");
            return;
        };
        self.ports(sport, dport);
        if data.len() < 20 {
            self.trunc("tcp");
            return;
        }
        let hlen = usize::from(data[12] >> 4) * 4;
        if hlen < 20 {
            self.s("tcp ");
            self.dec(len as u64);
            self.s(" [bad hdr length ");
            self.dec(hlen as u64);
            self.s(" - too short, < 20]");
            self.f.truncated = true;
            return;
        }
        let Ok(h) = TcpHeaderSlice::from_slice(data) else {
            self.trunc("tcp");
            return;
        };
        self.f.proto = Some("tcp");
        let flags = data[13];
        let (seq, ack, win) = (
            h.sequence_number(),
            h.acknowledgment_number(),
            h.window_size(),
        );
        self.f.tcp = Some(TcpFields {
            flags,
            seq,
            ack: (flags & 0x10 != 0).then_some(ack),
            win,
        });
        self.s("Flags [");
        if flags == 0 {
            self.s("none");
        }
        tcp_flag_letters(self.out, flags);
        self.s("]");
        let plen = len.saturating_sub(hlen);
        if plen > 0 || flags & 7 != 0 {
            self.s(", seq ");
            self.dec(u64::from(seq));
            if plen > 0 {
                self.s(":");
                self.dec(u64::from(seq.wrapping_add(plen as u32)));
            }
        }
        if flags & 0x10 != 0 {
            self.s(", ack ");
            self.dec(u64::from(ack));
        }
        self.s(", win ");
        self.dec(u64::from(win));
        if flags & 0x20 != 0 {
            self.s(", urg ");
            self.dec(u64::from(h.urgent_pointer()));
        }
        let opts = h.options();
        if !opts.is_empty() {
            self.s(", options [");
            if self.tcp_options(opts, flags).is_none() {
                return;
            }
            self.s("]");
        }
        self.s(", length ");
        self.dec(plen as u64);
        if plen > 0 && (sport == 53 || dport == 53) {
            self.dns_tcp(data.get(hlen..).unwrap_or(&[]), plen);
        }
    }

    /// `None` after `[bad opt]`, which ends tcpdump's line (with a `]` unless it was the
    /// first option).
    fn tcp_options(&mut self, opts: &[u8], flags: u8) -> Option<()> {
        let mut i = 0;
        while let Some(&kind) = opts.get(i) {
            if i > 0 {
                self.s(",");
            }
            match kind {
                0 => {
                    // tcpdump stops at the end-of-list option.
                    self.s("eol");
                    return Some(());
                }
                1 => {
                    self.s("nop");
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let Some(&olen) = opts.get(i + 1) else {
                self.s("[|tcp]");
                self.f.truncated = true;
                return Some(());
            };
            let olen = usize::from(olen);
            let bad = |d: &mut Self| {
                d.s(if i > 0 { "[bad opt]]" } else { "[bad opt]" });
                d.f.truncated = true;
                None
            };
            let Some(body) = opts.get(i + 2..i + olen.max(2)).filter(|_| olen >= 2) else {
                return bad(self);
            };
            match (kind, body.len()) {
                (2, 2) => {
                    self.s("mss ");
                    self.dec(u64::from(be16(body, 0).unwrap_or(0)));
                }
                (3, 1) => {
                    self.s("wscale ");
                    self.dec(u64::from(body[0]));
                }
                (4, 0) => self.s("sackOK"),
                (5, n) if n % 8 == 0 => {
                    self.s("sack ");
                    self.dec((n / 8) as u64);
                    self.s(" ");
                    for b in body.chunks_exact(8) {
                        self.s("{");
                        self.dec(u64::from(be32(b, 0).unwrap_or(0)));
                        self.s(":");
                        self.dec(u64::from(be32(b, 4).unwrap_or(0)));
                        self.s("}");
                    }
                }
                (8, 8) => {
                    self.s("TS val ");
                    self.dec(u64::from(be32(body, 0).unwrap_or(0)));
                    self.s(" ecr ");
                    self.dec(u64::from(be32(body, 4).unwrap_or(0)));
                }
                (19, _) => self.s("md5"),
                (29, _) => self.s("tcp-ao"),
                (30, _) => {
                    if self.mptcp(&opts[i..i + olen], flags).is_none() {
                        return bad(self);
                    }
                }
                (34, _) => self.s("tfo"),
                _ => {
                    self.s("unknown-");
                    self.dec(u64::from(kind));
                    if !body.is_empty() {
                        self.s(" 0x");
                        for &b in body {
                            put_hex(self.out, u32::from(b), 2);
                        }
                    }
                }
            }
            i += olen;
        }
        Some(())
    }

    fn icmp4(&mut self, data: &[u8], len: usize) {
        self.addrs();
        self.s("ICMP ");
        let Ok(icmp) = Icmpv4Slice::from_slice(data) else {
            self.trunc("icmp");
            return;
        };
        self.f.proto = Some("icmp");
        let (t, c) = (icmp.type_u8(), icmp.code_u8());
        self.f.icmp = Some((t, c));
        let rest = icmp.bytes5to8();
        let inner = data.get(8..).unwrap_or(&[]);
        match t {
            0 | 8 => {
                self.s(if t == 0 {
                    "echo reply, id "
                } else {
                    "echo request, id "
                });
                self.dec(u64::from(u16::from_be_bytes([rest[0], rest[1]])));
                self.s(", seq ");
                self.dec(u64::from(u16::from_be_bytes([rest[2], rest[3]])));
            }
            3 => {
                // The quoted datagram: its destination and, for ports, the transport header.
                let (Some(ihl), Some(dst)) = (
                    inner.first().map(|b| usize::from(b & 15) * 4),
                    inner.get(16..20),
                ) else {
                    self.trunc("icmp");
                    return;
                };
                let dst = [dst[0], dst[1], dst[2], dst[3]];
                let iproto = inner.get(9).copied().unwrap_or(0);
                match c {
                    0 => {
                        self.s("net ");
                        put_ipv4(self.out, dst);
                        self.s(" unreachable");
                    }
                    1 => {
                        self.s("host ");
                        put_ipv4(self.out, dst);
                        self.s(" unreachable");
                    }
                    2 => {
                        put_ipv4(self.out, dst);
                        self.s(" protocol ");
                        self.dec(u64::from(iproto));
                        self.s(" unreachable");
                    }
                    3 => {
                        let Some(dport) = be16(inner, ihl + 2) else {
                            self.trunc("icmp");
                            return;
                        };
                        put_ipv4(self.out, dst);
                        match iproto {
                            6 => self.s(" tcp port "),
                            17 => self.s(" udp port "),
                            p => {
                                self.s(" protocol ");
                                self.dec(u64::from(p));
                                self.s(" port ");
                            }
                        }
                        self.dec(u64::from(dport));
                        self.s(" unreachable");
                    }
                    4 => {
                        put_ipv4(self.out, dst);
                        self.s(" unreachable - need to frag (mtu ");
                        self.dec(u64::from(u16::from_be_bytes([rest[2], rest[3]])));
                        self.s(")");
                    }
                    _ => {
                        put_ipv4(self.out, dst);
                        self.s(" unreachable - code ");
                        self.dec(u64::from(c));
                    }
                }
            }
            11 => self.s(if c == 0 {
                "time exceeded in-transit"
            } else {
                "ip reassembly time exceeded"
            }),
            4 => self.s("source quench"),
            5 => self.s("redirect"),
            9 => self.s("router advertisement"),
            10 => self.s("router solicitation"),
            12 => {
                self.s("parameter problem - octet ");
                self.dec(u64::from(rest[0]));
            }
            13 => self.s("time stamp request"),
            14 => self.s("time stamp reply"),
            15 => self.s("information request"),
            16 => self.s("information reply"),
            17 => self.s("address mask request"),
            18 => self.s("address mask reply"),
            _ => {
                self.s("type-#");
                self.dec(u64::from(t));
            }
        }
        self.s(", length ");
        self.dec(len as u64);
    }

    fn icmp6(&mut self, data: &[u8], len: usize) {
        self.addrs();
        self.s("ICMP6, ");
        let Ok(icmp) = Icmpv6Slice::from_slice(data) else {
            self.trunc("icmp6");
            return;
        };
        self.f.proto = Some("icmp6");
        let (t, c) = (icmp.type_u8(), icmp.code_u8());
        self.f.icmp = Some((t, c));
        let rest = icmp.bytes5to8();
        let body = data.get(8..).unwrap_or(&[]);
        let target = |b: &[u8]| -> Option<[u8; 16]> { b.get(..16)?.try_into().ok() };
        match t {
            128 | 129 => {
                self.s(if t == 128 {
                    "echo request, id "
                } else {
                    "echo reply, id "
                });
                self.dec(u64::from(u16::from_be_bytes([rest[0], rest[1]])));
                self.s(", seq ");
                self.dec(u64::from(u16::from_be_bytes([rest[2], rest[3]])));
            }
            1 => {
                self.s("destination unreachable, ");
                let Some(dst) = body.get(24..40).and_then(target) else {
                    self.trunc("icmp6");
                    return;
                };
                match c {
                    4 => {
                        self.s("unreachable port, ");
                        put_ipv6(self.out, dst);
                        let (nh, port) = (body.get(6).copied(), be16(body, 42));
                        match (nh, port) {
                            (Some(6), Some(p)) => {
                                self.s(" tcp port ");
                                self.dec(u64::from(p));
                            }
                            (Some(17), Some(p)) => {
                                self.s(" udp port ");
                                self.dec(u64::from(p));
                            }
                            _ => {}
                        }
                    }
                    _ => {
                        self.s(match c {
                            0 => "unreachable route ",
                            1 => "unreachable prohibited ",
                            2 => "beyond scope ",
                            3 => "unreachable address ",
                            _ => "unreachable ",
                        });
                        put_ipv6(self.out, dst);
                    }
                }
            }
            2 => {
                self.s("packet too big, mtu ");
                self.dec(u64::from(u32::from_be_bytes(rest)));
            }
            3 => self.s(if c == 0 {
                "time exceeded in-transit"
            } else {
                "time exceeded reassembly"
            }),
            4 => self.s("parameter problem"),
            130 => self.s("multicast listener query"),
            131 => self.s("multicast listener report"),
            132 => self.s("multicast listener done"),
            133 => self.s("router solicitation"),
            134 => self.s("router advertisement"),
            135 | 136 => {
                self.s(if t == 135 {
                    "neighbor solicitation, who has "
                } else {
                    "neighbor advertisement, tgt is "
                });
                let Some(tgt) = target(body) else {
                    self.trunc("icmp6");
                    return;
                };
                put_ipv6(self.out, tgt);
            }
            137 => self.s("redirect"),
            143 => {
                self.s("multicast listener report v2, ");
                self.dec(u64::from(u16::from_be_bytes([rest[2], rest[3]])));
                self.s(" group record(s)");
            }
            _ => {
                self.s("unknown icmp6 type (");
                self.dec(u64::from(t));
                self.s(")");
            }
        }
        self.s(", length ");
        self.dec(len as u64);
    }

    fn arp(&mut self, data: &[u8], wire: usize) {
        let Ok(arp) = ArpPacketSlice::from_slice(data) else {
            self.trunc("arp");
            return;
        };
        if !self.eflag {
            self.s("ARP, ");
        }
        self.f.proto = Some("arp");
        let op = arp.operation().0;
        // Any hardware address length but 0 (ARCnet's is 1), printed as colon-separated hex.
        let ether_ip = arp.hw_addr_size() > 0
            && arp.proto_addr_size() == 4
            && arp.proto_addr_type().0 == 0x0800;
        let ip = |b: &[u8]| -> [u8; 4] { b.try_into().unwrap_or([0; 4]) };
        let (spa, tpa) = (
            ip(arp.sender_protocol_addr()),
            ip(arp.target_protocol_addr()),
        );
        if ether_ip {
            self.f.src = Addr::V4(spa);
            self.f.dst = Addr::V4(tpa);
        }
        match (ether_ip, op) {
            (true, 1) => {
                self.s("Request who-has ");
                put_ipv4(self.out, tpa);
                let tha = arp.target_hw_addr();
                if tha.iter().any(|&b| b != 0) {
                    self.s(" (");
                    self.mac(tha);
                    self.s(")");
                }
                self.s(" tell ");
                put_ipv4(self.out, spa);
            }
            (true, 2) => {
                self.s("Reply ");
                put_ipv4(self.out, spa);
                self.s(" is-at ");
                self.mac(arp.sender_hw_addr());
            }
            _ => {
                self.s("hardware type ");
                self.dec(u64::from(arp.hw_addr_type().0));
                self.s(", protocol ");
                self.hex04(arp.proto_addr_type().0);
                self.s(", op ");
                self.dec(u64::from(op));
            }
        }
        self.s(", length ");
        self.dec(wire as u64);
    }
}

/// Pad with spaces up to `to` bytes (tcpdump's `%-Ns`).
fn pad_to(out: &mut Vec<u8>, to: usize) {
    if out.len() < to {
        out.resize(to, b' ');
    }
}

/// Right-align what was written since `start` in `width` columns (tcpdump's `%Ns`).
fn pad_left(out: &mut Vec<u8>, start: usize, width: usize) {
    let n = out.len() - start;
    if n < width {
        let pad = width - n;
        out.resize(out.len() + pad, b' ');
        out[start..].rotate_right(pad);
    }
}

/// Colon-separated lowercase hex bytes (`02:00:00:00:00:01`).
pub fn put_mac(out: &mut Vec<u8>, m: &[u8]) {
    for (i, &b) in m.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        put_hex(out, u32::from(b), 2);
    }
}

#[cfg(test)]
mod tests;

/// tcpdump's letters for the TCP flags set (`S.` for SYN-ACK), for the text line and JSON.
pub(crate) fn tcp_flag_letters(out: &mut Vec<u8>, flags: u8) {
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
        if flags & bit != 0 {
            out.push(c);
        }
    }
}
