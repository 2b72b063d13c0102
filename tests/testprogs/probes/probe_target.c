/* A C program whose functions tests probe: every probe type, stack arguments,
 * strings and buffers (short and over the caps), a sleep of known length,
 * recursion, a returned string. Built as PIE with DWARF (probe_target), as a
 * fixed-address executable (probe_target_nopie) and without DWARF
 * (probe_target_nodwarf). Each function is called once, in order, with the
 * values of probe_values.h, and the program prints nothing. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "probe_values.h"

/* noipa: no inlining, cloning or signature changes: the ABI is what the source says. */
#define PROBED __attribute__((noipa, used))

PROBED int pt_add_ints(int a, int b) {
    return a + b;
}

PROBED int64_t pt_signed(int8_t a, int16_t b, int32_t c, int64_t d, long e, int f) {
    /* Wrapping arithmetic (no signed overflow): the test computes the same. */
    return (int64_t)((uint64_t)a + (uint64_t)b + (uint64_t)c + (uint64_t)d + (uint64_t)e +
                     (uint64_t)f);
}

PROBED uint64_t pt_unsigned(uint8_t a, uint16_t b, uint32_t c, uint64_t d, bool e, char f) {
    return a + b + c + d + e + (unsigned char)f;
}

PROBED void* pt_ptr(void* p) {
    return p;
}

PROBED size_t pt_str(const char* s) {
    return s != NULL ? strlen(s) : 0;
}

PROBED long pt_buf(const unsigned char* data, size_t len) {
    long sum = 0;
    for (size_t i = 0; i < len; ++i)
        sum += data[i];
    return sum;
}

PROBED long pt_many(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8,
                    long a9) {
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
}

PROBED int pt_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    return ms;
}

PROBED int pt_recurse(int n) {
    if (n == 0) return 0;
    int below = pt_recurse(n - 1);
    __asm__ volatile("" ::: "memory"); /* work after the call: not a tail call */
    return below + 1;
}

PROBED const char* pt_greeting(int n) {
    return n > 0 ? PT_GREETING : "";
}

PROBED size_t pt_log_append(const char* tag, size_t tag_len, const void* data, size_t size) {
    return tag_len + size + (tag != NULL) + (data != NULL);
}

int main(void) {
    static char long_str[PT_LONG_STR_LEN + 1];
    static unsigned char small_buf[PT_SMALL_BUF_LEN];
    static unsigned char big_buf[PT_BIG_BUF_LEN];
    for (int i = 0; i < PT_LONG_STR_LEN; ++i)
        long_str[i] = (char)('a' + i % 26);
    for (int i = 0; i < PT_SMALL_BUF_LEN; ++i)
        small_buf[i] = (unsigned char)(i * 3 + 1);
    for (int i = 0; i < PT_BIG_BUF_LEN; ++i)
        big_buf[i] = (unsigned char)i;

    long total = pt_add_ints(PT_ADD_A, PT_ADD_B);
    total += pt_signed(PT_S8, PT_S16, PT_S32, PT_S64, PT_SLONG, PT_SINT);
    total += (long)pt_unsigned(PT_U8, PT_U16, PT_U32, PT_U64, PT_BOOL, PT_CHAR);
    total += pt_ptr((void*)PT_PTR) != NULL;
    total += (long)pt_str(PT_SHORT_STR);
    total += (long)pt_str(long_str);
    total += (long)pt_str(NULL);
    total += pt_buf(small_buf, PT_SMALL_BUF_LEN);
    total += pt_buf(big_buf, PT_BIG_BUF_LEN);
    total +=
        pt_many(PT_MANY_ARG(0), PT_MANY_ARG(1), PT_MANY_ARG(2), PT_MANY_ARG(3), PT_MANY_ARG(4),
                PT_MANY_ARG(5), PT_MANY_ARG(6), PT_MANY_ARG(7), PT_MANY_ARG(8), PT_MANY_ARG(9));
    total += pt_sleep_ms(PT_SLEEP_MS);
    total += pt_recurse(PT_RECURSE_DEPTH);
    total += (long)strlen(pt_greeting(1));
    total += (long)pt_log_append(PT_LOG_TAG, strlen(PT_LOG_TAG), PT_LOG_RECORD,
                                 sizeof(PT_LOG_RECORD) - 1);
    total += (long)pt_log_append(PT_LOG_TAG, strlen(PT_LOG_TAG), PT_LOG_RECORD,
                                 sizeof(PT_LOG_RECORD) - 4);
    return total == 42 ? 3 : 0; /* keeps every result live; prints nothing (tests read stdout) */
}
