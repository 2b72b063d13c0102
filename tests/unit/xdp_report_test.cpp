// The xdp_stats / xdp_source records and the `probelog xdp stats` text, from
// hand-made snapshots of the kernel counters.
#include <gtest/gtest.h>

#include "xdp/report.hpp"

namespace probelog::xdp {
namespace {

SourceCounters src(std::string_view addr, uint64_t pass, uint64_t pass_bytes, uint64_t drop = 0,
                   uint64_t drop_bytes = 0) {
    return SourceCounters{*parse_address(addr), {pass, pass_bytes, drop, drop_bytes}};
}

struct Captured {
    std::string event_type;
    std::map<std::string, std::string> fields;
};

std::string value_text(const Value& v) {
    switch (v.kind) {
        case ValueKind::Uint:
            return std::to_string(v.u);
        case ValueKind::Bool:
            return v.b ? "true" : "false";
        case ValueKind::Str:
            return std::string(v.str);
        case ValueKind::StrList: {
            std::string out;
            StrListView(v.str, v.count).for_each([&](std::string_view s) {
                out += out.empty() ? "" : ",";
                out += s;
            });
            return "[" + out + "]";
        }
        default:
            return "?";
    }
}

std::vector<Captured> run(StatsReporter& reporter, const Snapshot& snap, const Blocklist& bl) {
    std::vector<Captured> out;
    ReportContext ctx{.interface = "veth0", .ifindex = 7, .mode = "native", .blocklist = &bl};
    reporter.report(snap, ctx, 1'000'000'000, 2'000'000'000, [&](const Record& r) {
        Captured c{std::string(r.event_type()), {}};
        for (const Field& f : r.fields())
            c.fields[std::string(f.name)] = value_text(f.value);
        out.push_back(c);
    });
    return out;
}

TEST(XdpReport, StatsThenTopSourcesOfTheInterval) {
    Blocklist bl(10);
    ASSERT_TRUE(bl.add(std::vector<Prefix>{*parse_prefix("10.0.0.0/24")}, kOriginCli).ok());
    StatsReporter reporter(2);
    Snapshot s;
    s.totals.packets = 16;
    s.totals.bytes = 1600;
    s.totals.pass_packets = 11;
    s.totals.drop_packets = 5;
    s.totals.other_packets = 1;
    s.sources = {src("10.0.0.1", 0, 0, 5, 500), src("10.0.1.1", 7, 700),
                 src("2001:db8::1", 3, 300)};
    s.ethertypes = {{0x0806, {1, 42, 0, 0}}};
    auto recs = run(reporter, s, bl);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].event_type, "xdp_stats");
    EXPECT_EQ(recs[0].fields["interface"], "veth0");
    EXPECT_EQ(recs[0].fields["mode"], "native");
    EXPECT_EQ(recs[0].fields["interval_ms"], "2000");
    EXPECT_EQ(recs[0].fields["packets"], "16");
    EXPECT_EQ(recs[0].fields["drop_packets"], "5");
    EXPECT_EQ(recs[0].fields["sources"], "3");
    EXPECT_EQ(recs[0].fields["blocklist"], "1");
    EXPECT_EQ(recs[0].fields["ethertypes"], "[0x0806=1]");
    EXPECT_EQ(recs[0].fields["top_sources"], "[10.0.1.1,10.0.0.1]");
    EXPECT_EQ(recs[1].event_type, "xdp_source");
    EXPECT_EQ(recs[1].fields["rank"], "1");
    EXPECT_EQ(recs[1].fields["src"], "10.0.1.1");
    EXPECT_EQ(recs[1].fields["pass_packets"], "7");
    EXPECT_EQ(recs[1].fields["blocked"], "false");
    EXPECT_EQ(recs[1].fields.count("rule"), 0u);
    EXPECT_EQ(recs[2].fields["src"], "10.0.0.1");
    EXPECT_EQ(recs[2].fields["drop_packets"], "5");
    EXPECT_EQ(recs[2].fields["drop_bytes"], "500");
    EXPECT_EQ(recs[2].fields["blocked"], "true");
    EXPECT_EQ(recs[2].fields["rule"], "10.0.0.0/24");

    // Next interval: only 2001:db8::1 sent more; totals are cumulative, the rest deltas.
    s.totals.packets = 20;
    s.sources = {src("10.0.0.1", 0, 0, 5, 500), src("10.0.1.1", 7, 700),
                 src("2001:db8::1", 7, 700)};
    recs = run(reporter, s, bl);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].fields["packets"], "4");
    EXPECT_EQ(recs[0].fields["packets_total"], "20");
    EXPECT_EQ(recs[0].fields["ethertypes"], "[]");
    EXPECT_EQ(recs[0].fields["top_sources"], "[2001:db8::1]");
    EXPECT_EQ(recs[1].fields["src"], "2001:db8::1");
    EXPECT_EQ(recs[1].fields["packets"], "4");
    EXPECT_EQ(recs[1].fields["pass_packets_total"], "7");
    EXPECT_EQ(recs[1].fields["family"], "ipv6");

    // A source evicted and seen again restarts from zero: its new count is the delta.
    s.sources = {src("10.0.1.1", 2, 200)};
    recs = run(reporter, s, bl);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].fields["packets"], "2");
}

TEST(XdpReport, StatsTextHasOneLinePerSourceMostPacketsFirst) {
    Blocklist bl(10);
    ASSERT_TRUE(bl.add(std::vector<Prefix>{*parse_prefix("10.0.0.1")}, kOriginLive).ok());
    Snapshot s;
    s.totals.packets = 12;
    s.sources = {src("10.0.0.1", 0, 0, 5, 500), src("10.0.1.1", 7, 700)};
    ReportContext ctx{.interface = "veth0", .ifindex = 7, .mode = "generic", .blocklist = &bl};
    std::string text = format_stats(s, ctx);
    EXPECT_NE(
        text.find("interface veth0 (ifindex 7), generic mode, 1 blocklist entries, 2 sources\n"),
        std::string::npos)
        << text;
    size_t a = text.find("\n10.0.1.1 ");
    size_t b = text.find("\n10.0.0.1 ");
    ASSERT_NE(a, std::string::npos) << text;
    ASSERT_NE(b, std::string::npos) << text;
    EXPECT_LT(a, b);
    EXPECT_NE(text.find("            0              0            5            500  10.0.0.1\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(format_list(bl), fmt::format("{:<43} live\n", "10.0.0.1"));
}

}  // namespace
}  // namespace probelog::xdp
