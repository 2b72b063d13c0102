#pragma once
// --probe-list BIN FUNC, when FUNC names one function: the members behind its
// parameters and its return value, one level deep, each with the capture
// (`{ req->hdr.content_length }`) that names it, so that a spec's field
// expressions can be written from the listing alone (docs/PROBES.md).

#include <cstdint>
#include <string>

#include "symbols/dwarf.hpp"

namespace probelog::probes {

// The lines under the function's listing line (each ending in '\n'): for each
// parameter (and the return value) that is a struct, union or class, or a
// pointer or reference to one, its members with their byte offsets, types and
// captures. `dwarf` null, or no DWARF function at `address` (a link-time
// address): one line saying so and suggesting byte offsets. `go`: a Go
// function (results are roots as `ret`; `.` follows pointers).
std::string list_fields(const symbols::DwarfInfo* dwarf, uint64_t address, bool go);

}  // namespace probelog::probes
