#pragma once
// The log2 latency histograms that aggregate modes keep in BPF maps (io's and
// sched's: bucket i counts [2^i, 2^(i+1)) ns, bucket 0 also 0 and 1, the last
// bucket is open), made into record fields.

#include <cstdint>
#include <span>
#include <string_view>

#include "pipeline/record.hpp"

namespace probelog::decode {

// A bucket count as the BPF maps hold it (__u64).
using KernelCount = unsigned long long;  // NOLINT(google-runtime-int)

// The upper bound of the bucket holding the p-th quantile of `count` values,
// capped at `max` (the largest value seen).
uint64_t kernel_hist_quantile(std::span<const KernelCount> hist, uint64_t count, uint64_t max,
                              double p);

// Adds `name` as a string list "LOW:COUNT" per non-empty bucket [LOW, 2*LOW) ns,
// in the record's arena (no allocation).
void add_kernel_hist(Record& out, std::string_view name, std::span<const KernelCount> hist);

}  // namespace probelog::decode
