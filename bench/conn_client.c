/* Many-connection load client for bench/conns.sh. Two modes:
 *
 *   conn_client hold HOST PORT N [WINDOW [TIMEOUT_S]]
 *       Prints "started", then waits for a line (or EOF) on stdin, so a caller can take a
 *       baseline reading with this process already running. Then opens N TCP connections to HOST:PORT (IPv4 literal), at most WINDOW (default 64) in
 *       flight at once (non-blocking connect, then one 16-byte echo that must come back
 *       unchanged, so the server has really accepted and served each one). Then prints
 *           ready n=N secs=X
 *       and holds every connection open, idle, until killed. Any failure (refused, reset,
 *       wrong echo, more than TIMEOUT_S seconds (default 120) to open them all) -> message on
 *       stderr, exit 1.
 *
 *   conn_client rate HOST PORT SECS [THREADS [rst|fin]]
 *       THREADS (default 2) workers, each looping for SECS seconds: socket, blocking connect,
 *       write 16 bytes, read the 16 bytes back, close. "rst" (default) closes with
 *       SO_LINGER {1, 0}, so the close is an RST and no TIME_WAIT is left behind to exhaust
 *       the ephemeral ports; "fin" closes normally and, against a 127.x.x.x server, spreads
 *       the TIME_WAITs over 32 source addresses 127.0.0.2-33. Connect and read are bounded by
 *       2 s each. Prints one line
 *           conns=N secs=X rate=R errors=E [first_error=...]
 *       A failed connection counts as an error (the worker pauses 1 ms and goes on).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 16

static struct sockaddr_in dst;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_msg(unsigned char *m, unsigned long k) {
    for (int i = 0; i < MSG; i++) m[i] = (unsigned char)('a' + (k + (unsigned long)i) % 26);
}

/* ------------------------------------------------------------------ hold */

enum { FREE, CONNECTING, ECHOING, DONE };
struct conn {
    int fd;
    int state;
    int got;
    unsigned char buf[MSG];
};

static volatile sig_atomic_t hold_done_count;
static unsigned long hold_n;

static void on_alarm(int sig) {
    (void)sig;
    char msg[128];
    int len = snprintf(msg, sizeof msg, "conn_client: timeout: %d of %lu connections echoed\n",
                       (int)hold_done_count, hold_n);
    (void)!write(2, msg, (size_t)len);
    _exit(1);
}

static void hold_fail(unsigned long i, const char *what, int err) {
    fprintf(stderr, "conn_client: connection %lu of %lu: %s%s%s\n", i + 1, hold_n, what,
            err ? ": " : "", err ? strerror(err) : "");
    exit(1);
}

static int hold(unsigned long n, int window, int timeout_s) {
    hold_n = n;
    struct conn *cs = calloc(n, sizeof *cs);
    if (!cs) {
        perror("conn_client: calloc");
        return 1;
    }
    printf("started\n");
    fflush(stdout);
    char go[64];
    (void)!read(0, go, sizeof go);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout_s);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("conn_client: epoll_create1");
        return 1;
    }
    double t0 = now_s();
    unsigned long next = 0, done = 0;
    int inflight = 0;
    struct epoll_event evs[256];
    while (done < n) {
        while (inflight < window && next < n) {
            struct conn *c = &cs[next];
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) hold_fail(next, "socket", errno);
            if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)
                hold_fail(next, "connect", errno);
            c->state = CONNECTING;
            struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = next};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) hold_fail(next, "epoll_ctl", errno);
            next++;
            inflight++;
        }
        int k = epoll_wait(ep, evs, 256, -1);
        if (k < 0) {
            if (errno == EINTR) continue;
            perror("conn_client: epoll_wait");
            return 1;
        }
        for (int j = 0; j < k; j++) {
            unsigned long i = evs[j].data.u64;
            struct conn *c = &cs[i];
            unsigned char want[MSG];
            fill_msg(want, i);
            if (c->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) hold_fail(i, "connect", err);
                ssize_t w = write(c->fd, want, MSG);
                if (w != MSG) hold_fail(i, "write", w < 0 ? errno : 0);
                c->state = ECHOING;
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
                if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) hold_fail(i, "epoll_ctl", errno);
            } else if (c->state == ECHOING) {
                ssize_t r = read(c->fd, c->buf + c->got, (size_t)(MSG - c->got));
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (r < 0) hold_fail(i, "read", errno);
                if (r == 0) hold_fail(i, "server closed the connection before echoing", 0);
                c->got += (int)r;
                if (c->got < MSG) continue;
                if (memcmp(c->buf, want, MSG) != 0) hold_fail(i, "wrong bytes echoed", 0);
                c->state = DONE;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                inflight--;
                done++;
                hold_done_count = (sig_atomic_t)done;
            }
        }
    }
    alarm(0);
    printf("ready n=%lu secs=%.3f\n", n, now_s() - t0);
    fflush(stdout);
    for (;;) pause(); /* hold them until killed */
}

