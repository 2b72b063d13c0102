// The XDP control protocol (xdp/control.hpp): a request line ("block
// 10.0.0.0/8 ::1", "list", ...) and a response ("ok\n..." or "error: ...").
// A request that parses is rebuilt from what was parsed and must parse again
// to the same request.
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "xdp/control.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace probelog;
    std::string_view text = fuzz::text(data, size);
    (void)control::parse_response(text);
    auto request = xdp::parse_request(text);
    if (!request.ok()) return 0;
    static constexpr const char* kVerbs[] = {"block", "unblock", "list", "stats"};
    std::vector<std::string> words{kVerbs[static_cast<int>(request->verb)]};
    for (const xdp::Prefix& p : request->prefixes)
        words.push_back(xdp::to_string(p));
    auto line = xdp::request_line(words);
    fuzz::check(line.ok(), "a parsed request cannot be written back");
    auto again = xdp::parse_request(*line);
    fuzz::check(again.ok(), "a written request does not parse");
    fuzz::check(again->verb == request->verb, "the verb changed on the way back");
    fuzz::check(again->prefixes == request->prefixes, "the prefixes changed on the way back");
    return 0;
}
