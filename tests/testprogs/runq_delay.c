/*
 * Causes run-queue latency the sched trace must see: a real-time "rq_hog"
 * and a normal "rq_sleeper" share one cpu. The hog spins BURST_MS, then sleeps
 * 5 ms, over and over (SCHED_FIFO: no normal task runs on that cpu while it
 * spins). The sleeper sleeps SLEEP_US WAKEUPS times; a timer that wakes it
 * while the hog spins leaves it waiting in the run queue until the spin ends.
 * For each sleep it prints on stderr how much longer than asked it took
 * ("oversleep_ns N"): its run-queue wait is at most that.
 *   runq_delay [WAKEUPS] [BURST_MS] [SLEEP_US] [CPU]   (defaults 40 20 2000 0; root)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        perror("sched_setaffinity");
        exit(2);
    }
}

static void hog(long burst_ms, int ready_fd) {
    prctl(PR_SET_NAME, "rq_hog");
    struct sched_param param = {.sched_priority = 10};
    if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
        perror("sched_setscheduler");
        exit(2);
    }
    if (write(ready_fd, "r", 1) != 1) exit(2);
    close(ready_fd);
    struct timespec rest = {0, 5000000};
    for (;;) {  // until the sleeper kills it
        long long end = now_ns() + burst_ms * 1000000LL;
        while (now_ns() < end) {
        }
        nanosleep(&rest, NULL);
    }
}

int main(int argc, char** argv) {
    int wakeups = argc > 1 ? atoi(argv[1]) : 40;
    long burst_ms = argc > 2 ? atol(argv[2]) : 20;
    long sleep_us = argc > 3 ? atol(argv[3]) : 2000;
    int cpu = argc > 4 ? atoi(argv[4]) : 0;
    pin(cpu);
    int ready[2];
    if (pipe(ready) != 0) return 2;
    pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
        close(ready[0]);
        hog(burst_ms, ready[1]);
    }
    close(ready[1]);
    char c;
    if (read(ready[0], &c, 1) != 1) return 2;
    prctl(PR_SET_NAME, "rq_sleeper");
    struct timespec ts = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};
    for (int i = 0; i < wakeups; i++) {
        long long t0 = now_ns();
        nanosleep(&ts, NULL);
        long long over = now_ns() - t0 - sleep_us * 1000LL;
        fprintf(stderr, "oversleep_ns %lld\n", over < 0 ? 0 : over);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
