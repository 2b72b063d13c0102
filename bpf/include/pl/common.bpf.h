/* What every probelog BPF object shares: the maps user space shares between
 * objects (by name), the filter configuration, and the event emit helpers. */
#ifndef PROBELOG_BPF_COMMON_BPF_H
#define PROBELOG_BPF_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "event_header.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load; the verifier prunes the filters that are off. */
const volatile struct pl_filter_config pl_filter = {};
/* --max-rate of every trace (0: none), and the trace id whose ring this object
 * writes to (its wakeup slot in pl_ring_ctl): set by user space before load. */
const volatile struct pl_rate_config pl_rates = {};
const volatile __u32 pl_ring_slot = 0;

/* Set to 1 by user space when the run ends (bpf::Object::stop_records): from
 * then on no program generates a record, so the last drain sees every record
 * the counters count while the hooks are still attached (their teardown takes
 * seconds and is left until probelog has gone: bpf::hand_off_links). */
volatile __u32 pl_stopped = 0;

/* Shared maps: user space creates them once and hands the same fds to every
 * object (bpf_map__reuse_fd), so the definitions here only describe them.
 * pl_events is the exception: user space gives every trace a ring of its own
 * (the objects of one trace share it), so that no trace takes another's room. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} pl_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PL_TRACE_MAX);
    __type(key, __u32);
    __type(value, struct pl_rate_state);
} pl_rate SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PL_TRACE_MAX);
    __type(key, __u32);
    __type(value, struct pl_trace_stats);
} pl_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PL_TRACE_MAX);
    __uint(map_flags, BPF_F_MMAPABLE);
    __type(key, __u32);
    __type(value, struct pl_ring_ctl);
} pl_ring_ctl SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PL_PID_FILTER_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, __u8);
} pl_pids SEC(".maps");

/* The cgroup ids of the selected containers (PL_FILTER_CONTAINER), filled by
 * user space as it finds them, containers started later included. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PL_CGROUP_FILTER_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u64);
    __type(value, __u8);
} pl_cgroups SEC(".maps");

/*
 * The first statement of every program: in the benchmarks' floor mode
 * (PL_FILTER_FLOOR) the program returns at once. The flag is read-only data, so
 * the verifier knows it and removes whichever branch cannot run: what a program
 * keeps of this check is a load or two. Once the run has stopped (pl_stopped)
 * it returns at once too.
 */
#define PL_FLOOR_GATE(ret)                                   \
    do {                                                     \
        if (pl_filter.flags & PL_FILTER_FLOOR) return (ret); \
        if (pl_stopped) return (ret);                        \
    } while (0)

static __always_inline bool pl_comm_matches(const char* comm) {
    const __u64* have = (const __u64*)comm;
    const volatile __u64* want = (const volatile __u64*)pl_filter.comm;
    return have[0] == want[0] && have[1] == want[1];
}

/* The cgroup records name and the container filter reads: the default (v2)
 * hierarchy's; on a host without cgroup v2 (PL_CGROUP_V1_MEMORY) the v1
 * memory controller's, whose cgroups container runtimes name as on v2. */
static __always_inline struct cgroup* pl_task_cgroup(struct task_struct* task) {
    if ((pl_filter.flags & PL_CGROUP_V1_MEMORY) &&
        bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
        struct cgroup_subsys_state* css =
            task->cgroups->subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)];
        if (css) return css->cgroup;
    }
    return task->cgroups->dfl_cgrp;
}

/* `task`'s cgroup, or its parent, is a selected container's. The parent covers
 * a container's own sub-cgroups (crun's "<scope>/container") before user
 * space has seen them. */
static __always_inline bool pl_task_in_selected_container(struct task_struct* task) {
    struct cgroup* cgrp = pl_task_cgroup(task);
    __u64 id = cgrp->kn->id;
    if (bpf_map_lookup_elem(&pl_cgroups, &id)) return true;
    struct cgroup_subsys_state* parent = cgrp->self.parent;
    if (!parent) return false;
    id = parent->cgroup->kn->id;
    return bpf_map_lookup_elem(&pl_cgroups, &id) != NULL;
}

static __always_inline bool pl_in_selected_container(void) {
    return pl_task_in_selected_container(bpf_get_current_task_btf());
}

/* The pid and cgroup filters (cheap, and stable across an exec). */
static __always_inline bool pl_pass_task_filters(__u32 tgid) {
    if (tgid == pl_filter.self_tgid) return false;
    if (pl_filter.flags & PL_FILTER_PID) {
        if (!bpf_map_lookup_elem(&pl_pids, &tgid)) return false;
    }
    if (pl_filter.flags & PL_FILTER_CGROUP) {
        if (bpf_get_current_ancestor_cgroup_id(pl_filter.cgroup_level) != pl_filter.cgroup_id)
            return false;
    }
    if (pl_filter.flags & PL_FILTER_CONTAINER) {
        if (!pl_in_selected_container()) return false;
    }
    return true;
}

