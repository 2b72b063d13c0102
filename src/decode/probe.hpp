#pragma once
// Decoding dynamic probe events (schema/probe.h). Unlike built-in events, what
// a probe event's slots mean is known only at run time, from the --probe specs:
// a ProbeTable describes every probe of the run, indexed by probe id.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
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
    Str,    // captured string
    Buf,    // captured bytes, or an array of elem_bytes-wide elements
    Float,  // float (4 bytes) or double (8) read from memory
    Enum,   // an integer of `bytes` bytes shown by its enumerator's name
    // A Go interface (error, any): this slot is the dynamic type's pointer,
    // the next the bytes of a string at the data word (and the data word's
    // first 8 bytes as its value), the one after the data word itself.
    GoInterface,
};

// Names of Go runtime types by address (probes/go_type_names.hpp): what an
// interface dynamically holds. Called while decoding, from one thread.
class TypeNameSource {
  public:
    virtual ~TypeNameSource() = default;
    // Empty if unknown.
    virtual std::string_view name_of(uint64_t type_address, uint32_t pid) = 0;
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

    // Field expressions (docs/PROBES.md): the pointer each memory access of
    // the value's path goes through (what a NULL or a fault is reported at),
    // and the same for the length's path.
    std::vector<std::string> access;
    std::vector<std::string> len_access;
    // Str, Buf captures: the pointer the bytes are read through, which a NULL
    // or a fault names ("unreadable memory at req->path"). Empty for
    // parameters, whose error is "null" or "fault".
    std::string bytes_access;
    uint8_t bit_offset = 0;  // Int, Uint, Enum: a bitfield of bit_size bits in the value read
    uint8_t bit_size = 0;
    bool is_signed = false;                                    // Enum: its base type
    std::vector<std::pair<int64_t, std::string>> enumerators;  // Enum
    // Buf: an array of elements of this kind and size (0: plain bytes); len_name
    // then counts elements.
    ProbeValueKind elem_kind = ProbeValueKind::Uint;
    uint8_t elem_bytes = 0;
    std::shared_ptr<TypeNameSource> type_names;  // GoInterface
    std::string type_name;                       // GoInterface: "<name>_type"
    // Read for the probe's condition only: in the event, not in records.
    bool hidden = false;
};

// A piece of a probe's message (log "TEXT {VALUE}"): text, or the name of a
// field of the record whose value is written there.
struct MessagePart {
    std::string text;
    bool is_field = false;
};

struct ProbeInfo {
    std::string name;  // the "probe" field
    // The policy that named the probe (docs/POLICIES.md): the "policy" field;
    // empty for --probe and `probelog ctl add` probes (no such field).
    std::string policy;
    // A USDT probe (issue 17): the usdt_provider and usdt_name fields; empty
    // for other probes (no such fields).
    std::string usdt_provider;
    std::string usdt_name;
    std::vector<ProbeSlotInfo> slots;
    uint8_t n_entry = 0;               // slots [0, n_entry) are read at entry, the rest at return
    std::vector<MessagePart> message;  // empty: no `message` field
};

struct ProbeTable {
    std::vector<ProbeInfo> probes;  // indexed by probe id (the attach cookie)
    // Where a message is put together before it goes into the record's arena
    // (decoding runs on one thread; reused, so no allocation per record).
    mutable std::string message_scratch;
};

// Fills the probe fields: probe, stage, the slots present in this stage, latency_ns.
const char* decode_probe(const ProbeTable& table, Bytes event, Record& out);

// The Decoder callback (ctx is the ProbeTable).
const char* decode_probe_thunk(const void* ctx, Bytes event, Record& out);

}  // namespace probelog::decode
