/*
 * A malloc flood next to a few reads, for the test that no trace starves
 * another (tests/e2e/trace_share_e2e_test.cpp).
 *
 *   share_flood stop|run N K   names itself pl_share; with `stop`, stops its
 *                              parent (probelog) with SIGSTOP first, so nothing
 *                              is read meanwhile; then N malloc+free pairs,
 *                              K reads of 8 bytes from /dev/zero (after the
 *                              flood: a shared ring would be full by then),
 *                              N more pairs; SIGCONT to the parent with `stop`.
 *                              Exits 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void allocate(long n) {
    for (long i = 0; i < n; ++i) {
        void* volatile p = malloc(64 + (size_t)(i & 63));
        free(p);
    }
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: share_flood stop|run N K\n");
        return 1;
    }
    int stop = strcmp(argv[1], "stop") == 0;
    long n = atol(argv[2]);
    long k = atol(argv[3]);
    prctl(PR_SET_NAME, "pl_share");
    if (stop) kill(getppid(), SIGSTOP);
    allocate(n);
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0) return 2;
    char buf[8];
    for (long i = 0; i < k; ++i)
        if (read(fd, buf, sizeof(buf)) != sizeof(buf)) return 2;
    close(fd);
    allocate(n);
    if (stop) kill(getppid(), SIGCONT);
    return 0;
}
