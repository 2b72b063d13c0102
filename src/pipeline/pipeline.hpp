#pragma once
// Ring buffer samples in, records to every sink out. Counts what it delivers
// per trace and what it had to reject, so the summary and the loss accounting
// add up: generated (kernel) = delivered + lost (kernel) + invalid + beyond the limit.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/clock.hpp"
#include "containers/enricher.hpp"
#include "decode/decoder.hpp"
#include "pipeline/record.hpp"
#include "sinks/sink.hpp"

namespace probelog {

struct PipelineCounters {
    std::array<uint64_t, PL_TRACE_MAX> delivered{};
    uint64_t invalid = 0;  // samples the decoder rejected
    // The same by the trace in the sample's header (0 when even that was unreadable).
    std::array<uint64_t, PL_TRACE_MAX> invalid_by_trace{};
    uint64_t beyond_limit = 0;  // samples after --max-records was reached
    std::array<uint64_t, PL_TRACE_MAX> beyond_limit_by_trace{};

    // Every sample of `trace` that reached user space, whatever became of it:
    // the kernel's generated - lost once the ring buffer is drained.
    uint64_t received(uint16_t trace) const {
        return delivered[trace] + invalid_by_trace[trace] + beyond_limit_by_trace[trace];
    }
};

class Pipeline {
  public:
    // Sees every record from the ring buffer before the sinks do, and cannot
    // change or drop it (per-probe metrics count calls this way).
    using Tap = std::function<void(const Record&)>;

    explicit Pipeline(const BootClock& clock) : clock_(clock) {}

    void add_sink(std::unique_ptr<Sink> sink) { sinks_.push_back(std::move(sink)); }
    void add_tap(Tap tap) { taps_.push_back(std::move(tap)); }
    void set_max_records(std::optional<uint64_t> max) { max_records_ = max; }
    // Adds the container of the task to each record from the ring buffer
    // (before taps and sinks see it); `enricher` must outlive the pipeline's use.
    void set_enricher(containers::Enricher* enricher) { enricher_ = enricher; }
    // The policy (docs/POLICIES.md) that runs trace `trace`: its records get
    // a `policy` field; empty: none. (Probe records get theirs per probe.)
    void set_trace_policy(uint16_t trace, std::string policy) {
        if (trace < PL_TRACE_MAX) trace_policy_[trace] = std::move(policy);
    }
    decode::Decoder& decoder() { return decoder_; }

    // One sample from the ring buffer.
    void on_sample(std::span<const std::byte> sample);
    // A record made in user space (loss reports, stats); not counted per trace.
    void emit(const Record& record);
    // The same, to every sink but `skip` (a report about that sink's own losses).
    void emit_except(const Record& record, const Sink* skip);

    // Flushes every sink; the first error is returned, later sinks still flush.
    Status flush();
    // At exit: every sink delivers what it still holds (network sinks, in
    // parallel, up to their grace period). The first error is returned.
    Status close_sinks();
    const std::vector<std::unique_ptr<Sink>>& sinks() const { return sinks_; }

    bool limit_reached() const { return max_records_ && total_delivered_ >= *max_records_; }
    bool any_sink_broken() const;
    uint64_t total_delivered() const { return total_delivered_; }
    const PipelineCounters& counters() const { return counters_; }
    // The most recent decode failure (for --verbose diagnostics).
    const char* last_invalid_reason() const { return last_invalid_; }

    // The ring reader's callback.
    static void on_sample_thunk(void* self, std::span<const std::byte> sample) {
        static_cast<Pipeline*>(self)->on_sample(sample);
    }

  private:
    const BootClock& clock_;
    decode::Decoder decoder_;
    Record record_;
    std::vector<std::unique_ptr<Sink>> sinks_;
    std::vector<Tap> taps_;
    containers::Enricher* enricher_ = nullptr;
    std::array<std::string, PL_TRACE_MAX> trace_policy_;
    std::optional<uint64_t> max_records_;
    uint64_t total_delivered_ = 0;
    PipelineCounters counters_;
    const char* last_invalid_ = nullptr;
};

}  // namespace probelog
