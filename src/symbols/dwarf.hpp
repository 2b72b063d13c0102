#pragma once
// Function signatures from DWARF (libdw): parameter names and types, the
// return type, in the terms a probe can capture. Reads the file's own debug
// sections or, if it has none, a separate debug file found by build id under
// /usr/lib/debug/.build-id/.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/go_types.hpp"

struct Dwarf;

namespace probelog::symbols {

enum class TypeClass {
    Void,
    Signed,    // integers, enums with a signed base, size 1/2/4/8
    Unsigned,  // integers, enums, size 1/2/4/8
    Bool,
    Char,     // plain char
    Pointer,  // pointers, references, nullptr_t
    CString,  // pointer to (const) char
    Float,    // float, double, long double (in SSE/x87 registers: not readable)
    Struct,   // struct/class/union by value
    Unknown,
};

struct DwarfType {
    TypeClass cls = TypeClass::Unknown;
    uint32_t size = 0;          // bytes
    std::string name;           // as written in C: "const char *", "struct point", "int"
    bool by_reference = false;  // Struct: passed and returned through a hidden pointer
                                // (DW_CC_pass_by_reference, C++ non-trivial types)
};

struct DwarfParam {
    std::string name;  // may be empty (unnamed parameter)
    DwarfType type;
    bool artificial = false;  // `this`
};

struct DwarfFunction {
    std::string name;  // DW_AT_name (unqualified)
    uint64_t low_pc = 0;
    std::vector<DwarfParam> params;
    DwarfType ret;  // cls Void if none
    bool variadic = false;
};

// A Go function's parameters and results as Go's DWARF lists them (Go marks
// results with DW_AT_variable_parameter).
struct GoDwarfParam {
    std::string name;  // results without a name are "~r0", "~r1", ...
    GoType type;
    bool result = false;
};

struct GoDwarfFunction {
    std::string name;                  // "main.add"
    std::vector<GoDwarfParam> params;  // receiver and arguments, then results
};

class DwarfInfo {
  public:
    // The DWARF of `file` (or of its separate debug file); nullopt if it has none.
    // WithFile: reads through `file`'s ELF handle, valid while `file` is;
    // OwnFile: opens the file again, to outlive `file`.
    enum class Lifetime { WithFile, OwnFile };
    static std::optional<DwarfInfo> open(const ElfFile& file,
                                         Lifetime lifetime = Lifetime::WithFile);

    DwarfInfo(DwarfInfo&&) noexcept;
    DwarfInfo& operator=(DwarfInfo&&) noexcept;
    ~DwarfInfo();

    // The function whose entry is at `address` (a link-time address).
    std::optional<DwarfFunction> function_at(uint64_t address) const;
    // The same for a Go function: Go types (strings, slices, structs...).
    std::optional<GoDwarfFunction> go_function_at(uint64_t address) const;
    // The byte offset of a member, through nested members, in the first
    // struct type of that name: ("runtime.g", {"stack", "hi"}).
    std::optional<uint64_t> member_offset(std::string_view type,
                                          const std::vector<std::string_view>& path) const;
    // Where the DWARF came from (the file itself or the debug file's path).
    const std::string& source() const { return source_; }

    // libdw's handle, for readers of the DWARF in src/symbols (dwarf_types.cpp).
    ::Dwarf* handle() const { return dwarf_; }
    // The DIE (a Dwarf_Die*) of the function whose entry is at `address`.
    bool function_die(uint64_t address, void* die) const;
    // The complete definition of the struct, class, union or enum whose DIE
    // at `declaration` only declares it (DW_AT_declaration), looked for by
    // tag and (namespace-qualified) name in every compilation unit: C code
    // often declares a struct in one file and defines it in another. The
    // definition's DIE offset, or 0 if there is none.
    uint64_t definition_of(uint64_t declaration) const;

  private:
    DwarfInfo() = default;
    void index() const;

    std::string source_;
    int debug_fd_ = -1;  // a separate debug file, if used
    ::Dwarf* dwarf_ = nullptr;
    mutable bool indexed_ = false;
    mutable std::unordered_map<uint64_t, uint64_t> by_address_;  // low_pc -> DIE offset
    // Complete type definitions by "tag:qualified name", built on first use.
    mutable bool definitions_indexed_ = false;
    mutable std::unordered_map<std::string, uint64_t> definitions_;
};

}  // namespace probelog::symbols
