// metrics/log2_hist: which bucket a value lands in (exact at the powers of
// two), bpftrace's labels, and the rendered rows.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "metrics/log2_hist.hpp"

namespace probelog::metrics {
namespace {

TEST(Log2Hist, BucketsAreExactAtPowersOfTwo) {
    EXPECT_EQ(Log2Hist::bucket_of(0), 0u);
    EXPECT_EQ(Log2Hist::bucket_of(1), 1u);
    EXPECT_EQ(Log2Hist::bucket_of(2), 2u);
    EXPECT_EQ(Log2Hist::bucket_of(3), 2u);
    EXPECT_EQ(Log2Hist::bucket_of(4), 3u);
    EXPECT_EQ(Log2Hist::bucket_of(1023), 10u);
    EXPECT_EQ(Log2Hist::bucket_of(1024), 11u);
    EXPECT_EQ(Log2Hist::bucket_of(2'097'151), 21u);  // 2^21 - 1: [1M, 2M)
    EXPECT_EQ(Log2Hist::bucket_of(2'097'152), 22u);  // 2^21: [2M, 4M)
    EXPECT_EQ(Log2Hist::bucket_of((uint64_t{1} << 63) - 1), 63u);
    EXPECT_EQ(Log2Hist::bucket_of(uint64_t{1} << 63), 64u);
    EXPECT_EQ(Log2Hist::bucket_of(std::numeric_limits<uint64_t>::max()), 64u);
    EXPECT_EQ(Log2Hist::kBuckets, 65u);
    // Every bucket starts at its low bound and ends just before the next one's.
    for (size_t i = 1; i < Log2Hist::kBuckets; ++i) {
        EXPECT_EQ(Log2Hist::bucket_of(Log2Hist::bucket_low(i)), i);
        EXPECT_EQ(Log2Hist::bucket_of(Log2Hist::bucket_low(i) - 1), i - 1);
    }
}

TEST(Log2Hist, LabelsAreBpftraces) {
    EXPECT_EQ(Log2Hist::label(0), "[0]");
    EXPECT_EQ(Log2Hist::label(1), "[1]");
    EXPECT_EQ(Log2Hist::label(2), "[2, 4)");
    EXPECT_EQ(Log2Hist::label(10), "[512, 1K)");
    EXPECT_EQ(Log2Hist::label(11), "[1K, 2K)");
    EXPECT_EQ(Log2Hist::label(20), "[512K, 1M)");
    EXPECT_EQ(Log2Hist::label(22), "[2M, 4M)");
    EXPECT_EQ(Log2Hist::label(31), "[1G, 2G)");
    EXPECT_EQ(Log2Hist::label(41), "[1T, 2T)");
    EXPECT_EQ(Log2Hist::label(51), "[1P, 2P)");
    EXPECT_EQ(Log2Hist::label(61), "[1E, 2E)");
    EXPECT_EQ(Log2Hist::label(64), "[8E, 16E)");
}

TEST(Log2Hist, CountsAndTotal) {
    Log2Hist h;
    EXPECT_TRUE(h.empty());
    h.add(0);
    h.add(3);
    h.add(2);
    h.add(uint64_t{1} << 63);
    h.add(1024, 5);
    EXPECT_EQ(h.count(0), 1u);
    EXPECT_EQ(h.count(2), 2u);
    EXPECT_EQ(h.count(11), 5u);
    EXPECT_EQ(h.count(64), 1u);
    EXPECT_EQ(h.total(), 9u);
    EXPECT_FALSE(h.empty());
}

TEST(Log2Hist, RendersFromTheFirstToTheLastNonEmptyBucketScaledToTheBiggest) {
    Log2Hist h;
    EXPECT_EQ(h.render(), "");
    for (int i = 0; i < 20; ++i)
        h.add(2'500'000);  // [2M, 4M)
    h.add(1'500'000);      // [1M, 2M)
    for (int i = 0; i < 5; ++i)
        h.add(20'000'000);  // [16M, 32M); [4M, 8M) and [8M, 16M) are empty rows
    EXPECT_EQ(h.render(),
              "[1M, 2M)               1 |@@                                                  |\n"
              "[2M, 4M)              20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "[4M, 8M)               0 |                                                    |\n"
              "[8M, 16M)              0 |                                                    |\n"
              "[16M, 32M)             5 |@@@@@@@@@@@@@                                       |\n");
}

TEST(Log2Hist, RendersZeroOneAndTheLargestBucket) {
    Log2Hist h;
    h.add(0);
    h.add(1);
    EXPECT_EQ(h.render(),
              "[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
              "[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
    Log2Hist top;
    top.add(std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max() - 1);
    top.add(uint64_t{1} << 62);
    EXPECT_EQ(top.render(),
              "[4E, 8E)               1 |                                                    |\n"
              "[8E, 16E)       18446744073709551614 "
              "|@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
}

}  // namespace
}  // namespace probelog::metrics
