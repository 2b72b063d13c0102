#include "xdp/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace probelog::xdp {
namespace {

// Counters that may have restarted (a source evicted from the LRU table and
// seen again): a drop below the previous value means "since it came back".
uint64_t delta(uint64_t now, uint64_t before) {
    return now >= before ? now - before : now;
}

pl_xdp_counters delta(const pl_xdp_counters& now, const pl_xdp_counters& before) {
    if (packets_of(now) < packets_of(before)) return now;
    return pl_xdp_counters{
        .pass_packets = delta(now.pass_packets, before.pass_packets),
        .pass_bytes = delta(now.pass_bytes, before.pass_bytes),
        .drop_packets = delta(now.drop_packets, before.drop_packets),
        .drop_bytes = delta(now.drop_bytes, before.drop_bytes),
    };
}

// Packs strings for a StrList value into the record's arena.
std::string_view pack(Record& r, const std::vector<std::string>& items, uint32_t& count) {
    std::string packed;
    count = 0;
    for (const std::string& s : items) {
        if (packed.size() + s.size() + 1 > Record::kArenaSize / 2) break;
        packed += s;
        packed.push_back('\0');
        ++count;
    }
    return r.store(packed);
}

void add_common(Record& r, std::string_view type, const ReportContext& ctx, int64_t now) {
    begin_record(r, type, PL_TRACE_XDP, now);
    r.add_str("interface", ctx.interface);
    r.add_uint("ifindex", ctx.ifindex, kHideInTable);
}

struct Ranked {
    const SourceCounters* source;
    pl_xdp_counters d;
};

}  // namespace

void StatsReporter::report(const Snapshot& now, const ReportContext& ctx, int64_t realtime_ns,
                           int64_t interval_ns, const std::function<void(const Record&)>& emit) {
    const pl_xdp_totals& t = now.totals;
    const pl_xdp_totals& p = prev_totals_;

    std::vector<Ranked> ranked;
    std::map<Address, pl_xdp_counters> seen;
    for (const SourceCounters& s : now.sources) {
        auto prev = prev_sources_.find(s.addr);
        pl_xdp_counters d = prev == prev_sources_.end() ? s.c : delta(s.c, prev->second);
        if (packets_of(d) > 0) ranked.push_back({&s, d});
        seen.emplace(s.addr, s.c);
    }
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
        uint64_t pa = packets_of(a.d), pb = packets_of(b.d);
        if (pa != pb) return pa > pb;
        uint64_t ba = a.d.pass_bytes + a.d.drop_bytes, bb = b.d.pass_bytes + b.d.drop_bytes;
        if (ba != bb) return ba > bb;
        return a.source->addr < b.source->addr;
    });
    if (ranked.size() > top_) ranked.resize(top_);

    std::vector<std::string> ethertypes;
    std::map<uint16_t, pl_xdp_counters> seen_types;
    for (const EthertypeCounters& e : now.ethertypes) {
        auto prev = prev_ethertypes_.find(e.ethertype);
        pl_xdp_counters d = prev == prev_ethertypes_.end() ? e.c : delta(e.c, prev->second);
        if (packets_of(d) > 0)
            ethertypes.push_back(fmt::format("0x{:04x}={}", e.ethertype, packets_of(d)));
        seen_types.emplace(e.ethertype, e.c);
    }

    Record& r = record_;
    add_common(r, "xdp_stats", ctx, realtime_ns);
    r.add_str("mode", ctx.mode);
    r.add_uint("interval_ms", static_cast<uint64_t>(std::max<int64_t>(interval_ns, 0) / 1000000));
    r.add_uint("packets", delta(t.packets, p.packets));
    r.add_uint("bytes", delta(t.bytes, p.bytes));
    r.add_uint("pass_packets", delta(t.pass_packets, p.pass_packets));
    r.add_uint("pass_bytes", delta(t.pass_bytes, p.pass_bytes), kHideInTable);
    r.add_uint("drop_packets", delta(t.drop_packets, p.drop_packets));
    r.add_uint("drop_bytes", delta(t.drop_bytes, p.drop_bytes), kHideInTable);
    r.add_uint("ipv4_packets", delta(t.ipv4_packets, p.ipv4_packets), kHideInTable);
    r.add_uint("ipv6_packets", delta(t.ipv6_packets, p.ipv6_packets), kHideInTable);
    r.add_uint("other_packets", delta(t.other_packets, p.other_packets), kHideInTable);
    r.add_uint("unparsed_packets", delta(t.unparsed_packets, p.unparsed_packets), kHideInTable);
    r.add_uint("vlan_packets", delta(t.vlan_packets, p.vlan_packets), kHideInTable);
    uint32_t count = 0;
    std::string_view packed = pack(r, ethertypes, count);
    r.add_str_list("ethertypes", packed, count, kHideInTable);
    r.add_uint("packets_total", t.packets);
    r.add_uint("drop_packets_total", t.drop_packets);
    r.add_uint("sources", now.sources.size());
    r.add_uint("blocklist", ctx.blocklist != nullptr ? ctx.blocklist->size() : 0);
    std::vector<std::string> top;
    top.reserve(ranked.size());
    for (const Ranked& k : ranked)
        top.push_back(to_string(k.source->addr));
    packed = pack(r, top, count);
    r.add_str_list("top_sources", packed, count);
    r.add_uint("source_untracked_total", t.source_untracked, kHideInTable);
    r.add_uint("ethertype_untracked_total", t.ethertype_untracked, kHideInTable);
    r.add_uint("drop_records_suppressed_total", t.drop_records_suppressed, kHideInTable);
    emit(r);

    uint64_t rank = 0;
    for (const Ranked& k : ranked) {
        const SourceCounters& s = *k.source;
        add_common(r, "xdp_source", ctx, realtime_ns);
        r.add_uint("rank", ++rank);
        r.add_str("src", r.store(to_string(s.addr)));
        r.add_str("family", family_name(s.addr.family), kHideInTable);
        r.add_uint("packets", packets_of(k.d));
        r.add_uint("pass_packets", k.d.pass_packets);
        r.add_uint("pass_bytes", k.d.pass_bytes, kHideInTable);
        r.add_uint("drop_packets", k.d.drop_packets);
        r.add_uint("drop_bytes", k.d.drop_bytes, kHideInTable);
        r.add_uint("pass_packets_total", s.c.pass_packets, kHideInTable);
        r.add_uint("pass_bytes_total", s.c.pass_bytes, kHideInTable);
        r.add_uint("drop_packets_total", s.c.drop_packets, kHideInTable);
        r.add_uint("drop_bytes_total", s.c.drop_bytes, kHideInTable);
        auto rule = ctx.blocklist != nullptr ? ctx.blocklist->match(s.addr) : std::nullopt;
        r.add_bool("blocked", rule.has_value());
        if (rule) r.add_str("rule", r.store(to_string(*rule)));
        emit(r);
    }

    prev_totals_ = t;
    prev_sources_ = std::move(seen);
    prev_ethertypes_ = std::move(seen_types);
}

