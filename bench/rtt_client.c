/* 1-byte echo round-trip latency client for bench/core.sh.
 *
 *   rtt_client HOST PORT [N [WARMUP [TIMEOUT_S]]]
 *
 * Connects (IPv4 literal HOST) with TCP_NODELAY, then WARMUP (default 1000)
 * unmeasured and N (default 20000) measured round trips: write 1 byte, read
 * 1 byte back. Every read is bounded by SO_RCVTIMEO (1 s) and the whole run
 * by alarm(TIMEOUT_S, default 60). On success prints one line:
 *
 *   n=N mean_us=X p50_us=X p99_us=X min_us=X max_us=X
 *
 * and exits 0; any error (refused, short/wrong echo, timeout) -> message on
 * stderr, exit 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "rtt_client: overall timeout\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One round trip; returns 0 on success. */
static int round_trip(int fd, unsigned char v) {
    ssize_t w;
    do {
        w = write(fd, &v, 1);
    } while (w < 0 && errno == EINTR);
    if (w != 1) {
        fprintf(stderr, "rtt_client: write: %s\n", w < 0 ? strerror(errno) : "short write");
        return -1;
    }
    unsigned char r;
    ssize_t n;
    do {
        n = read(fd, &r, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        fprintf(stderr, "rtt_client: server closed the connection\n");
        return -1;
    }
    if (n < 0) {
        fprintf(stderr, "rtt_client: read: %s\n",
                (errno == EAGAIN || errno == EWOULDBLOCK) ? "no echo within 1s" : strerror(errno));
        return -1;
    }
    if (r != v) {
        fprintf(stderr, "rtt_client: wrong byte echoed (sent %u, got %u)\n", v, r);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [N [WARMUP [TIMEOUT_S]]]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    long n = argc > 3 ? atol(argv[3]) : 20000;
    long warm = argc > 4 ? atol(argv[4]) : 1000;
    int tmo = argc > 5 ? atoi(argv[5]) : 60;
    if (n <= 0 || n > 10000000 || warm < 0) {
        fprintf(stderr, "rtt_client: bad N/WARMUP\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)tmo);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("rtt_client: socket");
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "rtt_client: bad IPv4 address %s\n", host);
        return 2;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "rtt_client: connect %s:%d: %s\n", host, port, strerror(errno));
        return 1;
    }

    for (long i = 0; i < warm; i++)
        if (round_trip(fd, (unsigned char)('a' + i % 26)) != 0) return 1;

    double *s = malloc(sizeof(double) * (size_t)n);
    if (!s) {
        perror("rtt_client: malloc");
        return 1;
    }
    double sum = 0;
    for (long i = 0; i < n; i++) {
        double t0 = now_us();
        if (round_trip(fd, (unsigned char)('A' + i % 26)) != 0) return 1;
        s[i] = now_us() - t0;
        sum += s[i];
    }
    close(fd);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    long i99 = (long)((double)n * 0.99);
    if (i99 >= n) i99 = n - 1;
    printf("n=%ld mean_us=%.2f p50_us=%.2f p99_us=%.2f min_us=%.2f max_us=%.2f\n", n, sum / (double)n,
           s[n / 2], s[i99], s[0], s[n - 1]);
    free(s);
    return 0;
}
