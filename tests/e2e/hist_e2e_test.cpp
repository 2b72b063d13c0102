// --hist and --hist-interval run as a user runs them: the histograms printed
// on stderr against calls of known length (tests/testprogs/sleeps.c), against
// io the test program does, and against the records of the same run.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/log2_hist.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

using metrics::Log2Hist;

// One histogram as printed: count per bucket label, in printed order.
using Rows = std::map<std::string, uint64_t>;

// The histograms of one print ("@name[key]:" then rows up to an empty line).
std::map<std::string, Rows> parse_histograms(const std::string& text) {
    std::map<std::string, Rows> out;
    std::istringstream in(text);
    std::string line;
    std::string title;
    const std::regex row(R"(^(\[[^\]]*[\])]) +(\d+) \|@* *\|$)");
    while (std::getline(in, line)) {
        std::smatch m;
        if (line.starts_with("@") && line.ends_with("]:")) {
            title = line.substr(0, line.size() - 1);
            out[title];
        } else if (line.empty()) {
            title.clear();
        } else if (!title.empty() && std::regex_match(line, m, row)) {
            out[title][m[1]] = std::stoull(m[2]);
        }
    }
    return out;
}

// The text of each print of a run's stderr, from its header line on.
std::vector<std::string> prints(const std::string& err) {
    std::vector<std::string> out;
    const std::string header = "probelog: latency histograms";
    for (size_t pos = err.find(header); pos != std::string::npos;) {
        size_t next = err.find(header, pos + 1);
        out.push_back(err.substr(pos, next == std::string::npos ? next : next - pos));
        pos = next;
    }
    return out;
}

uint64_t total(const Rows& rows) {
    uint64_t n = 0;
    for (const auto& [label, count] : rows)
        n += count;
    return n;
}

// The histogram the records' latencies make, as printed (non-empty rows).
Rows expected_rows(const std::vector<const JsonRecord*>& records) {
    Rows rows;
    for (const JsonRecord* r : records)
        ++rows[Log2Hist::label(Log2Hist::bucket_of(r->unum("latency_ns")))];
    return rows;
}

Rows non_empty(Rows rows) {
    std::erase_if(rows, [](const auto& row) { return row.second == 0; });
    return rows;
}

TEST(HistE2E, ProbeHistogramHoldsTheSleepsInTheirBuckets) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("sleeps");
    Finished f = run({probelog_bin(), "-o", "json", "--hist", "--probe",
                      bin + ":sleep_us(long us) ret:long", "--", bin});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<std::string> all = prints(f.err);
    ASSERT_EQ(all.size(), 1u) << f.err;
    EXPECT_TRUE(all[0].starts_with("probelog: latency histograms at exit, ")) << all[0];
    auto hists = parse_histograms(all[0]);
    ASSERT_EQ(hists.count("@probe_latency_ns[sleeps:sleep_us]"), 1u) << f.err;
    const Rows& rows = hists["@probe_latency_ns[sleeps:sleep_us]"];
    // 20 sleeps of 8.5 ms in [2^23, 2^24) ns, 5 of 34 ms in [2^25, 2^26), the
    // empty bucket between them printed as 0 (see sleeps.c for the margins).
    EXPECT_EQ(rows, (Rows{{"[8M, 16M)", 20}, {"[16M, 32M)", 0}, {"[32M, 64M)", 5}})) << all[0];
    // And exactly what the records of the same calls say.
    auto records = parse_json_lines(f.out);
    auto calls = select(records, [](const JsonRecord& r) {
        return r.str("probe") == "sleeps:sleep_us" && r.has("latency_ns");
    });
    ASSERT_EQ(calls.size(), 25u) << f.out;
    EXPECT_EQ(non_empty(rows), expected_rows(calls));
}

TEST(HistE2E, SplitModeTimesTheReturnRecordsOnly) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("sleeps");
    Finished f = run({probelog_bin(), "-o", "json", "--hist", "--probe-mode", "split", "--probe",
                      bin + ":sleep_us(long us) ret:long", "--", bin});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto hists = parse_histograms(f.err);
    Rows& rows = hists["@probe_latency_ns[sleeps:sleep_us]"];
    EXPECT_EQ(total(rows), 25u) << f.err;
    EXPECT_EQ(rows["[8M, 16M)"], 20u) << f.err;
    EXPECT_EQ(rows["[32M, 64M)"], 5u) << f.err;
}

