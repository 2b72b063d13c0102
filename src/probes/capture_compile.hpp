#pragma once
// From one capture of a --probe spec (`req->hdr.len`, `*(p+8):str`) to a value
// slot of the generic BPF program: its field expression as bounded steps
// (struct pl_probe_path: loads of pointers, an offset, a final read) and what
// the decoder needs to show the value (its kind, bitfield, enumerators,
// elements, and the text of each pointer an access goes through, for errors).
// Member names become offsets with the DWARF type graph (dwarf_types.hpp);
// without DWARF, byte offsets and ':TYPE' say the same by hand.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "decode/probe.hpp"
#include "probes/capture_spec.hpp"
#include "probes/spec.hpp"
#include "symbols/dwarf_types.hpp"

extern "C" {
#include "probe.h"
}

namespace probelog::probes {

// What a capture starts from: a parameter or the return value.
struct CaptureRoot {
    std::string name;                    // the parameter's name or "ret"
    pl_probe_loc loc{};                  // where its value is (one word)
    symbols::TypeRef type;               // its DWARF type, if known
    std::optional<ValueType> spec_type;  // the type the spec gave it, if any
    // A Go interface parameter: `loc` is its type word, this its data word.
    std::optional<pl_probe_loc> data_loc;
    // Go: names the dynamic types of interfaces (null: shown as addresses).
    std::shared_ptr<decode::TypeNameSource> type_names;
};

struct CaptureLimits {
    uint32_t str_max = 128;  // characters kept of a string
    uint32_t buf_max = 256;  // bytes kept of a buffer or an array
};

struct CompiledCapture {
    pl_probe_slot slot{};
    decode::ProbeSlotInfo info;
    uint32_t bytes = 0;  // the most its capture adds to a call's data
};

// `dwarf` may be null (no DWARF): then only byte offsets and ':TYPE' work.
// Errors are one line naming the problem and the fix. One slot per capture,
// but three for a Go interface (its type, a string at its data, its data).
Result<std::vector<CompiledCapture>> compile_capture(const CaptureSpec& capture,
                                                     const CaptureRoot& root,
                                                     const symbols::DwarfInfo* dwarf,
                                                     const CaptureLimits& limits);

}  // namespace probelog::probes
