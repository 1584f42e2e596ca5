#!/usr/bin/env python3
"""Writes dns.pcap (Ethernet): hand-built DNS messages over UDP port 53, mDNS (5353) and TCP
port 53, covering the record types, header flags, opcodes, rcodes (also EDNS extended ones),
name compression (and its abuse: loops, forward pointers, bad label types) and truncation.
The expected line for each packet is whatever `tcpdump -n -S -tt -r dns.pcap` (4.99) prints;
see src/sniff/decode/dns.rs tests."""
import struct, os
here = os.path.dirname(os.path.abspath(__file__))

def ip4(proto, payload, src=b'\x0a\0\0\x01', dst=b'\x0a\0\0\x02', total=None):
    tl = total if total is not None else 20 + len(payload)
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, tl, 0x1234, 0, 64, proto, 0, src, dst) + payload

def ip6(nh, payload):
    src = b'\x20\x01\x0d\xb8' + b'\0' * 11 + b'\x01'
    dst = b'\x20\x01\x0d\xb8' + b'\0' * 11 + b'\x02'
    return struct.pack('!IHBB', 6 << 28, len(payload), nh, 64) + src + dst + payload

def udp(sp, dp, data, ulen=None):
    return struct.pack('!HHHH', sp, dp, ulen if ulen is not None else 8 + len(data), 0) + data

def tcp(sp, dp, seq, ack, flags, win, data=b''):
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, win, 0, 0) + data

M1 = bytes.fromhex('020000000001'); M2 = bytes.fromhex('020000000002')
def eth(et, payload):
    return M2 + M1 + struct.pack('!H', et) + payload

def name(s):
    if s in ('', '.'):
        return b'\0'
    out = b''
    for l in s.rstrip('.').split('.'):
        l = l.encode('latin-1')
        out += bytes([len(l)]) + l
    return out + b'\0'

