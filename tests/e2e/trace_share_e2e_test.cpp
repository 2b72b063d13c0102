// No trace starves another (issue 20): every trace has its own ring buffer,
// so a malloc flood that overflows its ring costs the io trace nothing; and
// --max-rate throttles a flood in the kernel, counted and reported, with no
// gap in the sequence numbers of what it lets through.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

struct Tally {
    uint64_t io = 0;
    std::map<std::string, std::map<std::string, uint64_t>> lost;  // trace -> stage -> count
    std::map<uint64_t, std::set<uint64_t>> malloc_seqs;           // cpu -> seqs delivered
    uint64_t malloc = 0;
};

Tally tally(const std::string& out) {
    Tally t;
    for (const auto& r : parse_json_lines(out)) {
        std::string type = r.str("event_type");
        if (type == "lost") {
            t.lost[r.str("trace")][r.str("stage")] += r.unum("lost");
        } else if (r.str("comm") != "pl_share") {
            continue;
        } else if (type == "io") {
            ++t.io;
        } else if (type == "malloc") {
            ++t.malloc;
            t.malloc_seqs[r.unum("cpu")].insert(r.unum("seq"));
        }
    }
    return t;
}

TEST(TraceShareE2E, AMallocFloodThatFillsItsRingCostsTheIoTraceNothing) {
    PROBELOG_REQUIRE_ROOT();
    constexpr int kReads = 200;
    // probelog is stopped while the program allocates 2 x 20000 times and
    // reads 200 times: the malloc ring (64 KiB) overflows long before the
    // reads come; the io ring holds them all.
    Finished f = run({probelog_bin(), "--trace", "malloc,io", "--io-all-files", "--comm",
                      "pl_share", "--ringbuf-size", "64K", "-o", "json", "-v", "--",
                      testprog("share_flood"), "stop", "20000", std::to_string(kReads)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    Tally t = tally(f.out);
    EXPECT_GT(t.lost["malloc"]["ring_buffer"], 0u) << "the flood should overflow malloc's ring";
    EXPECT_GT(t.malloc, 0u);
    EXPECT_EQ(t.io, static_cast<uint64_t>(kReads)) << f.err;
    EXPECT_EQ(t.lost.count("io"), 0u) << f.err;
    EXPECT_NE(f.err.find(fmt::format("io: {} delivered, 0 lost", kReads)), std::string::npos)
        << f.err;
}

TEST(TraceShareE2E, MaxRateThrottlesAFloodInTheKernelAndSaysSo) {
    PROBELOG_REQUIRE_ROOT();
    constexpr uint64_t kRate = 500;
    constexpr int kReads = 50;
    Finished f =
        run({probelog_bin(), "--trace", "malloc,io", "--io-all-files", "--comm", "pl_share",
             "--max-rate", fmt::format("malloc={}/s", kRate), "-o", "json", "-v", "--",
             testprog("share_flood"), "run", "100000", std::to_string(kReads)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    Tally t = tally(f.out);
    // The flood is far above the rate: most of it is throttled, counted...
    uint64_t throttled = t.lost["malloc"]["max_rate"];
    EXPECT_GT(throttled, 100000u) << f.err;
    EXPECT_EQ(t.lost["malloc"].count("ring_buffer"), 0u) << f.err;
    // ...and what passes is the rate's budget: a second's burst, then the
    // rate for as long as the flood lasts (the run is short: allow 10 s).
    EXPECT_GT(t.malloc, 0u);
    EXPECT_LE(t.malloc, kRate + 10 * kRate) << f.err;
    // Throttled events take no sequence number: each cpu's are 0..n-1.
    for (const auto& [cpu, seqs] : t.malloc_seqs) {
        SCOPED_TRACE(fmt::format("cpu {}", cpu));
        EXPECT_EQ(*seqs.rbegin() + 1, seqs.size());
    }
    // The io trace is not limited and loses nothing.
    EXPECT_EQ(t.io, static_cast<uint64_t>(kReads));
    EXPECT_EQ(t.lost.count("io"), 0u);
    EXPECT_NE(f.err.find(fmt::format("{} throttled (--max-rate)", throttled)), std::string::npos)
        << f.err;
}

// For probes --max-rate is per probe: the rate of each probe without a `rate`
// clause of its own (which wins).
TEST(TraceShareE2E, MaxRateOfProbesIsEachProbesOwnRateUnlessItHasOne) {
    PROBELOG_REQUIRE_ROOT();
    Finished f = run({probelog_bin(), "--probe", "libc:malloc(u64 size)", "--probe",
                      "libc:free(ptr p) rate 5/s", "--max-rate", "probe=100/s", "-o", "json", "--",
                      testprog("share_flood"), "run", "100000", "0"});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    std::map<std::string, uint64_t> records;
    for (const auto& r : parse_json_lines(f.out)) {
        if (r.str("event_type") == "probe") ++records[r.str("probe")];
    }
    // A second's burst, then the rate while the flood lasts (allow 10 s).
    EXPECT_GT(records["libc:malloc"], 0u);
    EXPECT_LE(records["libc:malloc"], 100u + 10 * 100u) << f.err;
    EXPECT_LE(records["libc:free"], 5u + 10 * 5u) << f.err;
    EXPECT_NE(f.err.find("rate-limited (100/s)"), std::string::npos) << f.err;
    EXPECT_NE(f.err.find("rate-limited (5/s)"), std::string::npos) << f.err;
}

TEST(TraceShareE2E, AMaxRateThatIsNotARateIsOneClearError) {
    for (const char* bad : {"malloc=0/s", "malloc=10", "nosuch=10/s", "fast"}) {
        SCOPED_TRACE(bad);
        Finished f = run({probelog_bin(), "--trace", "exec", "--max-rate", bad, "-d", "1s"});
        EXPECT_EQ(f.exit_code, 2) << f.err;
        EXPECT_NE(f.err.find("--max-rate"), std::string::npos) << f.err;
        EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
    }
}

}  // namespace
}  // namespace probelog::test
