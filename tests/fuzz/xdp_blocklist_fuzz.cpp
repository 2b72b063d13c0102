// The --xdp-blocklist file format (xdp/blocklist.hpp): an address or a
// prefix per line, '#' comments. Every prefix read is written back and must
// parse to itself.
#include "fuzz_input.hpp"
#include "xdp/address.hpp"
#include "xdp/blocklist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace probelog;
    auto list = xdp::parse_blocklist(fuzz::text(data, size), "fuzz.list");
    if (!list.ok()) return 0;
    for (const xdp::Prefix& p : *list) {
        std::string text = xdp::to_string(p);
        auto again = xdp::parse_prefix(text);
        fuzz::check(again.ok(), "a written prefix does not parse");
        fuzz::check(*again == p, "a prefix changed on the way back");
    }
    return 0;
}