def hdr(ident, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack('!HHHHHH', ident, flags, qd, an, ns, ar)

def q(n, t=1, c=1):
    return (name(n) if isinstance(n, str) else n) + struct.pack('!HH', t, c)

def rr(n, t, rdata, c=1, ttl=300):
    return (name(n) if isinstance(n, str) else n) + struct.pack('!HHIH', t, c, ttl, len(rdata)) + rdata

PTR12 = b'\xc0\x0c'  # the question's name
RD = 0x0100; QR = 0x8000; AA = 0x0400; TC = 0x0200; RA = 0x0080; AD = 0x0020; CD = 0x0010

def opt(size=4096, ext_rcode=0, version=0, do=False, opts=b''):
    return b'\0' + struct.pack('!HHBBHH', 41, size, ext_rcode, version, 0x8000 if do else 0, len(opts)) + opts

def query(ident, n, t=1, c=1, flags=RD, extra=b'', ar=0):
    return hdr(ident, flags, 1, 0, 0, ar) + q(n, t, c) + extra

def resp(ident, n, t, answers, flags=QR | RD | RA, ns=b'', nns=0, ar=b'', nar=0):
    return hdr(ident, flags, 1, len(answers), nns, nar) + q(n, t) + b''.join(answers) + ns + ar

A = lambda n, a: rr(n, 1, bytes(a))
ip6_a = bytes.fromhex('20010db8000000000000000000000001')
soa_rdata = name('ns1.example.com') + name('hostmaster.example.com') + struct.pack('!IIIII', 2024010101, 7200, 3600, 1209600, 300)

msgs = [
    # queries
    query(12345, 'example.com'),
    query(1, 'example.com', flags=0),
    query(2, 'example.com', 28),
    query(3, 'example.com', 15),
    query(4, 'example.com', 16),
    query(5, 'example.com', 255),
    query(6, '34.216.184.93.in-addr.arpa', 12),
    query(7, '_sip._udp.example.com', 33),
    query(8, 'example.com', 2),
    query(9, 'example.com', 6),
    query(10, '.', 2),
    query(11, 'example.com', extra=opt(), ar=1),
    query(12, 'example.com', extra=opt(1232, do=True, opts=struct.pack('!HH', 10, 8) + b'\x01' * 8), ar=1),
    query(13, 'version.bind', 16, 3),
    query(14, 'example.com', 1, 255),
    query(15, 'example.com', 1, 254),
    query(16, 'example.com', 1, 4),
    query(17, 'example.com', 1, 1234),
    query(18, 'example.com', 65280),
    query(19, 'example.com', 252),
    query(20, 'example.com', 251),
    query(21, 'example.com', flags=RD | AD),
    query(22, 'example.com', flags=RD | CD),
    query(23, 'example.com', flags=RD | 0x0040),
    query(24, 'example.com', flags=RD | AA),
    query(25, 'example.com', flags=RD | TC),
    query(26, 'example.com', flags=RD | RA),
    query(27, 'example.com', flags=RD | 3),
    hdr(28, RD, 2) + q('a.example') + q('b.example', 28),
    hdr(29, RD, 0),
    hdr(30, RD, 1, 1, 1, 1) + q('example.com') + A(PTR12, [1, 2, 3, 4]),
    hdr(31, 1 << 11, 0, 1) + A('example.com', [1, 2, 3, 4]),
    hdr(32, 1 << 11, 1, 0) + q('example.com'),
    # responses
    resp(12345, 'example.com', 1, [A(PTR12, [93, 184, 216, 34])]),
    resp(33, 'example.com', 1, [A(PTR12, [93, 184, 216, 34]), A(PTR12, [93, 184, 216, 35])]),
    resp(34, 'www.example.com', 1, [rr(PTR12, 5, name('example.com')), A('example.com', [1, 2, 3, 4])]),
    resp(35, 'www.example.com', 1, [rr(PTR12, 5, b'\x03cdn' + b'\xc0\x10'), A(b'\x03cdn\xc0\x10', [1, 2, 3, 4])]),
    resp(36, '34.216.184.93.in-addr.arpa', 12, [rr(PTR12, 12, name('example.com'))]),
    resp(37, 'example.com', 15, [rr(PTR12, 15, struct.pack('!H', 10) + name('mx1.example.com')), rr(PTR12, 15, struct.pack('!H', 20) + b'\x03mx2\xc0\x0c')]),
    resp(38, 'example.com', 2, [rr(PTR12, 2, name('a.iana-servers.net')), rr(PTR12, 2, name('b.iana-servers.net'))]),
    resp(39, 'example.com', 28, [rr(PTR12, 28, ip6_a)]),
    resp(40, 'example.com', 16, [rr(PTR12, 16, b'\x0bv=spf1 -all'), rr(PTR12, 16, b'\x03abc\x00\x05a"b\\c\x04\x01\x7f\xff ')]),
    resp(41, 'example.com', 6, [rr(PTR12, 6, soa_rdata)]),
    resp(42, '_sip._udp.example.com', 33, [rr(PTR12, 33, struct.pack('!HHH', 10, 60, 5060) + name('sip.example.com'))]),
    resp(43, 'nope.example.com', 1, [], flags=QR | RD | RA | 3, ns=rr('example.com', 6, soa_rdata), nns=1),
    resp(44, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | AA),
    resp(45, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | RD | RA | TC),
    resp(46, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | RD | RA | AD),
    resp(47, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | RD | RA | CD),
    resp(48, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | RD | RA | 0x0040),
    resp(49, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], flags=QR | AA | TC | AD),
    resp(50, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], ar=opt(), nar=1),
    resp(51, 'example.com', 1, [], flags=QR | RD | RA | 2),
    resp(52, 'example.com', 1, [], flags=QR | RD | RA | 5),
    resp(53, 'example.com', 1, [], flags=QR | RD | RA | 1, ar=opt(ext_rcode=1), nar=1),  # BadCookie? (16+1... )
    resp(54, 'example.com', 1, [], flags=QR | RD | RA | 7, ar=opt(ext_rcode=1), nar=1),
    resp(55, 'example.com', 1, [], flags=QR | RD | RA, ar=opt(ext_rcode=1), nar=1),
    resp(56, 'example.com', 1, [], flags=QR | RD | RA | 3, ar=opt(ext_rcode=2), nar=1),
    resp(57, 'example.com', 1, [opt(512, do=True)]),
    resp(58, 'example.com', 1, [opt(512, opts=struct.pack('!HH', 10, 8) + b'\x02' * 8)]),
    resp(59, 'example.com', 1, [rr(PTR12, 1, bytes([1, 2, 3, 4]), c=3)]),
    resp(60, 'example.com', 1, [rr(PTR12, 65280, b'\x01\x02')]),
    resp(61, 'example.com', 1, [rr(PTR12, 39, name('example.net'))]),
    resp(62, 'example.com', 1, [rr(PTR12, 13, b'\x03x86\x05Linux')]),
    resp(63, 'example.com', 1, [rr(PTR12, 257, b'\x00\x05issueletsencrypt.org')]),
    resp(64, 'example.com', 1, [rr(PTR12, 46, b'\0' * 20), rr(PTR12, 48, b'\x01\x01\x03\x08abcd'), rr(PTR12, 43, b'\x12\x34\x08\x02' + b'\xaa' * 32)]),
    resp(65, 'example.com', 1, [rr(PTR12, 99, b'\x05hello'), rr(PTR12, 35, struct.pack('!HH', 100, 10) + b'\x01S\x07SIP+D2U\x00' + name('_sip._udp.example.com'))]),
    resp(66, 'example.com', 1, [rr(PTR12, 256, struct.pack('!HH', 10, 1) + b'ftp://ftp.example.com/')]),
    resp(67, 'example.com', 1, [rr(PTR12, 1, b'\x01\x02\x03')]),
    resp(68, 'example.com', 1, [rr(PTR12, 28, b'\x01\x02\x03\x04')]),
    resp(69, 'example.com', 1, [rr(PTR12, 1, b'\x01\x02\x03\x04\x05\x06')]),
    resp(70, 'example.com', 1, [rr(PTR12, 38, b'\x40' + b'\xaa' * 8 + name('a.example'))]),
    resp(71, 'example.com', 1, [rr(PTR12, 17, name('a.example') + name('b.example'))]),
    resp(72, 'example.com', 1, [rr(PTR12, 0, b'')]),
    resp(73, 'example.com', 1, [rr(PTR12, 250, name('hmac-sha256') + b'\0' * 16)]),
    hdr(74, QR | RA, 0, 1) + A('example.com', [1, 2, 3, 4]),
    hdr(75, QR | RA, 2, 1) + q('a.example') + q('b.example') + A(b'\xc0\x0c', [1, 2, 3, 4]),
    hdr(76, QR | RA | (4 << 11), 1, 0) + q('example.com', 6),
    hdr(77, QR | RA | (5 << 11), 1, 0) + q('example.com', 6),
    # names
    query(80, 'a b.example'),
    query(81, 'a\\b"c.example'),
    query(82, 'caf\xe9.example'),
    query(83, 'x\x01y\x7f.example'),
    query(84, 'A.B.Example.COM'),
    query(85, ('x' * 63 + '.') * 4),
    hdr(86, RD) + b'\x01a\x00\x01b\x00' + struct.pack('!HH', 1, 1),
    hdr(87, RD) + b'\x01a\x01.\x00' + struct.pack('!HH', 1, 1),
    # compression abuse
    hdr(90, RD) + b'\xc0\x0c' + struct.pack('!HH', 1, 1),
    hdr(91, RD) + b'\x01a\xc0\x0c' + struct.pack('!HH', 1, 1),
    hdr(92, RD) + b'\x01a\xc0\x14\x00\x01\x00\x01\x01b\xc0\x0c',
    hdr(93, RD) + b'\xc0\xff' + struct.pack('!HH', 1, 1),
    hdr(94, RD) + b'\xc0' + struct.pack('!HH', 1, 1)[:0],
    hdr(95, RD) + b'\x01a\x40\x00' + struct.pack('!HH', 1, 1),
    hdr(96, RD) + b'\x01a\x80\x00' + struct.pack('!HH', 1, 1),
    hdr(97, RD) + b'\x41\x08\xab\x00' + struct.pack('!HH', 1, 1),
    hdr(98, RD) + b'\x41\x00' + b'\x00' * 32 + b'\x00' + struct.pack('!HH', 1, 1),
    hdr(99, RD) + b'\x41\x10\xab\xcd\x00' + struct.pack('!HH', 1, 1),
    hdr(100, RD) + b'\x41\x0c\xab\xcd\x03com\x00' + struct.pack('!HH', 1, 1),
    hdr(101, RD) + b'\x42\x00' + struct.pack('!HH', 1, 1),
    resp(102, 'example.com', 1, [rr(b'\xc0\x30', 1, bytes([1, 2, 3, 4]))]),
    resp(103, 'example.com', 5, [rr(PTR12, 5, b'\x03www\xc0\x29')]),
    resp(104, 'example.com', 5, [rr(PTR12, 5, b'\xc0\x1d')]),
    hdr(105, QR) + b'\x03abc\xc0\x0c' + struct.pack('!HH', 1, 1),
    # truncation
    hdr(110, RD)[:5],
    hdr(111, RD),
    query(112, 'example.com')[:20],
    query(113, 'example.com')[:25],
    query(114, 'example.com')[:27],
    resp(115, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])])[:-2],
    resp(116, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])])[:-4],
    resp(117, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])])[:-10],
    resp(118, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])])[:-13],
    resp(119, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])])[:-15],
    resp(120, 'example.com', 1, [A(PTR12, [1, 2, 3, 4]), A(PTR12, [5, 6, 7, 8])])[:-15],
    resp(121, 'example.com', 1, [A(PTR12, [1, 2, 3, 4]), A(PTR12, [5, 6, 7, 8])])[:-16],
    resp(122, 'example.com', 5, [rr(PTR12, 5, name('www.example.org'))])[:-5],
    resp(123, 'example.com', 15, [rr(PTR12, 15, struct.pack('!H', 10) + name('mx1.example.com'))])[:-3],
    resp(124, 'example.com', 16, [rr(PTR12, 16, b'\x05hello\x05world')])[:-3],
    hdr(125, QR | RA, 1, 3) + q('example.com') + A(PTR12, [1, 2, 3, 4]),
    hdr(126, RD, 3) + q('example.com'),
    resp(127, 'example.com', 1, [A(PTR12, [1, 2, 3, 4])], ar=opt(ext_rcode=1), nar=1)[:-3],
    resp(128, 'example.com', 1, [rr(PTR12, 16, b'\x09hello')]),
    resp(129, 'example.com', 1, [rr(PTR12, 5, name('www.example.org') + b'junk')]),
    resp(130, 'example.com', 1, [rr(PTR12, 5, name('www.example.org')[:-4])]),
]
msgs += [
    query(131, ('x' * 63 + '.') * 3 + 'y' * 61),
    query(132, ('x' * 63 + '.') * 3 + 'y' * 62),
    query(133, ('x' * 63 + '.') * 5),
    hdr(134, RD) + b'\x41\x0d\xab\xcd\x00' + struct.pack('!HH', 1, 1),
    hdr(135, RD) + b'\x41\x01\xff\x00' + struct.pack('!HH', 1, 1),
    hdr(136, RD) + b'\x41\x08' + struct.pack('!HH', 1, 1)[:1],
    hdr(137, QR | RA, 3, 1) + q('a.example') + q('b.example') + q('c.example') + A(b'\xc0\x0c', [1, 2, 3, 4]),
    resp(138, 'example.com', 1, [opt(ext_rcode=1), A(PTR12, [1, 2, 3, 4])]),
    resp(139, 'example.com', 1, [], flags=QR | RA | 1, ar=opt(ext_rcode=1)[:5], nar=1),
    resp(140, 'example.com', 1, [], flags=QR | RA | 1, ar=opt(ext_rcode=1)[:6], nar=1),
    resp(141, 'example.com', 1, [], flags=QR | RA | 1, ar=A(PTR12, [1, 2, 3, 4]) + opt(ext_rcode=1), nar=2),
    resp(142, 'example.com', 1, [], flags=QR | RA | 1, ns=A(PTR12, [1, 2, 3, 4]), nns=1, ar=opt(ext_rcode=1), nar=1),
    resp(143, 'example.com', 1, [], flags=QR | RA | 1, ns=rr(PTR12, 1, b'\1\2\3\4' * 100)[:14], nns=1, ar=b'', nar=1),
    resp(144, 'example.com', 1, [rr(PTR12, 38, b'\x00' + ip6_a)]),
    resp(145, 'example.com', 1, [rr(PTR12, 38, b'\x80' + name('a.example'))]),
    resp(146, 'example.com', 1, [rr(PTR12, 38, b'\x41' + b'\xbb' * 8 + name('a.example'))]),
    resp(147, 'example.com', 1, [rr(PTR12, 38, b'\xc8' + name('a.example'))]),
    resp(148, 'example.com', 1, [opt(512, opts=struct.pack('!HH', 3, 4) + b'abcd' + struct.pack('!HH', 12, 3) + b'\0\0\0')]),
    resp(150, 'example.com', 1, [opt(512, opts=struct.pack('!HH', 65000, 2) + b'\xab\xcd')]),
    resp(151, 'example.com', 1, [opt(512, version=1)]),
    resp(152, 'example.com', 1, [opt(512, opts=struct.pack('!HH', 11, 2) + b'\x00\x64' + struct.pack('!HH', 15, 6) + b'\x00\x12ab')]),
    resp(153, 'example.com', 1, [rr(PTR12, 1, b''), A(PTR12, [5, 6, 7, 8])]),
    resp(154, 'example.com', 1, [rr(PTR12, 16, b'\x00'), rr(PTR12, 16, b'\x02ab\x05c')]),
    resp(155, 'example.com', 1, [rr(PTR12, 15, b'\x00')]),
    resp(156, 'example.com', 1, [rr(PTR12, 33, b'\x00\x01\x00\x02\x00\x03' + b'\xc0\x0c')]),
    resp(157, 'example.com', 1, [rr(PTR12, 256, b'\x00\x01')]),
    resp(158, 'example.com', 1, [rr(PTR12, 256, b'\x00\x01\x00\x02\x01\xffx')]),
    resp(159, 'example.com', 1, [rr(PTR12, 2, b'\x03abc'), A(PTR12, [5, 6, 7, 8])]),
    resp(160, 'example.com', 1, [rr(PTR12, 41, b'', c=512)] * 2),
    resp(161, 'example.com', 5, [rr(PTR12, 5, b'\x01a\x40\x00')]),
    resp(162, 'example.com', 5, [rr(PTR12, 5, b'\x01a\x80\x00')]),
    hdr(163, RD, 2) + q(('x' * 63 + '.') * 5) + q('b.example', 28),
    resp(166, 'example.com', 2, [rr(PTR12, 2, b'\x05abc')]),
    resp(167, 'example.com', 5, [rr(PTR12, 5, b'\x01a\x42\x00')]),
    resp(168, 'example.com', 5, [rr(PTR12, 5, b'\x01a\x41\x04\xf0\x00')]),
]
# EDNS options in an OPT answer (not ECS, DAU, DHU, N3U, CHAIN): each code with 0, 2 and 4 bytes of data
for code in [0, 1, 2, 3, 4, 9, 10, 11, 12, 14, 15, 16, 17, 18, 26946, 65001]:
    for data in (b'', b'\x00\x64', b'\x00\x02\x03\x04', b'\x00\x01\x10\x00\x0a'):
        msgs.append(resp(4000 + code % 1000, 'x', 1, [opt(512, opts=struct.pack('!HH', code, len(data)) + data)]))
