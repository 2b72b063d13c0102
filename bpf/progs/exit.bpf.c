/*
 * exit: one event per process, when its last thread exits, with what wait()
 * will report and how long the process lived. Threads that exit before the
 * last one are not events.
 *
 * Kernels whose sched_process_exit passes group_dead (6.x recent) use pl_exit.
 * Older ones (the tracepoint has only the task) use pl_exit_legacy: the group's
 * live-thread count is 0 for the last thread, but threads dying together (an
 * exit_group) can all see it, so the first to claim the process in
 * exit_claimed reports it; the claim is dropped when the process's leader is
 * freed (every thread has passed do_exit by then). User space loads one of the
 * two (ExitTrace::start).
 */
#include "pl/common.bpf.h"
#include "exit.h"

#define PL_SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);
    __type(value, __u8);
} exit_claimed SEC(".maps");

static __always_inline void emit_exit(struct task_struct* task) {
    struct pl_exit_event* e = pl_reserve(PL_EVENT_EXIT, PL_TRACE_EXIT, sizeof(*e));
    if (!e) return;
    /* The status wait() reports: the group's exit code once the group is
     * exiting (exit_group, a fatal signal, or the last thread's exit), which
     * the kernel has set before this tracepoint. */
    struct signal_struct* signal = BPF_CORE_READ(task, signal);
    if (BPF_CORE_READ(signal, flags) & PL_SIGNAL_GROUP_EXIT)
        e->status = BPF_CORE_READ(signal, group_exit_code);
    else
        e->status = BPF_CORE_READ(task, group_leader, exit_code);
    e->pad0 = 0;
    struct task_struct* leader = BPF_CORE_READ(task, group_leader);
    __u64 start = BPF_CORE_READ(leader, start_boottime);
    __u64 now = e->hdr.boot_ns;
    e->lifetime_ns = now > start ? now - start : 0;
    /* The process's name, not the name of the thread that happened to exit last. */
    BPF_CORE_READ_STR_INTO(&e->hdr.comm, leader, comm);
    pl_submit(e);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pl_exit, struct task_struct* task, bool group_dead) {
    PL_FLOOR_GATE(0);
    if (!group_dead) return 0;
    if (!pl_pass_filters()) return 0;
    emit_exit(task);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pl_exit_legacy, struct task_struct* task) {
    PL_FLOOR_GATE(0);
    if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
    if (!pl_pass_filters()) return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    __u8 one = 1;
    if (bpf_map_update_elem(&exit_claimed, &tgid, &one, BPF_NOEXIST) != 0) return 0;
    emit_exit(task);
    return 0;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(pl_exit_legacy_free, struct task_struct* task) {
    PL_FLOOR_GATE(0);
    if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid)) return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    bpf_map_delete_elem(&exit_claimed, &tgid);
    return 0;
}
