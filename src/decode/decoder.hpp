#pragma once
// Bytes from the ring buffer in, a Record out. Pure (no libbpf, no syscalls) and
// defensive: every length in an event is checked against the bytes received.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "pipeline/record.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog::decode {

using Bytes = std::span<const std::byte>;

// Adds the event's own fields to `out` (the common fields are already there).
// Returns nullptr on success, else a static description of what is malformed.
using DecodeFn = const char* (*)(Bytes event, Record& out);
// The same for event types whose layout is described at run time (dynamic
// probes): `ctx` is what add() was given.
using DecodeWithFn = const char* (*)(const void* ctx, Bytes event, Record& out);

// Copies a fixed-size struct out of the event if it is big enough (events in the
// ring buffer are 8-byte aligned, but a copy keeps the decoder free of alignment
// and aliasing assumptions).
template <typename T>
bool read_struct(Bytes event, T& out) {
    if (event.size() < sizeof(T)) return false;
    std::memcpy(&out, event.data(), sizeof(T));
    return true;
}

// A NUL-padded char array as text, without the padding (comm, paths).
std::string_view fixed_cstr(const char* data, size_t capacity);

// "ENOENT" for 2, "" for 0, "E123" for unknown values.
std::string_view errno_name(int err);

class Decoder {
  public:
    // Knows no event type until add() registers one: each trace declares its
    // event types and decoders (TraceDef::events), registered all at once by
    // register_decoders() (traces/registry.cpp).
    Decoder() = default;

    void add(uint16_t type, std::string_view event_type, DecodeFn fn);
    // `ctx` must outlive the decoder's use of this type.
    void add(uint16_t type, std::string_view event_type, DecodeWithFn fn, const void* ctx);

    // Decodes one ring buffer sample. Returns nullptr on success, else why not.
    const char* decode(Bytes sample, const BootClock& clock, Record& out) const;

    // The event_type name of an event type, or "" if unknown.
    std::string_view event_type_name(uint16_t type) const;

  private:
    struct Entry {
        std::string_view event_type;
        DecodeFn fn = nullptr;
        DecodeWithFn with_fn = nullptr;
        const void* ctx = nullptr;
    };
    std::array<Entry, PL_EVENT_TYPE_MAX> table_{};
};

}  // namespace probelog::decode
