// Per-probe call counts and latency histograms on /metrics, scraped while
// probelog runs, against the records it wrote.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

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

TEST(ProbeMetricsE2E, CallCountsAndLatencyHistogramsPerProbe) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_target");
    Process p({probelog_bin(), "-o", "json", "--poll-ms", "20", "--metrics", "127.0.0.1:0",
               "--probe", bin + ":pt_add_ints(int a, int b) ret:int", "--probe",
               bin + ":pt_sleep_ms(int ms) ret:int"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    std::smatch m;
    std::string err = p.err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex("metrics at http://127.0.0.1:(\\d+)/metrics")))
        << err;
    auto port = static_cast<uint16_t>(std::stoi(m[1]));
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

}  // namespace
}  // namespace probelog::test
