// The xdp_drop decoder on hand-built event bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "decode/decoder.hpp"
#include "event_bytes.hpp"
#include "xdp/address.hpp"

extern "C" {
#include "xdp.h"
}

namespace probelog {
namespace {

pl_xdp_drop_event event(std::string_view src, std::string_view dst, uint8_t proto,
                        uint32_t rule_prefixlen) {
    pl_xdp_drop_event e{};
    e.hdr.type = PL_EVENT_XDP;
    e.hdr.trace = PL_TRACE_XDP;
    e.hdr.size = sizeof(e);
    e.hdr.seq = 3;
    e.hdr.boot_ns = 1'000'000'000;
    auto s = *xdp::parse_address(src);
    auto d = *xdp::parse_address(dst);
    std::memcpy(e.src, s.bytes.data(), 16);
    std::memcpy(e.dst, d.bytes.data(), 16);
    e.family = s.family == xdp::Family::V4 ? PL_XDP_IPV4 : PL_XDP_IPV6;
    e.proto = proto;
    e.sport = 40000;
    e.dport = 53;
    e.frame_len = 74;
    e.ifindex = 9;
    e.rule_prefixlen = rule_prefixlen;
    std::memcpy(e.ifname, "veth-r", 6);
    return e;
}

std::vector<std::byte> bytes_of(const pl_xdp_drop_event& e) {
    std::vector<std::byte> b(sizeof(e));
    std::memcpy(b.data(), &e, sizeof(e));
    return b;
}

std::string field(const Record& r, std::string_view name) {
    const Field* f = r.find(name);
    if (f == nullptr) return "<missing>";
    if (f->value.kind == ValueKind::Uint) return std::to_string(f->value.u);
    return std::string(f->value.str);
}

TEST(DecodeXdp, Ipv4UdpDropWithItsRule) {
    decode::Decoder decoder = test::builtin_decoder();
    BootClock clock;
    Record r;
    auto bytes = bytes_of(event("10.1.2.7", "10.1.0.1", 17, 96 + 24));
    ASSERT_EQ(decoder.decode(bytes, clock, r), nullptr);
    EXPECT_EQ(r.event_type(), "xdp_drop");
    EXPECT_EQ(r.trace(), PL_TRACE_XDP);
    EXPECT_EQ(field(r, "pid"), "0");
    EXPECT_EQ(field(r, "comm"), "");
    EXPECT_EQ(field(r, "interface"), "veth-r");
    EXPECT_EQ(field(r, "ifindex"), "9");
    EXPECT_EQ(field(r, "action"), "drop");
    EXPECT_EQ(field(r, "src"), "10.1.2.7");
    EXPECT_EQ(field(r, "dst"), "10.1.0.1");
    EXPECT_EQ(field(r, "family"), "ipv4");
    EXPECT_EQ(field(r, "proto"), "udp");
    EXPECT_EQ(field(r, "ip_proto"), "17");
    EXPECT_EQ(field(r, "sport"), "40000");
    EXPECT_EQ(field(r, "dport"), "53");
    EXPECT_EQ(field(r, "frame_len"), "74");
    EXPECT_EQ(field(r, "rule"), "10.1.2.0/24");
}

TEST(DecodeXdp, Ipv6IcmpHasNoPorts) {
    decode::Decoder decoder = test::builtin_decoder();
    BootClock clock;
    Record r;
    auto bytes = bytes_of(event("2001:db8::5", "2001:db8::1", 58, 32));
    ASSERT_EQ(decoder.decode(bytes, clock, r), nullptr);
    EXPECT_EQ(field(r, "src"), "2001:db8::5");
    EXPECT_EQ(field(r, "family"), "ipv6");
    EXPECT_EQ(field(r, "proto"), "icmpv6");
    EXPECT_EQ(field(r, "sport"), "<missing>");
    EXPECT_EQ(field(r, "rule"), "2001:db8::/32");
    auto unknown = bytes_of(event("2001:db8::5", "2001:db8::1", 200, 128));
    ASSERT_EQ(decoder.decode(unknown, clock, r), nullptr);
    EXPECT_EQ(field(r, "proto"), "200");
    EXPECT_EQ(field(r, "rule"), "2001:db8::5");
}

TEST(DecodeXdp, MalformedEventsAreRejected) {
    decode::Decoder decoder = test::builtin_decoder();
    BootClock clock;
    Record r;
    auto e = event("10.1.2.7", "10.1.0.1", 17, 128);
    auto short_bytes = bytes_of(e);
    short_bytes.resize(sizeof(e) - 1);
    e.hdr.size = static_cast<uint32_t>(short_bytes.size());
    std::memcpy(short_bytes.data(), &e, sizeof(e.hdr));
    EXPECT_STREQ(decoder.decode(short_bytes, clock, r), "xdp event shorter than its struct");
    auto bad_family = event("10.1.2.7", "10.1.0.1", 17, 128);
    bad_family.family = 5;
    EXPECT_STREQ(decoder.decode(bytes_of(bad_family), clock, r), "xdp event with a bad family");
    auto mismatch = event("2001:db8::5", "2001:db8::1", 17, 128);
    mismatch.family = PL_XDP_IPV4;
    EXPECT_STREQ(decoder.decode(bytes_of(mismatch), clock, r),
                 "xdp event address does not match its family");
    auto bad_rule = event("10.1.2.7", "10.1.0.1", 17, 129);
    EXPECT_STREQ(decoder.decode(bytes_of(bad_rule), clock, r),
                 "xdp event with a bad rule prefix length");
}

}  // namespace
}  // namespace probelog
