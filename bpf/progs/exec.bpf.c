/*
 * exec: one event per execve/execveat attempt.
 *
 * At syscall entry the filename and arguments are read from the caller (best
 * effort: BPF cannot fault pages in, and a freshly forked child may not have
 * touched the pages its argv strings live in). Then:
 *  - success: sched_process_exec fires in the new image, whose stack the kernel
 *    has just filled with the arguments; they are read again from there (exact)
 *    and the event is emitted;
 *  - failure: sys_exit retries the reads that faulted (the kernel has touched
 *    the filename by then) and emits the event with the errno.
 */
#include "pl/common.bpf.h"
#include "exec.h"

/* Arguments captured per exec (--exec-args), set before load. */
const volatile __u32 exec_args_max = 32;

/* The event being built plus what only BPF needs. */
struct exec_pending {
    __u64 filename_ptr; /* the caller's pointers, for the retry at exit */
    __u64 argv_ptr;
    __u8 comm_matched; /* the --comm filter matched the caller */
    __u8 pad[7];
    struct pl_exec_event e;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct exec_pending);
} exec_pending SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct exec_pending);
} exec_scratch SEC(".maps");

#define DATA_MASK (PL_EXEC_ARGS_AREA - 1)
PL_STATIC_ASSERT((PL_EXEC_ARGS_AREA & DATA_MASK) == 0, "area must be a power of two");
PL_STATIC_ASSERT(PL_EXEC_ARGS_AREA + PL_EXEC_ARG_MAX + PL_EXEC_ARGV_LAST_MAX <= PL_EXEC_DATA_MAX,
                 "data[] too small for the worst case");

static struct pl_exec_event* scratch_event(void) {
    __u32 zero = 0;
    struct exec_pending* p = bpf_map_lookup_elem(&exec_scratch, &zero);
    return p ? &p->e : NULL;
}

/* State of an argument walk, shared with the bpf_loop callbacks (which the
 * verifier checks once rather than once per iteration). */
struct arg_walk {
    const char* const* argv; /* caller's argv array (entry walk) */
    __u64 src;               /* next string in the new stack (commit walk) */
    __u64 end;               /* end of the argument block (commit walk) */
    __u32 off;               /* next free byte of data[] */
    __u32 index;             /* arguments seen */
    bool ended;              /* the walk reached the end of the arguments */
};

/* Appends one string at w->off; returns its length with NUL, or 0 if unreadable. */
static __always_inline long append_string(struct pl_exec_event* e, struct arg_walk* w,
                                          const void* src) {
    long len = bpf_probe_read_user_str(&e->data[w->off & DATA_MASK], PL_EXEC_ARG_MAX, src);
    if (len <= 0) {
        e->data[w->off & DATA_MASK] = 0;
        e->flags |= PL_EXEC_F_READ_FAULT;
        len = 1;
    } else if (len == PL_EXEC_ARG_MAX) {
        e->flags |= PL_EXEC_F_ARGS_TRUNCATED;
    }
    w->off += len;
    e->args_count++;
    return len;
}

static long capture_argv_arg(__u32 i, struct arg_walk* w) {
    struct pl_exec_event* e = scratch_event();
    if (!e) return 1;
    const char* arg = NULL;
    if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i]) != 0 || !arg) {
        w->ended = true;
        return 1;
    }
    if (w->off >= PL_EXEC_ARGS_AREA) {
        e->flags |= PL_EXEC_F_ARGS_TRUNCATED;
        return 1;
    }
    append_string(e, w, arg);
    w->index = i + 1;
    return 0;
}

static long count_argv_arg(__u32 i, struct arg_walk* w) {
    const char* arg = NULL;
    __u32 slot = w->index;
    if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[slot & 0xffff]) != 0 || !arg) {
        w->ended = true;
        return 1;
    }
    w->index = slot + 1;
    return 0;
}

static long capture_stack_arg(__u32 i, struct arg_walk* w) {
    struct pl_exec_event* e = scratch_event();
    if (!e) return 1;
    if (w->src >= w->end) {
        w->ended = true;
        return 1;
    }
    if (w->off >= PL_EXEC_ARGS_AREA) {
        e->flags |= PL_EXEC_F_ARGS_TRUNCATED;
        return 1;
    }
    long len = append_string(e, w, (const void*)w->src);
    w->index = i + 1;
    if (len == PL_EXEC_ARG_MAX || (e->flags & PL_EXEC_F_READ_FAULT))
        return 1; /* the next string's start is unknown */
    w->src += len;
    return 0;
}

static __always_inline void start_capture(struct pl_exec_event* e) {
    e->flags = 0;
    e->argc = 0;
    e->args_count = 0;
    e->args_len = 0;
    e->argv_last_len = 0;
}

