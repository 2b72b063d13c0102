/* The exec trace's event: one per execve/execveat attempt, emitted when the call returns. */
#ifndef PROBELOG_SCHEMA_EXEC_H
#define PROBELOG_SCHEMA_EXEC_H

#include "event_header.h"

#define PL_EXEC_FILENAME_MAX 512   /* filename bytes captured, NUL included */
#define PL_EXEC_ARG_MAX 1024       /* bytes captured of one argument, NUL included */
#define PL_EXEC_ARGV_LAST_MAX 256  /* bytes captured of the last argument */
#define PL_EXEC_ARGS_AREA 4096     /* filename + arguments stop growing past this */
#define PL_EXEC_DATA_MAX 8192      /* room for the worst case past PL_EXEC_ARGS_AREA */
#define PL_EXEC_ARGS_COUNT_MAX 128 /* upper bound of --exec-args */
#define PL_EXEC_ARGC_SCAN_MAX 1024 /* a failed exec's argc is counted up to this */

enum pl_exec_flags {
    PL_EXEC_F_FILENAME_TRUNCATED = 1u << 0,
    PL_EXEC_F_ARGS_TRUNCATED = 1u << 1, /* fewer args captured than passed, or one cut */
    PL_EXEC_F_ARGV_LAST_TRUNCATED = 1u << 2,
    PL_EXEC_F_ARGC_CAPPED = 1u << 3, /* argc stopped counting at PL_EXEC_ARGC_SCAN_MAX */
    PL_EXEC_F_READ_FAULT = 1u << 4,  /* user memory could not be read */
    /* argv_last is the last element of args (argv_last_len is 0). */
    PL_EXEC_F_ARGV_LAST_IS_LAST_ARG = 1u << 5,
    /* argv_last holds the bytes just before the end of the argument block:
     * the last argument is what follows its last NUL. */
    PL_EXEC_F_ARGV_LAST_WINDOW = 1u << 6,
};

enum pl_exec_syscall {
    PL_EXEC_SYSCALL_EXECVE = 0,
    PL_EXEC_SYSCALL_EXECVEAT = 1,
};

/*
 * data[] holds, back to back:
 *   filename (filename_len bytes + NUL)
 *   arguments (args_len bytes): NUL-terminated strings; args_count of them
 *   the last argument (argv_last_len bytes + NUL), see the ARGV_LAST flags
 * header.size = offsetof(data) + filename_len + 1 + args_len + argv_last_len + 1.
 */
struct pl_exec_event {
    struct pl_event_header hdr;
    __s32 error_raw;  /* 0 on success, else the positive errno */
    __u32 argc;       /* arguments passed (exact on success, from the kernel) */
    __u32 args_count; /* arguments captured in data[] */
    __u16 filename_len;
    __u16 args_len;
    __u16 argv_last_len;
    __u8 flags;   /* enum pl_exec_flags */
    __u8 syscall; /* enum pl_exec_syscall */
    __s32 dirfd;  /* execveat only */
    __u32 at_flags;
    char data[PL_EXEC_DATA_MAX];
};
PL_STATIC_ASSERT(__builtin_offsetof(struct pl_exec_event, data) == 108,
                 "pl_exec_event layout changed");

#endif
