/*
 * sched: run-queue latency, from a task's wakeup (sched_wakeup,
 * sched_wakeup_new) to the switch that runs it (sched_switch).
 *
 * The wakeup time lives in the woken task's local storage, not in a hash map
 * keyed by tid: a get is a pointer walk from the task (tens of ns where a hash
 * insert and delete cost hundreds, on hooks that fire on every context switch
 * of the machine), and a slot goes away with its task.
 *
 * Filters (--pid, --comm, --cgroup, --container, -- CMD) apply to the task that waits, at
 * its wakeup: a task they refuse gets no slot, so its switches cost a storage
 * lookup and nothing else. With --sched-min-latency 0 every switch is a record,
 * as in Fluent Bit's trace_sched; then the filters also apply at the switch.
 */
#include "pl/common.bpf.h"
#include "sched_event.h"

#define E2BIG 7
#define ENOMEM 12

const volatile __u64 sched_min_latency_ns = 1000000;
const volatile __u32 sched_aggregate = 0; /* sum into sched_agg* instead of emitting events */

struct sched_wakeup {
    __u64 wakeup_ns; /* 0: no wakeup pending */
    __u32 waker_pid;
    __u8 wakeup_new;
    __u8 pad[3];
    char waker_comm[PL_COMM_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct sched_wakeup);
} sched_wakeups SEC(".maps");

/* Aggregate mode: double-buffered per-process totals, see struct pl_sched_agg_ctl. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1); /* sized by user space in aggregate mode */
    __type(key, struct pl_sched_agg_key);
    __type(value, struct pl_sched_agg_value);
} sched_agg0 SEC(".maps"), sched_agg1 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_sched_agg_ctl);
} sched_agg_ctl SEC(".maps");

/* A new aggregate value is built here (too big for the stack next to the rest). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_sched_agg_value);
} sched_agg_scratch SEC(".maps");

/* --cgroup for a task that is not the current one: is `task` in the filter's
 * cgroup or below it? (bpf_get_current_ancestor_cgroup_id only knows current.) */
static __always_inline bool task_in_cgroup(struct task_struct* task) {
    struct cgroup* cgrp = task->cgroups->dfl_cgrp;
    __u32 level = pl_filter.cgroup_level;
    if (!cgrp || cgrp->level < (int)level) return false;
    struct cgroup* ancestor = NULL;
    if (bpf_probe_read_kernel(&ancestor, sizeof(ancestor), &cgrp->ancestors[level]) != 0 ||
        !ancestor)
        return false;
    return BPF_CORE_READ(ancestor, kn, id) == pl_filter.cgroup_id;
}

/* --container / --containers-only for a task that is not the current one:
 * pl_task_in_selected_container (common.bpf.h) takes any task. */

/* Every kernel-side filter, for `task` (which need not be the current task). */
static __always_inline bool task_wanted(struct task_struct* task) {
    __u32 tgid = task->tgid;
    if (tgid == 0 || tgid == pl_filter.self_tgid) return false;
    if (pl_filter.flags & PL_FILTER_PID) {
        if (!bpf_map_lookup_elem(&pl_pids, &tgid)) return false;
    }
    if ((pl_filter.flags & PL_FILTER_CGROUP) && !task_in_cgroup(task)) return false;
    if ((pl_filter.flags & PL_FILTER_CONTAINER) && !pl_task_in_selected_container(task))
        return false;
    if ((pl_filter.flags & PL_FILTER_COMM) && !pl_comm_matches(task->comm)) return false;
    return true;
}

