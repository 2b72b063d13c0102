/* wl_usdt N: fires the USDT probe wl:hit(i, acc) N times in a loop (bench/usdt.sh).
 * Built twice: wl_usdt_nop1 with <sys/sdt.h>'s 1-byte `nop` at the site
 * (which the kernel emulates since 6.16), wl_usdt_nop5 with a 5-byte
 * `nopl 0(%rax,%rax,1)` (which 6.18 turns into a call: no trap). Prints
 * "ops=N seconds=S" (the loop only), as the other workloads do. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>

#ifdef WL_NOP5
/* sdt.h uses _SDT_NOP where a probe is expanded, so redefining it here
 * changes the site's instruction; spelled in bytes because the assembler
 * shortens `nopl 0(%rax,%rax,1)` to 4 bytes (no displacement). */
#undef _SDT_NOP
// clang-format off
#define _SDT_NOP .byte 0x0f; .byte 0x1f; .byte 0x44; .byte 0; .byte 0 /* nopl 0x0(%rax,%rax,1) */
// clang-format on
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    volatile long acc = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        long a = acc;
        STAP_PROBE2(wl, hit, i, a);
        acc = a + 1;
    }
    printf("ops=%ld seconds=%.6f\n", n, now() - t0);
    return acc == 42 ? 2 : 0;
}
