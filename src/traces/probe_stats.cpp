#include "traces/probe_stats.hpp"

#include <fmt/format.h>

#include "common/clock.hpp"

namespace probelog {
namespace {

constexpr auto kReadEvery = std::chrono::seconds(1);

}  // namespace

ProbeStats::ProbeStats(const bpf_map* map, metrics::Registry* metrics)
    : map_(map),
      registry_(metrics),
      group_of_(PL_PROBE_CONFIG_MAX, -1),
      delivered_(PL_PROBE_CONFIG_MAX),
      totals_(PL_PROBE_CONFIG_MAX),
      reported_limited_(PL_PROBE_CONFIG_MAX) {}

void ProbeStats::add(const Probe& probe, const std::vector<uint32_t>& ids) {
    for (uint32_t id : ids) {
        if (id >= PL_PROBE_CONFIG_MAX) continue;
        if (int old = group_of_[id]; old >= 0) {
            Group& before = groups_[static_cast<size_t>(old)];
            if (!before.frozen) before.frozen = totals_of(before);
        }
        group_of_[id] = static_cast<int>(groups_.size());  // corrected below if merged
        delivered_[id] = 0;
        totals_[id] = {};
        reported_limited_[id].clear();
        (void)map_.fill(id, pl_probe_stats{});
    }
    // Probes of one name (several specs on one function, the sites of a USDT
    // probe) share one summary line and one set of metric series.
    for (size_t g = 0; g < groups_.size(); ++g) {
        Group& same = groups_[g];
        if (same.frozen || same.probe.name != probe.name) continue;
        same.ids.insert(same.ids.end(), ids.begin(), ids.end());
        same.probe.has_condition = same.probe.has_condition || probe.has_condition;
        for (uint32_t id : ids) {
            if (id < PL_PROBE_CONFIG_MAX) group_of_[id] = static_cast<int>(g);
        }
        return;
    }
    Group group{probe, ids, {}, std::nullopt};
    if (registry_ != nullptr) {
        auto& calls =
            registry_->counter("probelog_probe_calls_total",
                               "Calls per --probe (hits in the traced processes)", {"probe"});
        auto& records = registry_->counter(
            "probelog_probe_records_total",
            "Records delivered per --probe (one per call; lost records excluded: see "
            "probelog_lost_events_total)",
            {"probe"});
        auto& filtered =
            registry_->counter("probelog_probe_filtered_total",
                               "Calls per --probe whose condition (if ...) was false", {"probe"});
        auto& limited = registry_->counter(
            "probelog_probe_rate_limited_total",
            "Records per --probe dropped by its rate limit (rate N/s)", {"probe"});
        group.metrics = {&calls.labels({probe.name}), &records.labels({probe.name}),
                         &filtered.labels({probe.name}), &limited.labels({probe.name})};
    }
    groups_.push_back(std::move(group));
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

ProbeStats::Totals ProbeStats::totals_of(const Group& group) const {
    if (group.frozen) return *group.frozen;
    Totals t;
    for (uint32_t id : group.ids) {
        if (id >= PL_PROBE_CONFIG_MAX) continue;
        const pl_probe_stats& s = totals_[id];
        t.kernel.calls += s.calls;
        t.kernel.filtered += s.filtered;
        t.kernel.passed += s.passed;
        t.kernel.rate_limited += s.rate_limited;
        t.kernel.lost += s.lost;
        t.delivered += delivered_[id];
    }
    return t;
}

void ProbeStats::update(Pipeline& pipeline, bool now) {
    auto clock = std::chrono::steady_clock::now();
    if (!now && clock < next_read_) return;
    next_read_ = clock + kReadEvery;
    for (uint32_t id = 0; id < PL_PROBE_CONFIG_MAX; ++id) {
        if (group_of_[id] < 0) continue;
        const std::vector<pl_probe_stats>* per_cpu = map_.lookup(id);
        if (per_cpu == nullptr) continue;
        totals_[id] = total(*per_cpu);
        const Group& group = groups_[static_cast<size_t>(group_of_[id])];
        if (group.probe.rate_per_s != 0) report_rate_limited(group, id, *per_cpu, pipeline);
    }
    for (const Group& group : groups_) {
        if (group.metrics.calls == nullptr) continue;
        Totals t = totals_of(group);
        group.metrics.calls->set(t.kernel.calls);
        group.metrics.records->set(t.delivered);
        group.metrics.filtered->set(t.kernel.filtered);
        group.metrics.rate_limited->set(t.kernel.rate_limited);
    }
}

std::optional<ProbeStats::Totals> ProbeStats::totals(std::string_view name) const {
    for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) {
        if (it->probe.name == name) return totals_of(*it);
    }
    return std::nullopt;
}

void ProbeStats::report_rate_limited(const Group& group, uint32_t id,
                                     const std::vector<pl_probe_stats>& per_cpu,
                                     Pipeline& pipeline) {
    std::vector<uint64_t>& reported = reported_limited_[id];
    reported.resize(per_cpu.size());
    for (size_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
        uint64_t n = per_cpu[cpu].rate_limited;
        if (n == reported[cpu]) continue;
        begin_record(record_, "lost", PL_TRACE_PROBE, realtime_now_ns());
        record_.add_str("trace", "probe");
        record_.add_str("probe", group.probe.name);
        record_.add_str("stage", "rate_limit");
        record_.add_uint("cpu", cpu);
        record_.add_uint("lost", n - reported[cpu]);
        record_.add_uint("lost_total", n);
        std::string reason = fmt::format("rate limit {}/s of this probe", group.probe.rate_per_s);
        record_.add_str("reason", record_.store(reason));
        pipeline.emit(record_);
        reported[cpu] = n;
    }
}

std::vector<std::string> ProbeStats::summary() const {
    std::vector<std::string> out;
    for (const Group& group : groups_) {
        const Probe& p = group.probe;
        Totals t = totals_of(group);
        // passed = delivered + rate-limited + lost, exactly (once drained).
        std::string line = fmt::format("probe {}: {} calls", p.name, t.kernel.calls);
        if (p.has_condition)
            line += fmt::format(", {} filtered out by its condition", t.kernel.filtered);
        line += fmt::format(", {} passed: {} delivered", t.kernel.passed, t.delivered);
        if (p.rate_per_s != 0)
            line += fmt::format(", {} rate-limited ({}/s)", t.kernel.rate_limited, p.rate_per_s);
        line += fmt::format(", {} lost", t.kernel.lost);
        out.push_back(std::move(line));
    }
    return out;
}

}  // namespace probelog
