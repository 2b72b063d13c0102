/*
 * A target that keeps running while probes are added to and removed from a
 * running probelog (tests/e2e/ctl_e2e_test.cpp).
 *
 *   live_calls SECONDS   calls lc_a(i) then lc_b(i) for i = 0, 1, ... every
 *                        200 us for SECONDS or until SIGINT; says "running" on
 *                        stderr at the start and "calls N" at the end (N calls
 *                        of each).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PROBED __attribute__((noipa, used, visibility("default")))

PROBED int lc_a(int i) {
    return i + 1;
}

PROBED int lc_b(int i) {
    return i * 2;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: live_calls SECONDS\n");
        return 1;
    }
    double end = now() + atof(argv[1]);
    long n = 0;
    long sum = 0;
    signal(SIGINT, on_signal);
    fprintf(stderr, "running\n");
    while (!stop && now() < end) {
        sum += lc_a((int)n);
        sum += lc_b((int)n);
        ++n;
        usleep(200);
    }
    fprintf(stderr, "calls %ld\n", n);
    return sum == 0 ? 1 : 0;
}
