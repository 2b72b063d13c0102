#pragma once
// Dynamic probes (--probe): every spec is parsed, resolved and compiled before
// anything is attached; then the generic uprobe object is loaded once, each
// probe's config is written at its index, and the entry (and return) program
// is attached at each probe's file offset with that index as the BPF cookie.

#include <chrono>
#include <memory>
#include <vector>

#include "decode/probe.hpp"
#include "metrics/registry.hpp"
#include "traces/trace.hpp"

namespace probelog {

class ProbeTrace final : public Trace {
  public:
    static const TraceInfo& static_info();
    const TraceInfo& info() const override { return static_info(); }
    Status start(const bpf::Runtime& runtime, const TraceOptions& options) override;
    size_t hook_count() const override { return links_.size(); }
    void detach(std::vector<bpf::Link>& released) override { move_links(links_, released); }
    void tick(Pipeline& pipeline) override;
    void configure_pipeline(Pipeline& pipeline) override;

  private:
    // Drops in-flight entries of threads that are gone (exited inside a probed call).
    void sweep_calls();

    std::unique_ptr<decode::ProbeTable> table_;
    std::unique_ptr<bpf::Object> object_;  // before the links: destroyed after them
    std::vector<bpf::Link> links_;
    std::vector<bool> by_goroutine_;  // per probe id: a Go probe, paired by goroutine
    std::chrono::steady_clock::time_point next_sweep_{};
    // Per probe id, for /metrics (empty without a metrics registry).
    std::vector<metrics::Counter*> calls_metric_;
    std::vector<metrics::Histogram*> latency_metric_;
};

}  // namespace probelog
