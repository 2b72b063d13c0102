#pragma once
// Dynamic probes (--probe): every spec is parsed, resolved and compiled before
// anything is attached; then the generic uprobe object is loaded once, each
// probe's config is written at its index, and the entry (and return) program
// is attached at each probe's file offset with that index as the BPF cookie.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "decode/probe.hpp"
#include "metrics/registry.hpp"
#include "traces/probe_stats.hpp"
#include "traces/trace.hpp"

struct bpf_map;

namespace probelog {

struct ProbeSettings {
    std::vector<std::string> specs;   // --probe, as typed
    std::string mode = "call";        // --probe-mode: call, split or entry
    uint32_t str_max = 128;           // --probe-str-max
    uint32_t buf_max = 256;           // --probe-buf-max
    uint64_t default_rate_per_s = 0;  // --max-rate: the `rate N/s` of probes without one
};

class ProbeTrace final : public ObjectTrace, private LoopParticipant {
  public:
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;

  private:
    // LoopParticipant: the probe records' decoder and metric tap, the sweep.
    void bind(Pipeline& pipeline) override;
    void tick(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

    // Drops in-flight entries of threads that are gone (exited inside a probed call).
    void sweep_calls();
    template <typename Value>
    void sweep(bpf_map* map);

    struct Maps {
        bpf_map* calls = nullptr;       // calls without captured bytes
        bpf_map* calls_data = nullptr;  // calls with them
    };

    std::unique_ptr<decode::ProbeTable> table_;
    Maps maps_;
    std::vector<bool> by_goroutine_;  // per probe id: a Go probe, paired by goroutine
    std::chrono::steady_clock::time_point next_sweep_{};
    std::optional<ProbeStats> stats_;
    // Per probe id, for /metrics (empty without a metrics registry).
    std::vector<metrics::Histogram*> latency_metric_;
};

}  // namespace probelog