TEST(HistE2E, IoHistogramPerOperationMatchesTheRecords) {
    PROBELOG_REQUIRE_ROOT();
    std::string fifo = "/tmp/" + unique_token("hist") + ".fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    // A read that waits 50 ms for the writer ([2^25, 2^26) ns), a fast one, a write.
    Finished f = run({probelog_bin(), "--trace", "io", "-o", "json", "--hist", "--io-all-files",
                      "--", testprog("io_ops"), "slow", fifo, "50"});
    unlink(fifo.c_str());
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto hists = parse_histograms(f.err);
    auto records = parse_json_lines(f.out);
    std::map<std::string, std::vector<const JsonRecord*>> by_op;
    for (const JsonRecord& r : records) {
        if (r.str("event_type") == "io") by_op[r.str("operation")].push_back(&r);
    }
    ASSERT_GE(by_op["read"].size(), 2u) << f.out;
    ASSERT_GE(by_op["write"].size(), 1u) << f.out;
    for (const auto& [op, calls] : by_op) {
        SCOPED_TRACE(op);
        std::string title = fmt::format("@io_latency_ns[{}]", op);
        ASSERT_EQ(hists.count(title), 1u) << f.err;
        EXPECT_EQ(non_empty(hists[title]), expected_rows(calls)) << f.err;
    }
    EXPECT_EQ(hists.size(), by_op.size()) << f.err;
    EXPECT_GE(hists["@io_latency_ns[read]"]["[32M, 64M)"], 1u) << f.err;
}

TEST(HistE2E, IntervalPrintsAreCumulativeThenOneAtExit) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("sleeps");
    Process p({probelog_bin(), "-o", "json", "--hist-interval", "1s", "--duration", "3500ms",
               "--probe", bin + ":sleep_us(long us) ret:long"});
    ASSERT_TRUE(p.wait_for_stderr("Ctrl-C to stop")) << p.err();
    ASSERT_EQ(wait_exit(spawn({bin})), 0);
    Finished f = p.wait();
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::vector<std::string> all = prints(f.err);
    // At about 1s, 2s and 3s, then at exit (a loaded machine may drop one).
    ASSERT_GE(all.size(), 3u) << f.err;
    ASSERT_LE(all.size(), 4u) << f.err;
    for (size_t i = 0; i + 1 < all.size(); ++i)
        EXPECT_TRUE(all[i].starts_with("probelog: latency histograms, ")) << all[i];
    EXPECT_TRUE(all.back().starts_with("probelog: latency histograms at exit, ")) << all.back();
    // The calls took well under a second: the prints from 2s on hold all 25.
    for (size_t i = all.size() - 2; i < all.size(); ++i) {
        auto hists = parse_histograms(all[i]);
        EXPECT_EQ(total(hists["@probe_latency_ns[sleeps:sleep_us]"]), 25u) << all[i];
    }
}

TEST(HistE2E, NoProbeOrIoTraceIsANoteNotSilence) {
    PROBELOG_REQUIRE_ROOT();
    Finished f =
        run({probelog_bin(), "--trace", "exec", "-o", "json", "--hist", "--duration", "200ms"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    EXPECT_NE(f.err.find("probelog: --hist: no probe or io trace is running: no latencies to "
                         "histogram\n"),
              std::string::npos)
        << f.err;
    EXPECT_TRUE(prints(f.err).empty()) << f.err;
}

TEST(HistE2E, ABadIntervalIsOneErrorLine) {
    // A usage error: no root needed, nothing attached.
    Finished f = run({probelog_bin(), "--hist-interval", "0s"});
    EXPECT_EQ(f.exit_code, 2) << f.err;
    EXPECT_EQ(f.err,
              "probelog: --hist-interval: '0s' is not a positive duration (examples: 500ms, 5s, "
              "1m)\n");
}

}  // namespace
}  // namespace probelog::test
