// Runs in a container for the e2e tests of probes inside containers
// (tests/e2e/container_probe_e2e_test.cpp): linked statically, so the image
// needs no C library, and copied to a path that does not exist on the host.
// Calls cw_step(n) with n = 0, 1, 2, ... every 50 ms until killed.
#include <time.h>

__attribute__((noinline)) int cw_step(int n) {
    __asm__ volatile("" ::: "memory");  // not folded into the caller
    return n + 1;
}

int main(void) {
    struct timespec pause = {0, 50 * 1000 * 1000};
    for (int n = 0;; n = cw_step(n))
        nanosleep(&pause, 0);
}
