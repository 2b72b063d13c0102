// Per-probe call counts and latency histograms on /metrics, scraped while
// probelog runs, against the records it wrote.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <map>
#include <regex>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "support/temp_dir.hpp"

namespace probelog::test {
namespace {

std::string metric_line(const std::string& text, const std::string& series) {
    std::smatch m;
    std::regex re("^" + std::regex_replace(series, std::regex(R"([{}"+.])"), R"(\$&)") +
                  " ([0-9.e+]+)$");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, re)) return m[1];
    }
    return "<absent>";
}

// The port of probelog's /metrics, from its start-up lines.
uint16_t metrics_port(const std::string& err) {
    std::smatch m;
    if (!std::regex_search(err, m, std::regex("metrics at http://127.0.0.1:(\\d+)/metrics")))
        return 0;
    return static_cast<uint16_t>(std::stoi(m[1]));
}

// Scrapes until every series has its value (a drain publishes them within a
// poll interval), returning the last scrape.
std::string scrape_until(uint16_t port, const std::map<std::string, std::string>& want) {
    httplib::Client client("127.0.0.1", port);
    std::string text;
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (auto res = client.Get("/metrics")) text = res->body;
        bool all = true;
        for (const auto& [series, value] : want)
            all = all && metric_line(text, series) == value;
        if (all) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return text;
}

