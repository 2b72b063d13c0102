#pragma once
// XDP counters for /metrics: totals per action, and per-source packets with
// bounded label cardinality (the top sources get their own series, the rest
// are summed under source="other"; metrics::TopCounter keeps totals exact).

#include <map>
#include <string>

#include "metrics/registry.hpp"
#include "xdp/report.hpp"

namespace probelog {

class XdpMetrics {
  public:
    XdpMetrics(metrics::Registry& registry, const std::string& interface, size_t max_series);
    // Publishes a snapshot of the XDP maps (called once per report interval).
    void publish(const xdp::Snapshot& now);

  private:
    metrics::Counter& pass_packets_;
    metrics::Counter& drop_packets_;
    metrics::Counter& pass_bytes_;
    metrics::Counter& drop_bytes_;
    metrics::TopCounter& source_packets_;
    metrics::TopCounter& source_drops_;
    std::map<xdp::Address, pl_xdp_counters> previous_;
};

}  // namespace probelog
