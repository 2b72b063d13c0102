#include "xdp/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace probelog::xdp {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const std::array<uint8_t, 16>& b) {
    return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), b.begin());
}

// Clears every bit past `bits` (over the 16-byte form).
std::array<uint8_t, 16> masked(const std::array<uint8_t, 16>& b, uint32_t bits) {
    std::array<uint8_t, 16> out{};
    for (uint32_t i = 0; i < 16; ++i) {
        if (bits >= (i + 1) * 8) {
            out[i] = b[i];
        } else if (bits > i * 8) {
            out[i] = static_cast<uint8_t>(b[i] & (0xff00u >> (bits - i * 8)));
        }
    }
    return out;
}

// Long user input is cut in messages.
std::string shown(std::string_view text) {
    if (text.size() <= 64) return std::string(text);
    return std::string(text.substr(0, 61)) + "...";
}

}  // namespace

Address Address::from_mapped(const std::array<uint8_t, 16>& bytes) {
    Address a;
    a.bytes = bytes;
    a.family = is_v4_mapped(bytes) ? Family::V4 : Family::V6;
    return a;
}

Address Address::from_mapped(const uint8_t (&bytes)[16]) {
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), bytes, 16);
    return from_mapped(b);
}

bool Prefix::contains(const Address& a) const {
    return masked(a.bytes, mapped_len()) == addr.bytes;
}

Result<Address> parse_address(std::string_view text) {
    std::string s(text);
    Address a;
    in_addr v4{};
    in6_addr v6{};
    if (!s.empty() && inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin());
        std::memcpy(a.bytes.data() + 12, &v4, 4);
        a.family = Family::V4;
        return a;
    }
    if (!s.empty() && inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(a.bytes.data(), &v6, 16);
        a.family = is_v4_mapped(a.bytes) ? Family::V4 : Family::V6;
        return a;
    }
    return make_error("'{}' is not an IPv4 or IPv6 address", shown(text));
}

Result<Prefix> parse_prefix(std::string_view text) {
    size_t slash = text.rfind('/');
    std::string_view addr_text = slash == std::string_view::npos ? text : text.substr(0, slash);
    auto addr = parse_address(addr_text);
    if (!addr) {
        if (slash == std::string_view::npos) return addr.error();
        return make_error("'{}': '{}' is not an IPv4 or IPv6 address", shown(text),
                          shown(addr_text));
    }
    // "::ffff:10.0.0.0/104" is the IPv4 prefix 10.0.0.0/8; shorter ones stay IPv6.
    bool mapped_text = addr_text.find(':') != std::string_view::npos;
    uint32_t max = addr->family == Family::V4 && !mapped_text ? 32 : 128;
    uint32_t len = max;
    if (slash != std::string_view::npos) {
        std::string_view len_text = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
        if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size()) {
            return make_error("'{}': '{}' is not a prefix length (0 to {})", shown(text),
                              shown(len_text), max);
        }
        if (len > max) {
            return make_error("'{}': prefix length {} is out of range for {} (0 to {})",
                              shown(text), len, max == 32 ? "IPv4" : "IPv6", max);
        }
    }
    Prefix p;
    p.addr = *addr;
    if (mapped_text && addr->family == Family::V4) {
        if (len < 96) {
            p.addr.family = Family::V6;
        } else {
            len -= 96;
        }
    }
    p.len = len;
    auto clean = masked(p.addr.bytes, p.mapped_len());
    if (clean != p.addr.bytes) {
        Prefix suggestion = p;
        suggestion.addr.bytes = clean;
        return make_error("'{}' has bits set past the prefix length (did you mean {}?)",
                          shown(text), to_string(suggestion));
    }
    return p;
}

Prefix prefix_from_mapped(const Address& addr, uint32_t mapped_len) {
    Prefix p;
    mapped_len = std::min<uint32_t>(mapped_len, 128);
    p.addr.bytes = masked(addr.bytes, mapped_len);
    bool v4 = mapped_len >= 96 && is_v4_mapped(p.addr.bytes);
    p.addr.family = v4 ? Family::V4 : Family::V6;
    p.len = v4 ? mapped_len - 96 : mapped_len;
    return p;
}

std::string to_string(const Address& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a.family == Family::V4) {
        inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof(buf));
    } else {
        inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof(buf));
    }
    return buf;
}

std::string to_string(const Prefix& p) {
    std::string s = to_string(p.addr);
    if (!p.host()) s += "/" + std::to_string(p.len);
    return s;
}

}  // namespace probelog::xdp
