/*
 * The io trace's programs: file I/O system calls, entry and exit correlated per
 * thread. Compiled twice, as bpf/progs/io.bpf.c and io_compat.bpf.c (see pl/kread.bpf.h).
 *
 * Entry (tp/syscalls/sys_enter_*): the kernel filters (pid, comm, cgroup), then
 * the fd is resolved to its struct file through current->files, and the file's
 * type decides at once whether the call is kept (regular files only, unless
 * io_all_files): a skipped fd never creates a map entry. A kept call stores its
 * arguments and start time in io_inflight, keyed by thread id.
 *
 * Exit (tp/syscalls/sys_exit_*): the entry is looked up and deleted; calls faster
 * than io_min_latency_ns end there. The rest become one event (with the file's
 * path, walked from its dentry) or, in aggregate mode, are added to the current
 * (process, file) totals in io_agg0/io_agg1.
 *
 * A thread that dies between entry and exit has its entry deleted by
 * sched_process_exit, so io_inflight never holds entries of dead threads.
 *
 * Why tp/ and not tp_btf/: the per-syscall tracepoints are not raw tracepoints,
 * so tp_btf can only attach to raw_syscalls:sys_enter/sys_exit, which fire for
 * every system call of every task (and would need a switch on the syscall
 * number). tp/syscalls/sys_enter_read fires only for read. The task is reached
 * with bpf_get_current_task_btf() and CO-RE reads, so field offsets follow the
 * running kernel.
 */
#ifndef PROBELOG_BPF_IO_IMPL_BPF_H
#define PROBELOG_BPF_IO_IMPL_BPF_H

#include "pl/common.bpf.h"
#include "pl/kread.bpf.h"
#include "io.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define ANON_INODE_FS_MAGIC 0x09041934
#define O_APPEND 00002000
#define E2BIG 7
#define ENOMEM 12

/* Kernel structs are read with KREAD/KCAST (pl/kread.bpf.h): direct loads,
 * or bpf_probe_read_kernel in io_compat.bpf.c (PL_KREAD_PORTABLE). */

/* Set by user space before load. */
const volatile __u32 io_all_files = 0;      /* keep every fd type, not only regular files */
const volatile __u64 io_min_latency_ns = 0; /* calls faster than this are dropped at exit */
const volatile __u32 io_aggregate = 0;      /* sum into io_agg* instead of emitting events */

/* A call between entry and exit. */
struct io_inflight {
    __u64 start_ns;
    __u64 file; /* struct file *, compared with the fd table at exit */
    __u64 count;
    __s64 offset;
    __u64 ino;
    __u32 dev;
    __s32 fd;
    __u32 iovcnt;
    __u8 op;
    __u8 file_type;
    __u8 flags;
    __u8 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PL_IO_MAP_SIZE_DEFAULT); /* --io-map-size */
    __type(key, __u32);                          /* thread id */
    __type(value, struct io_inflight);
} io_inflight SEC(".maps");

struct io_scratch {
    struct pl_io_event ev;
    struct pl_io_agg_value agg;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct io_scratch);
} io_scratch SEC(".maps");

/* Aggregate mode: double-buffered (process, file) totals, see struct pl_io_agg_ctl. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1); /* sized by user space in aggregate mode */
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct pl_io_agg_key);
    __type(value, struct pl_io_agg_value);
} io_agg0 SEC(".maps"), io_agg1 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_io_agg_ctl);
} io_agg_ctl SEC(".maps");

static __always_inline struct io_scratch* scratch(void) {
    __u32 zero = 0;
    return bpf_map_lookup_elem(&io_scratch, &zero);
}

static __always_inline __u8 file_type_of(umode_t mode, struct super_block* sb) {
    switch (mode & S_IFMT) {
        case S_IFREG:
            /* Anonymous inodes (eventfd, epoll, ...) may carry S_IFREG. */
            return KREAD(sb, s_magic) == ANON_INODE_FS_MAGIC ? PL_IO_FILE_ANON : PL_IO_FILE_REGULAR;
        case S_IFDIR:
            return PL_IO_FILE_DIR;
        case S_IFCHR:
            return PL_IO_FILE_CHAR;
        case S_IFBLK:
            return PL_IO_FILE_BLOCK;
        case S_IFIFO:
            return PL_IO_FILE_FIFO;
        case S_IFSOCK:
            return PL_IO_FILE_SOCKET;
        case S_IFLNK:
            return PL_IO_FILE_SYMLINK;
        case 0:
            return PL_IO_FILE_ANON;
        default:
            return PL_IO_FILE_UNKNOWN;
    }
}

