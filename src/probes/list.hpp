#pragma once
// --probe-list BIN [PATTERN]: the functions of a binary or library that a
// --probe spec can name, each written as a spec location with its DWARF
// signature when the file has debug info, ready to paste into --probe; then
// its USDT probes (list_usdt.hpp).

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace probelog::probes {

// PATTERN: a glob (*, ?, [) over the names, else a substring; empty: all.
Result<std::string> list_functions(std::string_view target, std::string_view pattern,
                                   std::optional<int> pid);

}  // namespace probelog::probes
