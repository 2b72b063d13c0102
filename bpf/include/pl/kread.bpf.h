/*
 * Kernel structs (file, inode, socket, sock) read with direct loads through
 * bpf_rdonly_cast (kernel 6.2+): the verifier turns them into fault-safe
 * loads, a few ns each, where a bpf_probe_read_kernel call costs 20-30 ns.
 * An object built with PL_KREAD_PORTABLE (io_compat.bpf.c, for older kernels)
 * reads every field with bpf_probe_read_kernel instead.
 */
#ifndef PROBELOG_BPF_KREAD_BPF_H
#define PROBELOG_BPF_KREAD_BPF_H

#include "pl/common.bpf.h"

#ifdef PL_KREAD_PORTABLE
#define KREAD(p, field) BPF_CORE_READ(p, field)
#define KCAST(p, type) ((type*)(p))
#else
extern void* bpf_rdonly_cast(const void* obj__ign, __u32 btf_id) __ksym;
#define KREAD(p, field) ((p)->field)
#define KCAST(p, type) ((type*)bpf_rdonly_cast((const void*)(p), bpf_core_type_id_kernel(type)))
#endif

/* The file an fd of the current task refers to, or NULL. */
static __always_inline struct file* pl_fd_file(__s32 fd) {
    if (fd < 0) return NULL;
    struct task_struct* task = bpf_get_current_task_btf();
    struct files_struct* files = KREAD(task, files);
    if (!files) return NULL;
    struct fdtable* fdt = KREAD(files, fdt);
    if (!fdt) return NULL;
    if ((__u32)fd >= KREAD(fdt, max_fds)) return NULL;
    struct file** fds = KREAD(fdt, fd);
    struct file* file = NULL;
    bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
    if (!file) return NULL;
    return KCAST(file, struct file);
}

#endif
