/* Minimal reference TCP echo server for bench/core.sh.
 *
 *   echo_server PORT [ADDR]      (ADDR defaults to 127.0.0.1)
 *
 * Blocking accept of ONE client, TCP_NODELAY, read/write loop until the
 * client closes, then exit 0. Used as the latency baseline ("C echo").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "echo_server: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [ADDR]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    const char *addr = argc > 2 ? argv[2] : "127.0.0.1";

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0) die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "echo_server: bad address %s\n", addr);
        return 2;
    }
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    if (listen(ls, 16) < 0) die("listen");

    int c;
    do {
        c = accept(ls, NULL, NULL);
    } while (c < 0 && errno == EINTR);
    if (c < 0) die("accept");
    close(ls);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    char buf[65536];
    for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ECONNRESET) break;
            die("read");
        }
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EPIPE || errno == ECONNRESET) goto out;
                die("write");
            }
            off += w;
        }
    }
out:
    close(c);
    return 0;
}
