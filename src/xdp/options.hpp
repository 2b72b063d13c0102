#pragma once
// The --xdp options (see docs/XDP.md).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xdp/address.hpp"

namespace probelog::xdp {

enum class Mode : uint8_t { Auto, Native, Generic };

inline std::string_view mode_name(Mode m) {
    switch (m) {
        case Mode::Native:
            return "native";
        case Mode::Generic:
            return "generic";
        case Mode::Auto:
            break;
    }
    return "auto";
}

// Where the agent serving `interface` listens unless --xdp-socket says otherwise.
inline constexpr std::string_view kControlDir = "/run/probelog";
inline std::string default_control_socket(std::string_view interface) {
    return std::string(kControlDir) + "/xdp-" + std::string(interface) + ".sock";
}

struct Options {
    std::string interface;  // --xdp IFACE; empty: no XDP
    Mode mode = Mode::Auto;
    bool force = false;            // replace another XDP program on the interface
    uint32_t max_sources = 16384;  // entries of the per-source LRU table
    std::chrono::nanoseconds interval = std::chrono::seconds(10);  // xdp_stats period
    uint32_t top = 10;                                             // sources per xdp_stats report
    std::vector<Prefix> block;                                     // --xdp-block
    std::string blocklist_file;                                    // --xdp-blocklist
    std::string socket_path;              // --xdp-socket; empty: default_control_socket()
    uint32_t drop_records_per_sec = 100;  // xdp_drop records per second per cpu

    std::string control_socket() const {
        return socket_path.empty() ? default_control_socket(interface) : socket_path;
    }
};

}  // namespace probelog::xdp
