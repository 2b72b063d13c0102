// The vfs trace: path operations (open*, creat, unlink*, rename*, mkdir*,
// rmdir, truncate, chmod/chown families, link*, symlink*) from their syscall
// tracepoints; the list is PL_VFS_SYSCALLS in schema/vfs.h.
#include "bpf/system.hpp"
#include "decode/builtin.hpp"
#include "traces/trace.hpp"

extern "C" {
#include "vfs.h"
}
#include "vfs.skel.h"

namespace probelog {
namespace {

constexpr EventDef kEvents[] = {{PL_EVENT_VFS, "vfs", &decode::decode_vfs}};

// A system call this kernel or architecture lacks (openat2 before 5.6,
// fchmodat2 before 6.6, open/rename/... on arm64) is simply not traced.
Status skip_missing_syscalls(bpf::Skeleton<pl_vfs>& skel, const TraceContext& /*context*/) {
    bpf::Object& obj = skel.object();
#define PL_VFS_AUTOLOAD(ENUM, name, nargs, shape)                  \
    if (!bpf::tracepoint_exists("syscalls", "sys_enter_" #name)) { \
        obj.set_autoload(skel->progs.pl_vfs_in_##name, false);     \
        obj.set_autoload(skel->progs.pl_vfs_out_##name, false);    \
    }
    PL_VFS_SYSCALLS(PL_VFS_AUTOLOAD)
#undef PL_VFS_AUTOLOAD
    return {};
}

}  // namespace

extern const TraceDef vfs_trace{
    .info =
        {
            .name = "vfs",
            .summary =
                "path operations with their result: open, openat, openat2, creat, unlink(at), "
                "rename(at,at2), mkdir(at), rmdir, truncate, chmod, fchmodat(2), chown, lchown, "
                "fchownat, link(at), symlink(at)",
            .hooks = "tp:syscalls:sys_{enter,exit}_<each of those>",
            .id = PL_TRACE_VFS,
            .default_on = false,
        },
    .events = kEvents,
    .make = &make_skeleton_trace<pl_vfs, vfs_trace, &skip_missing_syscalls>,
};

}  // namespace probelog