# every type as an answer, with the same rdata
sweep = name('a.example') + bytes(range(1, 24))
for t in list(range(0, 270)) + [32768, 65535]:
    msgs.append(resp(3000 + t % 1000, 'x', t, [rr(b'\xc0\x0c', t, sweep)]))
# opcodes, rcodes
for op in range(16):
    msgs.append(hdr(200 + op, (op << 11) | RD) + q('example.com'))
for rc in range(16):
    msgs.append(resp(300 + rc, 'example.com', 1, [], flags=QR | RA | rc))
for ext in range(0, 24):
    msgs.append(resp(400 + ext, 'example.com', 1, [], flags=QR | RA | (ext & 15), ar=opt(ext_rcode=ext >> 4), nar=1))
msgs.append(resp(430, 'example.com', 1, [], flags=QR | RA | 5, ar=opt(ext_rcode=255), nar=1))
msgs.append(resp(431, 'example.com', 1, [], flags=QR | RA | 5, ar=opt(ext_rcode=3) + opt(ext_rcode=1), nar=2))
msgs.append(resp(432, 'example.com', 1, [], flags=QR | RA | 5, ar=rr('example.com', 41, b'', c=512, ttl=0x01000000), nar=1))
# every type and a sample of classes, as questions
types = list(range(0, 270)) + [32768, 32769, 65280, 65534, 65535]
for t in types:
    msgs.append(query(1000 + t % 1000, 'x', t))
