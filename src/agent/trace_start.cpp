#include "agent/trace_start.hpp"

#include <fmt/format.h>

namespace probelog {

StartedTraces start_traces(const std::vector<std::string>& names, const bpf::Runtime& runtime,
                           const TraceOptions& options,
                           const std::function<void(std::string_view)>& report,
                           const TraceFactory& make) {
    StartedTraces started;
    for (const std::string& name : names) {
        std::unique_ptr<Trace> trace = make(name);
        if (trace == nullptr) {
            report(fmt::format("trace '{}' unavailable: not a built-in trace", name));
            continue;
        }
        if (Status st = trace->start(runtime, options); !st) {
            if (trace->required()) {
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
