/*
 * vfs: one event per path operation (open*, creat, unlink*, rename*, mkdir*,
 * rmdir, truncate, chmod/chown families, link*, symlink*), emitted when the
 * system call returns.
 *
 * The entry tracepoint filters first and keeps only the raw arguments per
 * thread (small, so the hash update is cheap); the exit tracepoint reads the
 * paths then. By then the kernel has copied them itself, so their pages are
 * resident and the reads do not fault.
 */
#include "pl/common.bpf.h"
#include "vfs.h"

#define AT_FDCWD -100
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000

struct vfs_pending {
    __u64 args[6];
    __u32 op;
    __s32 syscall_nr; /* the exit must belong to the same call */
    __u32 active;     /* between an entry and its exit */
    __u32 pad;
};

/* Task-local storage, not a hash map keyed by tid: a thread's slot is a pointer
 * walk from its task_struct (a get and a clear ~30 ns here, against ~230 ns for a
 * hash insert and delete; bench/kcost), and it goes with its thread, so a thread
 * that dies inside a call leaves nothing behind (no reaper needed). */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct vfs_pending);
} vfs_pending SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pl_vfs_event);
} vfs_scratch SEC(".maps");

/* openat2's argument (include/uapi/linux/openat2.h). */
struct pl_open_how {
    __u64 flags;
    __u64 mode;
    __u64 resolve;
};

/* Copies the call's `nargs` arguments (a constant). Reading past them would be
 * reading past the tracepoint's record, which the kernel refuses at attach. */
static __always_inline void copy_args(__u64* dst, struct trace_event_raw_sys_enter* ctx,
                                      int nargs) {
    /* Spelled out: a loop becomes arithmetic on the ctx pointer, which the verifier refuses. */
    if (nargs > 0) dst[0] = ctx->args[0];
    if (nargs > 1) dst[1] = ctx->args[1];
    if (nargs > 2) dst[2] = ctx->args[2];
    if (nargs > 3) dst[3] = ctx->args[3];
    if (nargs > 4) dst[4] = ctx->args[4];
    if (nargs > 5) dst[5] = ctx->args[5];
}

static __always_inline int on_enter(struct trace_event_raw_sys_enter* ctx, __u32 op, int nargs) {
    if (!pl_pass_filters()) return 0;
    /* The record's syscall number is an int: the upper half of ctx->id is padding. */
    struct vfs_pending* p = bpf_task_storage_get(&vfs_pending, bpf_get_current_task_btf(), 0,
                                                 BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!p) {
        pl_count_map_full(PL_TRACE_VFS);
        return 0;
    }
    p->op = op;
    p->syscall_nr = (__s32)ctx->id;
    copy_args(p->args, ctx, nargs);
    p->active = 1;
    return 0;
}

