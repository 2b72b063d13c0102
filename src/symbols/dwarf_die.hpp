#pragma once
// Reading one DIE's attributes with libdw, shared by the signature reader
// (dwarf.cpp) and the type graph (dwarf_types.cpp). Internal to src/symbols.
// Every attribute is read with dwarf_attr_integrate, so that a concrete
// instance or an out-of-class definition sees its abstract origin's or
// declaration's attributes.

#include <elfutils/libdw.h>

#include <cstdint>
#include <string>

namespace probelog::symbols::dwarf_die {

// Every walk along DW_AT_type chains stops after this many steps: recursive
// and corrupt DWARF must not loop.
constexpr int kMaxTypeDepth = 32;

// Go's DWARF extensions (cmd/internal/dwarf).
constexpr unsigned kDwAtGoKind = 0x2900;      // the type's reflect.Kind
constexpr unsigned kDwAtGoKey = 0x2901;       // a map's key type
constexpr unsigned kDwAtGoElem = 0x2902;      // a slice's, map's or chan's element type
constexpr unsigned kDwAtGoEmbedded = 0x2903;  // a struct field is embedded
enum GoReflectKind : uint8_t {
    kGoArray = 17,
    kGoChan = 18,
    kGoFunc = 19,
    kGoInterface = 20,
    kGoMap = 21,
    kGoPtr = 22,
    kGoSlice = 23,
    kGoString = 24,
    kGoStruct = 25,
};

std::string attr_string(Dwarf_Die* die, unsigned name);
bool attr_udata(Dwarf_Die* die, unsigned name, Dwarf_Word& out);
bool attr_flag(Dwarf_Die* die, unsigned name);
// The DIE a DW_AT_type (or other reference) attribute points to.
bool attr_die(Dwarf_Die* die, unsigned name, Dwarf_Die* out);
uint32_t byte_size(Dwarf_Die* die);

// C text of a type, for listings and notes: "const char *", "struct req", "char[32]".
std::string type_name(Dwarf_Die* die, int depth = 0);

// Skips typedefs and qualifiers; false for void.
bool strip_to_underlying(Dwarf_Die* die, Dwarf_Die* out);

// The DIE's compilation unit is Go's (DW_LANG_Go).
bool is_go(Dwarf_Die* die);

}  // namespace probelog::symbols::dwarf_die