static __always_inline bool is_write_op(__u8 op) {
    return op == PL_IO_OP_WRITE || op == PL_IO_OP_PWRITE64 || op == PL_IO_OP_WRITEV ||
           op == PL_IO_OP_PWRITEV || op == PL_IO_OP_PWRITEV2;
}

static __always_inline bool is_vectored(__u8 op) {
    return op == PL_IO_OP_READV || op == PL_IO_OP_WRITEV || op == PL_IO_OP_PREADV ||
           op == PL_IO_OP_PWRITEV || op == PL_IO_OP_PREADV2 || op == PL_IO_OP_PWRITEV2;
}

struct iov_sum {
    const struct iovec* vec;
    __u64 total;
    bool fault;
};

static long add_iov(__u32 i, struct iov_sum* s) {
    struct iovec iov;
    if (bpf_probe_read_user(&iov, sizeof(iov), &s->vec[i & (PL_IO_IOV_SCAN_MAX - 1)]) != 0) {
        s->fault = true;
        return 1;
    }
    s->total += iov.iov_len;
    return 0;
}

/* Another probelog's I/O is its output: tracing it would make each of two
 * agents with the io trace report the other's records, which reports them,
 * forever. The self filter covers this process only; the name covers the rest. */
static __always_inline bool is_probelog_task(void) {
    struct task_struct* task = bpf_get_current_task_btf();
    const __u64* comm = (const __u64*)task->comm;
    /* "probelog\0" as two little-endian words: "probelog", then the NUL. */
    return comm[0] == 0x676f6c65626f7270ull && (comm[1] & 0xff) == 0;
}

static __always_inline int on_enter(struct trace_event_raw_sys_enter* ctx, __u8 op) {
    if (!pl_pass_filters() || is_probelog_task()) return 0;
    __s32 fd = (__s32)ctx->args[0];
    struct file* file = pl_fd_file(fd);
    if (!file) return 0;
    struct inode* inode = KREAD(file, f_inode);
    if (!inode) return 0;
    struct super_block* sb = KREAD(inode, i_sb);
    if (!sb) return 0;
    __u8 type = file_type_of(KREAD(inode, i_mode), sb);
    if (!io_all_files && type != PL_IO_FILE_REGULAR) return 0;

    struct io_inflight v = {
        .file = (__u64)file,
        .ino = KREAD(inode, i_ino),
        .dev = KREAD(sb, s_dev),
        .fd = fd,
        .op = op,
        .file_type = type,
    };
    bool seekable = type == PL_IO_FILE_REGULAR || type == PL_IO_FILE_BLOCK;
    switch (op) {
        case PL_IO_OP_FSYNC:
        case PL_IO_OP_FDATASYNC:
            break;
        case PL_IO_OP_PREAD64:
        case PL_IO_OP_PWRITE64:
        case PL_IO_OP_PREADV:
        case PL_IO_OP_PWRITEV:
        case PL_IO_OP_PREADV2:
        case PL_IO_OP_PWRITEV2:
            v.offset = (__s64)ctx->args[3];
            v.flags = PL_IO_F_HAS_OFFSET;
            /* preadv2/pwritev2 with offset -1 use (and move) the file position. */
            if (v.offset != -1) break;
            /* fallthrough */
        default:
            /* No offset argument: the file position at entry, where there is one. An
             * O_APPEND write goes to the end instead, known only at completion. */
            v.flags = 0;
            if (!seekable) break;
            if (is_write_op(op) && (KREAD(file, f_flags) & O_APPEND)) break;
            v.offset = KREAD(file, f_pos);
            v.flags = PL_IO_F_HAS_OFFSET | PL_IO_F_OFFSET_IS_POS;
    }
    if (is_vectored(op)) {
        __u64 vlen = ctx->args[2];
        struct iov_sum s = {.vec = (const struct iovec*)ctx->args[1]};
        bpf_loop(vlen < PL_IO_IOV_SCAN_MAX ? vlen : PL_IO_IOV_SCAN_MAX, add_iov, &s, 0);
        v.count = s.total;
        v.iovcnt = vlen > 0xffffffffu ? 0xffffffffu : (__u32)vlen;
        if (s.fault || vlen > PL_IO_IOV_SCAN_MAX) v.flags |= PL_IO_F_COUNT_PARTIAL;
    } else if (op != PL_IO_OP_FSYNC && op != PL_IO_OP_FDATASYNC) {
        v.count = ctx->args[2];
    }

    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    v.start_ns = bpf_ktime_get_ns();
    if (bpf_map_update_elem(&io_inflight, &tid, &v, BPF_ANY) != 0) pl_count_map_full(PL_TRACE_IO);
    return 0;
}

/* Walks from a dentry up to the root of the mount namespace, appending each
 * component's name (leaf first) to the scratch event or aggregate value. */
