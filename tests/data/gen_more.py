#!/usr/bin/env python3
"""Writes hand-built captures for the sniff decoder (Ethernet link type), each with a
NAME.expected file holding `tcpdump -n -S -t -r NAME.pcap` (4.99) output when tcpdump is
installed:

- ntp.pcap: NTP versions 0-7 x modes 0-7, payload lengths 0-49, cut captures, port pairs;
- udp.pcap: UDP length fields larger/smaller than the IP payload (`bad length`), first
  fragments (IPv4 MF, IPv6 fragment header) which tcpdump does not check, per application
  port; short BOOTP messages (what tcpdump reads before printing the length);
- mobility.pcap: IPv6 mobility headers, types 0-19 with length fields 0-3, Binding Update
  and Acknowledgement flags, every cut of a few messages, after a hop-by-hop header;
- ptp.pcap: PTP over Ethernet and UDP 319/320: message types 0-15, versions 0-15 (and whole
  version bytes), transportSpecific, flag bits (a spread of the 65536 values), control values,
  correction fields, lengths below 34, every cut of the header and of each body;
- mptcp.pcap: MPTCP TCP options, every subtype at lengths around the valid ones, SYN/ACK
  variants, DSS flag combinations, ADD_ADDR versions, bad options (which end tcpdump's line);
- arcnet.pcap (Linux ARCnet, link type 129): protocol ids, RFC 1051/1201 headers, ARP with
  1-8 byte hardware addresses, cut headers.

Run it from anywhere: `python3 tests/data/gen_more.py`. See src/sniff/decode/*.rs tests."""
import os, struct, subprocess
here = os.path.dirname(os.path.abspath(__file__))

SRC4 = b'\x0a\0\0\x01'; DST4 = b'\x0a\0\0\x02'
SRC6 = b'\x20\x01\x0d\xb8' + b'\0' * 11 + b'\x01'
DST6 = b'\x20\x01\x0d\xb8' + b'\0' * 11 + b'\x02'

def ip4(proto, payload, total=None, flags_off=0, src=SRC4, dst=DST4):
    tl = total if total is not None else 20 + len(payload)
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, tl, 0x1234, flags_off, 64, proto, 0, src, dst) + payload

def ip6(nh, payload, plen=None, src=SRC6, dst=DST6):
    return struct.pack('!IHBB', 6 << 28, len(payload) if plen is None else plen, nh, 64) + src + dst + payload

def udp(sp, dp, data, ulen=None):
    return struct.pack('!HHHH', sp, dp, ulen if ulen is not None else 8 + len(data), 0) + data

def tcp(sp, dp, seq, ack, flags, win, data=b'', opts=b''):
    assert len(opts) % 4 == 0
    off = (20 + len(opts)) // 4
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, off << 4, flags, win, 0, 0) + opts + data

M1 = bytes.fromhex('020000000001'); M2 = bytes.fromhex('020000000002')
def eth(et, payload):
    return M2 + M1 + struct.pack('!H', et) + payload

def cut(p, n):
    """The first n bytes of packet p, with its full length on the wire."""
    return (p[:n], len(p))

