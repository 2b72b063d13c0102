/*
 * exit: one event per process, when its last thread exits (group_dead of
 * tp_btf:sched_process_exit), with what wait() will report and how long the
 * process lived. Threads that exit before the last one are not events.
 */
#include "pl/common.bpf.h"
#include "exit.h"

#define PL_SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pl_exit, struct task_struct* task, bool group_dead) {
    if (!group_dead) return 0;
    if (!pl_pass_filters()) return 0;
    struct pl_exit_event* e = pl_reserve(PL_EVENT_EXIT, PL_TRACE_EXIT, sizeof(*e));
    if (!e) return 0;
    /* The status wait() reports: the group's exit code once the group is
     * exiting (exit_group, a fatal signal, or the last thread's exit), which
     * the kernel has set before this tracepoint. */
    struct signal_struct* signal = task->signal;
    if (BPF_CORE_READ(signal, flags) & PL_SIGNAL_GROUP_EXIT)
        e->status = BPF_CORE_READ(signal, group_exit_code);
    else
        e->status = BPF_CORE_READ(task, group_leader, exit_code);
    e->pad0 = 0;
    struct task_struct* leader = task->group_leader;
    __u64 start = BPF_CORE_READ(leader, start_boottime);
    __u64 now = e->hdr.boot_ns;
    e->lifetime_ns = now > start ? now - start : 0;
    /* The process's name, not the name of the thread that happened to exit last. */
    BPF_CORE_READ_STR_INTO(&e->hdr.comm, leader, comm);
    pl_submit(e);
    return 0;
}
