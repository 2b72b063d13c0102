#pragma once
// Dynamic probes (--probe, policies, `probelog ctl add`): the generic uprobe
// object is loaded once; each probe (one spec) is parsed, resolved and
// compiled, its config written at a free probe id (one per USDT site), and
// the entry (and return) program attached at each site with that id as the
// BPF cookie. Probes come and go while the run goes on: a probe's links are
// its own, and its ids are reused only once every fresh one has been used.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decode/probe.hpp"
#include "metrics/registry.hpp"
#include "probes/compile.hpp"
#include "probes/resolve.hpp"
#include "traces/probe_plan.hpp"
#include "traces/probe_stats.hpp"
#include "traces/trace.hpp"

struct bpf_map;
struct bpf_program;

namespace probelog {

struct ProbeSettings {
    std::vector<std::string> specs;   // --probe, as typed
    std::string mode = "call";        // --probe-mode: call, split or entry
    uint32_t str_max = 128;           // --probe-str-max
    uint32_t buf_max = 256;           // --probe-buf-max
    uint64_t default_rate_per_s = 0;  // --max-rate: the `rate N/s` of probes without one
    // Started for probes added later (the control socket, policies): no spec
    // is needed to start.
    bool live = false;
};

// A probe to add.
struct ProbeRequest {
    std::string spec;
    std::string name;    // its records' "probe" field; empty: the spec's own name
    std::string policy;  // its records' "policy" field; empty: none
    bool enabled = true;
};

// A running probe, as `probelog ctl list` shows it.
struct ProbeView {
    std::string name;
    std::string spec;
    std::string policy;
    bool enabled = true;
    size_t hooks = 0;
    ProbeStats::Totals totals;
};

class ProbeTrace final : public Trace, private LoopParticipant {
  public:
    ProbeTrace();
    ~ProbeTrace() override;
    const TraceInfo& info() const override;
    Status start(const TraceContext& context) override;
    size_t hook_count() const override;
    Status stop_records() override;
    Status resume_records() override;
    void detach(std::vector<bpf::Link>& released) override;

    // Adds a probe and attaches it; returns its name. With `replace`, a probe
    // of that name is replaced make-before-break: the new one is attached
    // before the old one is detached.
    Result<std::string> add_probe(const ProbeRequest& request, bool replace = false);
    // Detaches the probe; its counts stay in the summary.
    Status remove_probe(std::string_view name);
    // Detaches (false) or attaches again (true) a probe, keeping its ids.
    Status enable_probe(std::string_view name, bool enabled);
    std::vector<ProbeView> probes() const;
    // Whether `spec` parses and resolves (its file, function or USDT sites),
    // without attaching anything.
    Status check_probe(const std::string& spec) const;
    // Reads the kernel's per-probe counters now (before probes() is shown).
    void refresh(Pipeline& pipeline) {
        if (stats_) stats_->update(pipeline, true);
    }
    bool has_probe(std::string_view name) const;

  private:
    struct Live {
        ProbeRequest request;          // its name filled in
        bool named = false;            // the name is the request's, not the spec's
        std::vector<ProbePlan> plans;  // one per site
        std::vector<uint32_t> ids;     // one per site
        std::vector<bpf::Link> links;  // empty while disabled
    };

    // LoopParticipant: the probe records' decoder and metric tap, the sweep.
    void bind(Pipeline& pipeline) override;
    void tick(Pipeline& pipeline) override;
    void finish(Pipeline& pipeline) override;

    Result<Live> prepare(const ProbeRequest& request);
    Status install(Live& probe);
    Status attach(Live& probe);
    Result<std::vector<uint32_t>> take_ids(size_t n);
    void retire(Live& probe);
    Live* find(std::string_view name);
    std::string unique_name(const std::string& wanted) const;

    // Drops in-flight entries of threads that are gone (exited inside a probed
    // call), or of the given probe ids (a probe removed).
    void sweep_calls(const std::vector<uint32_t>& removed_ids = {});
    template <typename Value>
    void sweep(bpf_map* map, const std::vector<uint32_t>& removed_ids);

    std::optional<bpf::Object> object_;
    bool verbose_ = false;
    probes::ResolveOptions resolve_;
    probes::CompileOptions compile_{};
    uint64_t default_rate_ = 0;
    std::vector<int> pids_;  // -1: every process
    bpf_program* entry_program_ = nullptr;
    bpf_program* return_program_ = nullptr;
    bpf_map* configs_ = nullptr;
    bpf_map* rates_ = nullptr;
    bpf_map* calls_ = nullptr;       // calls without captured bytes
    bpf_map* calls_data_ = nullptr;  // calls with them
    metrics::Registry* metrics_ = nullptr;

    std::unique_ptr<decode::ProbeTable> table_;
    std::vector<Live> live_;
    uint32_t next_fresh_id_ = 0;
    std::deque<uint32_t> free_ids_;   // ids of removed probes, oldest first
    std::vector<bool> by_goroutine_;  // per probe id: a Go probe, paired by goroutine
    std::chrono::steady_clock::time_point next_sweep_{};
    std::optional<ProbeStats> stats_;
    // Per probe id, for /metrics (null without a metrics registry).
    std::vector<metrics::Histogram*> latency_metric_;
};

}  // namespace probelog
