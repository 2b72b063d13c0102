#pragma once
// Nothing is lost silently: whenever a trace's kernel loss counter grows, a
// `lost` record goes to every sink, and the final summary states the totals.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bpf/runtime.hpp"
#include "pipeline/pipeline.hpp"
#include "traces/trace.hpp"

namespace probelog {

class LossReport {
  public:
    explicit LossReport(const std::vector<std::unique_ptr<Trace>>& traces);

    // Emits a `lost` record per trace whose losses grew since the last call.
    void report(const std::array<bpf::TraceCounters, PL_TRACE_MAX>& counters, Pipeline& pipeline);

    // "exec: 12 delivered, 0 lost" for every running trace, on one line.
    std::string summary(const std::array<bpf::TraceCounters, PL_TRACE_MAX>& counters,
                        const Pipeline& pipeline, bool verbose) const;

  private:
    std::vector<uint16_t> ids_;
    std::array<uint64_t, PL_TRACE_MAX> reported_lost_{};
    std::array<uint64_t, PL_TRACE_MAX> reported_map_full_{};
    BootClock clock_;
    Record record_;
};

}  // namespace probelog
