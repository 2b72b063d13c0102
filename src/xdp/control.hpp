#pragma once
// The XDP control requests: `probelog xdp block|unblock|list|stats` (and
// `probelog ctl xdp ...`) to a running agent, one line of text on a control
// socket (control/socket.hpp):
//
//   block PREFIX...     unblock PREFIX...     list     stats

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "control/socket.hpp"
#include "common/result.hpp"
#include "xdp/address.hpp"

namespace probelog::xdp {

enum class Verb : uint8_t { Block, Unblock, List, Stats };

struct Request {
    Verb verb = Verb::List;
    std::vector<Prefix> prefixes;  // block, unblock
};

// Parses a request line (also what the client validates before sending).
Result<Request> parse_request(std::string_view line);
// The request line for `words` ("block", "10.0.0.0/8", ...), validated.
Result<std::string> request_line(const std::vector<std::string>& words);

using control::error_response;
using control::ok_response;

}  // namespace probelog::xdp
