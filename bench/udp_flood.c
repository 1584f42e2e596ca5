/* bench/udp_flood.c — send N small UDP datagrams to 127.0.0.1:PORT as fast as possible, in
 * sendmmsg(2) batches of 64, from one connected socket; print the achieved rate.
 *
 *   udp_flood PORT N [SIZE]     (SIZE = payload bytes, default 32)
 *
 * Output (stdout, one line): sent=N seconds=S pps=R
 * Each payload starts with the datagram's sequence number (big-endian u32) so a capture can be
 * spot-checked; the rest is 'x'.
 *
 * The receiver: before sending, this program binds a second UDP socket on 127.0.0.1:PORT
 * (SO_RCVBUF at its minimum) and never reads it. Its buffer fills after a few dozen datagrams
 * and the kernel drops the rest at the socket (UdpRcvbufErrors in /proc/net/snmp) — after the
 * packet taps, so a capture sees every datagram, and no user-space receiver competes for the
 * CPU. Without a bound socket every datagram would draw an ICMP port-unreachable (doubling the
 * traffic a capture filter has to reject) and make sendmmsg fail with ECONNREFUSED. Binding
 * fails (exit 1) if PORT is taken, so a stray receiver cannot skew the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXSIZE 1472

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: udp_flood PORT N [SIZE]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    int size = argc > 3 ? atoi(argv[3]) : 32;
    if (port <= 0 || port > 65535 || n <= 0 || size < 4 || size > MAXSIZE) {
        fprintf(stderr, "udp_flood: bad PORT, N or SIZE (4..%d)\n", MAXSIZE);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1; /* the kernel rounds this up to its minimum */
    if (rx < 0 || setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &one, sizeof one) < 0 ||
        bind(rx, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("udp_flood: receiver socket on 127.0.0.1:PORT");
        return 1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("connect");
        return 1;
    }
    static char bufs[BATCH][MAXSIZE];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        memset(bufs[i], 'x', size);
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long sent = 0;
    double t0 = now();
    while (sent < n) {
        int k = n - sent < BATCH ? (int)(n - sent) : BATCH;
        for (int i = 0; i < k; i++) {
            uint32_t seq = htonl((uint32_t)(sent + i));
            memcpy(bufs[i], &seq, 4);
        }
        int r = sendmmsg(fd, msgs, k, 0);
        if (r < 0) {
            if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
                continue;
            perror("sendmmsg");
            return 1;
        }
        sent += r;
    }
    double dt = now() - t0;
    printf("sent=%ld seconds=%.6f pps=%.0f\n", sent, dt, dt > 0 ? sent / dt : 0.0);
    return 0;
}
