/* kcost [N] [ROUNDS]: what the building blocks of a BPF tracing program cost on
 * this kernel. Each program of kcost.bpf.c is attached alone to
 * tp/syscalls/sys_enter_getppid; the process then calls getppid() N times,
 * ROUNDS times over, and keeps the fastest round (a shared machine only ever
 * makes a round slower). Printed per program: ns per call, ns added over the
 * empty program, and the kernel's own run time per run (bpf_stats, which adds
 * its clock reads). Bench only (bench/CMakeLists.txt); needs root. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef KCOST_OBJ
#define KCOST_OBJ "kcost.bpf.o"
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int drop(void* ctx, void* data, size_t size) {
    (void)ctx, (void)data, (void)size;
    return 0;
}

static int silent(enum libbpf_print_level level, const char* fmt, va_list args) {
    return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static double best_round(long n, int rounds, struct ring_buffer* rb) {
    double best = 1e18;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        double per = (now() - t0) / n;
        if (per < best) best = per;
        ring_buffer__consume(rb);
    }
    return best;
}

static void stats(int fd, unsigned long long* cnt, unsigned long long* ns) {
    struct bpf_prog_info info = {0};
    __u32 len = sizeof(info);
    bpf_obj_get_info_by_fd(fd, &info, &len);
    *cnt = info.run_cnt;
    *ns = info.run_time_ns;
}

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    const char* path = getenv("KCOST_OBJ") ? getenv("KCOST_OBJ") : KCOST_OBJ;
    libbpf_set_print(silent);
    struct bpf_object* obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        fprintf(stderr, "kcost: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct bpf_map* rodata = bpf_object__find_map_by_name(obj, ".rodata");
    if (rodata) {
        size_t sz;
        __u32* tgid = (__u32*)bpf_map__initial_value(rodata, &sz);
        if (tgid) *tgid = getpid();
    }
    if (bpf_object__load(obj) != 0) {
        fprintf(stderr, "kcost: cannot load %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct ring_buffer* rb =
        ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "rb")), drop, NULL, NULL);
    FILE* f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r+");
    char old[8] = "0";
    if (f) {
        if (!fgets(old, sizeof(old), f)) strcpy(old, "0");
        rewind(f);
        fputs("1", f);
        fflush(f);
    }
    double base = best_round(n, rounds, rb);
    printf("getppid() untraced: %.1f ns per call (best of %d x %ld)\n", base, rounds, n);
    printf("%-28s %10s %12s %14s %8s\n", "program", "ns/call", "over empty", "bpf_stats ns",
           "xlated");
    double empty = 0;
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
        struct bpf_link* link = bpf_program__attach(prog);
        if (!link) {
            printf("%-28s cannot attach: %s\n", bpf_program__name(prog), strerror(errno));
            continue;
        }
        unsigned long long c0, t0, c1, t1;
        int fd = bpf_program__fd(prog);
        stats(fd, &c0, &t0);
        double per = best_round(n, rounds, rb);
        stats(fd, &c1, &t1);
        bpf_link__destroy(link);
        if (strcmp(bpf_program__name(prog), "k_empty") == 0) empty = per;
        struct bpf_prog_info info = {0};
        __u32 len = sizeof(info);
        bpf_obj_get_info_by_fd(fd, &info, &len);
        printf("%-28s %10.1f %12.1f %14.1f %8u\n", bpf_program__name(prog), per, per - empty,
               c1 > c0 ? (double)(t1 - t0) / (double)(c1 - c0) : 0.0, info.xlated_prog_len / 8);
    }
    if (f) {
        rewind(f);
        fputs(old, f);
        fclose(f);
    }
    ring_buffer__free(rb);
    bpf_object__close(obj);
    return 0;
}
