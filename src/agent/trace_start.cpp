#include "agent/trace_start.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace probelog {
namespace {

// Starts `trace`; if it fails, whatever it registered in the loop is dropped
// with it.
Status start_one(Trace& trace, const TraceContext& context) {
    size_t participants = context.loop != nullptr ? context.loop->size() : 0;
    Status st = trace.start(context);
    if (!st && context.loop != nullptr) context.loop->resize(participants);
    return st;
}

}  // namespace

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
        size_t before = context.loop != nullptr ? context.loop->size() : 0;
        if (Status st = start_one(*trace, context); !st) {
            if (trace->info().fail_run) {
                started.fatal = st.error();
                return started;
            }
            report(fmt::format("trace '{}' unavailable: {}", name, st.error().message));
            continue;
        }
        started.hooks += trace->hook_count();
        if (context.loop != nullptr) {
            started.participants.emplace_back(
                context.loop->begin() + static_cast<std::ptrdiff_t>(before), context.loop->end());
        } else {
            started.participants.emplace_back();
        }
        started.names.push_back(name);
        started.traces.push_back(std::move(trace));
    }
    return started;
}

}  // namespace probelog
