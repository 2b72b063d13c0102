/* The vfs trace's event: one per path operation (open, unlink, rename, ...),
 * emitted when the system call returns. */
#ifndef PROBELOG_SCHEMA_VFS_H
#define PROBELOG_SCHEMA_VFS_H

#include "event_header.h"

#define PL_VFS_PATH_MAX 4096 /* bytes captured of one path, NUL included (PATH_MAX) */

/* The record's `operation`: one value per system call, fixed forever (append
 * only). 0 is Fluent Bit's VFS_OP_OPENAT. */
enum pl_vfs_op {
    PL_VFS_OPENAT = 0,
    PL_VFS_OPEN = 1,
    PL_VFS_OPENAT2 = 2,
    PL_VFS_CREAT = 3,
    PL_VFS_UNLINK = 4,
    PL_VFS_UNLINKAT = 5,
    PL_VFS_RENAME = 6,
    PL_VFS_RENAMEAT = 7,
    PL_VFS_RENAMEAT2 = 8,
    PL_VFS_MKDIR = 9,
    PL_VFS_MKDIRAT = 10,
    PL_VFS_RMDIR = 11,
    PL_VFS_TRUNCATE = 12,
    PL_VFS_CHMOD = 13,
    PL_VFS_FCHMODAT = 14,
    PL_VFS_FCHMODAT2 = 15,
    PL_VFS_CHOWN = 16,
    PL_VFS_LCHOWN = 17,
    PL_VFS_FCHOWNAT = 18,
    PL_VFS_LINK = 19,
    PL_VFS_LINKAT = 20,
    PL_VFS_SYMLINK = 21,
    PL_VFS_SYMLINKAT = 22,
    PL_VFS_OP_COUNT = 23,
};

enum pl_vfs_flags {
    PL_VFS_F_PATH_TRUNCATED = 1u << 0,
    PL_VFS_F_NEW_PATH_TRUNCATED = 1u << 1,
    PL_VFS_F_READ_FAULT = 1u << 2, /* a path or openat2's open_how could not be read */
};

/*
 * data[] holds the path (path_len bytes + NUL) and, for two-path operations
 * (rename*, link*, symlink*), the second path (new_path_len bytes + NUL).
 * header.size = offsetof(data) + path_len + 1 + (new_path_len + 1 if two paths).
 * Fields an operation does not have are 0 (dirfds: AT_FDCWD when implied).
 */
struct pl_vfs_event {
    struct pl_event_header hdr;
    __u16 operation; /* enum pl_vfs_op */
    __u16 path_len;
    __u16 new_path_len;
    __u8 flags; /* enum pl_vfs_flags */
    __u8 has_new_path;
    __s64 ret;        /* the system call's return value (fd, 0, or -errno) */
    __u64 open_flags; /* open flags, or the AT_ and RENAME_ flags of the *at calls */
    __u64 resolve;    /* openat2: open_how.resolve */
    __u64 mode;       /* open/mkdir/chmod mode */
    __s64 length;     /* truncate */
    __s32 dirfd;      /* the directory a relative path is resolved against */
    __s32 new_dirfd;  /* renameat*, linkat, symlinkat: the same for new_path */
    __s32 owner_uid;  /* chown family: -1 leaves it unchanged */
    __s32 owner_gid;
    char data[2 * PL_VFS_PATH_MAX];
};
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_vfs_event, data) == 136,
                 "pl_vfs_event layout changed");

#endif
