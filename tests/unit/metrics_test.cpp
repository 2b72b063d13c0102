// The metrics registry: exact text format, histograms, bounded-cardinality
// counters, and the HTTP endpoint.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "metrics/registry.hpp"
#include "metrics/server.hpp"

namespace probelog::metrics {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistogramsInTheTextFormat) {
    Registry reg;
    auto& records = reg.counter("probelog_records_total", "Records by trace", {"trace"});
    records.labels({"exec"}).inc(3);
    records.labels({"exit"}).set(7);
    records.labels({"exec"}).inc();
    reg.gauge("probelog_ringbuf_used_bytes", "Fill\nof the ring \\ buffer").get().set(1.5);
    auto& lat =
        reg.histogram("probelog_probe_latency_seconds", "Latency", {"probe"}, {0.001, 0.01, 0.1});
    Histogram& h = lat.labels({"libc:\"malloc\""});
    h.observe(0.0005);
    h.observe(0.001);  // le is inclusive
    h.observe(0.05);
    h.observe(3);
    EXPECT_EQ(
        reg.render(),
        "# HELP probelog_records_total Records by trace\n"
        "# TYPE probelog_records_total counter\n"
        "probelog_records_total{trace=\"exec\"} 4\n"
        "probelog_records_total{trace=\"exit\"} 7\n"
        "# HELP probelog_ringbuf_used_bytes Fill\\nof the ring \\\\ buffer\n"
        "# TYPE probelog_ringbuf_used_bytes gauge\n"
        "probelog_ringbuf_used_bytes 1.5\n"
        "# HELP probelog_probe_latency_seconds Latency\n"
        "# TYPE probelog_probe_latency_seconds histogram\n"
        "probelog_probe_latency_seconds_bucket{probe=\"libc:\\\"malloc\\\"\",le=\"0.001\"} 2\n"
        "probelog_probe_latency_seconds_bucket{probe=\"libc:\\\"malloc\\\"\",le=\"0.01\"} 2\n"
        "probelog_probe_latency_seconds_bucket{probe=\"libc:\\\"malloc\\\"\",le=\"0.1\"} 3\n"
        "probelog_probe_latency_seconds_bucket{probe=\"libc:\\\"malloc\\\"\",le=\"+Inf\"} 4\n"
        "probelog_probe_latency_seconds_sum{probe=\"libc:\\\"malloc\\\"\"} 3.0515\n"
        "probelog_probe_latency_seconds_count{probe=\"libc:\\\"malloc\\\"\"} 4\n");
}

TEST(Metrics, SameNameReturnsTheSameFamilyAndChildrenAreStable) {
    Registry reg;
    auto& a = reg.counter("x_total", "x", {"k"});
    Counter& c = a.labels({"v"});
    auto& b = reg.counter("x_total", "x", {"k"});
    EXPECT_EQ(&a, &b);
    for (int i = 0; i < 100; ++i)
        b.labels({std::to_string(i)});
    c.inc(2);
    EXPECT_EQ(&a.labels({"v"}), &c);
    EXPECT_EQ(c.value(), 2u);
}

TEST(Metrics, HistogramSetTakesCountsAggregatedElsewhere) {
    std::vector<double> bounds = exponential_buckets(1, 2, 4);
    EXPECT_EQ(bounds, (std::vector<double>{1, 2, 4, 8}));
    Histogram h(bounds);
    std::vector<uint64_t> counts = {1, 0, 2, 0, 5};  // per bucket, then +Inf
    h.set(counts, 100);
    auto s = h.snapshot();
    EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{1, 1, 3, 3, 8}));
    EXPECT_EQ(s.sum, 100);
}