for c in [0, 1, 2, 3, 4, 5, 253, 254, 255, 256, 32769, 65535]:
    msgs.append(query(2000 + c % 1000, 'x', 1, c))

pkts = []
for m in msgs:
    pkts.append(eth(0x0800, ip4(17, udp(40000, 53, m))))
# ports: which end is 53 does not matter; mDNS
A1 = A(PTR12, [10, 0, 0, 9])
pkts += [
    eth(0x0800, ip4(17, udp(53, 40000, resp(500, 'example.com', 1, [A1])))),
    eth(0x0800, ip4(17, udp(53, 53, resp(501, 'example.com', 1, [A1])))),
    eth(0x86dd, ip6(17, udp(40000, 53, query(502, 'example.com', 28)))),
    eth(0x0800, ip4(17, udp(5353, 5353, query(0, 'printer.local', 1, 1, flags=0)))),
    eth(0x0800, ip4(17, udp(5353, 5353, query(0, 'printer.local', 1, 0x8001, flags=0)))),
    eth(0x0800, ip4(17, udp(5353, 5353, hdr(0, QR | AA, 0, 1) + rr('printer.local', 1, bytes([10, 0, 0, 9]), c=0x8001, ttl=120)))),
    eth(0x0800, ip4(17, udp(5353, 5353, hdr(0, QR | AA, 0, 3) + rr('_ipp._tcp.local', 12, name('p._ipp._tcp.local')) + rr(b'\xc0\x1f', 33, struct.pack('!HHH', 0, 0, 631) + name('printer.local'), c=0x8001) + rr(b'\xc0\x1f', 16, b'\x07txtvers', c=0x8001)))),
    eth(0x0800, ip4(17, udp(40000, 5353, query(503, 'printer.local')))),
    eth(0x0800, ip4(17, udp(5353, 5353, hdr(0, QR | AA, 0, 1) + rr('printer.local', 16, b'\x01x', c=0x8003, ttl=120)))),
    eth(0x0800, ip4(17, udp(5353, 5353, query(0, 'printer.local', 1, 0x8003, flags=0)))),
    eth(0x0800, ip4(17, udp(5353, 5353, query(0, 'printer.local', 1, 3, flags=0)))),
    eth(0x0800, ip4(17, udp(5353, 53, query(504, 'example.com')))),
    eth(0x0800, ip4(17, udp(123, 53, query(505, 'example.com')))),
    eth(0x0800, ip4(17, udp(53, 67, query(506, 'example.com')))),
    eth(0x0800, ip4(17, udp(53, 161, query(507, 'example.com')))),
    eth(0x0800, ip4(17, udp(53, 2049, query(508, 'example.com')))),
    eth(0x0800, ip4(17, udp(40000, 53, query(509, 'example.com')), total=20 + 8 + 20)),
    eth(0x0800, ip4(17, udp(40000, 53, query(510, 'example.com'), ulen=8 + 20))),
    eth(0x0800, ip4(17, udp(40000, 53, query(511, 'example.com'), ulen=8 + 100))),
    eth(0x0800, ip4(17, udp(40000, 53, query(512, 'example.com'), ulen=8))),
    eth(0x0800, ip4(17, udp(40000, 53, query(513, 'example.com'), ulen=5))),
]
# TCP port 53 with the 2-byte length prefix
def tcpdns(m, sp=40000, dp=53, cut=None):
    d = struct.pack('!H', len(m) if cut is None else cut) + m
    return eth(0x0800, ip4(6, tcp(sp, dp, 1000, 2000, 0x18, 512, d)))
