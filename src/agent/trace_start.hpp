#pragma once
// Starting the selected traces: one that cannot load or attach on this kernel
// is reported and skipped, and the others run.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace.hpp"

namespace probelog {

struct StartedTraces {
    std::vector<std::unique_ptr<Trace>> traces;  // running, in start order
    std::vector<std::string> names;              // their names, same order
    size_t hooks = 0;                            // attached hooks, all traces
    // Per running trace (same order): what it put in context.loop.
    std::vector<std::vector<LoopParticipant*>> participants;
    // A fail_run trace that could not start (the run must not go on without
    // it); set, starting stopped there.
    std::optional<Error> fatal;
};

using TraceFactory = std::function<std::unique_ptr<Trace>(std::string_view name)>;

// Starts each named trace made by `make` (make_trace for a run) with `context`;
// a trace that fails to start is reported through `report` ("trace 'x'
// unavailable: why"), unless it is fail_run: then its error is `fatal` and
// nothing more starts. What a trace that failed had put in context.loop is
// taken out again (it is destroyed), so context.loop holds only the running
// traces' participants.
StartedTraces start_traces(const std::vector<std::string>& names, const TraceContext& context,
                           const std::function<void(std::string_view)>& report,
                           const TraceFactory& make = &make_trace);

}  // namespace probelog