def write(name, pkts, linktype=1, snap=262144):
    path = os.path.join(here, name + '.pcap')
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap, linktype))
        for i, p in enumerate(pkts):
            if isinstance(p, tuple): p, wire = p
            else: wire = len(p)
            f.write(struct.pack('<IIII', 1700000000 + i, 7, len(p), wire))
            f.write(p)
    try:
        out = subprocess.run(['tcpdump', '-n', '-S', '-t', '-r', path], capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return
    with open(os.path.join(here, name + '.expected'), 'wb') as f:
        f.write(out)

# NTP
pkts = []
for v in range(8):
    for m in range(8):
        pkts.append(eth(0x0800, ip4(17, udp(40000, 123, bytes([(v << 3) | m]) + bytes(47)))))
for n in range(50):
    pkts.append(eth(0x0800, ip4(17, udp(123, 40000, (b'\x23' + bytes(47))[:n]))))
full = eth(0x0800, ip4(17, udp(123, 123, b'\xe4' + bytes(59))))
pkts += [cut(full, 42 + n) for n in (0, 1, 2, 47, 48, 60)]
pkts += [cut(full, n) for n in (14, 30, 34, 40)]
for li in range(4):
    pkts.append(eth(0x0800, ip4(17, udp(123, 123, bytes([(li << 6) | 0x24]) + bytes(47)))))
for a, b in ((67, 123), (123, 68), (123, 53), (5353, 123), (123, 546), (547, 123), (123, 319)):
    pkts.append(eth(0x0800, ip4(17, udp(a, b, b'\x23' + bytes(47)))))
pkts.append(eth(0x86dd, ip6(17, udp(40000, 123, b'\x16' + bytes(11)))))
pkts.append(eth(0x0800, ip4(17, udp(40000, 123, b'\x23' + bytes(47), ulen=8 + 100))))
pkts.append(eth(0x0800, ip4(17, udp(40000, 123, b'\x23' + bytes(47), ulen=8 + 10))))
write('ntp', pkts)

# UDP length checks
pkts = []
d = bytes(20)
for port in (9, 123, 53, 67, 547, 5353):
    pkts += [
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 100))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 10))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 20))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 21))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 100), flags_off=0x2000)),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 100), flags_off=0x4000)),
        eth(0x86dd, ip6(17, udp(40000, port, d, ulen=8 + 100))),
        eth(0x86dd, ip6(17, udp(40000, port, d, ulen=8 + 10))),
        eth(0x86dd, ip6(44, struct.pack('!BBHI', 17, 0, 1, 7) + udp(40000, port, d, ulen=8 + 100))),
        eth(0x86dd, ip6(44, struct.pack('!BBHI', 17, 0, 0, 7) + udp(40000, port, d, ulen=8 + 100))),
        cut(eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 100))), 45),
        cut(eth(0x0800, ip4(17, udp(40000, port, d, ulen=8 + 100))), 50),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=7))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=0))),
        eth(0x0800, ip4(17, udp(40000, port, d, ulen=0xffff))),
    ]
for hdr in ((0, 1, 6), (1, 1, 6), (2, 1, 6), (3, 1, 6), (255, 1, 6), (1, 6, 6), (1, 1, 4), (1, 1, 16)):
    for n in (1, 2, 3, 4, 28, 33, 34, 40, 235, 236):
        pkts.append(eth(0x0800, ip4(17, udp(68, 67, (bytes(hdr) + bytes(300))[:n]))))
write('udp', pkts)

# IPv6 mobility header
def mh(t, hl, body, pp=59):
    return bytes([pp, hl, t, 0, 0, 0]) + body
body = bytes(range(0x10, 0x10 + 64))
pkts = []
for t in range(20):
    for hl in range(4):
        pkts.append(eth(0x86dd, ip6(135, mh(t, hl, body[:8 * hl + 2]))))
bu = bytes([0x12, 0x34, 0xf0, 0x55, 0, 3]) + bytes(4)
for fl in (0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01, 0xff, 0xf0, 0):
    pkts.append(eth(0x86dd, ip6(135, mh(5, 1, bytes([0x12, 0x34, fl, 0x55, 0, 3]) + bytes(4)))))
for fl in (0x80, 0x40, 0x20, 0x01, 0xff, 0):
    pkts.append(eth(0x86dd, ip6(135, mh(6, 1, bytes([7, fl, 0x12, 0x34, 0, 5]) + bytes(4)))))
pkts.append(eth(0x86dd, ip6(135, mh(7, 2, body[:18]))))
pkts += [cut(eth(0x86dd, ip6(135, mh(5, 1, bu))), n) for n in (56, 57, 60, 63, 64, 65, 66)]
pkts.append(eth(0x86dd, ip6(0, bytes([135, 0, 1, 4, 0, 0, 0, 0]) + mh(5, 1, bu, pp=6))))
pkts.append(eth(0x86dd, ip6(62, mh(5, 1, bu, pp=6))))
pkts.append(eth(0x86dd, ip6(135, mh(5, 1, bu), plen=4)))
pkts.append(eth(0x86dd, ip6(135, mh(5, 1, bu), plen=2)))
pkts.append(cut(eth(0x86dd, ip6(135, mh(8, 255, bytes(2)))), 60))
for t in (0, 1, 3, 5, 6, 7):
    full = eth(0x86dd, ip6(135, mh(t, 2, body[:18])))
    pkts += [cut(full, n) for n in range(54, len(full) + 1)]
