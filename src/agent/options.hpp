#pragma once
// Everything a run is configured with, from the command line (and config file).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/settings.hpp"
#include "containers/selector.hpp"
#include "sinks/output_spec.hpp"

namespace probelog {

struct Options {
    std::vector<std::string> traces;  // empty: the default traces
    bool list_traces = false;
    std::vector<std::string> probe_list;  // --probe-list BIN [PATTERN]
    std::vector<uint32_t> pids;
    std::string comm;
    std::string cgroup;                         // a cgroup v2 directory
    containers::ContainerSelection containers;  // --container, --containers-only
    std::vector<std::string> command;           // -- CMD ARGS
    std::optional<std::chrono::nanoseconds> duration;
    std::optional<uint64_t> max_records;
    uint64_t ringbuf_size = 4u << 20;
    // --max-rate [TRACE=]N/s: records per second, by trace name ("": every trace).
    std::map<std::string, uint64_t> max_rate;
    uint32_t poll_ms = 100;
    // --control-socket: where `probelog ctl` reaches this agent; empty: the
    // default (/run/probelog/probelog.sock, skipped with a note when another
    // agent has it); "none": no control socket.
    std::string control_socket;
    // --policy, --policy-dir: policy files (docs/POLICIES.md), applied at
    // start and again when they change or on SIGHUP.
    std::vector<std::string> policy_files;
    std::vector<std::string> policy_dirs;
    std::vector<OutputSpec> outputs;  // empty: stdout, table on a terminal, else JSON lines
    bool verbose = false;
    // --hist: latency histograms (probes, io) at exit, and every hist_interval if set.
    bool hist = false;
    std::optional<std::chrono::nanoseconds> hist_interval;
    // Each trace's own settings (ExecSettings, IoSettings, ...), set by its options.
    TraceSettings settings;
    // Benchmarks only (probelog-bench-floor; no command-line option): every BPF
    // program returns at once, so a run costs only its hooks (PL_FILTER_FLOOR).
    bool bench_floor = false;
};

// The processes uprobe traces (malloc, --probe) attach in: the --pid ones; with
// -- CMD none (the command's descendants are not known yet: attach everywhere and
// let the kernel's followed-pid filter decide).
inline std::vector<uint32_t> uprobe_pids_for(const Options& o) {
    return o.command.empty() ? o.pids : std::vector<uint32_t>{};
}

}  // namespace probelog