static __always_inline bool pl_pass_comm_filter(void) {
    if (!(pl_filter.flags & PL_FILTER_COMM)) return true;
    char comm[PL_COMM_LEN] = {};
    bpf_get_current_comm(comm, sizeof(comm));
    return pl_comm_matches(comm);
}

/* Every kernel-side filter, for the current task. */
static __always_inline bool pl_pass_filters(void) {
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    return pl_pass_task_filters(tgid) && pl_pass_comm_filter();
}

static __always_inline struct pl_trace_stats* pl_stats_for(__u32 trace) {
    return bpf_map_lookup_elem(&pl_stats, &trace);
}

/* Takes the next sequence number of `trace` on this cpu (counting the event as generated). */
static __always_inline __u64 pl_next_seq(struct pl_trace_stats* stats) {
    return __sync_fetch_and_add(&stats->generated, 1);
}

/*
 * --max-rate: GCRA over all cpus, as the probes' `rate N/s` (one compare and
 * swap on the trace's slot; a few tries, then the event counts as over the
 * rate). True if the event may go on; false counts it throttled. A trace
 * without a limit keeps nothing of this: the interval is read-only data.
 */
static __always_inline bool pl_rate_allows(__u32 trace, struct pl_trace_stats* stats) {
    /* Masked, not range-checked: the compiler keeps a mask where it would drop
     * a repeated check, and the verifier needs the bound at each access (ids
     * are below PL_TRACE_MAX, a power of two). */
    __u32 t = trace & (PL_TRACE_MAX - 1);
    __u64 interval = pl_rates.interval_ns[t];
    if (interval == 0) return true;
    __u64 burst = pl_rates.burst_ns[t];
    __u32 key = t;
    struct pl_rate_state* r = bpf_map_lookup_elem(&pl_rate, &key);
    if (!r) return true;
    __u64 now = bpf_ktime_get_boot_ns();
    for (int i = 0; i < 4; i++) {
        __u64 spent = r->next_ns;
        __u64 next = (spent > now ? spent : now) + interval;
        if (next - now > burst) break;
        if (__sync_val_compare_and_swap(&r->next_ns, spent, next) == spent) return true;
    }
    __sync_fetch_and_add(&stats->throttled, 1);
    return false;
}

static __always_inline void pl_count_lost(struct pl_trace_stats* stats) {
    __sync_fetch_and_add(&stats->lost, 1);
}

static __always_inline void pl_count_map_full(__u32 trace) {
    struct pl_trace_stats* stats = pl_stats_for(trace);
    if (stats) __sync_fetch_and_add(&stats->map_full, 1);
}

/* Waking the reader costs the traced task an irq_work (microseconds); the
 * reader polls every --poll-ms anyway, so wake it only when enough data waits to
 * be worth it, and then once: the first producer to see the ring that full
 * claims the wakeup (pl_ring_ctl.wake_pending), the reader re-arms it when it
 * drains. Without the claim, every event would pay a wakeup for as long as the
 * ring stays above the mark, which is exactly when the machine is busiest. */
static __always_inline __u64 pl_wakeup_flags(void) {
    if (bpf_ringbuf_query(&pl_events, BPF_RB_AVAIL_DATA) < pl_filter.wakeup_bytes)
        return BPF_RB_NO_WAKEUP;
    __u32 slot = pl_ring_slot;
    struct pl_ring_ctl* ctl = bpf_map_lookup_elem(&pl_ring_ctl, &slot);
    if (!ctl) return BPF_RB_FORCE_WAKEUP;
    if (ctl->wake_pending || __sync_val_compare_and_swap(&ctl->wake_pending, 0, 1) != 0)
        return BPF_RB_NO_WAKEUP;
    __sync_fetch_and_add(&ctl->wakeups, 1);
    return BPF_RB_FORCE_WAKEUP;
}

/*
 * The process id as the task's own pid namespace numbers it (what `getpid()`
 * returns inside a container): the number at the deepest level of the group
 * leader's struct pid. On the host (level 0) that is tgid, with no read.
 * numbers[] is indexed by a run-time level, which a BTF pointer load cannot
 * take, so that one value is read with bpf_probe_read_kernel at CO-RE offsets.
 */
static __always_inline __u32 pl_ns_tgid(struct task_struct* task) {
    struct pid* pid = task->group_leader->thread_pid;
    if (!pid) return 0;
    unsigned int level = pid->level;
    if (level == 0) return task->tgid;
    __u64 at = (__u64)pid + bpf_core_field_offset(struct pid, numbers) +
               (__u64)(level & 31) * bpf_core_type_size(struct upid) +
               bpf_core_field_offset(struct upid, nr);
    int nr = 0;
    bpf_probe_read_kernel(&nr, sizeof(nr), (const void*)at);
    return nr;
}

/*
 * The common header of an event about `task` (usually the current one: see
 * pl_fill_header). Everything but the clock comes from the task's
 * struct through BTF pointers: direct loads (a few ns each) instead of one
 * helper call per field (bpf_get_current_comm, _cgroup_id, _uid_gid: 20-40 ns
 * each here; see bench/kcost). The values are the helpers' own: tgid/pid, the
 * subjective credentials' real uid and gid, the default-hierarchy cgroup's id.
 */