write('mobility', pkts)

# PTP
def ptph(mt, ver=2, ts=0, length=44, dom=3, r1=5, flags=0, corr=0x0000012345678abc, r2=7,
         clock=0x0102030405060708, port=9, seq=10, ctrl=0, lmi=0xfe):
    return struct.pack('!BBHBBHQIQHHBB', (ts << 4) | mt, ver, length, dom, r1, flags, corr, r2,
                       clock, port, seq, ctrl, lmi)
def E(p):
    return eth(0x88f7, p)
body = bytes(range(0x40, 0x40 + 64))
pkts = []
pkts += [E(ptph(mt) + body) for mt in range(16)]
pkts += [E(ptph(0, ver=v) + body) for v in list(range(16)) + [0x12, 0x21, 0xf0]]
pkts += [E(ptph(0, ts=ts) + body) for ts in (1, 8, 15)]
pkts += [E(ptph(0, flags=(i * 0x9e37) & 0xffff) + bytes(10)) for i in range(300)]
pkts += [E(ptph(0, flags=1 << b) + bytes(10)) for b in range(16)]
pkts += [E(ptph(0, flags=f) + bytes(10)) for f in (0, 0xffff, 0x18c0, 0x98c0, 0x08c0, 0x1840)]
pkts += [E(ptph(0, ctrl=c) + body) for c in list(range(8)) + [255]]
pkts += [E(ptph(0, corr=c) + body) for c in (0xffffffffffffffff, 0x10000, 0xffff)]
pkts += [E(ptph(0, clock=0) + body), E(ptph(0, lmi=0x7f) + body)]
pkts.append(E(ptph(0xd) + bytes([0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]) + bytes(20)))
pkts.append(E(ptph(0xb) + body[:29] + b'\x05' + body[30:]))
pkts.append(E(ptph(0, length=20) + body))
pkts += [E((ptph(0, ver=v) + body)[:n]) for v, n in ((2, 20), (0, 20), (1, 20), (2, 33), (2, 34), (3, 3))]
for port in (319, 320):
    m = ptph(0) + body[:10]
    pkts += [
        eth(0x0800, ip4(17, udp(40000, port, m))),
        eth(0x0800, ip4(17, udp(port, 40000, m))),
        eth(0x0800, ip4(17, udp(40000, port, m[:33]))),
        eth(0x0800, ip4(17, udp(40000, port, m[:1]))),
        eth(0x0800, ip4(17, udp(40000, port, b''))),
        cut(eth(0x0800, ip4(17, udp(40000, port, m))), 60),
        cut(eth(0x0800, ip4(17, udp(40000, port, m))), 43),
        eth(0x0800, ip4(17, udp(40000, port, m, ulen=100))),
        eth(0x0800, ip4(17, udp(40000, port, m, ulen=30))),
        eth(0x86dd, ip6(17, udp(40000, port, ptph(0xb) + body))),
    ]
pkts.append(E(ptph(0) + body[:10] + bytes(30)))
for mt in (0, 1, 2, 3, 8, 9, 0xa, 0xb, 0xc, 0xd):
    full = E(ptph(mt) + body)
    pkts += [cut(full, n) for n in range(14, 14 + 34 + 31)]
write('ptp', pkts)

# MPTCP options (TCP option 30): every subtype at every length around the valid ones, SYN /
# SYN-ACK / ACK for MP_CAPABLE and MP_JOIN, DSS flag combinations, ADD_ADDR versions, bad
# options first or after others (tcpdump ends the line there), over IPv4 and IPv6.
def mp(sub, lo, b3, body):
    return bytes([30, 4 + len(body), (sub << 4) | lo, b3]) + body