/* Reads the filename into data[0..], returns the bytes used (NUL included). */
static __always_inline __u32 set_filename(struct pl_exec_event* e, long n) {
    if (n <= 0) {
        e->data[0] = 0;
        e->flags |= PL_EXEC_F_READ_FAULT;
        n = 1;
    } else if (n == PL_EXEC_FILENAME_MAX) {
        e->flags |= PL_EXEC_F_FILENAME_TRUNCATED;
    }
    e->filename_len = n - 1;
    return n;
}

static __always_inline __u32 event_size(const struct pl_exec_event* e) {
    __u32 size = __builtin_offsetof(struct pl_exec_event, data) + e->filename_len + 1 +
                 e->args_len + e->argv_last_len + 1;
    if (size > sizeof(*e)) size = sizeof(*e);
    return size;
}

/* The caller's view: filename and argv as passed to the syscall. */
static __always_inline void capture_from_caller(struct pl_exec_event* e, const char* filename,
                                                const char* const* argv) {
    start_capture(e);
    __u32 n = set_filename(e, bpf_probe_read_user_str(e->data, PL_EXEC_FILENAME_MAX, filename));

    struct arg_walk w = {.argv = argv, .off = n};
    __u32 want = exec_args_max < PL_EXEC_ARGS_COUNT_MAX ? exec_args_max : PL_EXEC_ARGS_COUNT_MAX;
    bpf_loop(want, capture_argv_arg, &w, 0);
    if (!w.ended) bpf_loop(PL_EXEC_ARGC_SCAN_MAX, count_argv_arg, &w, 0);

    __u32 off = w.off & (PL_EXEC_ARGS_AREA * 2 - 1);
    e->args_len = off - n;
    e->argc = w.index;
    if (!w.ended) e->flags |= PL_EXEC_F_ARGC_CAPPED;
    if (e->args_count < e->argc) e->flags |= PL_EXEC_F_ARGS_TRUNCATED;

    if (off > PL_EXEC_ARGS_AREA + PL_EXEC_ARG_MAX) return;
    e->data[off] = 0;
    if (e->argc == 0) return;
    if (e->args_count == e->argc) {
        e->flags |= PL_EXEC_F_ARGV_LAST_IS_LAST_ARG;
        return;
    }
    const char* last = NULL;
    if (bpf_probe_read_user(&last, sizeof(last), &argv[(e->argc - 1) & 0xffff]) != 0 || !last)
        return;
    long len = bpf_probe_read_user_str(&e->data[off], PL_EXEC_ARGV_LAST_MAX, last);
    if (len > 0) {
        e->argv_last_len = len - 1;
        if (len == PL_EXEC_ARGV_LAST_MAX) e->flags |= PL_EXEC_F_ARGV_LAST_TRUNCATED;
    }
}

/* The new image's view after a successful exec: exact filename, argc and args. */
static __always_inline void capture_from_new_image(struct pl_exec_event* e,
                                                   struct linux_binprm* bprm) {
    start_capture(e);
    __u32 n = set_filename(
        e, bpf_probe_read_kernel_str(e->data, PL_EXEC_FILENAME_MAX, BPF_CORE_READ(bprm, filename)));
    struct task_struct* task = bpf_get_current_task_btf();
    __u64 arg_start = BPF_CORE_READ(task, mm, arg_start);
    __u64 arg_end = BPF_CORE_READ(task, mm, arg_end);
    e->argc = BPF_CORE_READ(bprm, argc);

    struct arg_walk w = {.src = arg_start, .end = arg_end, .off = n};
    __u32 want = exec_args_max < PL_EXEC_ARGS_COUNT_MAX ? exec_args_max : PL_EXEC_ARGS_COUNT_MAX;
    bpf_loop(want, capture_stack_arg, &w, 0);

    __u32 off = w.off & (PL_EXEC_ARGS_AREA * 2 - 1);
    e->args_len = off - n;
    if (e->args_count < e->argc) e->flags |= PL_EXEC_F_ARGS_TRUNCATED;
    if (off > PL_EXEC_ARGS_AREA + PL_EXEC_ARG_MAX) return;
    e->data[off] = 0;
    if (e->argc == 0) return;
    if (e->args_count == e->argc && !(e->flags & PL_EXEC_F_ARGS_TRUNCATED)) {
        e->flags |= PL_EXEC_F_ARGV_LAST_IS_LAST_ARG;
        return;
    }
    /* The bytes before the block's end: the last argument follows their last NUL. */
    __u64 window = arg_end - arg_start;
    if (window > PL_EXEC_ARGV_LAST_MAX) window = PL_EXEC_ARGV_LAST_MAX;
    if (window < 1) return;
    if (bpf_probe_read_user(&e->data[off], window & (PL_EXEC_ARGV_LAST_MAX * 2 - 1),
                            (const void*)(arg_end - window)) == 0) {
        e->argv_last_len = window - 1;
        e->flags |= PL_EXEC_F_ARGV_LAST_WINDOW;
        if (window == PL_EXEC_ARGV_LAST_MAX) e->flags |= PL_EXEC_F_ARGV_LAST_TRUNCATED;
    }
}