TEST(ProbeMetricsE2E, CallCountsAndLatencyHistogramsPerProbe) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    Process p({probelog_bin(), "-o", "json", "--poll-ms", "20", "--metrics", "127.0.0.1:0",
               "--probe", bin + ":pt_add_ints(int a, int b) ret:int", "--probe",
               bin + ":pt_sleep_ms(int ms) ret:int"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    uint16_t port = metrics_port(p.err());
    ASSERT_NE(port, 0) << p.err();
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(wait_exit(spawn({bin})), 0);

    httplib::Client client("127.0.0.1", port);
    std::string text;
    const std::string add_calls = "probelog_probe_calls_total{probe=\"probe_target:pt_add_ints\"}";
    const std::string sleep_calls =
        "probelog_probe_calls_total{probe=\"probe_target:pt_sleep_ms\"}";
    const std::string sleep_count =
        "probelog_probe_latency_seconds_count{probe=\"probe_target:pt_sleep_ms\"}";
    // Until the last drain is published. A scrape is not one snapshot: a
    // record counted while it renders shows in the series rendered after.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto res = client.Get("/metrics");
        ASSERT_TRUE(res);
        text = res->body;
        if (metric_line(text, add_calls) == "3" && metric_line(text, sleep_calls) == "3" &&
            metric_line(text, sleep_count) == "3") {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    p.signal(SIGINT);
    Finished f = p.wait();
    auto records = parse_json_lines(f.out);
    auto adds = select(
        records, [](const JsonRecord& r) { return r.str("probe") == "probe_target:pt_add_ints"; });
    auto sleeps = select(
        records, [](const JsonRecord& r) { return r.str("probe") == "probe_target:pt_sleep_ms"; });
    ASSERT_EQ(adds.size(), 3u) << f.out;
    ASSERT_EQ(sleeps.size(), 3u) << f.out;

    EXPECT_EQ(metric_line(text, add_calls), "3") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_calls_total{probe=\"probe_target:pt_sleep_ms\"}"),
              "3");
    EXPECT_EQ(metric_line(
                  text, "probelog_probe_latency_seconds_count{probe=\"probe_target:pt_sleep_ms\"}"),
              "3");
    // Each pt_sleep_ms call sleeps tens of ms: none below 1 ms, all counted by +Inf.
    EXPECT_EQ(metric_line(text,
                          "probelog_probe_latency_seconds_bucket{probe=\"probe_target:pt_sleep_"
                          "ms\",le=\"0.001024\"}"),
              "0")
        << text;
    EXPECT_EQ(metric_line(text,
                          "probelog_probe_latency_seconds_bucket{probe=\"probe_target:pt_sleep_"
                          "ms\",le=\"+Inf\"}"),
              "3");
    double sum = std::stod(metric_line(
        text, "probelog_probe_latency_seconds_sum{probe=\"probe_target:pt_sleep_ms\"}"));
    uint64_t record_sum = 0;
    for (const JsonRecord* r : sleeps)
        record_sum += r->unum("latency_ns");
    EXPECT_NEAR(sum, static_cast<double>(record_sum) / 1e9, 1e-6);
}

// Conditions, messages, rate limits and --hist from a Fluent Bit config's
// ebpf input (keys probe and hist), with the calls a condition filtered out
// and the records a rate limit dropped on /metrics, equal to what the
// records and the exit summary say.
TEST(ProbeMetricsE2E, ClausesFromAFluentBitConfigAreCountedOnMetrics) {
    PROBELOG_REQUIRE_ROOT();
    TempDir dir{"probelog-clauses-config"};
    std::string bin = testprog("probe_clauses");
    std::string conf =
        dir.write("ebpf.conf",
                  "[INPUT]\n"
                  "    Name     ebpf\n"
                  "    poll_ms  20\n"
                  "    hist     on\n"
                  "    probe    " +
                      bin +
                      ":pc_handle { req->method } if req->len > 1000 log \"big {req->method}\"\n"
                      "    probe    " +
                      bin +
                      ":pc_tick(u64 i) rate 100/s\n"
                      "[OUTPUT]\n"
                      "    Name   stdout\n"
                      "    Match  *\n"
                      "    Format json_lines\n");
    Process p({probelog_bin(), "-c", conf, "--metrics", "127.0.0.1:0"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    uint16_t port = metrics_port(p.err());
    ASSERT_NE(port, 0) << p.err();
    constexpr int kTicks = 20000;
    ASSERT_EQ(wait_exit(spawn({bin, "requests"})), 0);
    ASSERT_EQ(wait_exit(spawn({bin, "flood", std::to_string(kTicks)})), 0);

    const std::string handle = "{probe=\"probe_clauses:pc_handle\"}";
    const std::string tick = "{probe=\"probe_clauses:pc_tick\"}";
    std::string text = scrape_until(port, {{"probelog_probe_calls_total" + handle, "8"},
                                           {"probelog_probe_records_total" + handle, "4"},
                                           {"probelog_probe_calls_total" + tick, "20000"}});
    p.signal(SIGINT);
    Finished f = p.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);

    // pc_handle: requests 2, 3, 5 and 7 have len > 1000; each record has its message.
    auto big = select(records, [](const JsonRecord& r) {
        return r.str("event_type") == "probe" && r.str("probe") == "probe_clauses:pc_handle";
    });
    ASSERT_EQ(big.size(), 4u) << f.out;
    EXPECT_EQ(big[0]->str("message"), "big POST");
    EXPECT_EQ(metric_line(text, "probelog_probe_calls_total" + handle), "8") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_filtered_total" + handle), "4") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_records_total" + handle), "4") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_rate_limited_total" + handle), "0") << text;

    // pc_tick: what the rate limit let through plus what it dropped is every call.
    auto ticks = select(records, [](const JsonRecord& r) {
        return r.str("event_type") == "probe" && r.str("probe") == "probe_clauses:pc_tick";
    });
    uint64_t limited = 0;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "lost" && r.str("stage") == "rate_limit")
            limited += r.unum("lost");
    }
    EXPECT_GE(ticks.size(), 100u);
    EXPECT_GT(limited, 0u);
    EXPECT_EQ(ticks.size() + limited, static_cast<uint64_t>(kTicks));
    EXPECT_EQ(metric_line(text, "probelog_probe_calls_total" + tick), "20000") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_filtered_total" + tick), "0") << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_rate_limited_total" + tick),
              std::to_string(limited))
        << text;
    EXPECT_EQ(metric_line(text, "probelog_probe_records_total" + tick),
              std::to_string(ticks.size()))
        << text;
    EXPECT_NE(f.err.find("probe probe_clauses:pc_handle: 8 calls, 4 filtered out by its "
                         "condition, 4 passed: 4 delivered, 0 lost"),
              std::string::npos)
        << f.err;
    EXPECT_NE(f.err.find(fmt::format("probe probe_clauses:pc_tick: {} calls, {} passed: {} "
                                     "delivered, {} rate-limited (100/s), 0 lost",
                                     kTicks, kTicks, ticks.size(), limited)),
              std::string::npos)
        << f.err;
    // hist on: the histograms at exit, one per probe.
    EXPECT_NE(f.err.find("probelog: latency histograms at exit, "), std::string::npos) << f.err;
    EXPECT_NE(f.err.find("@probe_latency_ns[probe_clauses:pc_tick]"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace probelog::test
