#include "decode/kernel_hist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>

namespace probelog::decode {
namespace {

constexpr size_t kMaxBuckets = 64;

// Lower bounds of the buckets, as text ("0", "2", "4", ... "2147483648").
const std::array<std::string, kMaxBuckets>& bucket_labels() {
    static const auto labels = [] {
        std::array<std::string, kMaxBuckets> out;
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = i == 0 ? "0" : std::to_string(uint64_t{1} << i);
        return out;
    }();
    return labels;
}

}  // namespace

uint64_t kernel_hist_quantile(std::span<const KernelCount> hist, uint64_t count, uint64_t max,
                              double p) {
    if (count == 0) return 0;
    auto want = static_cast<uint64_t>(static_cast<double>(count) * p + 0.999999);
    uint64_t seen = 0;
    for (size_t i = 0; i < hist.size() && i < kMaxBuckets - 1; ++i) {
        seen += hist[i];
        if (seen >= want) return std::min<uint64_t>((uint64_t{1} << (i + 1)) - 1, max);
    }
    return max;
}

void add_kernel_hist(Record& out, std::string_view name, std::span<const KernelCount> hist) {
    size_t buckets = std::min(hist.size(), kMaxBuckets);
    size_t room = 0;
    for (size_t i = 0; i < buckets; ++i)
        room += hist[i] != 0 ? bucket_labels()[i].size() + 22 : 0;
    std::span<char> buf = out.store_begin(room);
    size_t used = 0;
    uint32_t entries = 0;
    for (size_t i = 0; i < buckets; ++i) {
        if (hist[i] == 0) continue;
        auto r = fmt::format_to_n(buf.data() + used, buf.size() - used, "{}:{}", bucket_labels()[i],
                                  hist[i]);
        if (r.size + 1 > buf.size() - used) break;
        used += r.size;
        buf[used++] = '\0';
        ++entries;
    }
    out.add_str_list(name, out.store_commit(used), entries);
}

}  // namespace probelog::decode
