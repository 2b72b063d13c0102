#pragma once

#include <cstdint>
#include <vector>

namespace probelog {

struct DnsSettings {
    std::vector<uint16_t> ports;  // --dns-ports: the server ports; empty: 53
};

}  // namespace probelog