pkts += [
    tcpdns(query(600, 'example.com')),
    tcpdns(resp(601, 'example.com', 1, [A1]), 53, 40000),
    tcpdns(query(602, 'example.com'), cut=100),
    tcpdns(query(603, 'example.com'), cut=10),
    tcpdns(query(604, 'example.com') + struct.pack('!H', 29) + query(605, 'example.com')),
    eth(0x0800, ip4(6, tcp(40000, 53, 1000, 2000, 0x18, 512, b'\x00'))),
    eth(0x0800, ip4(6, tcp(40000, 53, 1000, 2000, 0x18, 512, b'\x00\x05abc'))),
    eth(0x0800, ip4(6, tcp(40000, 53, 1000, 2000, 0x10, 512))),
    eth(0x0800, ip4(6, tcp(40000, 53, 1000, 2000, 0x18, 512, b'\x00\x03abc'))),
    eth(0x0800, ip4(6, tcp(40000, 53, 1000, 2000, 0x18, 512, b'\x00\x00'))),
    eth(0x0800, ip4(6, tcp(40000, 5353, 1000, 2000, 0x18, 512, struct.pack('!H', 29) + query(606, 'example.com')))),
    (tcpdns(query(607, 'example.com'))[:-6], len(tcpdns(query(607, 'example.com')))),
    (tcpdns(query(608, 'example.com'))[:55], len(tcpdns(query(608, 'example.com')))),
    (tcpdns(query(609, 'example.com'))[:56], len(tcpdns(query(609, 'example.com')))),
    (tcpdns(query(609, 'example.com'))[:60], len(tcpdns(query(609, 'example.com')))),
]
# capture cut (caplen < wire length)
full = eth(0x0800, ip4(17, udp(40000, 53, resp(700, 'example.com', 1, [A1, A1]))))
full3 = eth(0x0800, ip4(17, udp(40000, 53, resp(701, 'example.com', 1, [A1, A1, A1]))))
pkts.append((full3[:42 + 45 + 1], len(full3)))
pkts.append((full3[:42 + 45 + 8], len(full3)))
for cut in (42 + 25, 42 + 27, 45, 50, 54 + 8, 54 + 12 + 13, 54 + 12 + 17, 54 + 12 + 17 + 12, len(full) - 16, len(full) - 4):
    pkts.append((full[:cut], len(full)))

def write(fname, linktype, pkts, snap=262144):
    with open(os.path.join(here, fname), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap, linktype))
        for i, p in enumerate(pkts):
            if isinstance(p, tuple): p, wire = p
            else: wire = len(p)
            f.write(struct.pack('<IIII', 1700000000 + i, 7, len(p), wire))
            f.write(p)

write('dns.pcap', 1, pkts)
