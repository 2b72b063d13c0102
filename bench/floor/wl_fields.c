/* wl_fields N: calls bench_handle(&req) N times, where req is probe_fields'
 * struct pf_request (tests/testprogs/probes/probe_fields.h) with its conn and
 * peer filled in, so that a probe can capture fields two pointers deep
 * (req->conn->peer->port) on a function that is cheap to call: the cost per
 * call of field expressions (bench/fields.sh). Prints "ops=N seconds=S" (the
 * loop only), as the shared ufunc workloads do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_fields.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* noipa: a real call with the SysV ABI the spec names; the four scalars give
 * the scalar-only probe as many values to record as the field probe. The
 * volatile local gives it a stack frame, so that with the frame pointer it
 * starts with push %rbp, which x86 uprobes emulate (gcc 12 omits the frame
 * pointer of a leaf that has no frame, and its first instruction would be
 * single-stepped: a second trap per call, as wl_ufunc against wl_ufunc_fp). */
__attribute__((noipa, used)) long bench_handle(struct pf_request* req, long a, long b, long c) {
    volatile long sum = req->hdr.content_length;
    return sum + a + b + c;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    static struct pf_peer peer = {"peer-name", 8443};
    static struct pf_conn conn = {7, &peer};
    static struct pf_request req;
    memset(&req, 0, sizeof(req));
    req.method = PF_POST;
    req.path = "/v1/items";
    req.hdr.content_length = 1234;
    strcpy(req.hdr.host, "example.org");
    req.conn = &conn;
    volatile long acc = 0;
    double t0 = now();
    for (long i = 0; i < n; i++)
        acc = bench_handle(&req, acc & 0xff, i, 3);
    printf("ops=%ld seconds=%.6f\n", n, now() - t0);
    return acc == 42 ? 2 : 0;
}
