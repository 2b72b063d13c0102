#pragma once
// A dynamic probe's slot with the field names the --probe compiler gives it
// (NAME_error, and NAME_truncated, NAME_len for captured bytes): for the
// probe tables the decoder tests and the decoder fuzz target build by hand.

#include <cstdint>
#include <string>

#include "decode/probe.hpp"

namespace probelog::test {

inline decode::ProbeSlotInfo probe_slot(decode::ProbeValueKind kind, uint8_t bytes,
                                        const std::string& name) {
    using K = decode::ProbeValueKind;
    decode::ProbeSlotInfo s;
    s.kind = kind;
    s.bytes = bytes;
    s.name = name;
    s.error_name = name + "_error";
    if (kind == K::Str || kind == K::Buf) s.truncated_name = name + "_truncated";
    if (kind == K::Buf) s.len_name = name + "_len";
    return s;
}

}  // namespace probelog::test
