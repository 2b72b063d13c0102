// The XDP program loaded in-process and run on hand-built frames with
// BPF_PROG_TEST_RUN: every parse path, the blocklist trie, the counters and
// the first-drop events, exactly, without any network.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/trace_start.hpp"
#include "bpf/xdp.hpp"
#include "support/kernel_harness.hpp"
#include "support/root.hpp"
#include "traces/xdp_trace.hpp"

namespace probelog {
namespace {

constexpr uint32_t kDrop = 1;  // XDP_DROP
constexpr uint32_t kPass = 2;  // XDP_PASS

using Frame = std::vector<uint8_t>;

void put16(Frame& f, uint16_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
}

Frame ethernet(std::initializer_list<uint16_t> ethertypes) {
    Frame f = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    size_t i = 0;
    for (uint16_t t : ethertypes) {
        put16(f, t);
        if (++i < ethertypes.size()) put16(f, 100);  // a VLAN tag's TCI before the next type
    }
    return f;
}

std::array<uint8_t, 16> addr(std::string_view text) {
    return xdp::parse_address(text)->bytes;
}

void udp(Frame& f, uint16_t sport, uint16_t dport, size_t payload) {
    put16(f, sport);
    put16(f, dport);
    put16(f, static_cast<uint16_t>(8 + payload));
    put16(f, 0);
    f.insert(f.end(), payload, 'x');
}

Frame ipv4_udp(std::string_view src, std::string_view dst, size_t payload = 18,
               std::initializer_list<uint16_t> vlans = {}, uint8_t ihl = 5) {
    std::vector<uint16_t> types(vlans);
    types.push_back(0x0800);
    Frame f = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    for (size_t i = 0; i < types.size(); ++i) {
        put16(f, types[i]);
        if (i + 1 < types.size()) put16(f, 100);
    }
    auto s = addr(src), d = addr(dst);
    uint16_t total = static_cast<uint16_t>(ihl * 4 + 8 + payload);
    f.push_back(static_cast<uint8_t>(0x40 | ihl));
    f.push_back(0);
    put16(f, total);
    put16(f, 1);
    put16(f, 0);
    f.push_back(64);
    f.push_back(17);
    put16(f, 0);
    f.insert(f.end(), s.begin() + 12, s.end());
    f.insert(f.end(), d.begin() + 12, d.end());
    for (int i = 5; i < ihl; ++i)
        f.insert(f.end(), {1, 1, 1, 1});  // NOP options
    udp(f, 40000, 53, payload);
    return f;
}

Frame ipv6_udp(std::string_view src, std::string_view dst, size_t payload = 18) {
    Frame f = ethernet({0x86DD});
    f.insert(f.end(), {0x60, 0, 0, 0});
    put16(f, static_cast<uint16_t>(8 + payload));
    f.push_back(17);
    f.push_back(64);
    auto s = addr(src), d = addr(dst);
    f.insert(f.end(), s.begin(), s.end());
    f.insert(f.end(), d.begin(), d.end());
    udp(f, 40001, 5353, payload);
    return f;
}

Frame arp() {
    Frame f = ethernet({0x0806});
    f.insert(f.end(), 28, 0);
    return f;
}

// The XDP program on the harness's runtime, its events read by the pipeline.
struct Loaded {
    test::KernelHarness harness;
    std::optional<bpf::XdpProgram> program;

    void load(uint32_t drop_records_per_sec = 100, uint64_t window_ns = 3'600'000'000'000) {
        ASSERT_TRUE(test::succeeded(harness.open(test::no_filter())));
        auto p =
            bpf::XdpProgram::load(harness.runtime(), {.ifname = "test0",
                                                      .ifindex = 42,
                                                      .max_sources = 64,
                                                      .drop_records_per_sec = drop_records_per_sec,
                                                      .drop_rate_window_ns = window_ns});
        ASSERT_TRUE(p.ok()) << p.error().message;
        program.emplace(std::move(*p));
        ASSERT_TRUE(test::succeeded(harness.collect()));
    }

    uint32_t run(const Frame& f) {
        auto r = program->test_run(f);
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? *r : 0;
    }

    xdp::Snapshot snapshot() {
        auto s = program->snapshot();
        EXPECT_TRUE(s.ok()) << s.error().message;
        return s.ok() ? *s : xdp::Snapshot{};
    }

