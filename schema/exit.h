/* The exit trace's event: one per process (not per thread) when its last thread exits. */
#ifndef PROBELOG_SCHEMA_EXIT_H
#define PROBELOG_SCHEMA_EXIT_H

#include "event_header.h"

struct pl_exit_event {
    struct pl_event_header hdr; /* the last thread to exit; comm is the process's (leader's) */
    __u32 status; /* what wait() reports: exit code << 8 | terminating signal | 0x80 core */
    __u32 pad0;
    __u64 lifetime_ns; /* from the process's start (its leader's) to this exit, CLOCK_BOOTTIME */
};
PL_STATIC_ASSERT(sizeof(struct pl_exit_event) == 96, "pl_exit_event layout changed");

#endif
