#include "agent/run_options.hpp"

#include <fmt/format.h>

#include "agent/options.hpp"
#include "common/parse.hpp"
#include "traces/probe_trace.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

constexpr uint64_t kMaxPid = 4194304;  // PID_MAX_LIMIT

constexpr uint64_t kMaxRate = 1000000000;

// --max-rate [TRACE=]N/s. A probe's budget is its own (the trace's is not
// shared between probes): it is the probes' default `rate N/s` clause.
Status apply_max_rate(std::string_view value, Options& o) {
    std::string_view trace;
    std::string_view rate = value;
    if (size_t eq = value.find('='); eq != std::string_view::npos) {
        trace = value.substr(0, eq);
        rate = value.substr(eq + 1);
        if (find_trace(trace) == nullptr) {
            return make_error(ErrorKind::Usage,
                              "--max-rate '{}': no trace '{}' (probelog --list-traces lists them)",
                              value, trace);
        }
    }
    std::optional<uint64_t> n;
    if (rate.size() > 2 && rate.ends_with("/s")) {
        if (auto parsed = parse_uint(rate.substr(0, rate.size() - 2))) n = *parsed;
    }
    if (!n || *n == 0 || *n > kMaxRate) {
        return make_error(ErrorKind::Usage,
                          "--max-rate '{}': expected [TRACE=]N/s with N from 1 to {}, as in "
                          "--max-rate malloc=10000/s",
                          value, kMaxRate);
    }
    std::string name(trace.empty() ? "" : find_trace(trace)->name);
    o.max_rate[name] = *n;
    if (name == "probe" || (name.empty() && !o.max_rate.contains("probe")))
        o.settings.get<ProbeSettings>().default_rate_per_s = *n;
    return {};
}

constexpr OptionDef kRunOptions[] = {
    {.flag = "--pid",
     .short_flag = "-p",
     .value = "PID",
     .help = "Only this process (repeatable), filtered in the kernel",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto pid = parse_uint(value);
         if (!pid || *pid == 0 || *pid > kMaxPid) {
             return make_error(ErrorKind::Usage,
                               "'{}' is not a process id (expected a number such as 1234)", value);
         }
         o.pids.push_back(static_cast<uint32_t>(*pid));
         return {};
     },
     .list = true,
     .commas = true},
    {.flag = "--comm",
     .value = "NAME",
     .help = "Only tasks with this command name, filtered in the kernel",
     .apply = [](std::string_view value, Options& o) -> Status {
         if (value.size() > 15) {
             return make_error(ErrorKind::Usage,
                               "'{}' is longer than the 15 characters the kernel keeps of a "
                               "command name: use '{}'",
                               value, value.substr(0, 15));
         }
         o.comm = value;
         return {};
     }},
    {.flag = "--cgroup",
     .value = "PATH",
     .help = "Only tasks in this cgroup v2 directory or below it, filtered in the kernel",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.cgroup = value;
         return {};
     }},
    {.flag = "--container",
     .value = "NAME|ID",
     .help = "Only tasks of this container (repeatable; a name, or an id or its prefix), "
             "filtered in the kernel by the container's cgroup; one started later is followed",
     .apply = [](std::string_view value, Options& o) -> Status {
         if (Status st = containers::check_container_selector(value); !st) return st;
         o.containers.names_or_ids.emplace_back(value);
         return {};
     },
     .list = true,
     .commas = true},
    {.flag = "--containers-only",
     .help = "Only tasks that run in a container (docker, podman, containerd, cri-o), "
             "filtered in the kernel",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.containers.containers_only = value == "true";
         return {};
     }},
    {.flag = "--ringbuf-size",
     .value = "SIZE",
     .help = "Each trace's kernel ring buffer size, rounded up to a power of two (default 4M)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto n = parse_size(value);
         if (!n || *n < 4096 || *n > (1ULL << 30)) {
             return make_error(ErrorKind::Usage, "'{}' is not a size from 4K to 1G", value);
         }
         o.ringbuf_size = *n;
         return {};
     }},
    {.flag = "--max-rate",
     .value = "[TRACE=]N/s",
     .help = "At most N records per second of TRACE (of each trace without TRACE=; of each "
             "probe for probe=), dropped in the kernel past it and counted as throttled "
             "(repeatable)",
     .apply = apply_max_rate,
     .list = true,
     .commas = true},
    {.flag = "--poll-ms",
     .value = "MS",
     .help = "Longest wait between ring buffer drains, in ms (default 100)",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto n = parse_uint(value);
         if (!n || *n == 0 || *n > 60000) {
             return make_error(ErrorKind::Usage,
                               "'{}' is not a number of milliseconds from 1 to 60000", value);
         }
         o.poll_ms = static_cast<uint32_t>(*n);
         return {};
     }},
    {.flag = "--control-socket",
     .value = "PATH",
     .help = "Where `probelog ctl` reaches this agent (default /run/probelog/probelog.sock; "
             "none: no control socket)",
     .apply = [](std::string_view value, Options& o) -> Status {
         if (value.empty() || (value != "none" && !value.starts_with("/"))) {
             return make_error(ErrorKind::Usage,
                               "'{}' is not an absolute path (or none for no control socket)",
                               value);
         }
         o.control_socket = value;
         return {};
     }},
    {.flag = "--policy",
     .value = "FILE",
     .help = "Traces and probes from a policy file (repeatable; docs/POLICIES.md), applied "
             "again when it changes or on SIGHUP",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.policy_files.emplace_back(value);
         return {};
     },
     .list = true},
    {.flag = "--policy-dir",
     .value = "DIR",
     .help = "Every *.yaml policy file in DIR (repeatable; a Kubernetes ConfigMap mount), "
             "applied again when one changes or on SIGHUP",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.policy_dirs.emplace_back(value);
         return {};
     },
     .list = true},
    {.flag = "--hist",
     .help = "Print a log2 histogram of each --probe's and each io operation's latency at exit "
             "(to stderr)",
     .apply = [](std::string_view value, Options& o) -> Status {
         o.hist = value == "true";
         return {};
     }},
    {.flag = "--hist-interval",
     .value = "TIME",
     .help = "Also print the histograms every TIME (5s, 500ms), cumulative since the start; "
             "implies --hist",
     .apply = [](std::string_view value, Options& o) -> Status {
         auto d = parse_duration(value);
         if (!d || d->count() <= 0) {
             return make_error(ErrorKind::Usage,
                               "'{}' is not a positive duration (examples: 500ms, 5s, 1m)", value);
         }
         o.hist = true;
         o.hist_interval = *d;
         return {};
     }},
};

}  // namespace

std::span<const OptionDef> run_options() {
    return kRunOptions;
}

std::vector<const OptionDef*> all_options() {
    std::vector<const OptionDef*> out;
    for (const OptionDef& option : kRunOptions)
        out.push_back(&option);
    for (const TraceDef* trace : trace_defs()) {
        for (const OptionDef& option : trace->options)
            out.push_back(&option);
    }
    return out;
}

std::vector<const OptionDef*> config_options() {
    std::vector<const OptionDef*> out;
    for (const OptionDef* option : all_options()) {
        if (option->where == OptionDef::Where::Everywhere) out.push_back(option);
    }
    return out;
}

std::string config_keys_markdown() {
    std::string out;
    for (const OptionDef* option : config_options()) {
        std::string meaning(option->help);
        if (option->value.empty()) meaning += " (on/off)";
        out += fmt::format("| `{}` | {} | `{}` |\n", config_key(*option), meaning, option->flag);
    }
    return out;
}

}  // namespace probelog
