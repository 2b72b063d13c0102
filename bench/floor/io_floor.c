/* io_floor [OBJECT]: loads the empty programs of io_floor.bpf.c, attaches them
 * where their sections say, prints "io_floor: attached N programs" on stderr
 * and waits for SIGINT/SIGTERM. A benchmark baseline (bench/cells/io.sh). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef IO_FLOOR_OBJ
#define IO_FLOOR_OBJ "io_floor.bpf.o"
#endif

static int silent(enum libbpf_print_level level, const char* fmt, va_list args) {
    return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : IO_FLOOR_OBJ;
    libbpf_set_print(silent);
    struct bpf_object* obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        fprintf(stderr, "io_floor: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (bpf_object__load(obj) != 0) {
        fprintf(stderr, "io_floor: cannot load %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct bpf_link* links[64];
    int n = 0;
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj) {
        if (n == 64) break;
        links[n] = bpf_program__attach(prog);
        if (!links[n]) {
            fprintf(stderr, "io_floor: cannot attach %s: %s\n", bpf_program__name(prog),
                    strerror(errno));
            return 1;
        }
        n++;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fprintf(stderr, "io_floor: attached %d programs\n", n);
    int sig = 0;
    sigwait(&set, &sig);
    for (int i = 0; i < n; i++)
        bpf_link__destroy(links[i]);
    bpf_object__close(obj);
    return 0;
}