/* Reads a user string into dst; returns its length without the NUL. */
static __always_inline __u32 read_path(char* dst, __u64 src, struct pl_vfs_event* e,
                                       __u8 truncated_flag) {
    long n = bpf_probe_read_user_str(dst, PL_VFS_PATH_MAX, (const void*)src);
    if (n <= 0) {
        dst[0] = 0;
        e->flags |= PL_VFS_F_READ_FAULT;
        return 0;
    }
    if (n == PL_VFS_PATH_MAX) e->flags |= truncated_flag;
    return n - 1;
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit* ctx) {
    struct vfs_pending* pending =
        bpf_task_storage_get(&vfs_pending, bpf_get_current_task_btf(), 0, 0);
    if (!pending || !pending->active) return 0;
    struct vfs_pending p = *pending;
    pending->active = 0;
    if (p.syscall_nr != (__s32)ctx->id) return 0;

    __u32 zero = 0;
    struct pl_vfs_event* e = bpf_map_lookup_elem(&vfs_scratch, &zero);
    if (!e) return 0;
    e->operation = p.op;
    e->flags = 0;
    e->has_new_path = 0;
    e->new_path_len = 0;
    e->ret = ctx->ret;
    e->open_flags = 0;
    e->resolve = 0;
    e->mode = 0;
    e->length = 0;
    e->dirfd = AT_FDCWD;
    e->new_dirfd = AT_FDCWD;
    e->owner_uid = -1;
    e->owner_gid = -1;

    __u64 path = 0;
    __u64 new_path = 0;
    bool two_paths = false;
    switch (p.op) {
        case PL_VFS_OPENAT:
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            e->open_flags = (__u32)p.args[2];
            e->mode = (__u32)p.args[3];
            break;
        case PL_VFS_OPEN:
            path = p.args[0];
            e->open_flags = (__u32)p.args[1];
            e->mode = (__u32)p.args[2];
            break;
        case PL_VFS_OPENAT2: {
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            struct pl_open_how how = {};
            if (p.args[3] < sizeof(how) ||
                bpf_probe_read_user(&how, sizeof(how), (const void*)p.args[2]) != 0) {
                e->flags |= PL_VFS_F_READ_FAULT;
            }
            e->open_flags = how.flags;
            e->mode = how.mode;
            e->resolve = how.resolve;
            break;
        }
        case PL_VFS_CREAT:
            path = p.args[0];
            e->open_flags = O_CREAT | O_WRONLY | O_TRUNC;
            e->mode = (__u32)p.args[1];
            break;
        case PL_VFS_UNLINK:
        case PL_VFS_RMDIR:
            path = p.args[0];
            break;
        case PL_VFS_UNLINKAT:
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            e->open_flags = (__u32)p.args[2];
            break;
        case PL_VFS_RENAME:
        case PL_VFS_LINK:
        case PL_VFS_SYMLINK:
            path = p.args[0];
            new_path = p.args[1];
            two_paths = true;
            break;
        case PL_VFS_RENAMEAT:
        case PL_VFS_RENAMEAT2:
        case PL_VFS_LINKAT:
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            e->new_dirfd = (__s32)p.args[2];
            new_path = p.args[3];
            two_paths = true;
            if (p.op != PL_VFS_RENAMEAT) e->open_flags = (__u32)p.args[4];
            break;
        case PL_VFS_SYMLINKAT:
            path = p.args[0];
            e->new_dirfd = (__s32)p.args[1];
            new_path = p.args[2];
            two_paths = true;
            break;
        case PL_VFS_MKDIR:
        case PL_VFS_CHMOD:
            path = p.args[0];
            e->mode = (__u32)p.args[1];
            break;
        case PL_VFS_MKDIRAT:
        case PL_VFS_FCHMODAT:
        case PL_VFS_FCHMODAT2:
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            e->mode = (__u32)p.args[2];
            if (p.op == PL_VFS_FCHMODAT2) e->open_flags = (__u32)p.args[3];
            break;
        case PL_VFS_TRUNCATE:
            path = p.args[0];
            e->length = (__s64)p.args[1];
            break;
        case PL_VFS_CHOWN:
        case PL_VFS_LCHOWN:
            path = p.args[0];
            e->owner_uid = (__s32)p.args[1];
            e->owner_gid = (__s32)p.args[2];
            break;
        case PL_VFS_FCHOWNAT:
            e->dirfd = (__s32)p.args[0];
            path = p.args[1];
            e->owner_uid = (__s32)p.args[2];
            e->owner_gid = (__s32)p.args[3];
            e->open_flags = (__u32)p.args[4];
            break;
        default:
            return 0;
    }

    __u32 len = read_path(e->data, path, e, PL_VFS_F_PATH_TRUNCATED);
    e->path_len = len;
    __u32 size = __builtin_offsetof(struct pl_vfs_event, data) + len + 1;
    if (two_paths) {
        __u32 off = len + 1;
        if (off > PL_VFS_PATH_MAX) off = PL_VFS_PATH_MAX;
        __u32 len2 = read_path(&e->data[off], new_path, e, PL_VFS_F_NEW_PATH_TRUNCATED);
        e->has_new_path = 1;
        e->new_path_len = len2;
        size = __builtin_offsetof(struct pl_vfs_event, data) + off + len2 + 1;
    }
    if (size > sizeof(*e)) size = sizeof(*e);
    pl_fill_header(&e->hdr, PL_EVENT_VFS, PL_TRACE_VFS, size, 0);
    pl_output(&e->hdr, PL_TRACE_VFS, size);
    return 0;
}

/* One entry and one exit program per system call of PL_VFS_SYSCALLS
 * (schema/vfs.h); user space skips the system calls whose tracepoints this
 * kernel does not have. */
#define VFS_SYSCALL(ENUM, name, nargs, shape)                     \
    SEC("tp/syscalls/sys_enter_" #name)                           \
    int pl_vfs_in_##name(struct trace_event_raw_sys_enter* ctx) { \
        PL_FLOOR_GATE(0);                                         \
        return on_enter(ctx, PL_VFS_##ENUM, nargs);               \
    }                                                             \
    SEC("tp/syscalls/sys_exit_" #name)                            \
    int pl_vfs_out_##name(struct trace_event_raw_sys_exit* ctx) { \
        PL_FLOOR_GATE(0);                                         \
        return on_exit(ctx);                                      \
    }

PL_VFS_SYSCALLS(VFS_SYSCALL)