std::string format_stats(const Snapshot& now, const ReportContext& ctx) {
    const pl_xdp_totals& t = now.totals;
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "interface {} (ifindex {}), {} mode, {} blocklist entries, {} sources\n",
                   ctx.interface, ctx.ifindex, ctx.mode,
                   ctx.blocklist != nullptr ? ctx.blocklist->size() : 0, now.sources.size());
    fmt::format_to(it, "packets {} bytes {}: passed {} ({} bytes), dropped {} ({} bytes)\n",
                   t.packets, t.bytes, t.pass_packets, t.pass_bytes, t.drop_packets, t.drop_bytes);
    fmt::format_to(it, "ipv4 {}, ipv6 {}, other {}, unparsed {}, vlan-tagged {}\n", t.ipv4_packets,
                   t.ipv6_packets, t.other_packets, t.unparsed_packets, t.vlan_packets);
    if (t.source_untracked != 0 || t.ethertype_untracked != 0) {
        fmt::format_to(it, "not counted by source: {}, by ethertype: {} (tables full)\n",
                       t.source_untracked, t.ethertype_untracked);
    }
    if (t.drop_records_suppressed != 0) {
        fmt::format_to(it, "xdp_drop records suppressed by the rate limit: {}\n",
                       t.drop_records_suppressed);
    }
    std::vector<const EthertypeCounters*> types;
    types.reserve(now.ethertypes.size());
    for (const EthertypeCounters& e : now.ethertypes)
        types.push_back(&e);
    std::sort(types.begin(), types.end(),
              [](auto* a, auto* b) { return a->ethertype < b->ethertype; });
    for (const EthertypeCounters* e : types) {
        fmt::format_to(it, "ethertype 0x{:04x}: {} packets, {} bytes\n", e->ethertype,
                       e->c.pass_packets, e->c.pass_bytes);
    }
    std::vector<const SourceCounters*> sources;
    sources.reserve(now.sources.size());
    for (const SourceCounters& s : now.sources)
        sources.push_back(&s);
    std::sort(sources.begin(), sources.end(), [](auto* a, auto* b) {
        if (packets_of(a->c) != packets_of(b->c)) return packets_of(a->c) > packets_of(b->c);
        return a->addr < b->addr;
    });
    fmt::format_to(it, "{:<39} {:>12} {:>14} {:>12} {:>14}  {}\n", "SOURCE", "PASS_PACKETS",
                   "PASS_BYTES", "DROP_PACKETS", "DROP_BYTES", "BLOCKED_BY");
    for (const SourceCounters* s : sources) {
        auto rule = ctx.blocklist != nullptr ? ctx.blocklist->match(s->addr) : std::nullopt;
        fmt::format_to(it, "{:<39} {:>12} {:>14} {:>12} {:>14}  {}\n", to_string(s->addr),
                       s->c.pass_packets, s->c.pass_bytes, s->c.drop_packets, s->c.drop_bytes,
                       rule ? to_string(*rule) : "-");
    }
    return out;
}

std::string format_list(const Blocklist& blocklist) {
    std::string out;
    for (const auto& [prefix, origins] : blocklist.entries()) {
        out += fmt::format("{:<43} {}\n", to_string(prefix), origin_names(origins));
    }
    return out;
}

}  // namespace probelog::xdp
