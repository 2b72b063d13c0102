#include "decode/probe_values.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>
#include <msgpack.hpp>

extern "C" {
#include "probe.h"
}

namespace probelog::decode {
namespace {

int64_t sign_extend_bits(uint64_t v, unsigned bits) {
    if (bits == 0 || bits >= 64) return static_cast<int64_t>(v);
    unsigned shift = 64 - bits;
    return static_cast<int64_t>(v << shift) >> shift;
}

// A msgpack-c++ packer's buffer over the record's arena: no allocation; what
// does not fit is dropped and noted.
struct SpanBuffer {
    std::span<char> to;
    size_t used = 0;
    bool ok = true;
    void write(const char* p, size_t n) {
        if (!ok || n > to.size() - used) {
            ok = false;
            return;
        }
        std::memcpy(to.data() + used, p, n);
        used += n;
    }
};

uint64_t load_le(const char* p, size_t n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);  // little-endian host (x86-64)
    return v;
}

double as_float(uint64_t v, uint8_t bytes) {
    if (bytes == 4) return std::bit_cast<float>(static_cast<uint32_t>(v));
    return std::bit_cast<double>(v);
}

}  // namespace

uint64_t extract_bits(const ProbeSlotInfo& slot, uint64_t v) {
    if (slot.bit_size == 0) return v;
    v >>= slot.bit_offset;
    if (slot.bit_size < 64) v &= (uint64_t{1} << slot.bit_size) - 1;
    return v;
}

void add_member_value(const ProbeSlotInfo& slot, uint64_t v, Record& out) {
    unsigned bits = slot.bit_size != 0 ? slot.bit_size : 8u * slot.bytes;
    uint64_t raw = extract_bits(slot, v);
    if (bits < 64) raw &= (uint64_t{1} << bits) - 1;
    switch (slot.kind) {
        case ProbeValueKind::Int:
            out.add_int(slot.name, sign_extend_bits(raw, bits));
            return;
        case ProbeValueKind::Float:
            out.add_float(slot.name, as_float(raw, slot.bytes));
            return;
        case ProbeValueKind::Enum: {
            int64_t value =
                slot.is_signed ? sign_extend_bits(raw, bits) : static_cast<int64_t>(raw);
            for (const auto& [number, name] : slot.enumerators) {
                if (number == value) {
                    out.add_str(slot.name, name);
                    return;
                }
            }
            out.add_int(slot.name, value);  // not one of its enumerators (flags, a new value)
            return;
        }
        default:
            out.add_uint(slot.name, raw);
            return;
    }
}

void add_null(std::string_view name, Record& out) {
    static constexpr char kNil[] = {static_cast<char>(0xc0)};
    out.add_formatted_bytes(name, std::string_view(kNil, 1), ValueKind::Msgpack, 1);
}

namespace {

// Packs an array of the first `n` elements of `bytes`; false if it did not fit.
bool pack_elements(const ProbeSlotInfo& slot, std::string_view bytes, size_t n, SpanBuffer& buf) {
    size_t width = slot.elem_bytes;
    msgpack::packer<SpanBuffer> pk(buf);
    pk.pack_array(static_cast<uint32_t>(n));
    for (size_t i = 0; i < n && buf.ok; ++i) {
        uint64_t v = load_le(bytes.data() + i * width, width);
        switch (slot.elem_kind) {
            case ProbeValueKind::Int:
                pk.pack_int64(sign_extend_bits(v, static_cast<unsigned>(8 * width)));
                break;
            case ProbeValueKind::Float:
                pk.pack_double(as_float(v, static_cast<uint8_t>(width)));
                break;
            case ProbeValueKind::Bool:
                if (v != 0) {
                    pk.pack_true();
                } else {
                    pk.pack_false();
                }
                break;
            default:
                pk.pack_uint64(v);
                break;
        }
    }
    return buf.ok;
}

}  // namespace

