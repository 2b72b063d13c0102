/* The malloc trace's event: one per allocation call of the C library (or mmap/munmap). */
#ifndef PROBELOG_SCHEMA_MALLOC_H
#define PROBELOG_SCHEMA_MALLOC_H

#include "event_header.h"

/* The record's `operation`, fixed forever (append only). The values are
 * Fluent Bit's enum memop, so that its dashboards keep working. */
enum pl_malloc_op {
    PL_MALLOC_MALLOC = 0,
    PL_MALLOC_FREE = 1,
    PL_MALLOC_CALLOC = 2,
    PL_MALLOC_REALLOC = 3,
    PL_MALLOC_REALLOC_FREE = 4, /* Fluent Bit's; never emitted (realloc carries old_address) */
    PL_MALLOC_MMAP = 5,
    PL_MALLOC_MUNMAP = 6,
    PL_MALLOC_OP_COUNT = 7,
};

struct pl_malloc_event {
    struct pl_event_header hdr;
    __u64 address;     /* the pointer returned (allocations), freed (free), or unmapped */
    __u64 size;        /* bytes requested (calloc: nmemb * size), or the length mapped */
    __u64 old_address; /* realloc: the pointer passed in */
    __u64 nmemb;       /* calloc: the element count */
    __u32 operation;   /* enum pl_malloc_op */
    __s32 error_raw;   /* mmap/munmap: the positive errno of a failure */
    __u32 prot;        /* mmap */
    __u32 map_flags;   /* mmap */
    __s32 fd;          /* mmap */
    __u32 pad0;
    __u64 offset; /* mmap: file offset */
};
PL_STATIC_ASSERT(sizeof(struct pl_malloc_event) == 144, "pl_malloc_event layout changed");

#endif