    // The decoded xdp_drop records since the last call: field -> text.
    std::vector<std::map<std::string, std::string>> drops() {
        harness.clear_records();
        harness.drain();
        EXPECT_EQ(harness.pipeline().counters().invalid, 0u) << "every event decodes";
        std::vector<std::map<std::string, std::string>> out;
        for (const test::SeenRecord& r : harness.records()) {
            std::map<std::string, std::string> m;
            for (const test::SeenField& f : r.fields()) {
                if (f.kind == ValueKind::Uint || f.kind == ValueKind::Str) m[f.name] = f.text();
            }
            out.push_back(m);
        }
        return out;
    }
};

const xdp::SourceCounters* find(const xdp::Snapshot& s, std::string_view a) {
    for (const auto& src : s.sources) {
        if (src.addr == *xdp::parse_address(a)) return &src;
    }
    return nullptr;
}

// Per-cpu rate limits: keeps the test on one cpu while it lives.
class PinnedToCpu0 {
  public:
    PinnedToCpu0() {
        sched_getaffinity(0, sizeof(before_), &before_);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    ~PinnedToCpu0() { sched_setaffinity(0, sizeof(before_), &before_); }
    PinnedToCpu0(const PinnedToCpu0&) = delete;
    PinnedToCpu0& operator=(const PinnedToCpu0&) = delete;

  private:
    cpu_set_t before_{};
};

TEST(XdpKernel, CountsEverySourceAndFamilyExactly) {
    PROBELOG_REQUIRE_ROOT();
    Loaded l;
    ASSERT_NO_FATAL_FAILURE(l.load());
    Frame a = ipv4_udp("10.0.0.1", "10.0.0.100");
    Frame b = ipv6_udp("2001:db8::5", "2001:db8::1", 100);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(l.run(a), kPass);
    EXPECT_EQ(l.run(b), kPass);
    EXPECT_EQ(l.run(arp()), kPass);
    EXPECT_EQ(l.run(arp()), kPass);

    auto s = l.snapshot();
    const auto* sa = find(s, "10.0.0.1");
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(sa->c.pass_packets, 3u);
    EXPECT_EQ(sa->c.pass_bytes, 3 * a.size());
    EXPECT_EQ(sa->c.drop_packets, 0u);
    const auto* sb = find(s, "2001:db8::5");
    ASSERT_NE(sb, nullptr);
    EXPECT_EQ(sb->c.pass_packets, 1u);
    EXPECT_EQ(sb->c.pass_bytes, b.size());
    EXPECT_EQ(s.sources.size(), 2u);
    ASSERT_EQ(s.ethertypes.size(), 1u);
    EXPECT_EQ(s.ethertypes[0].ethertype, 0x0806);
    EXPECT_EQ(s.ethertypes[0].c.pass_packets, 2u);
    EXPECT_EQ(s.totals.packets, 6u);
    EXPECT_EQ(s.totals.bytes, 3 * a.size() + b.size() + 2 * arp().size());
    EXPECT_EQ(s.totals.pass_packets, 6u);
    EXPECT_EQ(s.totals.ipv4_packets, 3u);
    EXPECT_EQ(s.totals.ipv6_packets, 1u);
    EXPECT_EQ(s.totals.other_packets, 2u);
    EXPECT_EQ(s.totals.drop_packets, 0u);
    EXPECT_TRUE(l.drops().empty());
}

TEST(XdpKernel, BlockedPrefixesDropAndTheFirstDropIsAnEvent) {
    PROBELOG_REQUIRE_ROOT();
    PinnedToCpu0 pinned;
    Loaded l;
    ASSERT_NO_FATAL_FAILURE(l.load());
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("10.0.1.0/24")).ok());
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("2001:db8::/32")).ok());

    Frame blocked = ipv4_udp("10.0.1.5", "10.0.0.100");
    EXPECT_EQ(l.run(blocked), kDrop);
    EXPECT_EQ(l.run(blocked), kDrop);
    EXPECT_EQ(l.run(ipv4_udp("10.0.2.5", "10.0.0.100")), kPass);
    EXPECT_EQ(l.run(ipv6_udp("2001:db8::5", "2001:db8::1")), kDrop);
    EXPECT_EQ(l.run(ipv6_udp("2001:db9::5", "2001:db8::1")), kPass);

    auto drops = l.drops();
    ASSERT_EQ(drops.size(), 2u);  // one per source, not per packet
    EXPECT_EQ(drops[0]["src"], "10.0.1.5");
    EXPECT_EQ(drops[0]["dst"], "10.0.0.100");
    EXPECT_EQ(drops[0]["proto"], "udp");
    EXPECT_EQ(drops[0]["sport"], "40000");
    EXPECT_EQ(drops[0]["dport"], "53");
    EXPECT_EQ(drops[0]["rule"], "10.0.1.0/24");
    EXPECT_EQ(drops[0]["interface"], "test0");
    EXPECT_EQ(drops[0]["ifindex"], "42");
    EXPECT_EQ(drops[0]["frame_len"], std::to_string(blocked.size()));
    EXPECT_EQ(drops[0]["pid"], "0");
    EXPECT_EQ(drops[1]["src"], "2001:db8::5");
    EXPECT_EQ(drops[1]["dport"], "5353");
    EXPECT_EQ(drops[1]["rule"], "2001:db8::/32");

    auto s = l.snapshot();
    EXPECT_EQ(find(s, "10.0.1.5")->c.drop_packets, 2u);
    EXPECT_EQ(find(s, "10.0.1.5")->c.drop_bytes, 2 * blocked.size());
    EXPECT_EQ(find(s, "10.0.1.5")->c.pass_packets, 0u);
    EXPECT_EQ(find(s, "10.0.2.5")->c.pass_packets, 1u);
    EXPECT_EQ(s.totals.drop_packets, 3u);
    EXPECT_EQ(s.totals.pass_packets, 2u);
    EXPECT_EQ(s.totals.drop_records, 2u);

    // Unblocked: passes again. Blocked again: a new first drop is reported.
    ASSERT_TRUE(l.program->unblock(*xdp::parse_prefix("10.0.1.0/24")).ok());
    EXPECT_EQ(l.run(blocked), kPass);
    EXPECT_TRUE(l.drops().empty());
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("10.0.1.5")).ok());
    EXPECT_EQ(l.run(blocked), kDrop);
    drops = l.drops();
    ASSERT_EQ(drops.size(), 1u);
    EXPECT_EQ(drops[0]["rule"], "10.0.1.5");
    s = l.snapshot();
    EXPECT_EQ(find(s, "10.0.1.5")->c.pass_packets, 1u);
    EXPECT_EQ(find(s, "10.0.1.5")->c.drop_packets, 3u);
}

