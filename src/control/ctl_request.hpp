#pragma once
// `probelog ctl` requests to a running agent's control socket
// (/run/probelog/probelog.sock): one JSON object on one line, so that probe
// specs keep their spaces and quotes:
//
//   {"verb":"add","spec":"./app:f(int x)","name":"f","replace":true}
//   {"verb":"remove","name":"f"}   enable, disable: the same
//   {"verb":"list"}  {"verb":"stats"}
//   {"verb":"xdp","args":["block","10.0.0.0/8"]}
//
// The answer is the control socket's ("ok\n" and text, or "error: ...");
// with "json":true the text is one JSON document.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace probelog::control {

enum class CtlVerb : uint8_t { List, Stats, Add, Remove, Enable, Disable, Xdp };

struct CtlRequest {
    CtlVerb verb = CtlVerb::List;
    std::string spec;               // add: the probe spec
    std::string name;               // add (optional), remove, enable, disable
    std::vector<std::string> args;  // xdp: its words (block 10.0.0.0/8)
    bool json = false;              // answer in JSON (-o json)
    bool replace = false;           // add: replace the probe of that name, make before break
};

std::string_view verb_name(CtlVerb verb);
// One line, newline included.
std::string encode_request(const CtlRequest& request);
// Checks what the verb needs, as the agent does before acting.
Result<CtlRequest> decode_request(std::string_view line);

}  // namespace probelog::control
