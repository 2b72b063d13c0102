// XDP counters as /metrics series: totals per action, per-source deltas into
// bounded-cardinality counters, sources evicted and seen again.
#include <gtest/gtest.h>

#include "metrics/registry.hpp"
#include "xdp/metrics.hpp"
#include "xdp/address.hpp"

namespace probelog {
namespace {

xdp::SourceCounters source(const char* addr, uint64_t pass, uint64_t drop) {
    xdp::SourceCounters s;
    s.addr = *xdp::parse_address(addr);
    s.c.pass_packets = pass;
    s.c.pass_bytes = pass * 60;
    s.c.drop_packets = drop;
    s.c.drop_bytes = drop * 60;
    return s;
}

TEST(XdpMetrics, TotalsAndPerSourceSeries) {
    metrics::Registry registry;
    XdpMetrics m(registry, "veth0", 10);
    xdp::Snapshot snap;
    snap.totals.pass_packets = 10;
    snap.totals.drop_packets = 5;
    snap.totals.pass_bytes = 600;
    snap.totals.drop_bytes = 300;
    snap.sources = {source("10.0.0.1", 7, 0), source("10.0.0.2", 3, 5), source("fd00::1", 0, 0)};
    m.publish(snap);
    auto& packets = registry.top_counter("probelog_xdp_source_packets_total", "", "source", 10);
    auto& drops =
        registry.top_counter("probelog_xdp_source_dropped_packets_total", "", "source", 10);
    EXPECT_EQ(packets.series().at("10.0.0.1"), 7u);
    EXPECT_EQ(packets.series().at("10.0.0.2"), 8u);
    EXPECT_EQ(packets.series().count("fd00::1"), 0u);  // no packets: no series
    EXPECT_EQ(drops.series().at("10.0.0.2"), 5u);

    // Next interval: deltas, and 10.0.0.1 was evicted and came back with 2.
    snap.sources = {source("10.0.0.1", 2, 0), source("10.0.0.2", 4, 5)};
    m.publish(snap);
    EXPECT_EQ(packets.series().at("10.0.0.1"), 9u);
    EXPECT_EQ(packets.series().at("10.0.0.2"), 9u);
    EXPECT_EQ(drops.series().at("10.0.0.2"), 5u);

    std::string text = registry.render();
    EXPECT_NE(text.find("probelog_xdp_packets_total{interface=\"veth0\",action=\"pass\"} 10\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("probelog_xdp_packets_total{interface=\"veth0\",action=\"drop\"} 5\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("probelog_xdp_source_packets_total{source=\"10.0.0.1\"} 9\n"),
              std::string::npos)
        << text;
}

TEST(XdpMetrics, ManySourcesStayBoundedAndExact) {
    metrics::Registry registry;
    XdpMetrics m(registry, "veth0", 10);
    xdp::Snapshot snap;
    uint64_t total = 0;
    for (int i = 1; i <= 200; ++i) {
        snap.sources.push_back(source(fmt::format("10.1.{}.{}", i / 250, i % 250).c_str(),
                                      static_cast<uint64_t>(i), 0));
        total += static_cast<uint64_t>(i);
    }
    m.publish(snap);
    auto series =
        registry.top_counter("probelog_xdp_source_packets_total", "", "source", 10).series();
    EXPECT_LE(series.size(), 11u);  // 10 sources + "other"
    uint64_t sum = 0;
    for (const auto& [key, value] : series)
        sum += value;
    EXPECT_EQ(sum, total);
}

}  // namespace
}  // namespace probelog
