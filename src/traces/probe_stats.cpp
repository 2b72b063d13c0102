#include "traces/probe_stats.hpp"

#include <fmt/format.h>

#include "common/clock.hpp"

namespace probelog {
namespace {

constexpr auto kReadEvery = std::chrono::seconds(1);

}  // namespace

ProbeStats::ProbeStats(const bpf_map* map, std::vector<Probe> probes, metrics::Registry* metrics)
    : map_(map),
      probes_(std::move(probes)),
      delivered_(probes_.size()),
      totals_(probes_.size()),
      reported_limited_(probes_.size()) {
    for (uint32_t id = 0; id < probes_.size(); ++id) {
        uint32_t first = id;
        while (first > 0 && probes_[first - 1].name == probes_[id].name)
            --first;
        first_of_name_.push_back(first);
    }
    if (metrics == nullptr) return;
    auto& calls = metrics->counter("probelog_probe_calls_total",
                                   "Calls per --probe (hits in the traced processes)", {"probe"});
    auto& records = metrics->counter("probelog_probe_records_total",
                                     "Records delivered per --probe (one per call; lost records "
                                     "excluded: see probelog_lost_events_total)",
                                     {"probe"});
    auto& filtered =
        metrics->counter("probelog_probe_filtered_total",
                         "Calls per --probe whose condition (if ...) was false", {"probe"});
    auto& limited =
        metrics->counter("probelog_probe_rate_limited_total",
                         "Records per --probe dropped by its rate limit (rate N/s)", {"probe"});
    for (const Probe& p : probes_) {
        metrics_.push_back({&calls.labels({p.name}), &records.labels({p.name}),
                            &filtered.labels({p.name}), &limited.labels({p.name})});
    }
}

pl_probe_stats ProbeStats::total(const std::vector<pl_probe_stats>& per_cpu) {
    pl_probe_stats t{};
    for (const pl_probe_stats& s : per_cpu) {
        t.calls += s.calls;
        t.filtered += s.filtered;
        t.passed += s.passed;
        t.rate_limited += s.rate_limited;
        t.lost += s.lost;
    }
    return t;
}

void ProbeStats::update(Pipeline& pipeline, bool now) {
    auto clock = std::chrono::steady_clock::now();
    if (!now && clock < next_read_) return;
    next_read_ = clock + kReadEvery;
    for (uint32_t id = 0; id < probes_.size(); ++id) {
        const std::vector<pl_probe_stats>* per_cpu = map_.lookup(id);
        if (per_cpu == nullptr) continue;
        totals_[id] = total(*per_cpu);
        if (probes_[id].rate_per_s != 0) report_rate_limited(id, *per_cpu, pipeline);
    }
    for (uint32_t id = 0; id < probes_.size() && id < metrics_.size(); ++id) {
        if (first_of_name_[id] != id) continue;
        auto [t, delivered] = total_of_name(id);
        metrics_[id].calls->set(t.calls);
        metrics_[id].records->set(delivered);
        metrics_[id].filtered->set(t.filtered);
        metrics_[id].rate_limited->set(t.rate_limited);
    }
}

std::pair<pl_probe_stats, uint64_t> ProbeStats::total_of_name(uint32_t first) const {
    pl_probe_stats t{};
    uint64_t delivered = 0;
    for (uint32_t id = first; id < probes_.size() && first_of_name_[id] == first; ++id) {
        t.calls += totals_[id].calls;
        t.filtered += totals_[id].filtered;
        t.passed += totals_[id].passed;
        t.rate_limited += totals_[id].rate_limited;
        t.lost += totals_[id].lost;
        delivered += delivered_[id];
    }
    return {t, delivered};
}

void ProbeStats::report_rate_limited(uint32_t id, const std::vector<pl_probe_stats>& per_cpu,
                                     Pipeline& pipeline) {
    std::vector<uint64_t>& reported = reported_limited_[id];
    reported.resize(per_cpu.size());
    for (size_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
        uint64_t n = per_cpu[cpu].rate_limited;
        if (n == reported[cpu]) continue;
        begin_record(record_, "lost", PL_TRACE_PROBE, realtime_now_ns());
        record_.add_str("trace", "probe");
        record_.add_str("probe", probes_[id].name);
        record_.add_str("stage", "rate_limit");
        record_.add_uint("cpu", cpu);
        record_.add_uint("lost", n - reported[cpu]);
        record_.add_uint("lost_total", n);
        std::string reason = fmt::format("rate limit {}/s of this probe", probes_[id].rate_per_s);
        record_.add_str("reason", record_.store(reason));
        pipeline.emit(record_);
        reported[cpu] = n;
    }
}

std::vector<std::string> ProbeStats::summary() const {
    std::vector<std::string> out;
    for (uint32_t id = 0; id < probes_.size(); ++id) {
        if (first_of_name_[id] != id) continue;
        const Probe& p = probes_[id];
        auto [t, delivered] = total_of_name(id);
        // passed = delivered + rate-limited + lost, exactly (once drained).
        std::string line = fmt::format("probe {}: {} calls", p.name, t.calls);
        if (p.has_condition) line += fmt::format(", {} filtered out by its condition", t.filtered);
        line += fmt::format(", {} passed: {} delivered", t.passed, delivered);
        if (p.rate_per_s != 0)
            line += fmt::format(", {} rate-limited ({}/s)", t.rate_limited, p.rate_per_s);
        line += fmt::format(", {} lost", t.lost);
        out.push_back(std::move(line));
    }
    return out;
}

}  // namespace probelog
