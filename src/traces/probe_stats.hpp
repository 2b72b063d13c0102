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

    // `map` is the uprobe object's probe_stats map; `metrics` may be null.
    ProbeStats(const bpf_map* map, std::vector<Probe> probes, metrics::Registry* metrics);

    // A record of probe `id` reached the pipeline (the call's record, not a
    // split mode's return record).
    void delivered(uint32_t id) {
        if (id < delivered_.size()) ++delivered_[id];
    }
    // Reads the kernel's counters (at most once a second unless `now`), reports
    // new rate-limit drops and publishes the metrics.
    void update(Pipeline& pipeline, bool now);
    // One line per probe for the exit summary.
    std::vector<std::string> summary() const;

  private:
    struct Metrics {
        metrics::Counter* calls = nullptr;
        metrics::Counter* records = nullptr;
        metrics::Counter* filtered = nullptr;
        metrics::Counter* rate_limited = nullptr;
    };

    static pl_probe_stats total(const std::vector<pl_probe_stats>& per_cpu);
    // The totals and deliveries of the probes named as probe `first`.
    std::pair<pl_probe_stats, uint64_t> total_of_name(uint32_t first) const;
    void report_rate_limited(uint32_t id, const std::vector<pl_probe_stats>& per_cpu,
                             Pipeline& pipeline);

    bpf::PerCpuMap<uint32_t, pl_probe_stats> map_;
    std::vector<Probe> probes_;
    std::vector<uint64_t> delivered_;
    std::vector<pl_probe_stats> totals_;                   // per probe, at the last read
    std::vector<std::vector<uint64_t>> reported_limited_;  // per probe and cpu
    // Probes of the same name (the sites of a USDT probe, each its own
    // config) share one summary line and one set of metric series: ids by
    // the first id of their name.
    std::vector<uint32_t> first_of_name_;
    std::vector<Metrics> metrics_;  // per probe id, the first id's series for the others
    std::chrono::steady_clock::time_point next_read_{};
    Record record_;
};

}  // namespace probelog
