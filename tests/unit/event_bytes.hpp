#pragma once
// Hand-built event bytes for the decoder tests: a fixed-size event struct with
// its header filled in, and helpers to read the decoded Record.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/builtin_decoder.hpp"

extern "C" {
#include "event_header.h"
}

namespace probelog::test {

// The bytes of `e` with a plausible header of `type` (size = sizeof(T)).
template <typename T>
std::vector<std::byte> event_bytes(T e, uint16_t type, uint16_t trace) {
    e.hdr.type = type;
    e.hdr.trace = trace;
    e.hdr.size = sizeof(T);
    e.hdr.seq = 3;
    e.hdr.boot_ns = 5'000'000'000;
    e.hdr.cpu = 1;
    e.hdr.pid = 100;
    e.hdr.tid = 101;
    e.hdr.ppid = 1;
    e.hdr.uid = 1000;
    e.hdr.gid = 1001;
    e.hdr.cgroup_id = 42;
    std::memcpy(e.hdr.comm, "sender", 6);
    std::vector<std::byte> bytes(sizeof(T));
    std::memcpy(bytes.data(), &e, sizeof(T));
    return bytes;
}

// Decodes `bytes` into `out`. The record's strings point into the bytes, which
// must outlive it: name them (a temporary does not compile).
inline const char* decode_bytes(const std::vector<std::byte>& bytes, Record& out) {
    static const decode::Decoder decoder = builtin_decoder();
    static const BootClock clock;
    return decoder.decode(bytes, clock, out);
}
const char* decode_bytes(std::vector<std::byte>&& bytes, Record& out) = delete;

// Only whether `bytes` decode: nullptr, or the decoder's error.
inline const char* decode_error(const std::vector<std::byte>& bytes) {
    Record r;
    return decode_bytes(bytes, r);
}

// Overwrites the header's size to `size` and cuts or pads the bytes to it.
inline std::vector<std::byte> resized(std::vector<std::byte> bytes, size_t size) {
    bytes.resize(size);
    uint32_t s = static_cast<uint32_t>(size);
    if (size >= sizeof(pl_event_header))
        std::memcpy(bytes.data() + offsetof(pl_event_header, size), &s, sizeof(s));
    return bytes;
}

inline std::string str_of(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr && f->value.kind == ValueKind::Str ? std::string(f->value.str)
                                                           : "<missing>";
}
inline int64_t int_of(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr && f->value.kind == ValueKind::Int ? f->value.i : INT64_MIN;
}
inline uint64_t uint_of(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr && (f->value.kind == ValueKind::Uint || f->value.kind == ValueKind::Hex)
               ? f->value.u
               : UINT64_MAX;
}
inline bool bool_of(const Record& r, const char* name) {
    const Field* f = r.find(name);
    return f != nullptr && f->value.kind == ValueKind::Bool && f->value.b;
}
// The event's own field names, in order (the common header fields left out).
inline std::vector<std::string> own_keys(const Record& r) {
    std::vector<std::string> keys;
    for (const Field& f : r.fields()) {
        if ((f.flags & kCommon) == 0) keys.emplace_back(f.name);
    }
    return keys;
}

// Every cut of a valid event, and the same event one byte longer, must be
// rejected with a message (never decoded, never a crash).
inline void expect_every_wrong_size_rejected(const std::vector<std::byte>& bytes) {
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
        EXPECT_NE(decode_error(cut), nullptr) << "accepted " << n << " of " << bytes.size();
        // The same cut with a header that agrees with it.
        EXPECT_NE(decode_error(resized(bytes, n)), nullptr)
            << "accepted a consistent header of " << n << " bytes";
    }
    EXPECT_NE(decode_error(resized(bytes, bytes.size() + 8)), nullptr)
        << "accepted an oversized event";
}

}  // namespace probelog::test
