/*
 * signal: every signal the kernel generates, from signal:signal_generate (it
 * sees kill, tkill, tgkill, rt_sigqueueinfo, pidfd_send_signal and the signals
 * the kernel makes itself: faults, SIGCHLD, timers, SIGPIPE...) with the
 * delivery result. The signal-sending syscalls are traced as well, to name the
 * call that generated a signal and to report the calls that failed before any
 * signal existed (EPERM, ESRCH, EINVAL).
 *
 * Kernel filters: the sender passes them, or (with --pid / -- CMD) the target
 * is a followed process. probelog's own signals are never reported.
 */
#include "pl/common.bpf.h"
#include "signal_event.h"

#define PL_SI_USER 0
#define PL_SI_KERNEL 0x80
#define PL_SI_TKILL -6

/* A signal-sending syscall between entry and exit (per thread, while `active`). */
struct signal_call {
    __s32 sig;
    __s32 tpid;
    __s32 ttid;
    __u8 syscall;
    __u8 active;
    __u8 pad[2];
};

/* Task-local storage, not a hash map keyed by tid: getting a thread's slot is a
 * pointer walk from its task_struct (~30 ns for a get and a clear here) where a
 * hash insert and delete cost ~230 ns (bench/kcost), and a slot goes with its
 * thread, so none is left behind by a thread that dies inside a call. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct signal_call);
} signal_calls SEC(".maps");

/* The current thread's call in progress, or NULL. */
static __always_inline struct signal_call* current_call(void) {
    struct signal_call* c = bpf_task_storage_get(&signal_calls, bpf_get_current_task_btf(), 0, 0);
    return c && c->active ? c : NULL;
}

/* With --pid or -- CMD: is the process in the followed set? */
static __always_inline bool followed(__s32 tgid) {
    if (!(pl_filter.flags & PL_FILTER_PID) || tgid <= 0) return false;
    __u32 key = tgid;
    return bpf_map_lookup_elem(&pl_pids, &key) != NULL;
}

static __always_inline bool wanted(__s32 target_tgid) {
    __u32 self = bpf_get_current_pid_tgid() >> 32;
    if (self == pl_filter.self_tgid) return false;
    return pl_pass_filters() || followed(target_tgid);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(pl_signal_generate, int sig, struct kernel_siginfo* info, struct task_struct* task,
             int group, int result) {
    PL_FLOOR_GATE(0);
    __s32 tgid = BPF_CORE_READ(task, tgid);
    if (!wanted(tgid)) return 0;
    struct pl_signal_event* e = pl_reserve(PL_EVENT_SIGNAL, PL_TRACE_SIGNAL, sizeof(*e));
    if (!e) return 0;
    e->sig = sig;
    e->tpid = tgid;
    e->ttid = BPF_CORE_READ(task, pid);
    /* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers (as in the
     * tracepoint's own TP_fast_assign). */
    if ((unsigned long)info == 0)
        e->code = PL_SI_USER;
    else if ((unsigned long)info == 1)
        e->code = PL_SI_KERNEL;
    else
        e->code = BPF_CORE_READ(info, si_code);
    e->result = result;
    e->error_raw = 0;
    e->group = group != 0;
    __builtin_memset(e->pad0, 0, sizeof(e->pad0));
    BPF_CORE_READ_STR_INTO(&e->tcomm, task, comm);
    struct signal_call* c = current_call();
    e->syscall = c ? c->syscall : PL_SIGNAL_SYSCALL_NONE;
    pl_submit(e);
    return 0;
}

static __always_inline int on_call_enter(__u8 syscall, __s32 tpid, __s32 ttid, __s32 sig) {
    /* Entries are kept whatever the filters say (a followed target may be
     * signalled by anyone); signal-sending syscalls are rare. sig 0 only
     * checks that the target exists. */
    if (sig == 0) return 0;
    if ((bpf_get_current_pid_tgid() >> 32) == pl_filter.self_tgid) return 0;
    struct signal_call* c = bpf_task_storage_get(&signal_calls, bpf_get_current_task_btf(), 0,
                                                 BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!c) {
        pl_count_map_full(PL_TRACE_SIGNAL);
        return 0;
    }
    c->sig = sig;
    c->tpid = tpid;
    c->ttid = ttid;
    c->syscall = syscall;
    c->active = 1;
    return 0;
}

static __always_inline int on_call_exit(long ret) {
    struct signal_call* c = current_call();
    if (!c) return 0;
    if (ret < 0 && wanted(c->tpid)) {
        struct pl_signal_event* e = pl_reserve(PL_EVENT_SIGNAL, PL_TRACE_SIGNAL, sizeof(*e));
        if (e) {
            e->sig = c->sig;
            e->tpid = c->tpid;
            e->ttid = c->ttid;
            e->code =
                c->syscall == PL_SIGNAL_SYSCALL_TKILL || c->syscall == PL_SIGNAL_SYSCALL_TGKILL
                    ? PL_SI_TKILL
                    : PL_SI_USER;
            e->result = PL_SIGNAL_SYSCALL_FAILED;
            e->error_raw = -ret;
            e->syscall = c->syscall;
            e->group = 0;
            __builtin_memset(e->pad0, 0, sizeof(e->pad0));
            __builtin_memset(e->tcomm, 0, sizeof(e->tcomm));
            pl_submit(e);
        }
    }
    c->active = 0;
    return 0;
}

SEC("tp/syscalls/sys_enter_kill")
int pl_kill_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_KILL, (__s32)ctx->args[0], 0, (__s32)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_tkill")
int pl_tkill_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_TKILL, 0, (__s32)ctx->args[0], (__s32)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_tgkill")
int pl_tgkill_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_TGKILL, (__s32)ctx->args[0], (__s32)ctx->args[1],
                         (__s32)ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_rt_sigqueueinfo")
int pl_sigqueue_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_RT_SIGQUEUEINFO, (__s32)ctx->args[0], 0,
                         (__s32)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_rt_tgsigqueueinfo")
int pl_tgsigqueue_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_RT_TGSIGQUEUEINFO, (__s32)ctx->args[0],
                         (__s32)ctx->args[1], (__s32)ctx->args[2]);
}

/* The target is a pidfd: a failed call reports tpid 0. */
SEC("tp/syscalls/sys_enter_pidfd_send_signal")
int pl_pidfd_signal_enter(struct trace_event_raw_sys_enter* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_enter(PL_SIGNAL_SYSCALL_PIDFD_SEND_SIGNAL, 0, 0, (__s32)ctx->args[1]);
}

SEC("tp/syscalls/sys_exit_kill")
int pl_kill_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_tkill")
int pl_tkill_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_tgkill")
int pl_tgkill_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_rt_sigqueueinfo")
int pl_sigqueue_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_rt_tgsigqueueinfo")
int pl_tgsigqueue_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pidfd_send_signal")
int pl_pidfd_signal_exit(struct trace_event_raw_sys_exit* ctx) {
    PL_FLOOR_GATE(0);
    return on_call_exit(ctx->ret);
}
