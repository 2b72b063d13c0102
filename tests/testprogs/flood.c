/*
 * Floods the io trace from two threads pinned to cpus 0 and 1, for the exact
 * loss accounting test (tests/e2e/loss_e2e_test.cpp).
 *
 *   flood N1 N2   stops its parent (probelog) with SIGSTOP; two threads, each
 *                 pinned to its cpu and named pl_flood, read 8 bytes from
 *                 /dev/zero N1 times (nothing is read meanwhile: the ring
 *                 buffer overflows); SIGCONT to the parent, a pause of 200 ms,
 *                 then N2 reads more each. Exits 0, or 2 when a thread cannot
 *                 be pinned.
 *
 * Only the pl_flood threads make io calls after naming themselves, and each
 * stays on its cpu, so each cpu's io events number exactly N1 + N2.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static long n1, n2;
static pthread_barrier_t phase1_done, phase2_go;

static void* flood(void* arg) {
    int cpu = (int)(long)arg;
    int fd = open("/dev/zero", O_RDONLY);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (fd < 0 || sched_setaffinity(0, sizeof(set), &set) != 0) {
        perror("flood: pin");
        exit(2);
    }
    prctl(PR_SET_NAME, "pl_flood");
    char buf[8];
    for (long i = 0; i < n1; ++i)
        if (read(fd, buf, sizeof(buf)) != sizeof(buf)) exit(1);
    pthread_barrier_wait(&phase1_done);
    pthread_barrier_wait(&phase2_go);
    for (long i = 0; i < n2; ++i)
        if (read(fd, buf, sizeof(buf)) != sizeof(buf)) exit(1);
    return NULL;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: flood N1 N2\n");
        return 1;
    }
    n1 = atol(argv[1]);
    n2 = atol(argv[2]);
    pthread_barrier_init(&phase1_done, NULL, 3);
    pthread_barrier_init(&phase2_go, NULL, 3);
    kill(getppid(), SIGSTOP);
    pthread_t t[2];
    for (long cpu = 0; cpu < 2; ++cpu)
        pthread_create(&t[cpu], NULL, flood, (void*)cpu);
    pthread_barrier_wait(&phase1_done);
    kill(getppid(), SIGCONT);
    usleep(200 * 1000);
    pthread_barrier_wait(&phase2_go);
    for (int i = 0; i < 2; ++i)
        pthread_join(t[i], NULL);
    return 0;
}
