//! Link-layer header types and what is known about a packet besides its bytes. These are the
//! types every part of `sniff` shares: the capture ring produces them, pcap files store them,
//! the printer and the filter compiler read them.

/// A pcap LINKTYPE_* value: how a packet's bytes begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte host-order address family, then the network packet.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II (also Linux `lo`, whose frames have zero MAC addresses).
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IPv4 or IPv6, told apart by the version nibble.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: like NULL with a network-order family.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux ARCnet: source, destination, 2-byte offset, protocol id (RFC 1201 ids are
    /// followed by a split flag and a 2-byte sequence number).
    pub const ARCNET_LINUX: LinkType = LinkType(129);
    /// Linux cooked capture v1 (16-byte header): what `sniff` writes for "all interfaces".
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// SocketCAN: the kernel's `can_frame`/`canfd_frame` with the id big-endian (what
    /// libpcap captures on a CAN interface and `can dump -w` writes).
    pub const CAN_SOCKETCAN: LinkType = LinkType(227);
    /// Raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2 (20-byte header with the interface index).
    pub const LINUX_SLL2: LinkType = LinkType(276);
}

/// How the packet reached the capturing host (`sll_pkttype`, also stored in cooked headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// To this host (PACKET_HOST).
    Host,
    Broadcast,
    Multicast,
    /// To another host, seen in promiscuous mode (PACKET_OTHERHOST).
    OtherHost,
    /// Sent by this host (PACKET_OUTGOING).
    Outgoing,
    Other(u16),
}

impl PacketType {
    pub fn from_raw(v: u16) -> PacketType {
        match v {
            0 => PacketType::Host,
            1 => PacketType::Broadcast,
            2 => PacketType::Multicast,
            3 => PacketType::OtherHost,
            4 => PacketType::Outgoing,
            n => PacketType::Other(n),
        }
    }

    pub fn to_raw(self) -> u16 {
        match self {
            PacketType::Host => 0,
            PacketType::Broadcast => 1,
            PacketType::Multicast => 2,
            PacketType::OtherHost => 3,
            PacketType::Outgoing => 4,
            PacketType::Other(n) => n,
        }
    }

    /// tcpdump's direction word (its `sll_pkttype_values`), printed after the interface
    /// name and in the `direction` JSON field.
    pub fn direction(self) -> &'static str {
        match self {
            PacketType::Host => "In",
            PacketType::Broadcast => "B",
            PacketType::Multicast => "M",
            PacketType::OtherHost => "P",
            PacketType::Outgoing => "Out",
            PacketType::Other(_) => "?",
        }
    }
}

/// Everything about one packet except its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta<'a> {
    /// Capture time, seconds and nanoseconds since the Unix epoch.
    pub ts_sec: i64,
    pub ts_nsec: u32,
    /// Bytes on the wire; the captured bytes (caplen) are the data slice's length, which is
    /// less when the snap length cut the packet.
    pub len: u32,
    pub link: LinkType,
    /// The interface it was captured on, when known (live capture, pcapng).
    pub iface: Option<&'a str>,
    /// Direction, when known (live capture, cooked headers).
    pub pkttype: Option<PacketType>,
}
