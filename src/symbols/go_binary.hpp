#pragma once
// Go programs: which Go built them (.go.buildinfo) and where their functions
// are (.gopclntab, the runtime's own function table, which stripped builds
// keep: `go build -ldflags='-s -w'` drops .symtab and DWARF, not this).
// Pure: parsing bytes, no file access.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace probelog::symbols {

struct GoVersion {
    std::string text;  // as the toolchain writes it: "go1.19.8", "go1.21rc2", "devel ..."
    int major = 0;
    int minor = 0;  // 0 if unknown

    // True if known and at least 1.MINOR.
    bool at_least(int want_minor) const { return major == 1 && minor >= want_minor; }
};

// "go1.19.8" -> {1, 19}; nullopt if it does not start with "go1.".
std::optional<GoVersion> parse_go_version(std::string_view text);

// Reads `size` bytes of the program at a link-time address (for pointers in
// the pre-1.18 build info format); nullopt if unmapped.
using ReadMemory = std::function<std::optional<std::vector<uint8_t>>(uint64_t, size_t)>;

// The Go version recorded in a .go.buildinfo section ("\xff Go buildinf:").
// Errors name what is malformed.
Result<std::string> parse_go_buildinfo(std::span<const uint8_t> section, const ReadMemory& read);

struct GoFunction {
    std::string name;  // "main.add", "main.(*T).m", "runtime.goexit"
    uint64_t entry = 0;
    uint64_t size = 0;      // to the next function's entry (alignment padding included)
    bool assembly = false;  // written in assembly (Go 1.18+ tables say so)
};

struct GoPclntab {
    std::string
        format;  // "1.16", "1.18", "1.20": the layout version (Go 1.16-1.17, 1.18-1.19, 1.20+)
    uint64_t text_start = 0;
    std::vector<GoFunction> functions;  // sorted by entry
};

// Where the 1.18+ header keeps the text start (runtime.text), from the
// table's first byte. It is the address function entries are relative to: in
// a cgo program, C code precedes it in .text. Position-independent builds
// relocate the word, and a linker may leave 0 there for the relocation to fill.
constexpr size_t kPclntabTextStartOffset = 24;

// The function table of a .gopclntab section. `text_start` is the fallback for
// a header whose text start is 0 (the address of .text / runtime.text).
// Formats: Go 1.16 (magic 0xfffffffa, also Go 1.17), 1.18 (0xfffffff0, also
// 1.19) and 1.20 (0xfffffff1, 1.20 and later). Older tables are refused.
// Names are the linker's: of a function and its ABI wrapper, which the table
// names alike, the one with the stack-based ABI0 is "NAME.abi0".
Result<GoPclntab> parse_go_pclntab(std::span<const uint8_t> section, uint64_t text_start);

// The offsets in `bytes` where a function table of a supported layout may
// start (its magic and the x86-64 header bytes, 8-byte aligned), for a table
// that has no section of its own: an external linker merges a position-
// independent build's .data.rel.ro.gopclntab into .data.rel.ro. Each is a
// candidate that parse_go_pclntab must confirm.
std::vector<size_t> find_go_pclntab_headers(std::span<const uint8_t> bytes);

}  // namespace probelog::symbols