bool add_elements(const ProbeSlotInfo& slot, std::string_view bytes, Record& out) {
    size_t n = slot.elem_bytes == 0 ? 0 : bytes.size() / slot.elem_bytes;
    std::span<char> room = out.store_begin(5 + n * 9);
    SpanBuffer buf{room};
    size_t kept = n;
    // Out of arena (rare: many fields and long arrays): as many elements as fit.
    while (!pack_elements(slot, bytes, kept, buf) && kept > 0) {
        kept /= 2;
        buf = SpanBuffer{room};
    }
    if (!buf.ok) {
        add_null(slot.name, out);
        return false;
    }
    out.add_formatted_bytes(slot.name, out.store_commit(buf.used), ValueKind::Msgpack, 1);
    return kept == n;
}

namespace {

struct GoScalar {
    std::string_view name;
    uint8_t bytes;
    bool is_signed;
};
constexpr GoScalar kGoScalars[] = {
    {"int", 8, true},     {"int8", 1, true},    {"int16", 2, true},    {"int32", 4, true},
    {"int64", 8, true},   {"uint", 8, false},   {"uint8", 1, false},   {"uint16", 2, false},
    {"uint32", 4, false}, {"uint64", 8, false}, {"uintptr", 8, false},
};

// Dynamic types whose data starts with a string that is their value or message.
bool string_like(std::string_view type) {
    return type == "string" || type == "*errors.errorString" || type == "*fmt.wrapError" ||
           type == "*fmt.wrapErrors";
}

}  // namespace

void add_interface(const ProbeSlotInfo& slot, const InterfaceWords& w, uint32_t pid, Record& out) {
    if ((w.data_flags & PL_VALUE_PATH) != 0) {  // a pointer on the way to it
        add_null(slot.name, out);
        add_path_error(slot, w.data_flags, w.data_fail_step, out);
        return;
    }
    if ((w.type_flags & PL_VALUE_PATH) != 0 || w.type == 0) {  // a nil interface
        add_null(slot.name, out);
        return;
    }
    std::string_view type = slot.type_names ? slot.type_names->name_of(w.type, pid) : "";
    if (type.empty()) {
        out.add_hex(slot.type_name, w.type);
        out.add_hex(slot.name, w.data);
        return;
    }
    out.add_str(slot.type_name, type);
    if (string_like(type)) {
        if ((w.text_flags & (PL_VALUE_FAULT | PL_VALUE_NULL)) != 0) {
            add_null(slot.name, out);
            out.add_str(slot.error_name, "unreadable memory at its data");
        } else {
            out.add_str(slot.name, w.text);
        }
        return;
    }
    for (const GoScalar& s : kGoScalars) {
        if (s.name != type) continue;
        uint64_t v = w.first;
        if (s.bytes < 8) v &= (uint64_t{1} << (8 * s.bytes)) - 1;
        if (s.is_signed) {
            unsigned shift = 64 - 8u * s.bytes;
            out.add_int(slot.name, static_cast<int64_t>(v << shift) >> shift);
        } else {
            out.add_uint(slot.name, v);
        }
        return;
    }
    if (type == "bool") {
        out.add_bool(slot.name, (w.first & 0xff) != 0);
        return;
    }
    out.add_hex(slot.name, w.data);  // a pointer (or a boxed value): its address
}

namespace {

void add_error_at(const ProbeSlotInfo& slot, uint8_t flags, std::string_view through, Record& out) {
    std::span<char> room = out.store_begin(through.size() + 32);
    auto r = fmt::format_to_n(
        room.data(), room.size(), "{} {}",
        (flags & PL_VALUE_NULL) != 0 ? "null pointer:" : "unreadable memory at", through);
    out.add_str(slot.error_name, out.store_commit(std::min(room.size(), r.size)));
}

}  // namespace

void add_path_error(const ProbeSlotInfo& slot, uint8_t flags, uint8_t fail_step, Record& out) {
    const std::vector<std::string>& access =
        (fail_step & PL_FAIL_IN_LEN) != 0 ? slot.len_access : slot.access;
    size_t step = fail_step & ~PL_FAIL_IN_LEN;
    add_error_at(slot, flags, step < access.size() ? std::string_view(access[step]) : "?", out);
}

void add_bytes_error(const ProbeSlotInfo& slot, uint8_t flags, Record& out) {
    add_null(slot.name, out);
    add_error_at(slot, flags, slot.bytes_access, out);
}

}  // namespace probelog::decode
