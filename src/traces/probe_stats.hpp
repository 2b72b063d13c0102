#pragma once
// What happened to each probe's calls (schema/probe.h, struct pl_probe_stats):
// calls, calls its condition filtered out, records dropped by its rate limit,
// records delivered. Read from the kernel's per-cpu counters every second and
// at exit; published in /metrics; rate-limited records are reported as `lost`
// records (stage rate_limit, per probe and cpu: nothing is dropped silently);
// one summary line per probe at exit (the sites of a USDT probe add up).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/map.hpp"
#include "metrics/registry.hpp"
#include "pipeline/pipeline.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog {

class ProbeStats {
  public:
    struct Probe {
        std::string name;
        uint64_t rate_per_s = 0;  // 0: no rate limit
        bool has_condition = false;
    };
    // What a probe's calls came to so far (the sites of a USDT probe added up).
    struct Totals {
        pl_probe_stats kernel{};
        uint64_t delivered = 0;
    };

    // `map` is the uprobe object's probe_stats map; `metrics` may be null.
    ProbeStats(const bpf_map* map, metrics::Registry* metrics);

    // A probe of the run and its ids (one per USDT site): one summary line and
    // one set of metric series. Ids a removed probe had may come back for a
    // new one: its counts are kept (frozen) and the ids' kernel counters zeroed.
    void add(const Probe& probe, const std::vector<uint32_t>& ids);
    // A record of probe `id` reached the pipeline (the call's record, not a
    // split mode's return record).
    void delivered(uint32_t id) {
        if (id < delivered_.size()) ++delivered_[id];
    }
    // Reads the kernel's counters (at most once a second unless `now`), reports
    // new rate-limit drops and publishes the metrics.
    void update(Pipeline& pipeline, bool now);
    // The totals of the probe named `name` at the last read (the latest probe
    // of that name); nullopt if there is none.
    std::optional<Totals> totals(std::string_view name) const;
    // One line per probe for the exit summary.
    std::vector<std::string> summary() const;

  private:
    struct Metrics {
        metrics::Counter* calls = nullptr;
        metrics::Counter* records = nullptr;
        metrics::Counter* filtered = nullptr;
        metrics::Counter* rate_limited = nullptr;
    };
    struct Group {
        Probe probe;
        std::vector<uint32_t> ids;
        Metrics metrics;
        std::optional<Totals> frozen;  // its ids went to another probe
    };

    static pl_probe_stats total(const std::vector<pl_probe_stats>& per_cpu);
    Totals totals_of(const Group& group) const;
    void report_rate_limited(const Group& group, uint32_t id,
                             const std::vector<pl_probe_stats>& per_cpu, Pipeline& pipeline);

    bpf::PerCpuMap<uint32_t, pl_probe_stats> map_;
    metrics::Registry* registry_;
    std::vector<Group> groups_;
    // Per probe id (PL_PROBE_CONFIG_MAX of each).
    std::vector<int> group_of_;  // -1: no probe
    std::vector<uint64_t> delivered_;
    std::vector<pl_probe_stats> totals_;                   // at the last read
    std::vector<std::vector<uint64_t>> reported_limited_;  // per cpu
    std::chrono::steady_clock::time_point next_read_{};
    Record record_;
};

}  // namespace probelog