def T(opt, fl=0x10, v6=False):
    seg = tcp(1000, 2000, 1, 2, fl, 100, opts=opt + b'\x01' * (-len(opt) % 4))
    return eth(0x86dd, ip6(6, seg)) if v6 else eth(0x0800, ip4(6, seg))
B = bytes(range(1, 41))
K = bytes.fromhex('0102030405060708111213141516171800')
pkts = [T(mp(0, 1, 0x81, b''))]
for fl in (0x02, 0x12, 0x10, 0x18, 0x11):
    for n in (0, 1, 8, 9, 16, 18, 20):
        pkts.append(T(mp(0, 1, 0x01, K[:n]), fl))
for ver in (0, 1, 2, 15):
    for fl, n in ((0x02, 0), (0x12, 8), (0x10, 16), (0x10, 18)):
        pkts.append(T(mp(0, ver, 0x81, K[:n]), fl))
for f in (0, 1, 0x40, 0x80, 0xff):
    pkts.append(T(mp(0, 1, f, K[:16])))
pkts.append(T(mp(0, 1, 0x81, bytes(8)), 0x12))
for fl in (0x02, 0x12, 0x10):
    for n in range(0, 22):
        pkts.append(T(mp(1, 1, 5, B[:n]), fl))
for lo, b3 in ((0, 0), (1, 0), (1, 255), (15, 7)):
    pkts.append(T(mp(1, lo, b3, B[:8]), 0x02))
    pkts.append(T(mp(1, lo, b3, B[:12]), 0x12))
pkts.append(T(mp(1, 0, 0, b'\0\0\0\x01' + bytes(4)), 0x02))
pkts.append(T(mp(1, 0, 0, bytes(8) + b'\0\0\0\x01'), 0x12))
pkts.append(T(mp(1, 0, 0, bytes(20)), 0x10))
for f in range(32):
    need = (0 if not f & 1 else (8 if f & 2 else 4)) + (0 if not f & 4 else (8 if f & 8 else 4) + 6)
    for n in range(0, need + 4):
        pkts.append(T(mp(2, 0, f, B[:n])))
for f in (0x20, 0x40, 0x80, 0xe5):
    pkts.append(T(mp(2, 0, f, B[:14])))
pkts.append(T(mp(2, 15, 5, B[:14])))
pkts.append(T(mp(2, 0, 5, b'\0' * 14)))
for fl in (0x02, 0x12, 0x11, 0x04, 0x00):
    pkts += [T(mp(2, 0, 0x15, B[:14]), fl), T(mp(2, 0, 0x10, b''), fl)]
for lo in (0, 1, 4, 6):
    for n in range(0, 31):
        pkts.append(T(mp(3, lo, 5, B[:n])))
for lo in (2, 3, 5, 7, 8, 15):
    pkts.append(T(mp(3, lo, 7, B[:4])))
pkts.append(T(mp(3, 0, 0, bytes(14))))
for sub in range(4, 16):
    for n in (0, 1, 2, 4, 6, 8, 10, 12):
        for lo in (0, 1):
            pkts.append(T(mp(sub, lo, 5, B[:n])))
for sub in range(16):
    pkts.append(T(bytes([30, 3, sub << 4])))
pkts += [T(mp(6, 0, 0, bytes(8))), T(mp(7, 0, 0, bytes(8)))]
for h in ('1e', '1e02', '011e02', '1e0400000101011e0320', '011e0320010101', '020401001e032001',
          '020401001e0320010101010101', '0101011e03200101', '01020101', '0101020101',
          '0204010002010101', '1e14', '011e14', '0204400c0402080a23975534000000001e032000'):
    pkts.append(T(bytes.fromhex(h)))
    pkts.append(T(bytes.fromhex(h), 0x02))
for o in (mp(0, 1, 0x81, K[:16]), mp(2, 0, 0x1f, B[:26]), mp(3, 0, 1, B[:26]), mp(1, 1, 1, B[:12])):
    pkts.append(T(o, 0x12, v6=True))
    pkts.append(T(o, 0x10, v6=True))
write('mptcp', pkts)

