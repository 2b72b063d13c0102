/*
 * The sched trace: run-queue latency, the time a task waits between being
 * woken (sched_wakeup, sched_wakeup_new) and running (sched_switch). One
 * pl_sched_event per switch to a task whose wait reached --sched-min-latency
 * (every switch with 0, as Fluent Bit's trace_sched); in aggregate mode the
 * waits are summed per process in a map user space reads every interval.
 * The event's header describes the task switched to (next), as Fluent Bit's.
 */
#ifndef PROBELOG_SCHEMA_SCHED_EVENT_H
#define PROBELOG_SCHEMA_SCHED_EVENT_H

#include "event_header.h"

#define PL_SCHED_HIST_BUCKETS 32 /* log2 latency buckets: [2^i, 2^(i+1)) ns; the last is open */

struct pl_sched_event {
    struct pl_event_header hdr; /* the task switched to (next) */
    __u64 runq_latency_ns;      /* woken to running; 0 if the wakeup was not seen */
    __s64 prev_state;           /* prev's state at the switch (0: preempted, still runnable) */
    __u32 prev_pid;             /* the task switched away from: its thread id */
    __u32 prev_tgid;            /* ... and its process id */
    __s32 prev_prio;
    __s32 next_prio;
    __u32 waker_pid; /* the process (tgid) that woke next, 0 if not seen */
    __u8 wakeup_tracked;
    __u8 wakeup_new; /* next's first run after fork (sched_wakeup_new) */
    __u8 preempt;    /* prev was preempted (sched_switch's preempt argument) */
    __u8 pad;
    char prev_comm[PL_COMM_LEN];
    char waker_comm[PL_COMM_LEN];
};
PL_STATIC_ASSERT(sizeof(struct pl_sched_event) == 152, "pl_sched_event layout changed");

/* Aggregate mode: per process, double-buffered (see struct pl_sched_agg_ctl). */
struct pl_sched_agg_key {
    __u32 pid; /* process id (tgid) of the task that waited */
    __u32 pad;
};

struct pl_sched_agg_value {
    __u64 wakeups;  /* waits measured (tracked wakeups that ran) */
    __u64 over_min; /* of those, waits of at least --sched-min-latency */
    __u64 latency_sum_ns;
    __u64 latency_max_ns;
    __u64 hist[PL_SCHED_HIST_BUCKETS]; /* waits per log2 latency bucket */
    __u64 first_ns;                    /* bpf_ktime_get_boot_ns() of the first wait */
    char comm[PL_COMM_LEN];            /* of the first thread that waited */
};
PL_STATIC_ASSERT(sizeof(struct pl_sched_agg_value) == 312, "pl_sched_agg_value layout changed");

/* BPF adds to sched_agg[slot]; user space flips the slot, lets updates in
 * flight finish, then reads and clears the other map. */
struct pl_sched_agg_ctl {
    __u32 slot; /* 0 or 1 */
    __u32 pad;
};

#endif
