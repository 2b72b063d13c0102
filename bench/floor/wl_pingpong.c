/* A context-switch storm for the sched trace's cost (bench/sched_cpu.sh):
 * PAIRS pairs of processes pass one byte back and forth over two pipes for
 * SECONDS; each pass is a wakeup and a switch. Prints the round trips made.
 *   wl_pingpong [PAIRS] [SECONDS]   (defaults 4, 10) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long pingpong(int to, int from, int starts, double seconds) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char c = 'x';
    long trips = 0;
    if (starts && write(to, &c, 1) != 1) return -1;
    for (;;) {
        if (read(from, &c, 1) != 1) return trips;
        if (write(to, &c, 1) != 1) return trips;
        if ((++trips & 1023) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
                return trips;
        }
    }
}

int main(int argc, char** argv) {
    int pairs = argc > 1 ? atoi(argv[1]) : 4;
    double seconds = argc > 2 ? atof(argv[2]) : 10;
    signal(SIGPIPE, SIG_IGN);
    int report[2];
    if (pipe(report) != 0) return 2;
    for (int i = 0; i < pairs; i++) {
        int a[2], b[2];
        if (pipe(a) != 0 || pipe(b) != 0) return 2;
        for (int side = 0; side < 2; side++) {
            if (fork() == 0) {
                // Only this side's ends: the peer's exit must end our read.
                close(side == 0 ? a[0] : a[1]);
                close(side == 0 ? b[1] : b[0]);
                close(report[0]);
                long trips =
                    side == 0 ? pingpong(a[1], b[0], 1, seconds) : pingpong(b[1], a[0], 0, seconds);
                if (write(report[1], &trips, sizeof(trips)) != sizeof(trips)) _exit(2);
                _exit(0);
            }
        }
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
    }
    close(report[1]);
    long total = 0, trips;
    while (read(report[0], &trips, sizeof(trips)) == sizeof(trips))
        total += trips;
    while (wait(NULL) > 0) {
    }
    printf("round_trips=%ld seconds=%.1f\n", total, seconds);
    return 0;
}
