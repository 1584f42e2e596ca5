#!/usr/bin/env python3
"""Writes can.pcap (LINKTYPE_CAN_SOCKETCAN, 227): hand-built SocketCAN records as libpcap and
`sockcli can dump -w` store them (the kernel's 16-byte can_frame or 72-byte canfd_frame, the
32-bit id with its EFF/RTR/ERR flags big-endian, the length at byte 4, the FD flags at byte
5, the data from byte 8), one second apart from 1700000000.000001:

 0 123#DEADBEEF          standard id, 4 bytes
 1 1F334455#11           extended id
 2 123#R                 remote request
 3 123#R5                remote request with a length
 4 123##1112233          CAN FD, BRS (flags 0x05: FDF as kernels since 5.19 set it)
 5 123##3AABB            CAN FD, BRS and ESI
 6 123##0 + 12 bytes     CAN FD padded to 12, flags 0 (no FDF: an older capture)
 7 2000000C#0010041200000000  error frame (controller problem, protocol violation)
 8 20000200#00           error frame with no class candump names
 9 123#DEADBEEF cut to 10 bytes (snap length), wire length 16
10 3 bytes               garbage: not even a header
11 123 with length 12    a classic frame claiming more than 8 bytes

Run it from anywhere: `python3 tests/data/gen_can.py`. Read by tests/integration/sniff_can.rs."""
import os, struct
here = os.path.dirname(os.path.abspath(__file__))
EFF, RTR, ERR = 0x80000000, 0x40000000, 0x20000000
FDF, BRS, ESI = 0x04, 0x01, 0x02

def classic(can_id, data=b'', length=None):
    n = len(data) if length is None else length
    return struct.pack('>IBBBB', can_id, n, 0, 0, 0) + data.ljust(8, b'\0')

def fd(can_id, data, flags):
    return struct.pack('>IBBBB', can_id, len(data), flags, 0, 0) + data.ljust(64, b'\0')

records = [
    (classic(0x123, bytes.fromhex('DEADBEEF')), None),
    (classic(EFF | 0x1F334455, b'\x11'), None),
    (classic(RTR | 0x123), None),
    (classic(RTR | 0x123, length=5), None),
    (fd(0x123, bytes.fromhex('112233'), FDF | BRS), None),
    (fd(0x123, bytes.fromhex('AABB'), FDF | BRS | ESI), None),
    (fd(0x123, bytes(range(1, 10)) + b'\0\0\0', 0), None),
    (classic(ERR | 0xC, bytes.fromhex('0010041200000000')), None),
    (classic(ERR | 0x200, b'\0'), None),
    (classic(0x123, bytes.fromhex('DEADBEEF'))[:10], 16),
    (b'\x00\x01\x23', None),
    (classic(0x123, bytes(8), length=12), None),
]
out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 72, 227)
for i, (rec, wire) in enumerate(records):
    out += struct.pack('<IIII', 1700000000 + i, 1, len(rec), wire or len(rec)) + rec
with open(os.path.join(here, 'can.pcap'), 'wb') as f:
    f.write(out)
