// Exact loss accounting, end to end: two threads pinned to cpus 0 and 1 flood
// a one-page ring buffer while probelog is stopped (tests/testprogs/flood.c).
// Every event the kernel generated is either a record or counted in a `lost`
// record of its cpu, and the gaps in each cpu's sequence numbers are exactly
// the losses reported for that cpu.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>

#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"

namespace probelog::test {
namespace {

TEST(LossE2E, TwoCpusFloodingATinyRingLoseOnlyWhatTheyReport) {
    PROBELOG_REQUIRE_ROOT();
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "needs cpus 0 and 1";
    constexpr uint64_t kPhase1 = 2000;   // per cpu, while probelog is stopped
    constexpr uint64_t kPhase2 = 20000;  // per cpu, while it reads
    constexpr uint64_t kPerCpu = kPhase1 + kPhase2;
    Finished f = run({probelog_bin(), "--trace", "io", "--io-all-files", "--comm", "pl_flood",
                      "--ringbuf-size", "4096", "-o", "json", "-v", "--", testprog("flood"),
                      std::to_string(kPhase1), std::to_string(kPhase2)});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    auto records = parse_json_lines(f.out);

    std::map<uint64_t, std::set<uint64_t>> seqs;  // cpu -> sequence numbers delivered
    std::map<uint64_t, uint64_t> lost;            // cpu -> losses reported
    uint64_t delivered = 0;
    for (const auto& r : records) {
        if (r.str("event_type") == "io") {
            ASSERT_EQ(r.str("comm"), "pl_flood") << r.line();
            ASSERT_LT(r.unum("seq"), kPerCpu) << r.line();
            EXPECT_TRUE(seqs[r.unum("cpu")].insert(r.unum("seq")).second)
                << "duplicate: " << r.line();
            ++delivered;
        } else if (r.str("event_type") == "lost") {
            ASSERT_EQ(r.str("trace"), "io") << r.line();
            ASSERT_EQ(r.str("stage"), "ring_buffer") << r.line();
            EXPECT_EQ(r.unum("map_full"), 0u) << r.line();
            lost[r.unum("cpu")] += r.unum("lost");
        }
    }
    ASSERT_EQ(seqs.size(), 2u) << "records from cpus 0 and 1 only";
    uint64_t lost_total = 0;
    for (uint64_t cpu : {0u, 1u}) {
        SCOPED_TRACE(fmt::format("cpu {}", cpu));
        const std::set<uint64_t>& seen = seqs[cpu];
        // The sequence numbers 0..kPerCpu-1 that never arrived: the gaps.
        uint64_t gaps = kPerCpu - seen.size();
        EXPECT_GT(lost[cpu], 0u) << "the ring buffer should have overflowed on this cpu";
        EXPECT_EQ(gaps, lost[cpu]);
        EXPECT_EQ(seen.size() + lost[cpu], kPerCpu);
        lost_total += lost[cpu];
    }
    EXPECT_EQ(delivered + lost_total, 2 * kPerCpu);
    EXPECT_NE(f.err.find(fmt::format("io: {} delivered, {} lost of {} generated", delivered,
                                     lost_total, 2 * kPerCpu)),
              std::string::npos)
        << f.err;
}

}  // namespace
}  // namespace probelog::test
