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
    // Emits a `lost` record per sink whose losses grew since the last call, to
    // every other sink (a sink that is dropping would drop its own report).
    void report_sinks(Pipeline& pipeline);
    // "; forward.0 (127.0.0.1:24224): 10 sent, 15 lost (15 queue full)" for every
    // sink that has a queue or lost anything.
    static std::string sinks_summary(const Pipeline& pipeline);

    // "exec: 12 delivered, 0 lost" for every running trace, on one line.
    std::string summary(const std::array<bpf::TraceCounters, PL_TRACE_MAX>& counters,
                        const Pipeline& pipeline, bool verbose) const;

  private:
    std::vector<uint16_t> ids_;
    std::array<uint64_t, PL_TRACE_MAX> reported_lost_{};
    std::array<uint64_t, PL_TRACE_MAX> reported_map_full_{};
    std::vector<uint64_t> reported_sink_lost_;
    BootClock clock_;
    Record record_;
};

}  // namespace probelog