static __always_inline int note_wakeup(struct task_struct* task, bool is_new) {
    PL_FLOOR_GATE(0);
    if (!task_wanted(task)) return 0;
    struct sched_wakeup* w =
        bpf_task_storage_get(&sched_wakeups, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!w) return 0; /* storage busy (recursion) or out of memory: this wait is not seen */
    struct task_struct* waker = bpf_get_current_task_btf();
    w->wakeup_ns = bpf_ktime_get_ns();
    w->waker_pid = waker->tgid;
    w->wakeup_new = is_new;
    __builtin_memcpy(w->waker_comm, waker->comm, sizeof(w->waker_comm));
    return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pl_sched_wakeup, struct task_struct* p) {
    return note_wakeup(p, false);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(pl_sched_wakeup_new, struct task_struct* p) {
    return note_wakeup(p, true);
}

static __always_inline void agg_add_to(void* map, const struct pl_sched_agg_key* key,
                                       struct task_struct* task, __u64 latency) {
    struct pl_sched_agg_value* a = bpf_map_lookup_elem(map, key);
    if (!a) {
        __u32 zero = 0;
        struct pl_sched_agg_value* n = bpf_map_lookup_elem(&sched_agg_scratch, &zero);
        if (!n) return;
        __builtin_memset(n, 0, sizeof(*n));
        n->first_ns = bpf_ktime_get_boot_ns();
        __builtin_memcpy(n->comm, task->comm, sizeof(n->comm));
        long err = bpf_map_update_elem(map, key, n, BPF_NOEXIST);
        if (err == -E2BIG || err == -ENOMEM) {
            pl_count_map_full(PL_TRACE_SCHED);
            return;
        }
        a = bpf_map_lookup_elem(map, key);
        if (!a) return;
    }
    __sync_fetch_and_add(&a->wakeups, 1);
    if (latency >= sched_min_latency_ns) __sync_fetch_and_add(&a->over_min, 1);
    __sync_fetch_and_add(&a->latency_sum_ns, latency);
    __u32 bucket = pl_log2_u64(latency);
    if (bucket >= PL_SCHED_HIST_BUCKETS) bucket = PL_SCHED_HIST_BUCKETS - 1;
    __sync_fetch_and_add(&a->hist[bucket], 1);
    for (int i = 0; i < 4; i++) {
        __u64 max = a->latency_max_ns;
        if (latency <= max) break;
        if (__sync_val_compare_and_swap(&a->latency_max_ns, max, latency) == max) break;
    }
}

static __always_inline void aggregate(struct task_struct* task, __u64 latency) {
    __u32 zero = 0;
    struct pl_sched_agg_ctl* ctl = bpf_map_lookup_elem(&sched_agg_ctl, &zero);
    if (!ctl) return;
    struct pl_sched_agg_key key = {.pid = task->tgid};
    if (ctl->slot)
        agg_add_to(&sched_agg1, &key, task, latency);
    else
        agg_add_to(&sched_agg0, &key, task, latency);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pl_sched_switch, bool preempt, struct task_struct* prev, struct task_struct* next,
             unsigned int prev_state) {
    PL_FLOOR_GATE(0);
    struct sched_wakeup* w = bpf_task_storage_get(&sched_wakeups, next, 0, 0);
    __u64 latency = 0;
    bool tracked = false;
    if (w && w->wakeup_ns != 0) {
        __u64 now = bpf_ktime_get_ns();
        latency = now > w->wakeup_ns ? now - w->wakeup_ns : 0;
        w->wakeup_ns = 0;
        tracked = true;
    }
    if (sched_aggregate) {
        if (tracked) aggregate(next, latency);
        return 0;
    }
    if (sched_min_latency_ns != 0) {
        if (!tracked || latency < sched_min_latency_ns) return 0;
    } else if (!tracked && !task_wanted(next)) {
        return 0;
    }
    struct pl_sched_event* e = pl_reserve_for(PL_EVENT_SCHED, PL_TRACE_SCHED, sizeof(*e), next);
    if (!e) return 0;
    e->runq_latency_ns = latency;
    e->prev_state = prev_state;
    e->prev_pid = prev->pid;
    e->prev_tgid = prev->tgid;
    e->prev_prio = prev->prio;
    e->next_prio = next->prio;
    e->wakeup_tracked = tracked;
    e->preempt = preempt;
    e->pad = 0;
    __builtin_memcpy(e->prev_comm, prev->comm, sizeof(e->prev_comm));
    if (tracked && w) {
        e->waker_pid = w->waker_pid;
        e->wakeup_new = w->wakeup_new;
        __builtin_memcpy(e->waker_comm, w->waker_comm, sizeof(e->waker_comm));
    } else {
        e->waker_pid = 0;
        e->wakeup_new = 0;
        __builtin_memset(e->waker_comm, 0, sizeof(e->waker_comm));
    }
    pl_submit(e);
    return 0;
}
