//! Linux cooked capture headers (pcap LINKTYPE_LINUX_SLL, 113): what libpcap prepends to each
//! packet of an "all interfaces" capture, where the interfaces' link layers differ and the
//! packet socket (SOCK_DGRAM) hands over the network-layer packet alone.
//!
//! Layout (all fields big-endian), 16 bytes:
//! packet type (2) | ARPHRD type (2) | link-layer address length (2) | address, zero-padded (8) |
//! protocol (2, the EtherType).

use super::link::PacketType;

/// Length of a LINKTYPE_LINUX_SLL header.
pub const SLL_HDR_LEN: usize = 16;

/// The 16-byte SLL header for one packet: `pkttype` as in `sll_pkttype`, `hatype` the
/// interface's ARPHRD type (`sll_hatype`), `addr` the source link-layer address
/// (`sll_addr[..sll_halen]`; more than 8 bytes are cut, the length field keeps the real
/// length as libpcap does), `protocol` the EtherType in host order.
pub fn sll_header(
    pkttype: PacketType,
    hatype: u16,
    addr: &[u8],
    protocol: u16,
) -> [u8; SLL_HDR_LEN] {
    let mut h = [0u8; SLL_HDR_LEN];
    h[0..2].copy_from_slice(&pkttype.to_raw().to_be_bytes());
    h[2..4].copy_from_slice(&hatype.to_be_bytes());
    h[4..6].copy_from_slice(&(addr.len() as u16).to_be_bytes());
    let n = addr.len().min(8);
    h[6..6 + n].copy_from_slice(&addr[..n]);
    h[14..16].copy_from_slice(&protocol.to_be_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_incoming_ipv4() {
        let mac = [0x02, 0xfc, 0, 0, 0, 1];
        let h = sll_header(PacketType::Host, 1, &mac, 0x0800);
        assert_eq!(
            h,
            [0, 0, 0, 1, 0, 6, 0x02, 0xfc, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
        );
    }

    #[test]
    fn outgoing_without_address_and_long_address() {
        let h = sll_header(PacketType::Outgoing, 0xfffe, &[], 0x86dd);
        assert_eq!(
            h,
            [0, 4, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd]
        );
        let long = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        let h = sll_header(PacketType::Other(7), 32, &long, 0x0800);
        assert_eq!(&h[4..6], &[0, 10]);
        assert_eq!(&h[6..14], &long[..8]);
    }
}
