/* USDT probes (issue 17) in every argument form <sys/sdt.h> produces, a
 * probe with several sites, one guarded by a semaphore and one in a shared
 * library (libusdtlib). For each number R read from stdin it fires every
 * probe once with the values of usdt_values.h and then writes
 * "round=R sema=S" to stderr, S being the guarded probe's semaphore (how many
 * tracers have it enabled). Exits at the end of stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>

#include "usdt_values.h"

extern unsigned short usdt_test_guarded_semaphore; /* usdt_guarded.c */
void fire_guarded(long r);
void usdt_lib_fire(long r);

/* Arguments in registers of every width, a constant, memory at a register
 * plus an offset, and memory at base + index * scale. */
__attribute__((noinline)) void fire_forms(long r, const long long* table) {
    volatile int on_stack = UT_MEM(r);
    long long lv = UT_LONG(r);
    int iv = UT_INT(r);
    short sv = UT_SHORT(r);
    signed char cv = UT_CHAR(r);
    unsigned char uv = UT_UCHAR(r);
    long i = r % 4;
    STAP_PROBE8(usdt_test, forms, UT_CONST, lv, iv, sv, cv, on_stack, table[i], uv);
}

__attribute__((noinline)) void fire_strs(long r) {
    char text[32];
    char bytes[UT_BUF_LEN];
    snprintf(text, sizeof(text), UT_STR_PREFIX "%ld", r);
    for (int k = 0; k < UT_BUF_LEN; ++k)
        bytes[k] = (char)('a' + (r + k) % 20);
    STAP_PROBE3(usdt_test, strs, text, bytes, (long)UT_BUF_LEN);
    __asm__ volatile("" : : "r"(text), "r"(bytes) : "memory");
}

/* One probe, two sites with their own argument recipes. */
__attribute__((noinline)) void multi_a(long r) {
    STAP_PROBE1(usdt_test, multi, UT_MULTI_A(r));
}

__attribute__((noinline)) void multi_b(long r) {
    volatile long in_memory = UT_MULTI_B(r);
    STAP_PROBE1(usdt_test, multi, in_memory);
}

int main(void) {
    long long table[4];
    for (long k = 0; k < 4; ++k)
        table[k] = -(1LL << 40) - k;
    char line[64];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        long r = strtol(line, NULL, 10);
        fire_forms(r, table);
        fire_strs(r);
        multi_a(r);
        multi_b(r);
        fire_guarded(r);
        usdt_lib_fire(r);
        fprintf(stderr, "round=%ld sema=%u\n", r, (unsigned)usdt_test_guarded_semaphore);
    }
    return 0;
}
