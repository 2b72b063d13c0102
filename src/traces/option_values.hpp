#pragma once
// Checks shared by the option tables of traces with the same kinds of
// settings (io's and sched's latency thresholds, aggregate intervals and map
// sizes): one wording of each error.

#include <cstdint>
#include <string_view>

#include "common/parse.hpp"
#include "common/result.hpp"

namespace probelog {

// A duration (1ms, 250us, 5s) in ns.
inline Status set_duration_ns(std::string_view value, uint64_t& out) {
    auto d = parse_duration(value);
    if (!d) return Error{d.error().message, ErrorKind::Usage};
    out = static_cast<uint64_t>(d->count());
    return {};
}

// An aggregate interval: a duration of at least 100ms, in ns.
inline Status set_aggregate_interval_ns(std::string_view value, uint64_t& out) {
    uint64_t ns = 0;
    if (Status st = set_duration_ns(value, ns); !st) return st;
    if (ns < 100'000'000) {
        return make_error(ErrorKind::Usage, "'{}' is too short an interval (at least 100ms)",
                          value);
    }
    out = ns;
    return {};
}

// A BPF hash map's size: 1 to 2^20 entries.
inline Status set_map_entries(std::string_view value, uint32_t& out) {
    auto n = parse_uint(value);
    if (!n || *n == 0 || *n > (1u << 20)) {
        return make_error(ErrorKind::Usage, "'{}' is not a number of entries from 1 to 1048576",
                          value);
    }
    out = static_cast<uint32_t>(*n);
    return {};
}

}  // namespace probelog