# Linux ARCnet (link type 129): protocol ids with RFC 1051 (5-byte) and RFC 1201 (8-byte)
# headers, split flags, ARP with 1-, 2- and 8-byte hardware addresses, unknown ids (hex dump),
# every cut of the headers. Not here: RARP (0xd6), AppleTalk (0xdd), IPX (0xfa), which tcpdump
# decodes and we do not.
def arc(pid, payload, flag=0, src=0xbe, dst=0x50):
    head = bytes([src, dst, 0xab, 0x08, pid])
    return head + (b'' if pid in (0xf0, 0xf1) else bytes([flag, 0, 7])) + payload
def arp_(hl, op, sha, tha):
    return struct.pack('!HHBBH', 7, 0x800, hl, 4, op) + sha + SRC4 + tha + DST4
ipp = ip4(17, udp(1000, 2000, b'abcd'))
pkts = []
for pid in range(256):
    if pid not in (0xd6, 0xdd, 0xfa):
        pkts.append(arc(pid, ipp))
pkts += [arc(0xd4, ipp, flag=f) for f in (1, 2, 3, 0xfe, 0xff)]
pkts.append(arc(0xc4, ip6(17, udp(1000, 2000, b'abcd'))))
for pid in (0xd5, 0xf1):
    for hl in (1, 2, 8):
        for op in (1, 2):
            pkts.append(arc(pid, arp_(hl, op, bytes(range(0x50, 0x50 + hl)), bytes(range(0x60, 0x60 + hl)))))
            pkts.append(arc(pid, arp_(hl, op, bytes(range(0x50, 0x50 + hl)), bytes(hl))))
for pid in (0xd4, 0xf0, 0xd5, 0xf1, 0x99):
    full = arc(pid, ipp if pid in (0xd4, 0xf0, 0x99) else arp_(1, 1, b'\x50', b'\0'))
    pkts += [cut(full, n) for n in range(1, 14)]
write('arcnet', pkts, linktype=129)

# VXLAN (UDP 4789) and Geneve (UDP 6081), either port: VXLAN flag bytes, VNIs, reserved
# bytes; Geneve flags, versions, option lengths (also past the UDP length), reserved byte,
# protocol types; inner Ethernet/IPv4/IPv6/ARP/unknown; UDP lengths 8-16 and shorter than
# the capture (inner `length < caplen`); every cut of the headers and the inner frame.
# Not here: Geneve carrying MPLS (0x8847), which tcpdump decodes and we do not, and an inner
# IP packet longer than the UDP length leaves (`IP truncated-ip 14`).
ipin = ip4(17, udp(1000, 2000, b'abcd'), src=b'\xc0\xa8\x01\x01', dst=b'\xc0\xa8\x01\x02')
inner = eth(0x0800, ipin)
def vx(flags, vni, r1=0, r3=0):
    return struct.pack('!BHBI', flags, r1, 0, (vni << 8) | r3)
def gn(ver=0, optlen=0, fl=0, pt=0x6558, vni=0x1389, r=0, opts=b''):
    return struct.pack('!BBHI', (ver << 6) | optlen, fl, pt, (vni << 8) | r) + opts
def U(sp, dp, data, ulen=None):
    return eth(0x0800, ip4(17, udp(sp, dp, data, ulen)))
pkts = []
for fl in (0x08, 0x00, 0x01, 0x80, 0xff, 0x0c):
    pkts.append(U(40000, 4789, vx(fl, 5001) + inner))
pkts.append(U(4789, 40000, vx(8, 1) + inner))
pkts.append(U(4789, 4789, vx(8, 0xffffff, 0x1234, 0x55) + inner))
pkts.append(U(40000, 4789, vx(8, 0) + eth(0x86dd, ip6(17, udp(1, 2, b'x')))))
pkts.append(U(40000, 4789, vx(8, 7) + eth(0x1234, b'xyz')))
pkts.append(U(40000, 4789, vx(8, 7) + eth(0x0806, b'xyz')))
pkts.append(eth(0x86dd, ip6(17, udp(40000, 4789, vx(8, 7) + inner))))
full = U(40000, 4789, vx(8, 5001) + inner)
pkts += [cut(full, n) for n in range(42, len(full) + 1)]
for fl in (0, 0x80, 0x40, 0xc0, 0x3f, 0x01, 0x24):
    pkts.append(U(40000, 6081, gn(fl=fl) + inner))
