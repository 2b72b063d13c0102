/* The floor for the io trace's overhead: empty programs at exactly the
 * tracepoints the io trace uses. What a read() costs with these attached is the
 * price of the hooks themselves (syscall tracepoint work, program dispatch);
 * whatever probelog adds on top is its own. Bench only: not in the probelog binary. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(name)                     \
    SEC("tp/syscalls/sys_enter_" #name) \
    int floor_enter_##name(void* ctx) { \
        return 0;                       \
    }                                   \
    SEC("tp/syscalls/sys_exit_" #name)  \
    int floor_exit_##name(void* ctx) {  \
        return 0;                       \
    }

EMPTY(read)
EMPTY(write)
EMPTY(pread64)
EMPTY(pwrite64)
EMPTY(readv)
EMPTY(writev)
EMPTY(preadv)
EMPTY(pwritev)
EMPTY(preadv2)
EMPTY(pwritev2)
EMPTY(fsync)
EMPTY(fdatasync)
