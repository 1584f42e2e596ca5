#!/usr/bin/env python3
"""Writes crafted.pcap (Ethernet), sll.pcap (LINUX_SLL), raw.pcap (RAW), null.pcap (NULL):
hand-built packets covering what `sniff`'s decoder claims to print (VLAN, QinQ, ARP, IPv4
options and fragments, IPv6 extension headers, truncation, unknown types). Expected output is
whatever `tcpdump -n -tt -r FILE` prints for them; see src/sniff/decode.rs tests."""
import struct, os
here = os.path.dirname(os.path.abspath(__file__))

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(proto, payload, src=b'\x0a\0\0\x01', dst=b'\x0a\0\0\x02', ident=0x1234, frag=0, opts=b'', total=None, ttl=64):
    ihl = 5 + len(opts)//4
    tl = total if total is not None else ihl*4 + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, tl, ident, frag, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def ip6(nh, payload, src=b'\x20\x01\x0d\xb8' + b'\0'*11 + b'\x01', dst=b'\x20\x01\x0d\xb8' + b'\0'*11 + b'\x02'):
    return struct.pack('!IHBB', 6 << 28, len(payload), nh, 64) + src + dst + payload

def udp(sp, dp, data):
    return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data

def tcp(sp, dp, seq, ack, flags, win, opts=b'', data=b''):
    off = (20 + len(opts)) // 4
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, off << 4, flags, win, 0, 0) + opts + data

def icmp(t, c, rest, data=b''):
    b = struct.pack('!BBH', t, c, 0) + rest + data
    return b[:2] + struct.pack('!H', csum(b)) + b[4:]

M1 = bytes.fromhex('020000000001'); M2 = bytes.fromhex('020000000002'); BC = b'\xff' * 6
def eth(et, payload, dst=M2, src=M1):
    return dst + src + struct.pack('!H', et) + payload

def write(name, linktype, pkts, snap=262144):
    with open(os.path.join(here, name), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap, linktype))
        for i, p in enumerate(pkts):
            if isinstance(p, tuple): p, wire = p
            else: wire = len(p)
            f.write(struct.pack('<IIII', 1700000000 + i, 1000 * i + 7, len(p), wire))
            f.write(p)

u = udp(40000, 9, b'hello')
syn_opts = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
ts_opts = bytes([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2])
arp_req = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, M1, b'\x0a\0\0\x01', b'\0'*6, b'\x0a\0\0\x02')
arp_rep = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, M2, b'\x0a\0\0\x02', M1, b'\x0a\0\0\x01')
big = udp(5000, 6000, b'z' * 2000)
hbh = bytes([17, 0, 1, 4, 0, 0, 0, 0])  # hop-by-hop, next UDP, PadN
fr6 = bytes([17, 0, 0, 1, 0, 0, 0, 42])  # fragment header, offset 0, M
eth_pkts = [
    eth(0x0800, ip4(17, u)),
    eth(0x0800, ip4(6, tcp(40000, 80, 1000, 0, 0x02, 65535, syn_opts))),
    eth(0x0800, ip4(6, tcp(22, 51234, 1, 1, 0x18, 501, ts_opts, b'x' * 36))),
    eth(0x0800, ip4(6, tcp(22, 51234, 5, 9, 0x11, 501))),
    eth(0x0800, ip4(6, tcp(22, 51234, 5, 0, 0x04, 0))),
    eth(0x0800, ip4(6, tcp(22, 51234, 7, 8, 0x38, 10, b'', b'u') [:18] + b'\0\x07' + b'u')),
    eth(0x0800, ip4(1, icmp(8, 0, struct.pack('!HH', 1, 1), b'p' * 56))),
    eth(0x0800, ip4(1, icmp(0, 0, struct.pack('!HH', 1, 1), b'p' * 56), src=b'\x0a\0\0\x02', dst=b'\x0a\0\0\x01')),
    eth(0x0800, ip4(1, icmp(3, 3, b'\0\0\0\0', ip4(17, u)[:28]))),
    eth(0x0800, ip4(1, icmp(11, 0, b'\0\0\0\0', ip4(17, u)[:28]))),
    eth(0x0806, arp_req, dst=BC),
    eth(0x0806, arp_rep),
    eth(0x86dd, ip6(17, udp(5353, 53, b'q' * 12))),
    eth(0x86dd, ip6(58, icmp(128, 0, struct.pack('!HH', 1, 1), b'p' * 56))),
    eth(0x86dd, ip6(6, tcp(443, 50000, 77, 88, 0x10, 1000))),
    eth(0x86dd, ip6(0, hbh + udp(1, 2, b'abc'))),
    eth(0x86dd, ip6(44, fr6 + udp(1, 2, b'abcdefgh'))),
    eth(0x8100, struct.pack('!HH', 100, 0x0800) + ip4(17, u)),
    eth(0x88a8, struct.pack('!HH', 0x2000 | 10, 0x8100) + struct.pack('!HH', 20, 0x0800) + ip4(17, u)),
    eth(0x0800, ip4(17, big[:1480], frag=0x2000, total=1500)),
    eth(0x0800, ip4(17, big[1480:], frag=185)),
    eth(0x0800, ip4(17, u, opts=bytes([0x94, 4, 0, 0]))),
    eth(0x0800, ip4(47, b'\0' * 8)),
    eth(0x86dd, ip6(59, b'')),
    eth(0x88b5, b'\x01\x02\x03\x04'),
    (eth(0x0800, ip4(6, tcp(22, 51234, 1, 1, 0x18, 501, ts_opts, b'x' * 36)))[:14 + 20 + 10], 14 + 20 + 32 + 36),
    (eth(0x0800, ip4(17, u))[:14 + 20 + 4], 14 + 20 + 13),
    (eth(0x0800, ip4(17, u))[:14 + 12], 14 + 20 + 13),
    (eth(0x86dd, ip6(17, udp(5353, 53, b'q' * 12)))[:14 + 30], 14 + 40 + 20),
    eth(0x0800, b'')[:10],
    eth(0x0800, ip4(17, udp(40000, 9, b'hello'), total=10)),
    eth(0x0800, b'\x60' + b'\0' * 30),
    eth(0x86dd, ip6(17, udp(5353, 53, b'q' * 12), src=b'\xfe\x80' + b'\0' * 6 + bytes.fromhex('0200 00ff fe00 0001'), dst=b'\xff\x02' + b'\0' * 13 + b'\x01')),
    eth(0x86dd, ip6(17, udp(1, 2, b''), src=b'\0' * 10 + b'\xff\xff' + b'\x0a\0\0\x01', dst=bytes.fromhex('2001 0db8 0000 0000 0001 0000 0000 0001'))),
]
write('crafted.pcap', 1, eth_pkts)

def sll(ptype, proto, payload):
    return struct.pack('!HHH8sH', ptype, 772, 6, b'\0' * 8, proto) + payload
write('sll.pcap', 113, [sll(0, 0x0800, ip4(17, u)), sll(4, 0x0800, ip4(17, u)), sll(4, 0x86dd, ip6(17, udp(5353, 53, b'q' * 12))), sll(1, 0x0806, arp_req)])
write('raw.pcap', 101, [ip4(17, u), ip6(17, udp(5353, 53, b'q' * 12)), b'\x70\0\0'])
write('null.pcap', 0, [struct.pack('<I', 2) + ip4(17, u), struct.pack('<I', 30) + ip6(17, udp(5353, 53, b'q' * 12))])