TEST(XdpKernel, VlanTagsAreLookedThroughAndShortHeadersPass) {
    PROBELOG_REQUIRE_ROOT();
    Loaded l;
    ASSERT_NO_FATAL_FAILURE(l.load());
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("10.0.1.0/24")).ok());
    EXPECT_EQ(l.run(ipv4_udp("10.0.1.9", "10.0.0.1", 18, {0x8100})), kDrop);
    EXPECT_EQ(l.run(ipv4_udp("10.0.1.9", "10.0.0.1", 18, {0x88A8, 0x8100})), kDrop);
    EXPECT_EQ(l.run(ipv4_udp("10.0.3.9", "10.0.0.1", 18, {0x8100})), kPass);
    // A VLAN-tagged ARP counts as ARP.
    Frame tagged_arp = ethernet({0x8100, 0x0806});
    tagged_arp.insert(tagged_arp.end(), 28, 0);
    EXPECT_EQ(l.run(tagged_arp), kPass);
    // IPv4 ethertype, but the header is cut short: passed, not counted by source.
    Frame cut = ethernet({0x0800});
    cut.insert(cut.end(), {0x45, 0, 0, 20, 0, 1});
    EXPECT_EQ(l.run(cut), kPass);
    // IP options: the ports are found after them.
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("10.0.4.4")).ok());
    EXPECT_EQ(l.run(ipv4_udp("10.0.4.4", "10.0.0.1", 18, {}, 7)), kDrop);

    auto s = l.snapshot();
    EXPECT_EQ(find(s, "10.0.1.9")->c.drop_packets, 2u);
    EXPECT_EQ(find(s, "10.0.3.9")->c.pass_packets, 1u);
    EXPECT_EQ(s.totals.vlan_packets, 4u);
    EXPECT_EQ(s.totals.unparsed_packets, 1u);
    EXPECT_EQ(s.totals.other_packets, 1u);
    ASSERT_EQ(s.ethertypes.size(), 1u);
    EXPECT_EQ(s.ethertypes[0].ethertype, 0x0806);
    auto drops = l.drops();
    ASSERT_EQ(drops.size(), 2u);
    EXPECT_EQ(drops[1]["src"], "10.0.4.4");
    EXPECT_EQ(drops[1]["dport"], "53");
}

TEST(XdpKernel, FirstDropRecordsAreRateLimited) {
    PROBELOG_REQUIRE_ROOT();
    PinnedToCpu0 pinned;
    Loaded l;
    ASSERT_NO_FATAL_FAILURE(l.load(2));
    ASSERT_TRUE(l.program->block(*xdp::parse_prefix("10.0.9.0/24")).ok());
    for (int i = 1; i <= 5; ++i) {
        EXPECT_EQ(l.run(ipv4_udp("10.0.9." + std::to_string(i), "10.0.0.1")), kDrop);
    }
    // Two per window (an hour here, a second normally) on this cpu; the other
    // three are counted, and reported on a later drop once the limit allows.
    EXPECT_EQ(l.drops().size(), 2u);
    auto s = l.snapshot();
    EXPECT_EQ(s.totals.drop_records, 2u);
    EXPECT_EQ(s.totals.drop_records_suppressed, 3u);
    EXPECT_EQ(s.totals.drop_packets, 5u);
}

// --xdp is configured explicitly: if it cannot start, the run does not go on
// without it (unlike a default trace that is unavailable on this kernel).
TEST(XdpKernel, ARequiredTraceThatCannotStartStopsTheStart) {
    PROBELOG_REQUIRE_ROOT();
    test::KernelHarness h;
    ASSERT_TRUE(test::succeeded(h.open(test::no_filter())));
    h.settings().get<XdpSettings>().options.interface = "plxnosuch0";
    std::vector<std::string> reported;
    StartedTraces started = start_traces({"xdp", "exec"}, h.context(),
                                         [&](std::string_view m) { reported.emplace_back(m); });
    ASSERT_TRUE(started.fatal.has_value());
    EXPECT_EQ(started.fatal->message,
              "--xdp: no interface named 'plxnosuch0' here (ip link lists them)");
    EXPECT_TRUE(started.traces.empty());  // exec was not started after it
    EXPECT_TRUE(reported.empty());
}

}  // namespace
}  // namespace probelog
