#!/usr/bin/env python3
"""Builds the fuzz seed corpora in fuzz/seeds/<target>/ from the project's test captures.

  pcap:   every capture file in tests/data/pcaps/ and tests/data/*.pcap, unchanged
  decode: single packets taken from those files, each prefixed with the two selector bytes
          that sockcli::fuzzing::print_packet expects (the link type's index in its LINKS;
          then bits 3-7: the interface name, packet type, -e, -XX and a wire length one more
          than caplen)
  filter: the expressions in filter_seeds.txt (one per line), one file each
  endpoint: the endpoint strings in endpoint_seeds.txt (one per line), one file each

Files are named by their SHA-1, like libFuzzer's corpus. Usage: python3 fuzz/make_seeds.py
"""

import hashlib
import struct
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
DATA = ROOT / "tests" / "data"
OUT = FUZZ / "seeds"

# Index into LINKS in src/fuzzing.rs (the first selector byte).
LINKS = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 129: 8, 227: 9}
# Upper selector bits to cycle through: plain; iface+pkttype Host; -e; -XX + cut; all of them.
VARIANTS = [0x00, 0x18, 0x20, 0xC0, 0x38 | 0x40 | 0x80 | 0x20]
PER_FILE = 24  # packets taken from one public capture file
PER_CRAFTED = 150  # from one of our crafted files (tests/data/*.pcap: DNS, PTP, MPTCP, ...)


def records(b):
    """(link type, packet bytes) of each record of a pcap or pcapng file; stops at garbage."""
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xD4, 0x4D) else ">"
        link = struct.unpack(e + "I", b[20:24])[0] & 0x03FFFFFF
        i = 24
        while i + 16 <= len(b):
            caplen = struct.unpack(e + "I", b[i + 8 : i + 12])[0]
            yield link, b[i + 16 : i + 16 + caplen]
            i += 16 + caplen
        return
    if magic != b"\x0a\x0d\x0d\x0a":
        return
    e, links, i = "<", [], 0
    while i + 12 <= len(b):
        ty = b[i : i + 4]
        if ty == b"\x0a\x0d\x0d\x0a":
            e = "<" if b[i + 8 : i + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        ty, blen = struct.unpack(e + "II", b[i : i + 8])
        if blen < 12 or i + blen > len(b):
            return
        body = b[i + 8 : i + blen - 4]
        if ty == 1:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif ty == 6 and len(body) >= 20:
            ifid, _, _, caplen, _ = struct.unpack(e + "IIIII", body[:20])
            if ifid < len(links):
                yield links[ifid], body[20 : 20 + caplen]
        elif ty == 3 and links:
            yield links[0], body[4:]
        i += blen


def write(target, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    public = [(f, PER_FILE) for f in sorted((DATA / "pcaps").glob("*.pcap*"))]
    crafted = [(f, PER_CRAFTED) for f in sorted(DATA.glob("*.pcap"))]
    n = 0
    for f, per_file in public + crafted:
        b = f.read_bytes()
        write("pcap", b)
        # Spread the packets taken over the whole file.
        recs = [r for r in records(b) if r[0] in LINKS]
        step = max(1, len(recs) // per_file)
        for link, pkt in recs[::step][:per_file]:
            write("decode", bytes([LINKS[link], VARIANTS[n % len(VARIANTS)]]) + pkt)
            n += 1
    for line in (FUZZ / "filter_seeds.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            write("filter", line.encode())
    for line in (FUZZ / "endpoint_seeds.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            write("endpoint", line.encode())
    for t in ("pcap", "decode", "filter", "endpoint"):
        files = list((OUT / t).iterdir())
        size = sum(p.stat().st_size for p in files)
        print(f"{t}: {len(files)} seeds, {size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
