#pragma once
// probelog's own metrics: what the kernel generated and lost, what the
// pipeline delivered, how full the ring buffer got, and what every sink sent
// and dropped. Counters that live elsewhere (BPF maps, pipeline counters) are
// published into the registry by the event loop after each drain, so a
// scrape on the HTTP thread only ever reads atomics.

#include <array>
#include <memory>
#include <vector>

#include "bpf/runtime.hpp"
#include "metrics/registry.hpp"
#include "pipeline/pipeline.hpp"
#include "traces/trace.hpp"

namespace probelog {

class AgentMetrics {
  public:
    AgentMetrics(metrics::Registry& registry, const std::vector<std::unique_ptr<Trace>>& traces,
                 const Pipeline& pipeline, uint64_t ringbuf_bytes);

    // The ring buffers' fill (all rings), sampled just before a drain (its high point).
    void sample_ring(uint64_t used_bytes);
    // Publishes the current totals (event loop thread).
    void publish(const bpf::Counters& kernel, const Pipeline& pipeline);
    // The series of a trace started while the run goes on.
    void add_trace(uint16_t id);

  private:
    struct PerTrace {
        uint16_t id = 0;
        metrics::Counter* generated = nullptr;
        metrics::Counter* delivered = nullptr;
        metrics::Counter* lost_ring = nullptr;
        metrics::Counter* lost_map_full = nullptr;
        metrics::Counter* lost_decoder = nullptr;
        metrics::Counter* throttled = nullptr;
        std::vector<metrics::Counter*> lost_ring_by_cpu;  // created on a cpu's first loss
    };
    struct PerSink {
        const SinkStats* stats = nullptr;
        metrics::Counter* accepted = nullptr;
        metrics::Counter* sent = nullptr;
        metrics::Counter* dropped_full = nullptr;
        metrics::Counter* dropped_rejected = nullptr;
        metrics::Counter* dropped_exit = nullptr;
        metrics::Counter* retries = nullptr;
        metrics::Gauge* queued = nullptr;
        metrics::Gauge* up = nullptr;
        std::vector<std::pair<uint16_t, metrics::Counter*>> lost_by_trace;
    };

    void add_trace_series(uint16_t id);
    void add_sink_series(PerSink& sink, uint16_t id);

    metrics::CounterFamily* generated_ = nullptr;
    metrics::CounterFamily* delivered_ = nullptr;
    metrics::CounterFamily* lost_ = nullptr;
    metrics::CounterFamily* throttled_ = nullptr;
    std::vector<PerTrace> traces_;
    std::vector<PerSink> sinks_;
    metrics::Counter* lost_decoder_ = nullptr;  // samples whose header was unreadable
    metrics::CounterFamily* lost_by_cpu_ = nullptr;
    metrics::Gauge* ring_used_ = nullptr;
    metrics::Gauge* ring_peak_ = nullptr;
    uint64_t ring_peak_bytes_ = 0;
};

}  // namespace probelog
