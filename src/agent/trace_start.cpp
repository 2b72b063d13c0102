#include "agent/trace_start.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace probelog {

StartedTraces start_traces(const std::vector<std::string>& names, const TraceContext& context,
                           const std::function<void(std::string_view)>& report,
                           const TraceFactory& make) {
    StartedTraces started;
    // Traces of targets the user named (fail_run) start first and end the run if
    // they fail, before anything else is attached.
    std::vector<std::string> ordered = names;
    std::stable_partition(ordered.begin(), ordered.end(), [](const std::string& name) {
        const TraceInfo* info = find_trace(name);
        return info != nullptr && info->fail_run;
    });
    for (const std::string& name : ordered) {
        std::unique_ptr<Trace> trace = make(name);
        if (trace == nullptr) {
            report(fmt::format("trace '{}' unavailable: not a built-in trace", name));
            continue;
        }
        if (Status st = trace->start(context); !st) {
            if (trace->info().fail_run) {
                started.fatal = st.error();
                return started;
            }
            report(fmt::format("trace '{}' unavailable: {}", name, st.error().message));
            continue;
        }
        started.hooks += trace->hook_count();
        started.names.push_back(name);
        started.traces.push_back(std::move(trace));
    }
    return started;
}

}  // namespace probelog
