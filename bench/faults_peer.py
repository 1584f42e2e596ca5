# Python peers for bench/faults.sh (issue 13's heavy fault runs). One mode per call:
#   rst-server N          listen on 127.0.0.1:0, print the port; accept one, read N bytes,
#                         then close with SO_LINGER {1,0} (an RST); print "reset after GOT"
#   rst-client PORT N     connect, send N pattern bytes, wait until all are acknowledged
#                         (SIOCOUTQ 0), reset; print "sent N"
#   slow-reader           read stdin 64 KiB every 10 ms to EOF; print the bytes read
#   paced-client PORT     connect; send 64 KiB pattern chunks every 2 ms for 0.5 s, wait until
#                         all are acknowledged and print "acked N"; go on sending until the
#                         connection breaks (or 30 s) and print "sent M" (M >= every byte the
#                         peer's kernel got)
#   prefix FILE           exit 0 if FILE is a prefix of the pattern stream, print its size
#   conns PORT N RESETS   N echo round trips ("ping"), each on a new connection; RESETS of
#                         them (spread evenly) closed with an RST; print "conns N in SECONDS"
# The pattern stream is a 1 MiB pseudo-random block (SHA-256 in counter mode), repeated.
import fcntl, hashlib, os, socket, struct, sys, termios, time

BLOCK = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(1 << 15))


def pattern(start, n):
    out = bytearray()
    while n:
        off = start % len(BLOCK)
        take = min(n, len(BLOCK) - off)
        out += BLOCK[off:off + take]
        start += take
        n -= take
    return bytes(out)


def outq(c):
    return struct.unpack("i", fcntl.ioctl(c, termios.TIOCOUTQ, b"\0\0\0\0"))[0]


def wait_acked(c, limit=10):
    deadline = time.time() + limit
    while outq(c) and time.time() < deadline:
        time.sleep(0.005)


def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


mode, a = sys.argv[1], sys.argv[2:]
if mode == "rst-server":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    print(s.getsockname()[1], flush=True)
    c, _ = s.accept()
    got = 0
    while got < int(a[0]):
        d = c.recv(1 << 16)
        if not d:
            break
        got += len(d)
    reset(c)
    print("reset after %d" % got, flush=True)
elif mode == "rst-client":
    c = socket.create_connection(("127.0.0.1", int(a[0])))
    n = int(a[1])
    c.sendall(pattern(0, n))
    wait_acked(c)
    reset(c)
    print("sent %d" % n, flush=True)
elif mode == "slow-reader":
    got = 0
    while True:
        d = os.read(0, 1 << 16)
        if not d:
            break
        got += len(d)
        time.sleep(0.01)
    print(got, flush=True)
elif mode == "paced-client":
    c = socket.create_connection(("127.0.0.1", int(a[0])))
    sent, chunk = 0, 1 << 16
    end = time.time() + 0.5
    while time.time() < end:
        c.sendall(pattern(sent, chunk))
        sent += chunk
        time.sleep(0.002)
    wait_acked(c)
    print("acked %d" % sent, flush=True)
    end = time.time() + 30
    try:
        while time.time() < end:
            c.sendall(pattern(sent, chunk))
            sent += chunk
            time.sleep(0.002)
    except OSError:
        pass
    print("sent %d" % sent, flush=True)
elif mode == "prefix":
    data = open(a[0], "rb").read()
    print(len(data))
    sys.exit(0 if data == pattern(0, len(data)) else 1)
elif mode == "conns":
    port, n, resets = int(a[0]), int(a[1]), int(a[2])
    every = n // resets if resets else 0
    t0 = time.time()
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"ping")
        got = b""
        while len(got) < 4:
            d = c.recv(4 - len(got))
            if not d:
                sys.exit("connection %d: closed before the echo" % i)
            got += d
        assert got == b"ping", got
        if every and i % every == 0:
            reset(c)
        else:
            c.close()
    print("conns %d in %.2f" % (n, time.time() - t0), flush=True)
else:
    sys.exit("unknown mode " + mode)
