/* What the building blocks of a probelog program cost on this kernel: one tiny
 * program per block, each attached alone to tp/syscalls/sys_enter_getppid and
 * timed by bench/kcost/kcost.c (see there). Bench only. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 26);
} rb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __u64[8]);
} pcpu SEC(".maps");

struct val {
    __u64 a, b, c, d, e, f;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, __u32);
    __type(value, struct val);
} hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct val);
} tstore SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, char[512]);
} scratch SEC(".maps");

struct hdr {
    __u16 type, trace;
    __u32 size;
    __u64 seq, boot_ns;
    __u32 cpu, pid, tid, ppid, uid, gid;
    __u64 cgroup_id;
    char comm[16];
};

volatile __u64 sink;

#define PROG(name) SEC("tp/syscalls/sys_enter_getppid") int name(void* ctx)

PROG(k_empty) {
    return 0;
}
PROG(k_pid_tgid) {
    sink = bpf_get_current_pid_tgid();
    return 0;
}
PROG(k_filter_tgid) {
    /* What a --pid filter on one process costs when it is a constant. */
    if ((bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
    sink = 1;
    return 0;
}
PROG(k_uid_gid) {
    sink = bpf_get_current_uid_gid();
    return 0;
}
PROG(k_ktime) {
    sink = bpf_ktime_get_ns();
    return 0;
}
PROG(k_boot_ns) {
    sink = bpf_ktime_get_boot_ns();
    return 0;
}
PROG(k_cpu) {
    sink = bpf_get_smp_processor_id();
    return 0;
}
PROG(k_comm) {
    char c[16];
    bpf_get_current_comm(c, sizeof(c));
    sink = *(__u64*)c;
    return 0;
}
PROG(k_cgroup) {
    sink = bpf_get_current_cgroup_id();
    return 0;
}
PROG(k_header_direct) {
    /* The same header from direct loads of the task (BTF pointers) where a helper
     * is not needed: only the clock and the cpu stay helpers. */
    struct hdr h;
    struct task_struct* task = bpf_get_current_task_btf();
    h.boot_ns = bpf_ktime_get_boot_ns();
    h.cpu = bpf_get_smp_processor_id();
    h.pid = task->tgid;
    h.tid = task->pid;
    h.ppid = task->real_parent->tgid;
    const struct cred* cred = task->cred;
    h.uid = cred->uid.val;
    h.gid = cred->gid.val;
    h.cgroup_id = task->cgroups->dfl_cgrp->kn->id;
    __builtin_memcpy(h.comm, task->comm, sizeof(h.comm));
    sink = h.boot_ns + h.cpu + h.pid + h.ppid + h.uid + h.cgroup_id + h.comm[0];
    return 0;
}
PROG(k_ppid_btf) {
    struct task_struct* t = bpf_get_current_task_btf();
    sink = t->real_parent->tgid;
    return 0;
}
PROG(k_ppid_core) {
    struct task_struct* t = (void*)bpf_get_current_task();
    sink = BPF_CORE_READ(t, real_parent, tgid);
    return 0;
}
PROG(k_probe_read_kernel) {
    struct task_struct* t = (void*)bpf_get_current_task();
    void* files = 0;
    bpf_probe_read_kernel(&files, sizeof(files), &t->files);
    sink = (__u64)files;
    return 0;
}
PROG(k_direct_load) {
    struct task_struct* t = bpf_get_current_task_btf();
    sink = (__u64)t->files;
    return 0;
}
PROG(k_probe_read_user16) {
    struct task_struct* t = bpf_get_current_task_btf();
    struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(t);
    char buf[16];
    bpf_probe_read_user(buf, sizeof(buf), (void*)regs->sp);
    sink = *(__u64*)buf;
    return 0;
}
PROG(k_header) {
    struct hdr h;
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u64 uid_gid = bpf_get_current_uid_gid();
    struct task_struct* task = bpf_get_current_task_btf();
    h.boot_ns = bpf_ktime_get_boot_ns();
    h.cpu = bpf_get_smp_processor_id();
    h.pid = pid_tgid >> 32;
    h.tid = (__u32)pid_tgid;
    h.ppid = task->real_parent->tgid;
    h.uid = (__u32)uid_gid;
    h.gid = uid_gid >> 32;
    h.cgroup_id = bpf_get_current_cgroup_id();
    bpf_get_current_comm(h.comm, sizeof(h.comm));
    sink = h.boot_ns + h.cpu + h.pid + h.ppid + h.uid + h.cgroup_id + h.comm[0];
    return 0;
}
PROG(k_pcpu_atomic) {
    __u32 k = 3;
    __u64* v = bpf_map_lookup_elem(&pcpu, &k);
    if (v) __sync_fetch_and_add(&v[0], 1);
    return 0;
}
PROG(k_pcpu_plain) {
    __u32 k = 3;
    __u64* v = bpf_map_lookup_elem(&pcpu, &k);
    if (v) v[0]++;
    return 0;
}
PROG(k_hash_cycle) {
    /* What an entry/exit correlation costs: insert, then lookup and delete. */
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct val v = {.a = 1};
    bpf_map_update_elem(&hash, &tid, &v, BPF_ANY);
    struct val* p = bpf_map_lookup_elem(&hash, &tid);
    if (p) sink = p->a;
    bpf_map_delete_elem(&hash, &tid);
    return 0;
}
PROG(k_tstore_cycle) {
    /* The same through task-local storage: created once per task, then reused. */
    struct task_struct* t = bpf_get_current_task_btf();
    struct val* p = bpf_task_storage_get(&tstore, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!p) return 0;
    p->a = 1;
    struct val* q = bpf_task_storage_get(&tstore, t, 0, 0);
    if (q) {
        sink = q->a;
        q->a = 0;
    }
    return 0;
}
PROG(k_rb_reserve_submit) {
    struct hdr* h = bpf_ringbuf_reserve(&rb, 96, 0);
    if (!h) return 0;
    h->pid = 1;
    bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
    return 0;
}
PROG(k_rb_reserve_submit_query) {
    struct hdr* h = bpf_ringbuf_reserve(&rb, 96, 0);
    if (!h) return 0;
    h->pid = 1;
    /* The threshold is never reached here: the price of the query alone. */
    __u64 f = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= (1ULL << 40) ? BPF_RB_FORCE_WAKEUP
                                                                        : BPF_RB_NO_WAKEUP;
    bpf_ringbuf_submit(h, f);
    return 0;
}
PROG(k_rb_submit_wakeup) {
    /* A wakeup per event (what a reader-side poll avoids): an irq_work each time. */
    struct hdr* h = bpf_ringbuf_reserve(&rb, 96, 0);
    if (!h) return 0;
    h->pid = 1;
    bpf_ringbuf_submit(h, BPF_RB_FORCE_WAKEUP);
    return 0;
}
PROG(k_hash_lookup_miss) {
    /* The --pid filter's lookup (a miss is as costly as a hit). */
    __u32 tid = (__u32)bpf_get_current_pid_tgid() + 7;
    sink = bpf_map_lookup_elem(&hash, &tid) != 0;
    return 0;
}
PROG(k_rb_output96) {
    __u32 zero = 0;
    char* s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s) return 0;
    s[0] = 1;
    bpf_ringbuf_output(&rb, s, 96, BPF_RB_NO_WAKEUP);
    return 0;
}
PROG(k_rb_output400) {
    __u32 zero = 0;
    char* s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s) return 0;
    s[0] = 1;
    bpf_ringbuf_output(&rb, s, 400, BPF_RB_NO_WAKEUP);
    return 0;
}
static long nop_cb(__u32 i, void* ctx) {
    return 0;
}
PROG(k_bpf_loop8) {
    bpf_loop(8, nop_cb, 0, 0);
    return 0;
}
PROG(k_read_kernel_str) {
    /* One path component: bpf_probe_read_kernel_str of the task's comm-sized name. */
    struct task_struct* t = bpf_get_current_task_btf();
    char buf[64];
    bpf_probe_read_kernel_str(buf, sizeof(buf), t->mm->exe_file->f_path.dentry->d_name.name);
    sink = buf[0];
    return 0;
}
