/*
 * malloc: one event per malloc, calloc, realloc and free of the C library
 * (uprobes and uretprobes user space attaches to the libc that processes
 * load), and per mmap and munmap system call (tracepoints).
 *
 * An uprobe on libc fires in every process that maps it, so the kernel filters
 * (probelog itself first) run before anything else. Entry and return are
 * paired per thread; a call the C library makes to itself (realloc(NULL, n)
 * calls malloc, realloc(p, 0) calls free) is part of the outer call's record,
 * not a record of its own.
 */
#include "pl/common.bpf.h"
#include "malloc.h"

struct malloc_pending {
    __u64 size;
    __u64 old_address;
    __u64 nmemb;
    __u32 op;
    __u32 active; /* a call is in flight (cleared at return instead of deleting the slot) */
};

/* The calls in flight, per thread, in task-local storage rather than hash maps
 * keyed by tid: a slot is a pointer walk from the task_struct (a get and a
 * clear ~30 ns, against ~230 ns for a hash insert and delete, bench/kcost), it
 * cannot fill up, and it goes with its thread, so a thread that dies inside a
 * call leaves nothing behind. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct malloc_pending);
} malloc_pending SEC(".maps");

struct mmap_pending {
    __u64 args[6];
    __u32 op;
    __u32 active;
};

/* mmap/munmap system calls in flight (a slot of their own: malloc itself calls
 * mmap for large blocks). */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct mmap_pending);
} mmap_pending SEC(".maps");

/* The current thread's slot; created when `create`. NULL when the kernel could
 * not allocate it, or refused because the storage is busy on this cpu. */
