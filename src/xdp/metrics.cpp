#include "xdp/metrics.hpp"

namespace probelog {
namespace {

// A source the LRU table evicted and saw again starts from 0: its new total is the delta.
uint64_t grown(uint64_t now, uint64_t before) {
    return now >= before ? now - before : now;
}

}  // namespace

XdpMetrics::XdpMetrics(metrics::Registry& registry, const std::string& interface, size_t max_series)
    : pass_packets_(registry
                        .counter("probelog_xdp_packets_total",
                                 "Packets the XDP program saw, by what it did",
                                 {"interface", "action"})
                        .labels({interface, "pass"})),
      drop_packets_(registry
                        .counter("probelog_xdp_packets_total",
                                 "Packets the XDP program saw, by what it did",
                                 {"interface", "action"})
                        .labels({interface, "drop"})),
      pass_bytes_(registry
                      .counter("probelog_xdp_bytes_total",
                               "Bytes the XDP program saw, by what it did", {"interface", "action"})
                      .labels({interface, "pass"})),
      drop_bytes_(registry
                      .counter("probelog_xdp_bytes_total",
                               "Bytes the XDP program saw, by what it did", {"interface", "action"})
                      .labels({interface, "drop"})),
      source_packets_(registry.top_counter(
          "probelog_xdp_source_packets_total",
          "Packets per source address (the busiest sources; the rest under source=\"other\")",
          "source", max_series)),
      source_drops_(registry.top_counter(
          "probelog_xdp_source_dropped_packets_total",
          "Dropped packets per blocked source address (the busiest; the rest under "
          "source=\"other\")",
          "source", max_series)) {}

void XdpMetrics::publish(const xdp::Snapshot& now) {
    pass_packets_.set(now.totals.pass_packets);
    drop_packets_.set(now.totals.drop_packets);
    pass_bytes_.set(now.totals.pass_bytes);
    drop_bytes_.set(now.totals.drop_bytes);
    std::map<xdp::Address, pl_xdp_counters> current;
    for (const xdp::SourceCounters& s : now.sources) {
        pl_xdp_counters before{};
        if (auto it = previous_.find(s.addr); it != previous_.end()) before = it->second;
        uint64_t packets = grown(xdp::packets_of(s.c), xdp::packets_of(before));
        uint64_t drops = grown(s.c.drop_packets, before.drop_packets);
        if (packets != 0 || drops != 0) {
            std::string key = xdp::to_string(s.addr);
            if (packets != 0) source_packets_.add(key, packets);
            if (drops != 0) source_drops_.add(key, drops);
        }
        current.emplace(s.addr, s.c);
    }
    previous_ = std::move(current);
    source_packets_.end_period();
    source_drops_.end_period();
}

}  // namespace probelog
