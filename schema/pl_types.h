/* Fixed-width types and static asserts usable from both BPF (vmlinux.h) and C/C++. */
#ifndef PROBELOG_SCHEMA_PL_TYPES_H
#define PROBELOG_SCHEMA_PL_TYPES_H

#if !defined(__bpf__) && !defined(__VMLINUX_H__)
#include <linux/types.h>
#endif

#ifdef __cplusplus
#define PL_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define PL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define PL_COMM_LEN 16

#endif