TEST(Metrics, ConcurrentUpdatesWhileRenderingAddUp) {
    Registry reg;
    Counter& c = reg.counter("c_total", "c").get();
    Histogram& h = reg.histogram("h_seconds", "h", {}, {1}).get();
    std::atomic<bool> stop{false};
    std::thread scraper([&] {
        while (!stop)
            (void)reg.render();
    });
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
        producers.emplace_back([&] {
            for (int i = 0; i < 100000; ++i) {
                c.inc();
                h.observe(0.5);
            }
        });
    }
    for (auto& p : producers)
        p.join();
    stop = true;
    scraper.join();
    EXPECT_EQ(c.value(), 400000u);
    EXPECT_EQ(h.snapshot().cumulative.back(), 400000u);
    EXPECT_EQ(h.snapshot().sum, 200000);
}

TEST(TopCounter, KeepsAtMostNSeriesAndAnExactTotal) {
    Registry reg;
    TopCounter& top = reg.top_counter("probelog_xdp_packets_total", "Packets by source", "source",
                                      2, /*idle_periods=*/2);
    top.add("10.0.0.1", 5);
    top.add("10.0.0.2", 3);
    top.add("10.0.0.3", 4);  // no slot left: counted in other
    top.add("10.0.0.1", 1);
    top.end_period();
    EXPECT_EQ(top.series(),
              (std::map<std::string, uint64_t>{{"10.0.0.1", 6}, {"10.0.0.2", 3}, {"other", 4}}));
    // 10.0.0.2 goes quiet for two periods while 10.0.0.3 keeps sending: it takes the slot.
    top.add("10.0.0.1", 1);
    top.add("10.0.0.3", 10);
    top.end_period();
    EXPECT_EQ(top.series().count("10.0.0.3"), 0u);  // idle for one period only
    top.add("10.0.0.1", 1);
    top.add("10.0.0.3", 10);
    top.end_period();
    auto s = top.series();
    // 10.0.0.3 starts at 0; its 24 before stay in other, with 10.0.0.2's 3.
    EXPECT_EQ(s,
              (std::map<std::string, uint64_t>{{"10.0.0.1", 8}, {"10.0.0.3", 0}, {"other", 27}}));
    uint64_t total = 0;
    for (const auto& [k, v] : s)
        total += v;
    EXPECT_EQ(total, 5u + 3 + 4 + 1 + 1 + 10 + 1 + 10);
    top.add("10.0.0.3", 2);
    EXPECT_EQ(top.series()["10.0.0.3"], 2u);
    EXPECT_EQ(reg.render(),
              "# HELP probelog_xdp_packets_total Packets by source\n"
              "# TYPE probelog_xdp_packets_total counter\n"
              "probelog_xdp_packets_total{source=\"10.0.0.1\"} 8\n"
              "probelog_xdp_packets_total{source=\"10.0.0.3\"} 2\n"
              "probelog_xdp_packets_total{source=\"other\"} 27\n");
}

TEST(TopCounter, ManyKeysStayBounded) {
    Registry reg;
    TopCounter& top = reg.top_counter("many_total", "m", "k", 10, 1);
    uint64_t total = 0;
    for (int period = 0; period < 20; ++period) {
        for (int i = 0; i < 1000; ++i) {
            top.add(std::to_string(period * 1000 + i), static_cast<uint64_t>(i));
            total += static_cast<uint64_t>(i);
        }
        top.end_period();
        auto s = top.series();
        EXPECT_LE(s.size(), 11u);
        uint64_t sum = 0;
        for (const auto& [k, v] : s)
            sum += v;
        EXPECT_EQ(sum, total);
    }
}

TEST(MetricsServer, ServesTheRegistryOnAFreePort) {
    Registry reg;
    Health health(std::chrono::seconds(30));
    reg.counter("probelog_records_total", "r", {"trace"}).labels({"exec"}).inc(5);
    auto server = Server::start("127.0.0.1", 0, reg, health);
    ASSERT_TRUE(server.ok()) << server.error().message;
    uint16_t port = (*server)->port();
    ASSERT_NE(port, 0);
    EXPECT_EQ((*server)->url(), fmt::format("http://127.0.0.1:{}/metrics", port));
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get("/metrics");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(res->body, reg.render());

    // The same port again: a clear error, not a shared port.
    auto second = Server::start("127.0.0.1", port, reg, health);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find(fmt::format("127.0.0.1:{}", port)), std::string::npos);
}