static __always_inline void pl_fill_header_of(struct pl_event_header* h, __u16 type, __u16 trace,
                                              __u32 size, __u64 seq, struct task_struct* task) {
    const struct cred* cred = task->cred;

    h->type = type;
    h->trace = trace;
    h->size = size;
    h->seq = seq;
    h->boot_ns = bpf_ktime_get_boot_ns();
    h->cpu = bpf_get_smp_processor_id();
    h->pid = task->tgid;
    h->tid = task->pid;
    h->ppid = task->real_parent->tgid;
    h->uid = cred->uid.val;
    h->gid = cred->gid.val;
    h->cgroup_id = pl_task_cgroup(task)->kn->id;
    __builtin_memcpy(h->comm, task->comm, sizeof(h->comm));
    h->ns_pid = pl_ns_tgid(task);
    h->reserved = 0;
}

/* The header of an event about the current task. */
static __always_inline void pl_fill_header(struct pl_event_header* h, __u16 type, __u16 trace,
                                           __u32 size, __u64 seq) {
    pl_fill_header_of(h, type, trace, size, seq, bpf_get_current_task_btf());
}

/*
 * Reserves a fixed-size event and fills its header (about `task`), or counts it lost.
 * `size` must be a compile-time constant (the ring buffer requires it).
 */
static __always_inline void* pl_reserve_for(__u16 type, __u16 trace, __u32 size,
                                            struct task_struct* task) {
    if (pl_stopped) return NULL;
    struct pl_trace_stats* stats = pl_stats_for(trace);
    if (!stats) return NULL;
    if (!pl_rate_allows(trace, stats)) return NULL;
    __u64 seq = pl_next_seq(stats);
    struct pl_event_header* h = bpf_ringbuf_reserve(&pl_events, size, 0);
    if (!h) {
        pl_count_lost(stats);
        return NULL;
    }
    pl_fill_header_of(h, type, trace, size, seq, task);
    return h;
}

/* pl_reserve_for the current task (the usual case). */
static __always_inline void* pl_reserve(__u16 type, __u16 trace, __u32 size) {
    return pl_reserve_for(type, trace, size, bpf_get_current_task_btf());
}

/*
 * pl_reserve for programs that run in no task (XDP, tc): the task helpers are
 * not available there, and the interrupted task would be meaningless anyway,
 * so the header's pid, tid, ppid, uid, gid, cgroup_id and comm are 0.
 */
static __always_inline void* pl_reserve_notask(__u16 type, __u16 trace, __u32 size) {
    if (pl_stopped) return NULL;
    struct pl_trace_stats* stats = pl_stats_for(trace);
    if (!stats) return NULL;
    if (!pl_rate_allows(trace, stats)) return NULL;
    __u64 seq = pl_next_seq(stats);
    struct pl_event_header* h = bpf_ringbuf_reserve(&pl_events, size, 0);
    if (!h) {
        pl_count_lost(stats);
        return NULL;
    }
    __builtin_memset(h, 0, sizeof(*h));
    h->type = type;
    h->trace = trace;
    h->size = size;
    h->seq = seq;
    h->boot_ns = bpf_ktime_get_boot_ns();
    h->cpu = bpf_get_smp_processor_id();
    return h;
}

static __always_inline void pl_submit(void* event) {
    bpf_ringbuf_submit(event, pl_wakeup_flags());
}

/*
 * Copies a variable-size event (header already filled except seq) into the ring
 * buffer, or counts it lost. `size` must be bounded by the caller.
 */
/* True if the event is in the ring buffer (false: counted lost or throttled). */
static __always_inline bool pl_output(struct pl_event_header* h, __u32 trace, __u64 size) {
    if (pl_stopped) return false;
    struct pl_trace_stats* stats = pl_stats_for(trace);
    if (!stats) return false;
    if (!pl_rate_allows(trace, stats)) return false;
    h->seq = pl_next_seq(stats);
    /* The header may have been filled on another cpu (a call's entry, before
     * the thread moved): the seq is this cpu's, so is the record's cpu. */
    h->cpu = bpf_get_smp_processor_id();
    if (bpf_ringbuf_output(&pl_events, h, size, pl_wakeup_flags()) != 0) {
        pl_count_lost(stats);
        return false;
    }
    return true;
}

/* floor(log2(v)), 0 for 0 and 1: the bucket of a log2 latency histogram. */
static __always_inline __u32 pl_log2_u64(__u64 v) {
    __u32 r = 0;
    if (v >> 32) {
        v >>= 32;
        r += 32;
    }
    if (v >> 16) {
        v >>= 16;
        r += 16;
    }
    if (v >> 8) {
        v >>= 8;
        r += 8;
    }
    if (v >> 4) {
        v >>= 4;
        r += 4;
    }
    if (v >> 2) {
        v >>= 2;
        r += 2;
    }
    if (v >> 1) r += 1;
    return r;
}

#endif
