/*
 * The io trace: file I/O system calls (read/write families, fsync), entry and exit
 * correlated per thread. One pl_io_event per completed call; in aggregate mode the
 * calls are summed per (process, file) in a map (pl_io_agg_key -> pl_io_agg_value)
 * that user space reads periodically instead.
 */
#ifndef PROBELOG_SCHEMA_IO_H
#define PROBELOG_SCHEMA_IO_H

#include "event_header.h"

#define PL_IO_PATH_AREA 512     /* path components stop being added past this many bytes */
#define PL_IO_NAME_MAX 256      /* bytes captured of one component, NUL included */
#define PL_IO_PATH_DEPTH_MAX 32 /* components walked up from the file */
#define PL_IO_PATH_MAX (PL_IO_PATH_AREA + PL_IO_NAME_MAX)
#define PL_IO_HIST_BUCKETS 32 /* log2 latency buckets: [2^i, 2^(i+1)) ns; the last is open */
#define PL_IO_IOV_SCAN_MAX 64 /* iovecs summed into `count` for readv/writev/... */
#define PL_IO_MAP_SIZE_DEFAULT 10240

/* The system call. Values are fixed forever (append only). */
/* Every system call the io trace covers, declared once: X(ENUM, name). The
 * enum (the record's operation; values fixed: append only), the BPF programs
 * (pl_io_enter_<name>, pl_io_exit_<name>), the trace's attach order and the
 * decoder's names are made from it. */
/* clang-format off */
#define PL_IO_SYSCALLS(X)                                                     \
    X(READ, read) X(WRITE, write) X(PREAD64, pread64) X(PWRITE64, pwrite64)   \
    X(READV, readv) X(WRITEV, writev) X(PREADV, preadv) X(PWRITEV, pwritev)   \
    X(PREADV2, preadv2) X(PWRITEV2, pwritev2) X(FSYNC, fsync)                 \
    X(FDATASYNC, fdatasync)
/* clang-format on */

#define PL_IO_OP_ENUM(ENUM, name) PL_IO_OP_##ENUM,
enum pl_io_op { PL_IO_SYSCALLS(PL_IO_OP_ENUM) PL_IO_OP_COUNT };
#undef PL_IO_OP_ENUM
PL_STATIC_ASSERT(PL_IO_OP_READ == 0 && PL_IO_OP_FDATASYNC == 11 && PL_IO_OP_COUNT == 12,
                 "io operation values are fixed: append only");

/* What the fd refers to (from the inode's mode; anon inodes by their filesystem). */
enum pl_io_file_type {
    PL_IO_FILE_UNKNOWN = 0,
    PL_IO_FILE_REGULAR = 1,
    PL_IO_FILE_DIR = 2,
    PL_IO_FILE_CHAR = 3,
    PL_IO_FILE_BLOCK = 4,
    PL_IO_FILE_FIFO = 5, /* pipes and FIFOs */
    PL_IO_FILE_SOCKET = 6,
    PL_IO_FILE_SYMLINK = 7,
    PL_IO_FILE_ANON = 8, /* anon_inode: eventfd, epoll, timerfd, signalfd, ... */
    PL_IO_FILE_TYPE_COUNT = 9,
};

enum pl_io_flags {
    PL_IO_F_HAS_OFFSET = 1u << 0,     /* `offset` is meaningful */
    PL_IO_F_OFFSET_IS_POS = 1u << 1,  /* ... and is the file position at entry (no offset arg) */
    PL_IO_F_PATH_TRUNCATED = 1u << 2, /* the walk stopped before the root: leading parts missing */
    PL_IO_F_PATH_UNAVAILABLE = 1u << 3, /* the fd no longer held the file at exit: no path */
    PL_IO_F_COUNT_PARTIAL = 1u << 4,    /* vectored call: count sums only the iovecs read */
    PL_IO_F_PATH_PSEUDO = 1u << 5,      /* a file with no place in the tree (pipe, socket, anon
                                           inode, memfd): path[] is its one dentry name */
};

/*
 * path[] holds the path's components from the file up towards the root, each
 * NUL-terminated ("name\0dir\0parent\0"): path_depth of them, path_len bytes in
 * all. Without PL_IO_F_PATH_TRUNCATED the last one is just below the root of the
 * mount namespace. Pipes and sockets have one empty component (user space shows
 * "pipe:[ino]" / "socket:[ino]").
 * header.size = offsetof(path) + path_len.
 */
struct pl_io_event {
    struct pl_event_header hdr;
    __s64 ret;        /* bytes transferred, or -errno */
    __u64 count;      /* bytes requested (sum of the iovecs for vectored calls) */
    __s64 offset;     /* see PL_IO_F_HAS_OFFSET */
    __u64 latency_ns; /* from syscall entry to exit */
    __u64 ino;        /* inode number */
    __u32 dev;        /* the filesystem's device, kernel encoding (major << 20 | minor) */
    __s32 fd;
    __u32 iovcnt; /* vectored calls: iovecs passed */
    __u8 op;      /* enum pl_io_op */
    __u8 file_type;
    __u8 flags; /* enum pl_io_flags */
    __u8 path_depth;
    __u16 path_len;
    __u8 pad[6];
    char path[PL_IO_PATH_MAX];
};
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_io_event, path) == 144, "pl_io_event layout changed");

/* Aggregate mode: one entry per (process, file) per interval. */
struct pl_io_agg_key {
    __u32 pid; /* process id (tgid) */
    __u32 dev;
    __u64 ino;
};
PL_STATIC_ASSERT(sizeof(struct pl_io_agg_key) == 16, "pl_io_agg_key layout changed");

struct pl_io_agg_value {
    __u64 reads;  /* read-family calls */
    __u64 writes; /* write-family calls */
    __u64 syncs;  /* fsync/fdatasync calls */
    __u64 errors; /* calls that returned an error */
    __u64 bytes_read;
    __u64 bytes_written;
    __u64 latency_sum_ns;
    __u64 latency_max_ns;
    __u64 hist[PL_IO_HIST_BUCKETS]; /* calls per log2 latency bucket */
    __u64 first_ns;                 /* bpf_ktime_get_boot_ns() of the first call */
    char comm[PL_COMM_LEN];         /* of the thread that made the first call */
    __u8 file_type;
    __u8 flags; /* the PL_IO_F_PATH_* flags */
    __u8 path_depth;
    __u8 pad0;
    __u16 path_len;
    __u8 pad[2];
    char path[PL_IO_PATH_MAX]; /* as in pl_io_event, from the first call */
};
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_io_agg_value, path) == 352,
                 "pl_io_agg_value layout changed");

/* The aggregate maps are double-buffered: BPF adds to pl_io_agg[slot]; user space
 * flips the slot, lets in-flight updates finish, then reads and clears the other. */
struct pl_io_agg_ctl {
    __u32 slot; /* 0 or 1 */
    __u32 pad;
};

#endif
