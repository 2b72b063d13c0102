/*
 * The contract between BPF programs and user space: every event written to the
 * ring buffer starts with struct pl_event_header. Enum values are fixed forever
 * (append only); structs use fixed-width types and explicit padding only.
 */
#ifndef PROBELOG_SCHEMA_EVENT_HEADER_H
#define PROBELOG_SCHEMA_EVENT_HEADER_H

#include "pl_types.h"

/* A trace is a unit a user can turn on (--trace NAME) and the unit of loss accounting. */
enum pl_trace_id {
    PL_TRACE_NONE = 0,
    PL_TRACE_EXEC = 1,
    PL_TRACE_EXIT = 2,
    PL_TRACE_SIGNAL = 3,
    PL_TRACE_MALLOC = 4,
    PL_TRACE_BIND = 5,
    PL_TRACE_TCP = 6,
    PL_TRACE_VFS = 7,
    PL_TRACE_IO = 8,
    PL_TRACE_PROBE = 9,
    PL_TRACE_XDP = 10,
    PL_TRACE_SCHED = 11,
    PL_TRACE_OPENSSL = 12,
    PL_TRACE_DNS = 13,
    PL_TRACE_MAX = 32, /* size of the per-trace counter array */
};

/* The layout of the bytes that follow the header. */
enum pl_event_type {
    PL_EVENT_NONE = 0,
    PL_EVENT_EXEC = 1,
    PL_EVENT_EXIT = 2,
    PL_EVENT_SIGNAL = 3,
    PL_EVENT_MALLOC = 4,
    PL_EVENT_BIND = 5,
    PL_EVENT_LISTEN = 6,
    PL_EVENT_ACCEPT = 7,
    PL_EVENT_CONNECT = 8,
    PL_EVENT_VFS = 9,
    PL_EVENT_IO = 10,
    PL_EVENT_PROBE = 11,
    PL_EVENT_XDP = 12,
    PL_EVENT_SCHED = 13,
    PL_EVENT_TLS_HANDSHAKE = 14, /* the openssl trace: PL_EVENT_TLS_HANDSHAKE + enum pl_tls_op */
    PL_EVENT_TLS_READ = 15,
    PL_EVENT_TLS_WRITE = 16,
    PL_EVENT_TLS_SHUTDOWN = 17,
    PL_EVENT_DNS = 18,
    PL_EVENT_TYPE_MAX = 64, /* decoder table size */
};

struct pl_event_header {
    __u16 type;    /* enum pl_event_type */
    __u16 trace;   /* enum pl_trace_id whose counters sequenced this event */
    __u32 size;    /* bytes of the whole event, this header included */
    __u64 seq;     /* per (trace, cpu) sequence number: gaps are losses */
    __u64 boot_ns; /* bpf_ktime_get_boot_ns() when the event happened */
    __u32 cpu;     /* the cpu whose sequence `seq` belongs to */
    __u32 pid;     /* process id (kernel tgid) */
    __u32 tid;     /* thread id (kernel pid) */
    __u32 ppid;    /* parent's process id */
    __u32 uid;
    __u32 gid;
    __u64 cgroup_id; /* cgroup v2 id of the task */
    char comm[PL_COMM_LEN];
    __u32 ns_pid; /* the process id in the task's own pid namespace (= pid on the host) */
    __u32 reserved;
};
PL_STATIC_ASSERT(sizeof(struct pl_event_header) == 80, "pl_event_header layout changed");

/* Per trace, per cpu counters (a BPF per-cpu array indexed by enum pl_trace_id). */
struct pl_trace_stats {
    __u64 generated; /* events that passed the kernel filters; the next seq */
    __u64 lost;      /* of those, events the ring buffer had no room for */
    __u64 map_full;  /* a correlation map had no room (entry state not kept) */
    /* events over the trace's --max-rate, dropped before they took a seq (so
     * not in `generated`): generated + throttled is what the hooks saw */
    __u64 throttled;
    __u64 reserved[4];
};
PL_STATIC_ASSERT(sizeof(struct pl_trace_stats) == 64, "pl_trace_stats layout changed");

/* Ring buffer wakeups: every trace has its own ring (so a flood in one cannot
 * take the room of another), and each ring its entry in one array indexed by
 * trace id, mmapped by user space. A producer that finds its ring at least
 * wakeup_bytes full wakes the reader only if no wakeup is pending: it sets
 * wake_pending, and the reader clears it each time it drains. So a busy ring
 * costs one wakeup per drain, not one per event (a wakeup is an irq_work:
 * microseconds in the traced task). */
struct pl_ring_ctl {
    __u64 wake_pending;
    __u64 wakeups; /* forced wakeups so far (all cpus) */
    __u64 reserved[6];
};
PL_STATIC_ASSERT(sizeof(struct pl_ring_ctl) == 64, "pl_ring_ctl layout changed");

/* Kernel-side filters, set once before load as read-only data of every object. */
enum pl_filter_flags {
    PL_FILTER_PID = 1u << 0,    /* only processes in the pl_pids map */
    PL_FILTER_COMM = 1u << 1,   /* only tasks whose comm equals comm[] */
    PL_FILTER_CGROUP = 1u << 2, /* only tasks in cgroup_id or below it */
    PL_FILTER_FOLLOW = 1u << 3, /* children of pl_pids processes join pl_pids */
    /* Benchmarks only (probelog-bench-floor): every program returns at once, so
     * what is left is the price of the hooks themselves (the benchmarks' floor). */
    PL_FILTER_FLOOR = 1u << 4,
    /* only tasks whose cgroup, or its parent, is in the pl_cgroups map (the
     * cgroups of the containers --container / --containers-only select) */
    PL_FILTER_CONTAINER = 1u << 5,
    /* Not a filter: a task's cgroup (records' cgroup_id, the container filter)
     * is its v1 memory controller's, on hosts without cgroup v2. */
    PL_CGROUP_V1_MEMORY = 1u << 6,
};

struct pl_filter_config {
    __u32 self_tgid; /* probelog itself: never traced */
    __u32 flags;     /* enum pl_filter_flags */
    __u64 cgroup_id;
    __u32 cgroup_level; /* depth of cgroup_id in the hierarchy (root = 0) */
    __u32 pad0;
    __u64 wakeup_bytes; /* a submit wakes the reader once this much data waits */
    char comm[PL_COMM_LEN];
};
PL_STATIC_ASSERT(sizeof(struct pl_filter_config) == 48, "pl_filter_config layout changed");

/* --max-rate: per trace id, the GCRA emission interval and burst tolerance
 * (0: no limit). Read-only data of every object: the verifier drops the check
 * of a trace without a limit. */
struct pl_rate_config {
    __u64 interval_ns[PL_TRACE_MAX];
    __u64 burst_ns[PL_TRACE_MAX];
};

/* The boot-clock time up to which a trace's rate budget is spent (one shared
 * slot per trace id, all cpus). */
struct pl_rate_state {
    __u64 next_ns;
};

#define PL_PID_FILTER_MAX 65536
#define PL_CGROUP_FILTER_MAX 4096

#endif
