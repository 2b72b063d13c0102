#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/record.hpp"
#include "traces/trace.hpp"

namespace probelog {

// File I/O system calls with their latency (bpf/progs/io.bpf.c): one record per
// call, or with TraceOptions::io_aggregate_ns, per (process, file) totals read
// from a BPF map every interval (Trace::tick) and at the end (Trace::finish).
class IoTrace final : public Trace {
  public:
    // `object`: "io" (direct loads, kernel 6.2+), "io_compat" (probe reads), or
    // empty: the first of the two that this kernel loads.
    explicit IoTrace(std::string_view object = {}) : object_name_(object) {}

    static const TraceInfo& static_info();
    const TraceInfo& info() const override { return static_info(); }
    Status start(const bpf::Runtime& runtime, const TraceOptions& options) override;
    size_t hook_count() const override { return links_.size(); }
    void detach(std::vector<bpf::Link>& released) override { move_links(links_, released); }
    void tick(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

    // Thread ids with an entry in the correlation map (calls between entry and
    // exit), for tests and diagnostics.
    std::vector<uint32_t> inflight_tids() const;
    // The BPF object that loaded ("io" or "io_compat").
    const std::string& object_name() const { return object_name_; }

  private:
    using Clock = std::chrono::steady_clock;

    Status load(const bpf::Runtime& runtime, const TraceOptions& options, std::string_view name);
    void flip(Clock::time_point now);
    void drain(uint32_t slot, Pipeline& pipeline);

    std::string object_name_;
    std::unique_ptr<bpf::Object> object_;  // declared first: destroyed after the links
    std::vector<bpf::Link> links_;

    // Aggregate mode: BPF adds to map `slot_`; the other one is drained.
    std::chrono::nanoseconds aggregate_{0};
    uint32_t slot_ = 0;
    Clock::time_point interval_start_;
    Clock::time_point next_flip_;
    bool drain_pending_ = false;
    Clock::time_point drain_at_;      // in-flight updates of the old slot are over by then
    int64_t drain_time_ns_ = 0;       // wall clock of the flip: the records' time
    uint64_t drain_interval_ns_ = 0;  // how long the drained slot collected
    Record record_;
};

}  // namespace probelog
