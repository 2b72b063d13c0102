#pragma once
// What the xdp trace reports from its maps: the periodic xdp_stats and
// xdp_source records, and the text of `probelog xdp stats` and `list`. Pure:
// works on snapshots of the (per-cpu summed) map contents.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/record.hpp"
#include "xdp/address.hpp"
#include "xdp/blocklist.hpp"

extern "C" {
#include "xdp.h"
}

namespace probelog::xdp {

struct SourceCounters {
    Address addr;
    pl_xdp_counters c{};
};

struct EthertypeCounters {
    uint16_t ethertype = 0;
    pl_xdp_counters c{};
};

struct Snapshot {
    pl_xdp_totals totals{};
    std::vector<SourceCounters> sources;
    std::vector<EthertypeCounters> ethertypes;
};

struct ReportContext {
    std::string_view interface;
    uint32_t ifindex = 0;
    std::string_view mode;  // "native", "generic"
    const Blocklist* blocklist = nullptr;
};

// pass + drop.
inline uint64_t packets_of(const pl_xdp_counters& c) {
    return c.pass_packets + c.drop_packets;
}

class StatsReporter {
  public:
    explicit StatsReporter(uint32_t top) : top_(top) {}

    // One xdp_stats record for the interval since the previous call, then one
    // xdp_source record per top source of that interval (by packets, at most
    // `top`; sources with no packets in the interval are left out).
    void report(const Snapshot& now, const ReportContext& ctx, int64_t realtime_ns,
                int64_t interval_ns, const std::function<void(const Record&)>& emit);

  private:
    uint32_t top_;
    pl_xdp_totals prev_totals_{};
    std::map<Address, pl_xdp_counters> prev_sources_;
    std::map<uint16_t, pl_xdp_counters> prev_ethertypes_;
    Record record_;
};

// `probelog xdp stats`: totals since start, then every source (most packets first).
std::string format_stats(const Snapshot& now, const ReportContext& ctx);
// `probelog xdp list`: "PREFIX ORIGINS" lines.
std::string format_list(const Blocklist& blocklist);

}  // namespace probelog::xdp