static __always_inline void emit(struct pl_exec_event* e, long ret) {
    __u32 size = event_size(e);
    pl_fill_header(&e->hdr, PL_EVENT_EXEC, PL_TRACE_EXEC, size, 0);
    e->error_raw = ret < 0 ? -ret : 0;
    pl_output(&e->hdr, PL_TRACE_EXEC, size);
}

static __always_inline int on_exec_enter(const char* filename, const char* const* argv,
                                         __u8 syscall, __s32 dirfd, __u32 at_flags) {
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    if (!pl_pass_task_filters(pid_tgid >> 32)) return 0;
    __u32 zero = 0;
    struct exec_pending* p = bpf_map_lookup_elem(&exec_scratch, &zero);
    if (!p) return 0;
    p->filename_ptr = (__u64)filename;
    p->argv_ptr = (__u64)argv;
    p->comm_matched = pl_pass_comm_filter();
    p->e.syscall = syscall;
    p->e.dirfd = dirfd;
    p->e.at_flags = at_flags;
    capture_from_caller(&p->e, filename, argv);

    __u32 tid = (__u32)pid_tgid;
    if (bpf_map_update_elem(&exec_pending, &tid, p, BPF_ANY) != 0) pl_count_map_full(PL_TRACE_EXEC);
    return 0;
}

/* Only failed execs get here with an entry: a successful one was emitted (and its
 * entry deleted) by pl_exec_commit. */
static __always_inline int on_exec_exit(long ret) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct exec_pending* p = bpf_map_lookup_elem(&exec_pending, &tid);
    if (!p) return 0;
    if (p->comm_matched || pl_pass_comm_filter()) {
        if (p->e.flags & PL_EXEC_F_READ_FAULT) {
            struct pl_exec_event* e = scratch_event();
            if (e) {
                e->syscall = p->e.syscall;
                e->dirfd = p->e.dirfd;
                e->at_flags = p->e.at_flags;
                capture_from_caller(e, (const char*)p->filename_ptr,
                                    (const char* const*)p->argv_ptr);
                emit(e, ret);
            }
        } else {
            emit(&p->e, ret);
        }
    }
    bpf_map_delete_elem(&exec_pending, &tid);
    return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int pl_exec_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_exec_enter((const char*)ctx->args[0], (const char* const*)ctx->args[1],
                         PL_EXEC_SYSCALL_EXECVE, 0, 0);
}

SEC("tp/syscalls/sys_enter_execveat")
int pl_execat_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_exec_enter((const char*)ctx->args[1], (const char* const*)ctx->args[2],
                         PL_EXEC_SYSCALL_EXECVEAT, (__s32)ctx->args[0], (__u32)ctx->args[4]);
}

SEC("tp/syscalls/sys_exit_execve")
int pl_exec_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_exec_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_execveat")
int pl_execat_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_exec_exit(ctx->ret);
}

/* A successful exec, in the new image. old_pid is the thread that called exec
 * (a non-leader thread takes the leader's id during exec). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(pl_exec_commit, struct task_struct* task, pid_t old_pid, struct linux_binprm* bprm) {
    PL_FLOOR_GATE(0);
    __u32 old_tid = old_pid;
    struct exec_pending* p = bpf_map_lookup_elem(&exec_pending, &old_tid);
    if (!p) return 0;
    if (p->comm_matched || pl_pass_comm_filter()) {
        struct pl_exec_event* e = scratch_event();
        if (e) {
            e->syscall = p->e.syscall;
            e->dirfd = p->e.dirfd;
            e->at_flags = p->e.at_flags;
            capture_from_new_image(e, bprm);
            emit(e, 0);
        }
    }
    bpf_map_delete_elem(&exec_pending, &old_tid);
    return 0;
}

/* A task killed in the middle of an exec never reaches sys_exit: drop its entry. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pl_exec_reap, struct task_struct* task) {
    PL_FLOOR_GATE(0);
    __u32 tid = task->pid;
    bpf_map_delete_elem(&exec_pending, &tid);
    return 0;
}