static __always_inline struct malloc_pending* malloc_slot(bool create) {
    return bpf_task_storage_get(&malloc_pending, bpf_get_current_task_btf(), 0,
                                create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* True when the thread is inside a realloc or calloc whose record covers this call. */
static __always_inline bool inside_outer_call(void) {
    struct malloc_pending* outer = malloc_slot(false);
    return outer && outer->active &&
           (outer->op == PL_MALLOC_REALLOC || outer->op == PL_MALLOC_CALLOC);
}

static __always_inline struct pl_malloc_event* reserve(__u32 op) {
    struct pl_malloc_event* e =
        pl_reserve(PL_EVENT_MALLOC, PL_TRACE_MALLOC, sizeof(struct pl_malloc_event));
    if (!e) return NULL;
    e->operation = op;
    e->address = 0;
    e->size = 0;
    e->old_address = 0;
    e->nmemb = 0;
    e->error_raw = 0;
    e->prot = 0;
    e->map_flags = 0;
    e->fd = -1;
    e->pad0 = 0;
    e->offset = 0;
    return e;
}

static __always_inline int alloc_enter(__u32 op, __u64 size, __u64 old_address, __u64 nmemb) {
    if (!pl_pass_filters()) return 0;
    struct malloc_pending* p = malloc_slot(true);
    if (!p) {
        pl_count_map_full(PL_TRACE_MALLOC);
        return 0;
    }
    if (p->active && (p->op == PL_MALLOC_REALLOC || p->op == PL_MALLOC_CALLOC)) return 0;
    p->size = size;
    p->old_address = old_address;
    p->nmemb = nmemb;
    p->op = op;
    p->active = 1;
    return 0;
}

static __always_inline int alloc_return(__u32 op, __u64 address) {
    struct malloc_pending* p = malloc_slot(false);
    if (!p || !p->active || p->op != op) return 0;
    struct pl_malloc_event* e = reserve(op);
    if (e) {
        e->address = address;
        e->size = p->size;
        e->old_address = p->old_address;
        e->nmemb = p->nmemb;
        pl_submit(e);
    }
    p->active = 0;
    return 0;
}

SEC("uprobe")
int BPF_KPROBE(pl_malloc_enter, __u64 size) {
    PL_FLOOR_GATE(0);
    return alloc_enter(PL_MALLOC_MALLOC, size, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(pl_malloc_return, __u64 address) {
    PL_FLOOR_GATE(0);
    return alloc_return(PL_MALLOC_MALLOC, address);
}

SEC("uprobe")
int BPF_KPROBE(pl_calloc_enter, __u64 nmemb, __u64 size) {
    PL_FLOOR_GATE(0);
    /* An overflowing product (calloc fails with ENOMEM) shows as the largest size. */
    __u64 limit = size != 0 ? ~0ULL / size : ~0ULL;
    asm volatile("" : "+r"(limit)); /* keeps clang from turning this into a 128-bit multiply */
    __u64 total = nmemb > limit ? ~0ULL : nmemb * size;
    return alloc_enter(PL_MALLOC_CALLOC, total, 0, nmemb);
}

SEC("uretprobe")
int BPF_KRETPROBE(pl_calloc_return, __u64 address) {
    PL_FLOOR_GATE(0);
    return alloc_return(PL_MALLOC_CALLOC, address);
}

SEC("uprobe")
int BPF_KPROBE(pl_realloc_enter, __u64 old_address, __u64 size) {
    PL_FLOOR_GATE(0);
    return alloc_enter(PL_MALLOC_REALLOC, size, old_address, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(pl_realloc_return, __u64 address) {
    PL_FLOOR_GATE(0);
    return alloc_return(PL_MALLOC_REALLOC, address);
}

/* free(NULL) does nothing and is not recorded. */
SEC("uprobe")
int BPF_KPROBE(pl_free_enter, __u64 address) {
    PL_FLOOR_GATE(0);
    if (address == 0 || !pl_pass_filters()) return 0;
    if (inside_outer_call()) return 0;
    struct pl_malloc_event* e = reserve(PL_MALLOC_FREE);
    if (!e) return 0;
    e->address = address;
    pl_submit(e);
    return 0;
}

/* `nargs` is a constant: reading past the call's arguments would be reading past
 * the tracepoint's record, which the kernel refuses at attach. */
static __always_inline int syscall_enter(struct trace_event_raw_sys_enter* ctx, __u32 op,
                                         int nargs) {
    if (!pl_pass_filters()) return 0;
    struct mmap_pending* p = bpf_task_storage_get(&mmap_pending, bpf_get_current_task_btf(), 0,
                                                  BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!p) {
        pl_count_map_full(PL_TRACE_MALLOC);
        return 0;
    }
    p->op = op;
    p->active = 1;
    /* Spelled out: a loop becomes arithmetic on the ctx pointer, which the verifier refuses. */
    p->args[0] = ctx->args[0];
    p->args[1] = ctx->args[1];
    if (nargs > 2) {
        p->args[2] = ctx->args[2];
        p->args[3] = ctx->args[3];
        p->args[4] = ctx->args[4];
        p->args[5] = ctx->args[5];
    }
    return 0;
}

static __always_inline int syscall_exit(struct trace_event_raw_sys_exit* ctx, __u32 op) {
    struct mmap_pending* p = bpf_task_storage_get(&mmap_pending, bpf_get_current_task_btf(), 0, 0);
    if (!p || !p->active) return 0;
    if (p->op == op) {
        struct pl_malloc_event* e = reserve(op);
        if (e) {
            long ret = ctx->ret;
            bool failed = ret < 0 && ret >= -4095;
            e->error_raw = failed ? -ret : 0;
            e->size = p->args[1];
            if (op == PL_MALLOC_MMAP) {
                e->address = failed ? 0 : ret;
                e->prot = p->args[2];
                e->map_flags = p->args[3];
                e->fd = (__s32)p->args[4];
                e->offset = p->args[5];
            } else {
                e->address = p->args[0];
            }
            pl_submit(e);
        }
    }
    p->active = 0;
    return 0;
}

SEC("tp/syscalls/sys_enter_mmap")
int pl_mmap_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return syscall_enter(ctx, PL_MALLOC_MMAP, 6);
}

SEC("tp/syscalls/sys_exit_mmap")
int pl_mmap_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return syscall_exit(ctx, PL_MALLOC_MMAP);
}

SEC("tp/syscalls/sys_enter_munmap")
int pl_munmap_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return syscall_enter(ctx, PL_MALLOC_MUNMAP, 2);
}

SEC("tp/syscalls/sys_exit_munmap")
int pl_munmap_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return syscall_exit(ctx, PL_MALLOC_MUNMAP);
}
