#include "traces/vfs_trace.hpp"

#include <array>
#include <string>

#include "bpf/system.hpp"

namespace probelog {
namespace {

// Every system call bpf/progs/vfs.bpf.c has a pair of programs for
// (pl_vfs_in_<name>, pl_vfs_out_<name>).
constexpr std::array<std::string_view, 23> kSyscalls = {
    "openat",    "open",   "openat2",  "creat", "unlink",   "unlinkat", "rename",    "renameat",
    "renameat2", "mkdir",  "mkdirat",  "rmdir", "truncate", "chmod",    "fchmodat",  "fchmodat2",
    "chown",     "lchown", "fchownat", "link",  "linkat",   "symlink",  "symlinkat",
};

}  // namespace

const TraceInfo& VfsTrace::static_info() {
    static const TraceInfo info{
        .name = "vfs",
        .summary =
            "path operations with their result: open, openat, openat2, creat, unlink(at), "
            "rename(at,at2), mkdir(at), rmdir, truncate, chmod, fchmodat(2), chown, lchown, "
            "fchownat, link(at), symlink(at)",
        .hooks = "tp:syscalls:sys_{enter,exit}_<each of those>",
        .id = PL_TRACE_VFS,
        .default_on = false,
    };
    return info;
}

Status VfsTrace::start(const bpf::Runtime& runtime, const TraceOptions& /*options*/) {
    return start_object(runtime, "vfs", [&](bpf::Object& obj) -> Status {
        // A system call this kernel or architecture lacks (openat2 before 5.6,
        // fchmodat2 before 6.6, open/rename/... on arm64) is simply not traced.
        for (std::string_view name : kSyscalls) {
            std::string enter = "sys_enter_" + std::string(name);
            if (bpf::tracepoint_exists("syscalls", enter)) continue;
            for (const char* prefix : {"pl_vfs_in_", "pl_vfs_out_"}) {
                if (Status st = obj.set_autoload(prefix + std::string(name), false); !st) return st;
            }
        }
        return {};
    });
}

}  // namespace probelog
