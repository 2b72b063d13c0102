// Go binaries' own tables (symbols/go_binary.hpp): the function table
// (.gopclntab, Go 1.16, 1.18 and 1.20 layouts), the search for a table
// without a section of its own, and the build info (.go.buildinfo, whose
// pre-1.18 format points elsewhere in the program: here, into the input
// itself, as if it were loaded at 0x400000).
#include <algorithm>
#include <optional>
#include <vector>

#include "fuzz_input.hpp"
#include "symbols/go_binary.hpp"

namespace {

using namespace probelog;

void check_table(std::span<const uint8_t> bytes) {
    auto table = symbols::parse_go_pclntab(bytes, 0x401000);
    if (!table.ok()) return;
    // go_binary.hpp's promise, which function lookups rely on.
    fuzz::check(std::is_sorted(table->functions.begin(), table->functions.end(),
                               [](const auto& a, const auto& b) { return a.entry < b.entry; }),
                "functions not sorted by entry");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input = fuzz::bytes(data, size);
    check_table(input);
    std::vector<size_t> headers = symbols::find_go_pclntab_headers(input);
    for (size_t i = 0; i < headers.size() && i < 4; ++i) {
        fuzz::check(headers[i] < input.size(), "a table header past the input");
        check_table(input.subspan(headers[i]));
    }
    constexpr uint64_t kBase = 0x400000;
    auto read = [input](uint64_t at, size_t n) -> std::optional<std::vector<uint8_t>> {
        if (at < kBase || at - kBase > input.size() || n > input.size() - (at - kBase))
            return std::nullopt;
        auto from = input.begin() + static_cast<std::ptrdiff_t>(at - kBase);
        return std::vector<uint8_t>(from, from + static_cast<std::ptrdiff_t>(n));
    };
    auto version = symbols::parse_go_buildinfo(input, read);
    if (version.ok()) (void)symbols::parse_go_version(*version);
    return 0;
}