/* ------------------------------------------------------------------ rate */

struct worker {
    pthread_t tid;
    int id;
    int fin;
    double deadline;
    unsigned long conns, errors;
    char first_error[160];
};

static void werr(struct worker *w, const char *what, int err) {
    if (w->errors++ == 0)
        snprintf(w->first_error, sizeof w->first_error, "%s%s%s", what, err ? ": " : "",
                 err ? strerror(err) : "");
    usleep(1000);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    struct timeval tmo = {.tv_sec = 2, .tv_usec = 0};
    int one = 1;
    int spread = w->fin && (ntohl(dst.sin_addr.s_addr) >> 24) == 127;
    unsigned long k = (unsigned long)w->id << 40;
    while (now_s() < w->deadline) {
        k++;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            werr(w, "socket", errno);
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof tmo); /* bounds connect() too */
        if (spread) {
            struct sockaddr_in src;
            memset(&src, 0, sizeof src);
            src.sin_family = AF_INET;
            src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(k % 32));
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
                werr(w, "bind source address", errno);
                close(fd);
                continue;
            }
        }
        if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) {
            werr(w, "connect", errno);
            close(fd);
            continue;
        }
        unsigned char msg[MSG], back[MSG];
        fill_msg(msg, k);
        ssize_t n = write(fd, msg, MSG);
        if (n != MSG) {
            werr(w, "write", n < 0 ? errno : 0);
            close(fd);
            continue;
        }
        int got = 0;
        while (got < MSG) {
            n = read(fd, back + got, (size_t)(MSG - got));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (int)n;
        }
        if (got < MSG) {
            werr(w, n == 0 ? "server closed before echoing" : (errno == EAGAIN ? "no echo within 2 s" : "read"),
                 n < 0 && errno != EAGAIN ? errno : 0);
        } else if (memcmp(msg, back, MSG) != 0) {
            werr(w, "wrong bytes echoed", 0);
        } else {
            w->conns++;
        }
        if (!w->fin) setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
    }
    return NULL;
}

static int rate(double secs, int threads, int fin) {
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    if (!ws) return 1;
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        ws[i].id = i;
        ws[i].fin = fin;
        ws[i].deadline = t0 + secs;
        if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
            fprintf(stderr, "conn_client: pthread_create failed\n");
            return 1;
        }
    }
    unsigned long conns = 0, errors = 0;
    const char *first = NULL;
    for (int i = 0; i < threads; i++) {
        pthread_join(ws[i].tid, NULL);
        conns += ws[i].conns;
        errors += ws[i].errors;
        if (!first && ws[i].errors) first = ws[i].first_error;
    }
    double el = now_s() - t0;
    printf("conns=%lu secs=%.3f rate=%.0f errors=%lu", conns, el, (double)conns / el, errors);
    if (first) printf(" first_error=%s", first);
    printf("\n");
    return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(void) {
    fprintf(stderr, "usage: conn_client hold HOST PORT N [WINDOW [TIMEOUT_S]]\n"
                    "       conn_client rate HOST PORT SECS [THREADS [rst|fin]]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 5) usage();
    signal(SIGPIPE, SIG_IGN);
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((unsigned short)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
        fprintf(stderr, "conn_client: bad IPv4 address %s\n", argv[2]);
        return 2;
    }
    if (strcmp(argv[1], "hold") == 0) {
        long n = atol(argv[4]);
        int window = argc > 5 ? atoi(argv[5]) : 64;
        int tmo = argc > 6 ? atoi(argv[6]) : 120;
        if (n < 1 || window < 1 || tmo < 1) usage();
        return hold((unsigned long)n, window, tmo);
    }
    if (strcmp(argv[1], "rate") == 0) {
        double secs = atof(argv[4]);
        int threads = argc > 5 ? atoi(argv[5]) : 2;
        int fin = argc > 6 && strcmp(argv[6], "fin") == 0;
        if (secs <= 0 || threads < 1 || (argc > 6 && !fin && strcmp(argv[6], "rst") != 0)) usage();
        return rate(secs, threads, fin);
    }
    usage();
}
