#pragma once
// The type graph of a binary's DWARF, walked one step at a time: what a field
// expression (`req->hdr.len`, `r.URL.Path`, `v[2]`) needs to turn member names
// into byte offsets and to know what it finally reads. C, C++ (base classes,
// libstdc++ std::string, std::string_view, std::vector) and Go (strings,
// slices, interfaces, maps, embedded fields). Types are referred to by their
// DIE's offset, so that recursive types (a list node pointing to its own type)
// cost nothing until a step follows them.
//
// Typedefs and const/volatile/restrict/atomic qualifiers are looked through;
// a type's `name` keeps the spelling the program uses ("size_t", "struct req *").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "symbols/dwarf.hpp"

namespace probelog::symbols {

// A type: the offset of its DIE in the DWARF; 0 is no type (void). A row of
// a multi-dimensional array (int m[3][4]: m[i]) has no DIE of its own: its
// TypeRef is the array's DIE offset with the dimension in the top byte. Only
// compare TypeRefs and pass them back; never read a DIE offset out of one.
struct TypeRef {
    uint64_t die = 0;
    explicit operator bool() const { return die != 0; }
    bool operator==(const TypeRef&) const = default;
};

enum class TypeKind : uint8_t {
    Void,      // also the pointee of void *
    Signed,    // integers (1, 2, 4, 8 bytes)
    Unsigned,  // integers, including unsigned char and uint8
    Bool,
    Char,     // plain char (C, C++)
    Float,    // float, double (4, 8 bytes); long double is Unknown
    Enum,     // a C/C++ enum: enumerators() lists it; `is_signed` its base
    Pointer,  // pointers, C++ references, Go pointers; target: the pointee (none: void *)
    Array,    // fixed arrays: target: the element, count its length (0: unknown/flexible)
    Struct,   // struct, class
    Union,
    Function,       // a function type (reached through a function pointer)
    GoString,       // {ptr at 0, len at 8}
    GoSlice,        // {ptr at 0, len at 8, cap at 16}; target: the element
    GoInterface,    // {type or itab at 0, data at 8}; `go_empty_interface`: eface (any)
    GoMap,          // *runtime.hmap, whose first word is the count; target: the value
    CxxString,      // libstdc++ std::string (new ABI): {char* at 0, size_t length at 8}
    CxxStringView,  // std::string_view: {size_t length at 0, const char* at 8}
    CxxVector,      // std::vector<T>: {T* begin at 0, T* end at 8}; target: T
    Unknown,
};

struct TypeDesc {
    TypeKind kind = TypeKind::Unknown;
    uint32_t size = 0;                // bytes (Pointer: 8)
    std::string name;                 // as the program writes it: "struct req", "char *", "[]uint8"
    TypeRef target;                   // Pointer, Array, GoSlice, CxxVector: the element / pointee
    uint64_t count = 0;               // Array: its length
    uint32_t elem_size = 0;           // Array, GoSlice, CxxVector: bytes per element
    bool is_signed = false;           // Enum: its underlying type is signed
    bool incomplete = false;          // Struct, Union, Enum declared but not defined here
    bool go_empty_interface = false;  // GoInterface: interface{} / any (eface), else iface
};

struct MemberDesc {
    std::string name;     // base classes (C++) and embedded fields (Go): the type's name
    uint64_t offset = 0;  // bytes from the start of the enclosing object
    TypeRef type;
    // Bitfields: the field is bit_size bits starting bit_offset bits (counted
    // from the least significant bit, little-endian) after `offset`, which is
    // the start of its storage unit: read describe_type(type).size bytes
    // there (a field that straddles units in a packed struct starts in the
    // byte at `offset`: read enough bytes to cover bit_offset + bit_size).
    uint16_t bit_offset = 0;
    uint16_t bit_size = 0;          // 0: not a bitfield
    bool base_or_embedded = false;  // a C++ base class or a Go embedded field
};

struct Enumerator {
    std::string name;
    int64_t value = 0;
};

// What a type is (typedefs and qualifiers looked through).
TypeDesc describe_type(const DwarfInfo& dwarf, TypeRef type);

// A struct's or a union's members in order, including base classes and Go
// embedded fields (as members of their own) and the members of anonymous
// structs and unions (flattened, offsets added). Empty for other kinds.
std::vector<MemberDesc> type_members(const DwarfInfo& dwarf, TypeRef type);

// The member `name` of a struct or union, looked for in its members, then
// (breadth first) in its base classes, Go embedded fields and anonymous
// members, with their offsets added, as C++ and Go name lookup do.
std::optional<MemberDesc> find_member(const DwarfInfo& dwarf, TypeRef type, std::string_view name);

// An enum's enumerators in order.
std::vector<Enumerator> type_enumerators(const DwarfInfo& dwarf, TypeRef type);

// Parameter and return types of the function at `address` (a link-time
// address), as TypeRefs, in the order of DwarfFunction::params (C, C++: this
// first when there is one) or GoDwarfFunction::params (Go: receiver and
// arguments, then results). nullopt if no DWARF function starts there.
struct FunctionTypes {
    std::vector<std::string> names;  // as in DwarfFunction / GoDwarfFunction
    std::vector<TypeRef> types;
    TypeRef ret;  // C, C++: the return type (none: void)
};
std::optional<FunctionTypes> function_types(const DwarfInfo& dwarf, uint64_t address);

}  // namespace probelog::symbols
