/* Programs every run may need regardless of traces: following a command's descendants. */
#include "pl/common.bpf.h"

/* With -- CMD, a new process whose parent is followed is followed too (threads are
 * not processes: same tgid, nothing to add). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(pl_follow_fork, struct task_struct* parent, struct task_struct* child) {
    PL_FLOOR_GATE(0);
    if (!(pl_filter.flags & PL_FILTER_FOLLOW)) return 0;
    __u32 parent_tgid = parent->tgid;
    __u32 child_tgid = child->tgid;
    if (parent_tgid == child_tgid) return 0;
    if (!bpf_map_lookup_elem(&pl_pids, &parent_tgid)) return 0;
    __u8 one = 1;
    bpf_map_update_elem(&pl_pids, &child_tgid, &one, BPF_NOEXIST);
    return 0;
}

/* Forget a followed process only when its task is freed, after every trace has
 * seen its exit, so a recycled pid is never mistaken for it. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(pl_follow_free, struct task_struct* task) {
    PL_FLOOR_GATE(0);
    if (!(pl_filter.flags & PL_FILTER_FOLLOW)) return 0;
    if (task->pid != task->tgid) return 0;
    __u32 tgid = task->tgid;
    bpf_map_delete_elem(&pl_pids, &tgid);
    return 0;
}