TEST(MetricsHealth, ReadyOnlyWhileTheLoopRunsWithEveryRequestedTrace) {
    Health health(std::chrono::seconds(30));
    EXPECT_FALSE(health.ready().ok);
    EXPECT_EQ(health.ready().text, "not ready: starting (attaching traces)");
    EXPECT_TRUE(health.live().ok);  // attaching can take seconds: alive all the same

    health.loop_started({"exec", "tcp"}, {"exec", "tcp"});
    EXPECT_TRUE(health.ready().ok);
    EXPECT_EQ(health.ready().text, "ready: tracing exec, tcp");
    EXPECT_TRUE(health.live().ok);

    health.loop_stopped();
    EXPECT_FALSE(health.ready().ok);
    EXPECT_EQ(health.ready().text, "not ready: stopping");
    EXPECT_TRUE(health.live().ok);
}

TEST(MetricsHealth, ATraceThatDidNotAttachIsNamed) {
    Health health(std::chrono::seconds(30));
    health.loop_started({"exec", "openssl", "dns"}, {"exec"});
    EXPECT_FALSE(health.ready().ok);
    EXPECT_EQ(health.ready().text, "not ready: not attached: openssl, dns (attached: exec)");
}

TEST(MetricsHealth, ALoopThatStopsTurningIsNotAlive) {
    Health health(std::chrono::milliseconds(500));
    // Before the loop starts, no turn is expected.
    EXPECT_TRUE(health.live(Health::Clock::now() + std::chrono::hours(1)).ok);
    health.loop_started({"exec"}, {"exec"});
    auto t = Health::Clock::now();
    EXPECT_TRUE(health.live(t).ok);
    Health::Answer stalled = health.live(t + std::chrono::seconds(2));
    EXPECT_FALSE(stalled.ok);
    EXPECT_EQ(stalled.text.rfind("event loop stalled: no turn for ", 0), 0u) << stalled.text;
    EXPECT_NE(stalled.text.find("(limit 500 ms)"), std::string::npos) << stalled.text;
    health.loop_turned();
    EXPECT_TRUE(health.live().ok);
}

TEST(MetricsServer, HealthzAndReadyzAnswer200Or503WithTheReason) {
    Registry reg;
    Health health(std::chrono::seconds(30));
    auto server = Server::start("127.0.0.1", 0, reg, health);
    ASSERT_TRUE(server.ok()) << server.error().message;
    httplib::Client client("127.0.0.1", (*server)->port());
    auto get = [&](const char* path) {
        auto res = client.Get(path);
        EXPECT_TRUE(res) << path << ": " << httplib::to_string(res.error());
        return res ? std::pair{res->status, res->body} : std::pair{0, std::string()};
    };
    EXPECT_EQ(get("/healthz"), std::pair(200, std::string("ok\n")));
    EXPECT_EQ(get("/readyz"),
              std::pair(503, std::string("not ready: starting (attaching traces)\n")));
    health.loop_started({"exec", "openssl"}, {"exec"});
    EXPECT_EQ(get("/readyz"),
              std::pair(503, std::string("not ready: not attached: openssl (attached: exec)\n")));
    health.loop_started({"exec"}, {"exec"});
    EXPECT_EQ(get("/readyz"), std::pair(200, std::string("ready: tracing exec\n")));
    health.loop_stopped();
    EXPECT_EQ(get("/readyz"), std::pair(503, std::string("not ready: stopping\n")));
    EXPECT_EQ(get("/healthz"), std::pair(200, std::string("ok\n")));
}

}  // namespace
}  // namespace probelog::metrics
