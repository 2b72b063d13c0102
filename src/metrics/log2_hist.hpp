#pragma once
// A power-of-two histogram of unsigned values (latencies in ns), printed as
// text the way bpftrace prints hist(): one row per bucket from the first to
// the last non-empty one, with a bar scaled to the biggest bucket.
//
//   @probe_latency_ns[sleeps:sleep_us]:
//   [4M, 8M)              20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
//   [8M, 16M)              0 |                                                    |
//   [16M, 32M)             0 |                                                    |
//   [32M, 64M)             5 |@@@@@@@@@@@@@                                       |
//
// Bucket 0 holds 0, bucket 1 holds 1, bucket i (2..64) holds [2^(i-1), 2^i);
// labels use bpftrace's suffixes (K = 2^10, M = 2^20, ... E = 2^60). Adding a
// value is a bit count and an increment: no allocation, so a per-record
// pipeline tap can call it.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace probelog::metrics {

class Log2Hist {
  public:
    static constexpr size_t kBuckets = 65;  // [0], [1], then 63 ranges up to [8E, 16E)

    static constexpr size_t bucket_of(uint64_t value) {
        return static_cast<size_t>(std::bit_width(value));
    }
    // The smallest value of a bucket (0, 1, 2, 4, ...).
    static constexpr uint64_t bucket_low(size_t bucket) {
        return bucket == 0 ? 0 : uint64_t{1} << (bucket - 1);
    }
    // "[0]", "[1]", "[2, 4)", "[512, 1K)", "[1K, 2K)", "[8E, 16E)".
    static std::string label(size_t bucket);

    void add(uint64_t value, uint64_t times = 1) { counts_[bucket_of(value)] += times; }
    uint64_t count(size_t bucket) const { return counts_[bucket]; }
    uint64_t total() const;
    bool empty() const { return total() == 0; }

    // The rows, each ending in '\n' ("" when empty).
    std::string render() const;

  private:
    std::array<uint64_t, kBuckets> counts_{};
};

}  // namespace probelog::metrics
