/*
 * Counts UDP datagrams per source address (for the XDP tests and bench).
 *   udp_sink PORT
 * Listens on [::]:PORT (IPv4 and IPv6), says "ready" on stderr, and on SIGTERM
 * or SIGINT reads what is still queued, then prints one "SOURCE COUNT" line per
 * source and "total N SECONDS" (N datagrams between the first and the last) on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 64

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

struct source {
    struct in6_addr addr;
    long count;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: udp_sink PORT\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    int off = 0, rcvbuf = 8 << 20;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_in6 addr = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[1]))};
    if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0) {
        fprintf(stderr, "udp_sink: cannot bind port %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    fprintf(stderr, "ready\n");
    struct source sources[MAX_SOURCES];
    int nsources = 0;
    long total = 0;
    double first = 0, last = 0;
    char buf[65536];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        /* After the signal: keep reading until the queue has been empty for 200 ms. */
        int r = poll(&p, 1, stop ? 200 : 1000);
        if (r <= 0) {
            if (stop) break;
            continue;
        }
        struct sockaddr_in6 from;
        socklen_t len = sizeof(from);
        while (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr*)&from, &len) >= 0) {
            last = now_s();
            if (total++ == 0) first = last;
            int i = 0;
            while (i < nsources && memcmp(&sources[i].addr, &from.sin6_addr, 16) != 0)
                i++;
            if (i == nsources && nsources < MAX_SOURCES) {
                sources[nsources].addr = from.sin6_addr;
                sources[nsources++].count = 0;
            }
            if (i < MAX_SOURCES) sources[i].count++;
            len = sizeof(from);
        }
    }
    for (int i = 0; i < nsources; i++) {
        char text[INET6_ADDRSTRLEN];
        if (IN6_IS_ADDR_V4MAPPED(&sources[i].addr)) {
            inet_ntop(AF_INET, &sources[i].addr.s6_addr[12], text, sizeof(text));
        } else {
            inet_ntop(AF_INET6, &sources[i].addr, text, sizeof(text));
        }
        printf("%s %ld\n", text, sources[i].count);
    }
    printf("total %ld %.6f\n", total, last - first);
    return 0;
}