for v in (1, 2, 3):
    pkts.append(U(40000, 6081, gn(ver=v) + inner))
for pt, body in ((0x0800, ipin), (0x86dd, ip6(17, udp(1, 2, b'x'))), (0x0806, b'xyzw'),
                 (0x1234, b'xyzw'), (0x0000, b''), (0xffff, b'1')):
    pkts.append(U(6081, 40000, gn(pt=pt) + body))
opt = struct.pack('!HBB', 0x0102, 0x03, 1) + b'abcd'
pkts.append(U(40000, 6081, gn(optlen=2, opts=opt) + inner))
pkts.append(U(40000, 6081, gn(optlen=1, opts=b'\0\0\0\0') + inner))
pkts.append(U(40000, 6081, gn(optlen=63) + inner))
pkts.append(U(40000, 6081, gn(optlen=8, opts=bytes(32))))
pkts.append(U(40000, 6081, gn(optlen=9, opts=bytes(32))))
for vni, r in ((0xffffff, 0x12), (0, 0), (0, 1), (0x10, 0xff)):
    pkts.append(U(40000, 6081, gn(vni=vni, r=r) + inner))
full = U(40000, 6081, gn(optlen=2, opts=opt) + inner)
pkts += [cut(full, n) for n in range(42, len(full) + 1)]
for k in range(9):
    pkts.append(U(40000, 6081, gn()[:k]))
    pkts.append(U(40000, 4789, vx(8, 1)[:k]))
for ul in range(8, 17):
    pkts.append(U(40000, 4789, vx(8, 1) + inner, ulen=ul))
    pkts.append(U(40000, 6081, gn() + inner, ulen=ul))
for ul in (30, 34, 300):
    pkts.append(U(40000, 4789, vx(8, 1) + inner, ulen=ul))
    pkts.append(U(40000, 6081, gn() + inner, ulen=ul))
    pkts.append(U(40000, 6081, gn(optlen=2, opts=opt) + inner, ulen=ul))
    pkts.append(U(40000, 6081, gn(pt=0x1234) + ipin, ulen=ul))
write('tunnel', pkts)

# Syslog (UDP 514): every facility and severity, PRI prefixes with 0-4 digits, non-digits,
# missing `<`/`>`, cut prefixes.
pkts = [U(40000, 514, b'<%d>x' % (f * 8)) for f in range(25)]
pkts += [U(40000, 514, b'<%d>x' % (8 + s)) for s in range(8)]
for m in (b'<13>hello', b'<999>x', b'<1000', b'<100', b'<99', b'<1a>', b'< 1>', b'<1000>x',
          b'<13', b'<', b'', b'13>x', b'<>x', b'<a>x', b'<013>x', b'<1234>x', b'<5>'):
    pkts.append(U(40000, 514, m))
pkts.append(U(514, 40000, b'<13>x'))
full = U(514, 514, b'<134>hello')
pkts += [cut(full, n) for n in range(42, len(full) + 1)]
write('syslog', pkts)

# ESP in UDP (port 4500): either port, payloads of 0-9 bytes, the NAT keepalive (and 0xff
# in longer payloads), SPI/sequence values, cuts. Not here: the zero non-ESP marker (IKE).
esp = struct.pack('!II', 0x12345678, 1) + bytes(20)
pkts = [U(4500, 4500, esp), U(40000, 4500, esp), U(4500, 40000, esp)]
pkts += [U(4500, 4500, esp[:k]) for k in range(10)]
pkts += [U(4500, 4500, b'\xff'), U(4500, 4500, b'\xff\xff'), U(4500, 4500, b'\xff' * 8)]
pkts += [U(4500, 4500, struct.pack('!II', a, b) + b'x') for a, b in
         ((0xffffffff, 0xabcdef01), (1, 0), (0x100, 0x10))]
full = U(4500, 4500, esp)
pkts += [cut(full, n) for n in range(42, 52)]
write('espudp', pkts)
