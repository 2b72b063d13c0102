#pragma once
// --hist and --hist-interval: the run's latency histograms (LatencyHistograms,
// filled by a pipeline tap) printed to stderr every interval and at exit.
// Registered by the run as a loop participant of its own, after the traces.

#include <chrono>
#include <cstdio>
#include <optional>

#include "pipeline/latency_hists.hpp"
#include "traces/trace.hpp"

namespace probelog {

class HistReport final : public LoopParticipant {
  public:
    using Clock = std::chrono::steady_clock;

    // `interval`: none, only at exit. Prints to `out` (stderr in a run).
    HistReport(std::optional<std::chrono::nanoseconds> interval, std::FILE* out);

    void bind(Pipeline& pipeline) override;
    void tick(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

  private:
    // `when`: "" (an interval's print) or " at exit".
    void print(std::string_view when) const;

    std::optional<Clock::duration> interval_;
    std::FILE* out_;
    Clock::time_point started_;
    Clock::time_point next_;
    LatencyHistograms hists_;
};

}  // namespace probelog
