/*
 * Probed calls under faults (tests/e2e/probe_faults_e2e_test.cpp).
 *
 *   fault_call block       calls fc_block(7), which says "in fc_block" on stderr
 *                          and waits until the process is killed: a call that
 *                          never returns.
 *   fault_call add N       calls fc_add(i, 1) for i = 0 .. N-1 (two agents probe it).
 *   fault_call dl LIB N    N times: dlopen(LIB), fl_mul(i, 7), dlclose; after
 *                          each dlclose LIB must be gone from /proc/self/maps.
 *                          Says "unloaded K of N" on stderr (K: cycles after which it was).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBED __attribute__((noipa, used, visibility("default")))

PROBED int fc_block(int n) {
    fprintf(stderr, "in fc_block\n");
    for (;;)
        pause();
    return n;
}

PROBED int fc_add(int a, int b) {
    return a + b;
}

static int mapped(const char* path) {
    FILE* maps = fopen("/proc/self/maps", "r");
    if (!maps) return -1;
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof(line), maps))
        if (strstr(line, path)) found = 1;
    fclose(maps);
    return found;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "block") == 0) return fc_block(7);
    if (argc == 3 && strcmp(argv[1], "add") == 0) {
        int n = atoi(argv[2]), sum = 0;
        for (int i = 0; i < n; ++i)
            sum += fc_add(i, 1);
        return sum == n * (n + 1) / 2 ? 0 : 1;
    }
    if (argc != 4 || strcmp(argv[1], "dl") != 0) {
        fprintf(stderr, "usage: fault_call block | add N | dl LIB N\n");
        return 1;
    }
    const char* lib = argv[2];
    int n = atoi(argv[3]);
    int unloaded = 0;
    for (int i = 0; i < n; ++i) {
        void* h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        int (*mul)(int, int) = (int (*)(int, int))dlsym(h, "fl_mul");
        if (!mul || mul(i, 7) != i * 7) return 1;
        if (dlclose(h) != 0) return 1;
        if (mapped(lib) == 0) ++unloaded;
    }
    fprintf(stderr, "unloaded %d of %d\n", unloaded, n);
    return 0;
}
