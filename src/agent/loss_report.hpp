#pragma once
// Nothing is lost silently. Every stage that can drop counts its drops, and
// whenever a count grows a `lost` record goes to the sinks:
//   - the kernel: a full ring buffer (`lost`) or correlation map (`map_full`),
//     per trace and per cpu, since sequence numbers are per (trace, cpu): a
//     consumer can match the gaps it sees in (cpu, seq) against these;
//   - the kernel: events over a trace's --max-rate (`stage: max_rate`), per
//     trace; they take no sequence number, so they leave no gap;
//   - the decoder: malformed events (`stage: decoder`);
//   - each sink: queue full, refused, write errors, unsent at exit.
// The exit summary states the totals.

#include <algorithm>
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

    // The ids of the running traces (for Runtime::read_counters).
    const std::vector<uint16_t>& trace_ids() const { return ids_; }
    // A trace started while the run goes on (once per id: a trace started
    // again continues its counts).
    void add_trace(uint16_t id) {
        if (std::find(ids_.begin(), ids_.end(), id) == ids_.end()) ids_.push_back(id);
    }

    // True when every event the kernel generated and did not lose has been
    // read (per running trace: received = generated - lost). After detaching,
    // a program that was already running may still commit an event or two.
    bool all_received(const bpf::Counters& counters, const Pipeline& pipeline) const;

    // Emits a `lost` record per (trace, cpu) whose kernel losses grew since the
    // last call, and one per trace whose malformed events did.
    void report(const bpf::Counters& counters, Pipeline& pipeline);
    // Emits a `lost` record per sink whose losses grew since the last call, to
    // every other sink (a sink that is dropping would drop its own report).
    void report_sinks(Pipeline& pipeline);
    // "; forward.0 (127.0.0.1:24224): 10 sent, 15 lost (15 queue full)" for every
    // sink that has a queue or lost anything.
    static std::string sinks_summary(const Pipeline& pipeline);

    // "exec: 12 delivered, 0 lost" for every running trace, on one line.
    std::string summary(const bpf::Counters& counters, const Pipeline& pipeline,
                        bool verbose) const;

  private:
    std::vector<uint16_t> ids_;
    // [cpu][trace]: what the last `lost` records said.
    std::vector<std::array<bpf::TraceCounters, PL_TRACE_MAX>> reported_;
    std::array<uint64_t, PL_TRACE_MAX> reported_invalid_{};
    std::array<uint64_t, PL_TRACE_MAX> reported_throttled_{};
    std::vector<uint64_t> reported_sink_lost_;
    Record record_;
};

}  // namespace probelog
