#include "traces/malloc_trace.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "symbols/library.hpp"
#include "symbols/proc_maps.hpp"

namespace probelog {
namespace {

// Each probed function: its uprobe and (for allocations) its uretprobe program.
struct Probe {
    const char* function;
    const char* enter;
    const char* ret;  // nullptr: entry only
};
constexpr Probe kProbes[] = {
    {"malloc", "pl_malloc_enter", "pl_malloc_return"},
    {"calloc", "pl_calloc_enter", "pl_calloc_return"},
    {"realloc", "pl_realloc_enter", "pl_realloc_return"},
    {"free", "pl_free_enter", nullptr},
};

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

const TraceInfo& MallocTrace::static_info() {
    static const TraceInfo info{
        .name = "malloc",
        .summary =
            "malloc, calloc, realloc and free of the C library processes load (address, size), "
            "and mmap/munmap",
        .hooks =
            "uprobe+uretprobe:libc:{malloc,calloc,realloc}, uprobe:libc:free, "
            "tp:syscalls:sys_{enter,exit}_{mmap,munmap}",
        .id = PL_TRACE_MALLOC,
        .default_on = false,
    };
    return info;
}

Status MallocTrace::start(const bpf::Runtime& runtime, const TraceOptions& options) {
    // With --pid, the uprobes go into those processes only; otherwise into every
    // process that maps the C library probelog itself runs on.
    std::vector<Site> sites;
    if (options.uprobe_pids.empty()) {
        auto site = libc_site(-1);
        if (!site) return site.error();
        sites.push_back(*site);
    }
    for (uint32_t pid : options.uprobe_pids) {
        auto site = libc_site(static_cast<int>(pid));
        if (!site) return site.error();
        sites.push_back(*site);
    }

    auto obj = runtime.open("malloc");
    if (!obj) return obj.error();
    if (Status st = obj->load(runtime.verbose()); !st) return st;
    object_ = std::make_unique<bpf::Object>(std::move(*obj));
    auto links = object_->attach_all();  // the mmap/munmap tracepoints
    if (!links) return links.error();
    links_ = std::move(*links);

    for (const Site& site : sites) {
        for (const Probe& probe : kProbes) {
            bpf::UprobeTarget target{
                .binary_path = site.path, .pid = site.pid, .function = probe.function};
            // The return probe first: an entry without its return would leave a
            // pending entry behind for every call.
            if (probe.ret != nullptr) {
                target.retprobe = true;
                auto link = object_->attach_uprobe(probe.ret, target);
                if (!link) return link.error();
                links_.push_back(std::move(*link));
            }
            target.retprobe = false;
            auto link = object_->attach_uprobe(probe.enter, target);
            if (!link) return link.error();
            links_.push_back(std::move(*link));
        }
    }
    return {};
}

}  // namespace probelog
