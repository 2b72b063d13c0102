/* wl_pread N [PATH]: pread(fd, buf, 64, 0) N times on a regular file (PATH, or a
 * 4 KiB temp file), like ../shared/bench's wl_read but on a regular file, which
 * the io trace keeps by default. Prints "ops=N seconds=S" (the loop only). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    char path[] = "/tmp/wl_pread.XXXXXX";
    int fd;
    if (argc > 2) {
        fd = open(argv[2], O_RDONLY);
    } else {
        fd = mkstemp(path);
        char block[4096];
        memset(block, 'p', sizeof(block));
        if (fd >= 0 && write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) return 1;
        unlink(path);
    }
    if (fd < 0) {
        perror("wl_pread");
        return 1;
    }
    char buf[64];
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
            perror("pread");
            return 1;
        }
    }
    printf("ops=%ld seconds=%.6f\n", n, now() - t0);
    return 0;
}
