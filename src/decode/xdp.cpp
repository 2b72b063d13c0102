// Decodes the xdp trace's event (schema/xdp.h): a blocked source's first drop.
#include <string_view>

#include "decode/builtin.hpp"
#include "xdp/address.hpp"

extern "C" {
#include "xdp.h"
}

namespace probelog::decode {
namespace {

std::string_view proto_name(uint8_t proto) {
    switch (proto) {
        case 1:
            return "icmp";
        case 6:
            return "tcp";
        case 17:
            return "udp";
        case 58:
            return "icmpv6";
        case 132:
            return "sctp";
        default:
            return {};
    }
}

}  // namespace

const char* decode_xdp_drop(Bytes event, Record& out) {
    pl_xdp_drop_event e;
    if (!read_struct(event, e)) return "xdp event shorter than its struct";
    if (e.family != PL_XDP_IPV4 && e.family != PL_XDP_IPV6) return "xdp event with a bad family";
    if (e.rule_prefixlen > 128) return "xdp event with a bad rule prefix length";
    auto src = xdp::Address::from_mapped(e.src);
    auto dst = xdp::Address::from_mapped(e.dst);
    bool v4 = e.family == PL_XDP_IPV4;
    if ((src.family == xdp::Family::V4) != v4) return "xdp event address does not match its family";

    out.add_str("interface", out.store(fixed_cstr(e.ifname, sizeof(e.ifname))));
    out.add_uint("ifindex", e.ifindex, kHideInTable);
    out.add_str("action", "drop");
    out.add_str("src", out.store(xdp::to_string(src)));
    out.add_str("dst", out.store(xdp::to_string(dst)));
    out.add_str("family", v4 ? "ipv4" : "ipv6", kHideInTable);
    std::string_view name = proto_name(e.proto);
    if (!name.empty()) {
        out.add_str("proto", name);
    } else {
        out.add_str("proto", out.store(std::to_string(e.proto)));
    }
    out.add_uint("ip_proto", e.proto, kHideInTable);
    if (e.proto == 6 || e.proto == 17) {
        out.add_uint("sport", e.sport);
        out.add_uint("dport", e.dport);
    }
    out.add_uint("frame_len", e.frame_len);
    out.add_str("rule", out.store(xdp::to_string(xdp::prefix_from_mapped(src, e.rule_prefixlen))));
    return nullptr;
}

}  // namespace probelog::decode
