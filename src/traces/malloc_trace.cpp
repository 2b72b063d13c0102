#include "traces/malloc_trace.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "decode/builtin.hpp"

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

Result<std::string> read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("cannot read {}: {}", path, std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct Site {
    std::string path;
    int pid = -1;
};

Result<Site> libc_site(int pid) {
    std::string proc = pid < 0 ? "self" : std::to_string(pid);
    auto maps = read_text(fmt::format("/proc/{}/maps", proc));
    if (!maps) return maps.error();
    auto libc = find_libc_mapping(*maps);
    if (!libc) {
        if (pid < 0) return make_error("probelog itself maps no shared C library to find it from");
        return make_error(
            "process {} maps no shared C library (statically linked?): there is no malloc to probe",
            pid);
    }
    return Site{libc_attach_path(proc, *libc), pid};
}

}  // namespace

bool is_libc_file_name(std::string_view name) {
    if (name == "libc.so.6" || name == "libc.so") return true;
    if (name.starts_with("libc-") && name.ends_with(".so")) return true;  // glibc before 2.34
    return name.starts_with("libc.musl-") || name.starts_with("ld-musl-");
}

std::optional<LibcMapping> find_libc_mapping(std::string_view maps) {
    constexpr std::string_view kDeleted = " (deleted)";
    while (!maps.empty()) {
        size_t eol = maps.find('\n');
        std::string_view line = maps.substr(0, eol);
        maps.remove_prefix(eol == std::string_view::npos ? maps.size() : eol + 1);
        // address perms offset dev inode path: the path starts at the first '/'.
        size_t slash = line.find('/');
        size_t space = line.find(' ');
        if (slash == std::string_view::npos || space == std::string_view::npos || space > slash) {
            continue;
        }
        std::string_view path = line.substr(slash);
        bool deleted = path.ends_with(kDeleted);
        if (deleted) path.remove_suffix(kDeleted.size());
        std::string_view name = path.substr(path.rfind('/') + 1);
        if (!is_libc_file_name(name)) continue;
        return LibcMapping{std::string(path), std::string(line.substr(0, space)), deleted};
    }
    return std::nullopt;
}

std::string libc_attach_path(std::string_view proc, const LibcMapping& libc) {
    if (libc.deleted) return fmt::format("/proc/{}/map_files/{}", proc, libc.range);
    if (proc == "self") return libc.path;
    return fmt::format("/proc/{}/root{}", proc, libc.path);
}

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

    auto skel = context.runtime.open<pl_malloc>("malloc");
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
