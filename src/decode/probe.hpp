#pragma once
// Decoding dynamic probe events (schema/probe.h). Unlike built-in events, what
// a probe event's slots mean is known only at run time, from the --probe specs:
// a ProbeTable describes every probe of the run, indexed by probe id.

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes_format.hpp"
#include "decode/decoder.hpp"

namespace probelog::decode {

enum class ProbeValueKind : uint8_t {
    Int,   // signed integer of `bytes` bytes
    Uint,  // unsigned integer of `bytes` bytes
    Hex,   // pointer
    Bool,
    Char,
    Str,  // captured string
    Buf,  // captured bytes
};

struct ProbeSlotInfo {
    ProbeValueKind kind = ProbeValueKind::Uint;
    uint8_t bytes = 8;
    std::string name;            // the field
    std::string len_name;        // Buf, counted Str (Go): "<name>_len" (original length);
                                 // empty: not emitted
    std::string truncated_name;  // Str, Buf: "<name>_truncated"
    std::string error_name;      // "<name>_error": "null" or "fault", only when one happened
                                 // (or why bytes asked for as msgpack are not msgpack)
    BytesFormat format = BytesFormat::Default;  // Str, Buf: how the bytes are shown
};

struct ProbeInfo {
    std::string name;  // the "probe" field
    std::vector<ProbeSlotInfo> slots;
    uint8_t n_entry = 0;  // slots [0, n_entry) are read at entry, the rest at return
};

struct ProbeTable {
    std::vector<ProbeInfo> probes;  // indexed by probe id (the attach cookie)
};

// Fills the probe fields: probe, stage, the slots present in this stage, latency_ns.
const char* decode_probe(const ProbeTable& table, Bytes event, Record& out);

// The Decoder callback (ctx is the ProbeTable).
const char* decode_probe_thunk(const void* ctx, Bytes event, Record& out);

}  // namespace probelog::decode
