#include "traces/malloc_trace.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include "decode/builtin.hpp"
#include "symbols/library.hpp"
#include "symbols/proc_maps.hpp"

extern "C" {
#include "malloc.h"
}
#include "malloc.skel.h"

namespace probelog {
namespace {

// Each probed function: its uprobe and (for allocations) its uretprobe program.
struct Probe {
    const char* function;
    bpf_program* enter;
    bpf_program* ret;  // nullptr: entry only
};

constexpr EventDef kEvents[] = {{PL_EVENT_MALLOC, "malloc", &decode::decode_malloc}};

struct Site {
    std::string path;
    int pid = -1;
};

// The C library of process `pid` (-1: probelog's own), found and reached as
// --probe 'libc:...' finds and reaches a library (symbols/proc_maps).
Result<Site> libc_site(int pid) {
    int proc = pid < 0 ? static_cast<int>(::getpid()) : pid;
    auto maps = symbols::read_proc_maps(proc);
    if (!maps) return maps.error();
    auto libc = symbols::mapped_library_paths(proc, *maps, symbols::is_libc_file_name);
    if (libc.empty()) {
        if (pid < 0) return make_error("probelog itself maps no shared C library to find it from");
        return make_error(
            "process {} maps no shared C library (statically linked?): there is no malloc to probe",
            pid);
    }
    return Site{libc.front(), pid};
}

}  // namespace

extern const TraceDef malloc_trace{
    .info =
        {
            .name = "malloc",
            .summary = "malloc, calloc, realloc and free of the C library processes load "
                       "(address, size), and mmap/munmap",
            .hooks = "uprobe+uretprobe:libc:{malloc,calloc,realloc}, uprobe:libc:free, "
                     "tp:syscalls:sys_{enter,exit}_{mmap,munmap}",
            .id = PL_TRACE_MALLOC,
            .default_on = false,
        },
    .events = kEvents,
    .make = []() -> std::unique_ptr<Trace> { return std::make_unique<MallocTrace>(); },
};

const TraceInfo& MallocTrace::info() const {
    return malloc_trace.info;
}

Status MallocTrace::start(const TraceContext& context) {
    // With --pid, the uprobes go into those processes only; otherwise into every
    // process that maps the C library probelog itself runs on.
    std::vector<Site> sites;
    if (context.uprobe_pids.empty()) {
        auto site = libc_site(-1);
        if (!site) return site.error();
        sites.push_back(*site);
    }
    for (uint32_t pid : context.uprobe_pids) {
        auto site = libc_site(static_cast<int>(pid));
        if (!site) return site.error();
        sites.push_back(*site);
    }

    auto skel = context.runtime.open<pl_malloc>("malloc", PL_TRACE_MALLOC);
    if (!skel) return skel.error();
    if (Status st = skel->object().load(context.runtime.verbose()); !st) return st;
    const auto& progs = (*skel)->progs;
    const Probe probes[] = {
        {"malloc", progs.pl_malloc_enter, progs.pl_malloc_return},
        {"calloc", progs.pl_calloc_enter, progs.pl_calloc_return},
        {"realloc", progs.pl_realloc_enter, progs.pl_realloc_return},
        {"free", progs.pl_free_enter, nullptr},
    };
    object_.emplace(std::move(skel->object()));
    if (Status st = object_->attach_all(); !st) return st;  // the mmap/munmap tracepoints

    for (const Site& site : sites) {
        for (const Probe& probe : probes) {
            bpf::UprobeTarget target{
                .binary_path = site.path, .pid = site.pid, .function = probe.function};
            // The return probe first: an entry without its return would leave a
            // pending entry behind for every call.
            if (probe.ret != nullptr) {
                target.retprobe = true;
                if (Status st = object_->attach_uprobe(probe.ret, target); !st) return st;
            }
            target.retprobe = false;
            if (Status st = object_->attach_uprobe(probe.enter, target); !st) return st;
        }
    }
    return {};
}

}  // namespace probelog
