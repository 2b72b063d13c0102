/* The vfs trace's event: one per path operation (open, unlink, rename, ...),
 * emitted when the system call returns. */
#ifndef PROBELOG_SCHEMA_VFS_H
#define PROBELOG_SCHEMA_VFS_H

#include "event_header.h"

#define PL_VFS_PATH_MAX 4096 /* bytes captured of one path, NUL included (PATH_MAX) */

/* Which fields an operation's record has (beyond path, ret and errors). */
enum pl_vfs_shape {
    PL_VFS_S_DIRFD = 1u << 0,     /* path is relative to dirfd */
    PL_VFS_S_NEW_PATH = 1u << 1,  /* a second path */
    PL_VFS_S_NEW_DIRFD = 1u << 2, /* ... relative to new_dirfd */
    PL_VFS_S_OPENS = 1u << 3,     /* returns a file descriptor */
    PL_VFS_S_FLAGS = 1u << 4,
    PL_VFS_S_MODE = 1u << 5,
    PL_VFS_S_OWNER = 1u << 6,
    PL_VFS_S_LENGTH = 1u << 7,
    PL_VFS_S_RESOLVE = 1u << 8,
};

/*
 * Every system call the vfs trace covers, declared once:
 * X(ENUM, name, argument count, shape). The enum (the record's `operation`,
 * whose values are fixed forever: append only; 0 is Fluent Bit's
 * VFS_OP_OPENAT), the BPF programs (pl_vfs_in_<name>, pl_vfs_out_<name>), the
 * trace's autoload switches and the decoder's table are all made from it.
 */
#define PL_VFS_SYSCALLS(X)                                                                         \
    X(OPENAT, openat, 4, PL_VFS_S_DIRFD | PL_VFS_S_OPENS | PL_VFS_S_FLAGS | PL_VFS_S_MODE)         \
    X(OPEN, open, 3, PL_VFS_S_OPENS | PL_VFS_S_FLAGS | PL_VFS_S_MODE)                              \
    X(OPENAT2, openat2, 4,                                                                         \
      PL_VFS_S_DIRFD | PL_VFS_S_OPENS | PL_VFS_S_FLAGS | PL_VFS_S_MODE | PL_VFS_S_RESOLVE)         \
    X(CREAT, creat, 2, PL_VFS_S_OPENS | PL_VFS_S_FLAGS | PL_VFS_S_MODE)                            \
    X(UNLINK, unlink, 1, 0)                                                                        \
    X(UNLINKAT, unlinkat, 3, PL_VFS_S_DIRFD | PL_VFS_S_FLAGS)                                      \
    X(RENAME, rename, 2, PL_VFS_S_NEW_PATH)                                                        \
    X(RENAMEAT, renameat, 4, PL_VFS_S_DIRFD | PL_VFS_S_NEW_PATH | PL_VFS_S_NEW_DIRFD)              \
    X(RENAMEAT2, renameat2, 5,                                                                     \
      PL_VFS_S_DIRFD | PL_VFS_S_NEW_PATH | PL_VFS_S_NEW_DIRFD | PL_VFS_S_FLAGS)                    \
    X(MKDIR, mkdir, 2, PL_VFS_S_MODE)                                                              \
    X(MKDIRAT, mkdirat, 3, PL_VFS_S_DIRFD | PL_VFS_S_MODE)                                         \
    X(RMDIR, rmdir, 1, 0)                                                                          \
    X(TRUNCATE, truncate, 2, PL_VFS_S_LENGTH)                                                      \
    X(CHMOD, chmod, 2, PL_VFS_S_MODE)                                                              \
    X(FCHMODAT, fchmodat, 3, PL_VFS_S_DIRFD | PL_VFS_S_MODE)                                       \
    X(FCHMODAT2, fchmodat2, 4, PL_VFS_S_DIRFD | PL_VFS_S_MODE | PL_VFS_S_FLAGS)                    \
    X(CHOWN, chown, 3, PL_VFS_S_OWNER)                                                             \
    X(LCHOWN, lchown, 3, PL_VFS_S_OWNER)                                                           \
    X(FCHOWNAT, fchownat, 5, PL_VFS_S_DIRFD | PL_VFS_S_OWNER | PL_VFS_S_FLAGS)                     \
    X(LINK, link, 2, PL_VFS_S_NEW_PATH)                                                            \
    X(LINKAT, linkat, 5, PL_VFS_S_DIRFD | PL_VFS_S_NEW_PATH | PL_VFS_S_NEW_DIRFD | PL_VFS_S_FLAGS) \
    X(SYMLINK, symlink, 2, PL_VFS_S_NEW_PATH)                                                      \
    X(SYMLINKAT, symlinkat, 3, PL_VFS_S_NEW_PATH | PL_VFS_S_NEW_DIRFD)

#define PL_VFS_OP_ENUM(ENUM, name, nargs, shape) PL_VFS_##ENUM,
enum pl_vfs_op { PL_VFS_SYSCALLS(PL_VFS_OP_ENUM) PL_VFS_OP_COUNT };
#undef PL_VFS_OP_ENUM
PL_STATIC_ASSERT(PL_VFS_OPENAT == 0 && PL_VFS_SYMLINKAT == 22 && PL_VFS_OP_COUNT == 23,
                 "vfs operation values are fixed forever: append only");

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
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_vfs_event, data) == 144,
                 "pl_vfs_event layout changed");

#endif
