// The elf fuzz target's seed (built, not committed): a small program with
// DWARF for a function with a struct, an enum and a string parameter, and a
// USDT probe with arguments, so every reader in elf_fuzz.cpp has something
// to read.
#include <stdio.h>
#include <sys/sdt.h>

enum mode { MODE_READ, MODE_WRITE };

struct req {
    const char* path;
    unsigned len : 12;
    enum mode mode;
    struct req* next;
};

__attribute__((noinline)) int handle(struct req* r, const char* name, long n) {
    unsigned len = r->len;
    DTRACE_PROBE3(fuzz, handle, len, n, name);
    return r->path[0] + (int)n + name[0];
}

int main(int argc, char** argv) {
    struct req r = {argv[0], 3, MODE_WRITE, NULL};
    printf("%d\n", handle(&r, argc > 1 ? argv[1] : "x", argc));
    return 0;
}
