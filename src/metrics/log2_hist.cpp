#include "metrics/log2_hist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <numeric>

namespace probelog::metrics {
namespace {

constexpr size_t kBarWidth = 52;  // bpftrace's

// 2^power as bpftrace writes it: 512, 1K, 2M, 16E.
std::string power_text(size_t power) {
    constexpr char kSuffixes[] = {'\0', 'K', 'M', 'G', 'T', 'P', 'E'};
    size_t unit = std::min<size_t>(power / 10, 6);
    uint64_t mantissa = uint64_t{1} << (power - unit * 10);
    if (unit == 0) return fmt::format("{}", mantissa);
    return fmt::format("{}{}", mantissa, kSuffixes[unit]);
}

}  // namespace

std::string Log2Hist::label(size_t bucket) {
    if (bucket <= 1) return fmt::format("[{}]", bucket);
    return fmt::format("[{}, {})", power_text(bucket - 1), power_text(bucket));
}

uint64_t Log2Hist::total() const {
    return std::accumulate(counts_.begin(), counts_.end(), uint64_t{0});
}

std::string Log2Hist::render() const {
    size_t first = kBuckets;
    size_t last = 0;
    uint64_t biggest = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
        if (counts_[i] == 0) continue;
        first = std::min(first, i);
        last = i;
        biggest = std::max(biggest, counts_[i]);
    }
    std::string out;
    if (biggest == 0) return out;
    for (size_t i = first; i <= last; ++i) {
        // In doubles: a count near 2^64 times the width would overflow; an
        // exact quotient (the biggest bucket's full bar) stays exact.
        auto width = static_cast<size_t>(static_cast<double>(counts_[i]) * kBarWidth /
                                         static_cast<double>(biggest));
        fmt::format_to(std::back_inserter(out), "{:<16}{:>8} |{:<{}}|\n", label(i), counts_[i],
                       std::string(width, '@'), kBarWidth);
    }
    return out;
}

}  // namespace probelog::metrics
