#pragma once
// IPv4 and IPv6 addresses and CIDR prefixes as users type them ("10.1.2.3",
// "10.1.2.0/24", "2001:db8::/32"), and as the XDP maps store them: 16 bytes,
// IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d). Pure: no root needed.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace probelog::xdp {

enum class Family : uint8_t { V4 = 4, V6 = 6 };

struct Address {
    std::array<uint8_t, 16> bytes{};  // IPv4: ::ffff:a.b.c.d
    Family family = Family::V4;

    static Address from_mapped(const uint8_t (&bytes)[16]);
    static Address from_mapped(const std::array<uint8_t, 16>& bytes);
    bool operator==(const Address&) const = default;
    auto operator<=>(const Address&) const = default;
};

struct Prefix {
    Address addr;      // bits past `len` are zero
    uint32_t len = 0;  // in the family's own bits: 0..32 or 0..128

    // The prefix length over the 16-byte form (IPv4: 96 + len).
    uint32_t mapped_len() const { return addr.family == Family::V4 ? 96 + len : len; }
    bool host() const { return len == (addr.family == Family::V4 ? 32u : 128u); }
    bool contains(const Address& a) const;
    bool operator==(const Prefix&) const = default;
    auto operator<=>(const Prefix&) const = default;
};

// "10.1.2.3", "2001:db8::1"; "::ffff:10.1.2.3" is the IPv4 address.
Result<Address> parse_address(std::string_view text);

// An address (a /32 or /128) or ADDRESS/LEN. Bits set past LEN are an error
// that suggests the intended prefix.
Result<Prefix> parse_prefix(std::string_view text);

// A prefix from the 16-byte form and its mapped length (what the kernel has).
Prefix prefix_from_mapped(const Address& addr, uint32_t mapped_len);

std::string to_string(const Address& a);
// "10.1.2.0/24"; a single address without "/32" or "/128".
std::string to_string(const Prefix& p);

inline std::string_view family_name(Family f) {
    return f == Family::V4 ? "ipv4" : "ipv6";
}

}  // namespace probelog::xdp