struct path_walk {
    struct dentry* dentry;
    struct dentry* mnt_root;
    struct mount* mnt;
    __u32 off;
    __u32 depth;
    bool agg;    /* write into the aggregate value, not the event */
    bool done;   /* reached the root, or a pseudo file's only dentry */
    bool pseudo; /* a dentry with no parent that is not a mount's root */
};

static __always_inline struct mount* real_mount(struct vfsmount* vfsmnt) {
    __u64 addr = (__u64)vfsmnt - bpf_core_field_offset(struct mount, mnt);
    return KCAST(addr, struct mount);
}

static __always_inline bool append_name(struct path_walk* w, struct dentry* d) {
    struct io_scratch* s = scratch();
    if (!s) return false;
    char* buf = w->agg ? s->agg.path : s->ev.path;
    if (w->off >= PL_IO_PATH_AREA || w->depth >= PL_IO_PATH_DEPTH_MAX) return false;
    const unsigned char* name = KREAD(d, d_name.name);
    long n = bpf_probe_read_kernel_str(&buf[w->off & (PL_IO_PATH_AREA - 1)], PL_IO_NAME_MAX, name);
    if (n <= 0) return false;
    w->off += n;
    w->depth++;
    return true;
}

static long walk_step(__u32 i, struct path_walk* w) {
    struct dentry* d = w->dentry;
    struct dentry* parent = KREAD(d, d_parent);
    if (d == w->mnt_root) {
        /* The top of this mount: continue from where it is mounted, unless it is
         * the root mount (its parent is itself). */
        struct mount* mnt = w->mnt; /* a local: CO-RE must not relocate w's own fields */
        struct mount* up = KREAD(mnt, mnt_parent);
        if (!up || up == mnt) {
            w->done = true;
            return 1;
        }
        w->dentry = KREAD(mnt, mnt_mountpoint);
        w->mnt = up;
        w->mnt_root = KREAD(up, mnt.mnt_root);
        return 0;
    }
    if (d == parent || !parent) {
        /* A dentry without a parent that is not a mount's root: a pseudo file
         * (pipe, socket, anon inode); its name is the whole story. */
        w->pseudo = true;
        if (append_name(w, d)) w->done = true;
        return 1;
    }
    if (!append_name(w, d)) return 1;
    w->dentry = parent;
    return 0;
}

/* Fills path[], path_len, path_depth and the PATH flags; returns the path bytes. */
static __always_inline __u32 capture_path(struct file* file, bool agg, __u8* flags, __u8* depth) {
    struct vfsmount* vfsmnt = KREAD(file, f_path.mnt);
    struct path_walk w = {
        .dentry = KREAD(file, f_path.dentry),
        .mnt_root = KREAD(vfsmnt, mnt_root),
        .mnt = real_mount(vfsmnt),
        .agg = agg,
    };
    bpf_loop(PL_IO_PATH_DEPTH_MAX + 8, walk_step, &w, 0);
    if (!w.done) *flags |= PL_IO_F_PATH_TRUNCATED;
    if (w.pseudo) *flags |= PL_IO_F_PATH_PSEUDO;
    *depth = w.depth;
    return w.off & (PL_IO_PATH_AREA * 2 - 1);
}

static __always_inline void agg_add_to(void* map, const struct pl_io_agg_key* key,
                                       const struct io_inflight* v, __s64 ret, __u64 latency) {
    struct pl_io_agg_value* a = bpf_map_lookup_elem(map, key);
    if (!a) {
        struct io_scratch* s = scratch();
        if (!s) return;
        struct pl_io_agg_value* n = &s->agg;
        __builtin_memset(n, 0, __builtin_offsetof(struct pl_io_agg_value, path));
        n->first_ns = bpf_ktime_get_boot_ns();
        bpf_get_current_comm(n->comm, sizeof(n->comm));
        n->file_type = v->file_type;
        __u8 flags = 0, depth = 0;
        __u32 len = 0;
        struct file* file = pl_fd_file(v->fd);
        if (file && (__u64)file == v->file) {
            len = capture_path(file, true, &flags, &depth);
        } else {
            flags = PL_IO_F_PATH_UNAVAILABLE;
        }
        s = scratch(); /* the callbacks looked it up again; keep the verifier's view simple */
        if (!s) return;
        s->agg.flags = flags;
        s->agg.path_depth = depth;
        s->agg.path_len = len;
        long err = bpf_map_update_elem(map, key, &s->agg, BPF_NOEXIST);
        if (err == -E2BIG || err == -ENOMEM) {
            pl_count_map_full(PL_TRACE_IO);
            return;
        }
        a = bpf_map_lookup_elem(map, key);
        if (!a) return;
    }
    if (v->op == PL_IO_OP_FSYNC || v->op == PL_IO_OP_FDATASYNC) {
        __sync_fetch_and_add(&a->syncs, 1);
    } else if (is_write_op(v->op)) {
        __sync_fetch_and_add(&a->writes, 1);
        if (ret > 0) __sync_fetch_and_add(&a->bytes_written, ret);
    } else {
        __sync_fetch_and_add(&a->reads, 1);
        if (ret > 0) __sync_fetch_and_add(&a->bytes_read, ret);
    }
    if (ret < 0) __sync_fetch_and_add(&a->errors, 1);
    __sync_fetch_and_add(&a->latency_sum_ns, latency);
    __u32 bucket = pl_log2_u64(latency);
    if (bucket >= PL_IO_HIST_BUCKETS) bucket = PL_IO_HIST_BUCKETS - 1;
    __sync_fetch_and_add(&a->hist[bucket], 1);
    for (int i = 0; i < 4; i++) {
        __u64 max = a->latency_max_ns;
        if (latency <= max) break;
        if (__sync_val_compare_and_swap(&a->latency_max_ns, max, latency) == max) break;
    }
}

