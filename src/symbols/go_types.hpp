#pragma once
// Go types as Go's register ABI (ABIInternal) sees them: what a value is made
// of (integer words, strings, slices, interfaces, structs, arrays), its size
// and alignment. Built from Go's DWARF (dwarf.hpp) or from the type names a
// --probe spec writes (go_type_named). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probelog::symbols {

enum class GoKind : uint8_t {
    Bool,
    Int,        // int, int8..int64 (size 1, 2, 4, 8)
    Uint,       // uint, uint8..uint64, uintptr
    Float,      // float32, float64: in X registers, which uprobes do not see
    Complex,    // complex64, complex128: two floats
    Pointer,    // *T, unsafe.Pointer, map, chan, func: one word
    String,     // {ptr, len}
    Slice,      // {ptr, len, cap}
    Interface,  // {type or itab, data}
    Struct,
    Array,
    CString,  // the spec's `str`: a pointer to NUL-terminated bytes (one word)
    Unknown,
};

struct GoField;

struct GoType {
    GoKind kind = GoKind::Unknown;
    uint32_t size = 0;            // bytes
    std::string name;             // as Go writes it: "int", "main.Rect", "[]uint8"
    std::vector<GoField> fields;  // Struct, in order
    std::vector<GoType> elem;     // Array, Slice: the element type (one), if known
    uint64_t count = 0;           // Array: its length

    // Go's alignment on amd64: a scalar's size (at most 8), a struct's
    // largest field alignment, an array's element's.
    uint32_t align() const;
    // []byte / []uint8: captured as bytes.
    bool byte_slice() const;
};

struct GoField {
    std::string name;
    uint64_t offset = 0;
    GoType type;
};

// A Go type from a name a spec writes: bool, int, int8..int64, uint,
// uint8..uint64, uintptr, byte, rune, string, []byte, []T, *T, unsafe.Pointer,
// map[K]V, error, any, interface{}, float32/64 and complex64/128 (kinds that
// cannot be read), and probelog's own words (s8..s64, u8..u64, long, ptr,
// str). nullopt for other names (struct types have no spec spelling: they come
// from DWARF).
std::optional<GoType> go_type_named(std::string_view name);

}  // namespace probelog::symbols
