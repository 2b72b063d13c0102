// Addresses and prefixes as users type them (--xdp-block, blocklist files,
// probelog xdp block), and the 16-byte form the kernel maps use.
#include <gtest/gtest.h>

#include "xdp/address.hpp"
#include "support/error_text.hpp"

namespace probelog::xdp {
namespace {

std::string error_of(std::string_view text) {
    return error_text(parse_prefix(text));
}

TEST(XdpAddress, Ipv4IsStoredIpv4Mapped) {
    auto a = parse_address("10.1.2.3");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->family, Family::V4);
    std::array<uint8_t, 16> want = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
    EXPECT_EQ(a->bytes, want);
    EXPECT_EQ(to_string(*a), "10.1.2.3");
}

TEST(XdpAddress, Ipv6AndTheMappedFormOfIpv4) {
    auto a = parse_address("2001:db8::1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->family, Family::V6);
    EXPECT_EQ(a->bytes[0], 0x20);
    EXPECT_EQ(a->bytes[15], 1);
    EXPECT_EQ(to_string(*a), "2001:db8::1");
    auto mapped = parse_address("::ffff:10.1.2.3");
    ASSERT_TRUE(mapped.ok());
    EXPECT_EQ(*mapped, *parse_address("10.1.2.3"));
    EXPECT_EQ(to_string(*parse_address("::")), "::");
}

TEST(XdpAddress, RejectsWhatIsNotAnAddress) {
    for (const char* bad : {"", "10.1.2", "10.1.2.256", "10.1.2.3.4", " 10.1.2.3", "10.1.2.3 ",
                            "host.example", "2001:db8:::1", "fe80::1%eth0", "1.2.3.4/24"}) {
        EXPECT_FALSE(parse_address(bad).ok()) << bad;
    }
    EXPECT_EQ(parse_address("10.1.2.256").error().message,
              "'10.1.2.256' is not an IPv4 or IPv6 address");
}

TEST(XdpPrefix, AddressesArePrefixesOfFullLength) {
    auto p = parse_prefix("10.1.2.3");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->len, 32u);
    EXPECT_EQ(p->mapped_len(), 128u);
    EXPECT_TRUE(p->host());
    EXPECT_EQ(to_string(*p), "10.1.2.3");
    auto q = parse_prefix("2001:db8::7");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->len, 128u);
    EXPECT_EQ(to_string(*q), "2001:db8::7");
    EXPECT_EQ(to_string(*parse_prefix("10.1.2.3/32")), "10.1.2.3");
}

TEST(XdpPrefix, CidrPrefixesOfBothFamilies) {
    auto p = parse_prefix("10.1.2.0/24");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->addr.family, Family::V4);
    EXPECT_EQ(p->len, 24u);
    EXPECT_EQ(p->mapped_len(), 120u);
    EXPECT_EQ(to_string(*p), "10.1.2.0/24");
    auto q = parse_prefix("2001:db8::/32");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->addr.family, Family::V6);
    EXPECT_EQ(q->mapped_len(), 32u);
    EXPECT_EQ(to_string(*q), "2001:db8::/32");
    EXPECT_EQ(to_string(*parse_prefix("0.0.0.0/0")), "0.0.0.0/0");
    EXPECT_EQ(to_string(*parse_prefix("::/0")), "::/0");
    // An IPv4-mapped IPv6 prefix of at least 96 bits is the IPv4 prefix.
    EXPECT_EQ(*parse_prefix("::ffff:10.0.0.0/104"), *parse_prefix("10.0.0.0/8"));
    EXPECT_EQ(*parse_prefix("::ffff:0:0/96"), *parse_prefix("0.0.0.0/0"));
    EXPECT_EQ(parse_prefix("::/95")->addr.family, Family::V6);
    EXPECT_FALSE(parse_prefix("::ffff:0:0/95").ok());  // bit 95 is set
}

TEST(XdpPrefix, ContainsComparesTheLeadingBits) {
    auto p = *parse_prefix("10.1.2.0/24");
    EXPECT_TRUE(p.contains(*parse_address("10.1.2.0")));
    EXPECT_TRUE(p.contains(*parse_address("10.1.2.255")));
    EXPECT_FALSE(p.contains(*parse_address("10.1.3.0")));
    EXPECT_FALSE(p.contains(*parse_address("::ffff:a01:300")));
    EXPECT_FALSE(p.contains(*parse_address("2001:db8::1")));
    auto odd = *parse_prefix("10.1.2.128/25");
    EXPECT_TRUE(odd.contains(*parse_address("10.1.2.200")));
    EXPECT_FALSE(odd.contains(*parse_address("10.1.2.127")));
    auto v6 = *parse_prefix("2001:db8::/33");
    EXPECT_TRUE(v6.contains(*parse_address("2001:db8:7fff::1")));
    EXPECT_FALSE(v6.contains(*parse_address("2001:db8:8000::1")));
    EXPECT_TRUE(parse_prefix("0.0.0.0/0")->contains(*parse_address("192.0.2.1")));
    EXPECT_FALSE(parse_prefix("0.0.0.0/0")->contains(*parse_address("2001:db8::1")));
    EXPECT_TRUE(parse_prefix("::/0")->contains(*parse_address("192.0.2.1")));
}

TEST(XdpPrefix, ErrorsNameTheInputAndTheFix) {
    EXPECT_EQ(error_of("10.1.2.5/24"),
              "'10.1.2.5/24' has bits set past the prefix length (did you mean 10.1.2.0/24?)");
    EXPECT_EQ(error_of("2001:db8::1/32"),
              "'2001:db8::1/32' has bits set past the prefix length (did you mean 2001:db8::/32?)");
    EXPECT_EQ(error_of("10.1.2.0/33"),
              "'10.1.2.0/33': prefix length 33 is out of range for IPv4 (0 to 32)");
    EXPECT_EQ(error_of("::/129"),
              "'::/129': prefix length 129 is out of range for IPv6 (0 to 128)");
    EXPECT_EQ(error_of("10.1.2.0/"), "'10.1.2.0/': '' is not a prefix length (0 to 32)");
    EXPECT_EQ(error_of("10.1.2.0/2a"), "'10.1.2.0/2a': '2a' is not a prefix length (0 to 32)");
    EXPECT_EQ(error_of("10.1.2.0/-1"), "'10.1.2.0/-1': '-1' is not a prefix length (0 to 32)");
    EXPECT_EQ(error_of("10.1.300.0/24"),
              "'10.1.300.0/24': '10.1.300.0' is not an IPv4 or IPv6 address");
    EXPECT_EQ(error_of("nonsense"), "'nonsense' is not an IPv4 or IPv6 address");
    EXPECT_EQ(error_of(""), "'' is not an IPv4 or IPv6 address");
}

TEST(XdpPrefix, FromTheKernelsMappedForm) {
    auto a = *parse_address("10.1.2.77");
    EXPECT_EQ(to_string(prefix_from_mapped(a, 120)), "10.1.2.0/24");
    EXPECT_EQ(to_string(prefix_from_mapped(a, 128)), "10.1.2.77");
    EXPECT_EQ(to_string(prefix_from_mapped(a, 96)), "0.0.0.0/0");
    EXPECT_EQ(prefix_from_mapped(a, 0), *parse_prefix("::/0"));
    auto b = *parse_address("2001:db8:1:2::9");
    EXPECT_EQ(to_string(prefix_from_mapped(b, 64)), "2001:db8:1:2::/64");
}

}  // namespace
}  // namespace probelog::xdp
