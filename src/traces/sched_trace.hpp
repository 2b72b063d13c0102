#pragma once

#include <cstdint>

namespace probelog {

struct SchedSettings {
    uint64_t min_latency_ns = 1'000'000;  // --sched-min-latency: waits at least this long
    uint64_t aggregate_ns = 0;  // --sched-aggregate: per-process totals this often; 0: records
    uint32_t map_size = 10240;  // --sched-map-size: processes per aggregate interval
};

}  // namespace probelog
