/*
 * Sends UDP datagrams from one source address (for the XDP tests and bench).
 *   udp_send SRC DST PORT COUNT [PAYLOAD_BYTES]        exactly COUNT datagrams
 *   udp_send --flood SECONDS SRC DST PORT [PAYLOAD]    as many as it can for SECONDS
 * SRC and DST are numeric IPv4 or IPv6 addresses of the same family. Prints the
 * number of datagrams sent on stdout. Exit 0 if every send succeeded (a flood
 * counts ENOBUFS/EAGAIN as not sent and goes on).
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

static int parse_addr(const char* text, int port, struct sockaddr_storage* out, socklen_t* len) {
    memset(out, 0, sizeof(*out));
    struct sockaddr_in* v4 = (struct sockaddr_in*)out;
    struct sockaddr_in6* v6 = (struct sockaddr_in6*)out;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof(*v4);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof(*v6);
        return AF_INET6;
    }
    fprintf(stderr, "udp_send: '%s' is not an IPv4 or IPv6 address\n", text);
    exit(2);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    int flood = argc > 1 && strcmp(argv[1], "--flood") == 0;
    double seconds = 0;
    if (flood) {
        seconds = atof(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc < 5 - flood) {
        fprintf(stderr,
                "usage: udp_send SRC DST PORT COUNT [PAYLOAD_BYTES]\n"
                "       udp_send --flood SECONDS SRC DST PORT [PAYLOAD_BYTES]\n");
        return 2;
    }
    int port = atoi(argv[3]);
    long count = flood ? 0 : atol(argv[4]);
    int payload_arg = flood ? 4 : 5;
    size_t payload = argc > payload_arg ? (size_t)atol(argv[payload_arg]) : 32;
    struct sockaddr_storage src, dst;
    socklen_t src_len, dst_len;
    int family = parse_addr(argv[1], 0, &src, &src_len);
    if (parse_addr(argv[2], port, &dst, &dst_len) != family) {
        fprintf(stderr, "udp_send: SRC and DST are of different families\n");
        return 2;
    }
    int fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr*)&src, src_len) != 0) {
        fprintf(stderr, "udp_send: cannot bind %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char buf[65536];
    if (payload > sizeof(buf)) payload = sizeof(buf);
    memset(buf, 'x', payload);
    long sent = 0;
    if (flood) {
        double end = now_s() + seconds;
        long tries = 0, failed = 0;
        int first_errno = 0;
        while ((++tries & 255) != 0 || now_s() < end) {
            if (sendto(fd, buf, payload, 0, (struct sockaddr*)&dst, dst_len) == (ssize_t)payload) {
                sent++;
            } else if (failed++ == 0) {
                first_errno = errno;
            }
        }
        printf("%ld\n", sent);
        if (failed != 0)
            fprintf(stderr, "udp_send: %ld sends failed (first: %s)\n", failed,
                    strerror(first_errno));
        return 0;
    }
    for (long i = 0; i < count; i++) {
        memcpy(buf, &i, payload < sizeof(i) ? payload : sizeof(i));
        if (sendto(fd, buf, payload, 0, (struct sockaddr*)&dst, dst_len) != (ssize_t)payload) {
            fprintf(stderr, "udp_send: datagram %ld: %s\n", i, strerror(errno));
            return 1;
        }
        sent++;
    }
    printf("%ld\n", sent);
    return 0;
}