static __always_inline void aggregate(const struct io_inflight* v, __s64 ret, __u64 latency) {
    __u32 zero = 0;
    struct pl_io_agg_ctl* ctl = bpf_map_lookup_elem(&io_agg_ctl, &zero);
    if (!ctl) return;
    struct pl_io_agg_key key = {
        .pid = bpf_get_current_pid_tgid() >> 32,
        .dev = v->dev,
        .ino = v->ino,
    };
    if (ctl->slot)
        agg_add_to(&io_agg1, &key, v, ret, latency);
    else
        agg_add_to(&io_agg0, &key, v, ret, latency);
}

static __always_inline void emit(const struct io_inflight* v, __s64 ret, __u64 latency) {
    struct io_scratch* s = scratch();
    if (!s) return;
    struct pl_io_event* e = &s->ev;
    e->ret = ret;
    e->count = v->count;
    e->offset = v->offset;
    e->latency_ns = latency;
    e->ino = v->ino;
    e->dev = v->dev;
    e->fd = v->fd;
    e->iovcnt = v->iovcnt;
    e->op = v->op;
    e->file_type = v->file_type;
    __u8 flags = v->flags, depth = 0;
    __u32 len = 0;
    /* The syscall no longer holds the file: use it only if the fd still does. */
    struct file* file = pl_fd_file(v->fd);
    if (file && (__u64)file == v->file) {
        len = capture_path(file, false, &flags, &depth);
    } else {
        flags |= PL_IO_F_PATH_UNAVAILABLE;
    }
    s = scratch();
    if (!s) return;
    e = &s->ev;
    e->flags = flags;
    e->path_depth = depth;
    e->path_len = len;
    __u32 size = __builtin_offsetof(struct pl_io_event, path) + len;
    if (size > sizeof(*e)) size = sizeof(*e);
    pl_fill_header(&e->hdr, PL_EVENT_IO, PL_TRACE_IO, size, 0);
    pl_output(&e->hdr, PL_TRACE_IO, size);
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit* ctx) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct io_inflight* p = bpf_map_lookup_elem(&io_inflight, &tid);
    if (!p) return 0;
    __u64 latency = bpf_ktime_get_ns() - p->start_ns;
    if (latency < io_min_latency_ns) {
        bpf_map_delete_elem(&io_inflight, &tid);
        return 0;
    }
    /* A copy: a deleted preallocated element can be reused at once by another cpu. */
    struct io_inflight v = *p;
    bpf_map_delete_elem(&io_inflight, &tid);
    if (io_aggregate)
        aggregate(&v, ctx->ret, latency);
    else
        emit(&v, ctx->ret, latency);
    return 0;
}

#define IO_SYSCALL(ENUM, name)                                      \
    SEC("tp/syscalls/sys_enter_" #name)                             \
    int pl_io_enter_##name(struct trace_event_raw_sys_enter* ctx) { \
        PL_FLOOR_GATE(0);                                           \
        return on_enter(ctx, PL_IO_OP_##ENUM);                      \
    }                                                               \
    SEC("tp/syscalls/sys_exit_" #name)                              \
    int pl_io_exit_##name(struct trace_event_raw_sys_exit* ctx) {   \
        PL_FLOOR_GATE(0);                                           \
        return on_exit(ctx);                                        \
    }

PL_IO_SYSCALLS(IO_SYSCALL)

/* A thread that dies inside a call (or entered one while the exit hooks were not
 * yet attached) never reaches sys_exit: drop its entry. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pl_io_reap, struct task_struct* task) {
    PL_FLOOR_GATE(0);
    __u32 tid = task->pid;
    bpf_map_delete_elem(&io_inflight, &tid);
    return 0;
}

#endif
