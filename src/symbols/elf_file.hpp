#pragma once
// An ELF file opened for symbol work: its function symbols (from .symtab and
// .dynsym, demangled), its loadable segments (to turn the link-time addresses
// that nm and objdump show into the file offsets uprobes attach at), and its
// sections. x86-64 only. Pure: no BPF, no root.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "symbols/go_binary.hpp"

struct Elf;

namespace probelog::symbols {

struct ElfSymbol {
    std::string name;       // as in the symbol table (mangled for C++)
    std::string demangled;  // the C++ name with its parameter list; empty if not mangled
    uint64_t address = 0;   // link-time virtual address (st_value)
    uint64_t size = 0;
    bool global = false;  // STB_GLOBAL or STB_WEAK
    bool ifunc = false;   // STT_GNU_IFUNC: the symbol is the resolver, not the implementation
    // In no symbol table: a Go function known from the runtime's function
    // table (.gopclntab) only, as in a stripped build.
    bool from_pclntab = false;

    // The name users see: the demangled one for C++, else the symbol's.
    const std::string& display() const { return demangled.empty() ? name : demangled; }
};

struct ElfSegment {
    uint64_t vaddr = 0;
    uint64_t memsz = 0;
    uint64_t offset = 0;
    uint64_t filesz = 0;
    bool executable = false;
};

// What makes a file a Go program: its version (.go.buildinfo) and the
// runtime's function table (.gopclntab), which says which functions are Go
// functions (and so use Go's calling convention) and survives stripping.
struct GoBinary {
    std::optional<GoVersion> version;   // nullopt: no or unreadable build info
    std::string version_error;          // why, if not
    std::vector<GoFunction> functions;  // sorted by entry; empty if the table is unreadable
    std::string pclntab_format;
    std::string pclntab_where;  // ".gopclntab", or the section it was found in
    std::string pclntab_error;  // why the table could not be read, if not

    // The Go function whose entry is `vaddr`.
    const GoFunction* function_at(uint64_t vaddr) const;
    // The Go function whose code holds `vaddr`.
    const GoFunction* function_containing(uint64_t vaddr) const;
};

// Adds to `symbols` every Go function that is in no symbol table: whose name
// no symbol has and at whose entry no symbol starts (marked from_pclntab, in
// the table's order). A stripped build has only the .dynsym of its C side, if
// any, and that must not hide the Go functions. Returns how many were added.
size_t merge_go_functions(std::vector<ElfSymbol>& symbols, std::span<const GoFunction> go);

class ElfFile {
  public:
    // Errors: "cannot open PATH: ...", "PATH is not an ELF file", "PATH is a
    // 32-bit ELF file", "PATH is an ELF file for <machine>, not x86-64".
    static Result<ElfFile> open(const std::string& path);

    ElfFile(ElfFile&&) noexcept;
    ElfFile& operator=(ElfFile&&) noexcept;
    ~ElfFile();

    const std::string& path() const { return path_; }
    Elf* elf() const { return elf_; }
    // ET_DYN: a PIE executable or a shared library (loaded at a random base).
    bool position_independent() const { return position_independent_; }

    // FUNC and IFUNC symbols with an address, one per (name, address), sorted by address.
    std::span<const ElfSymbol> functions() const { return functions_; }
    // The function symbols whose [address, address + size) holds `vaddr`.
    std::vector<const ElfSymbol*> functions_containing(uint64_t vaddr) const;
    std::span<const ElfSegment> segments() const { return segments_; }

    // The file offset of a link-time address, through the PT_LOAD that maps it.
    // An error if no executable segment maps it.
    Result<uint64_t> file_offset(uint64_t vaddr) const;
    // Bytes of the file at a link-time address (fewer at the end of the segment).
    Result<std::vector<uint8_t>> read_at(uint64_t vaddr, size_t size) const;

    bool has_section(std::string_view name) const;
    // A section's contents and address; nullopt if there is no such section
    // (or it has no bytes in the file).
    struct Section {
        uint64_t vaddr = 0;
        std::vector<uint8_t> bytes;
    };
    std::optional<Section> section(std::string_view name) const;
    // Bytes of any loadable segment at a link-time address (data too).
    std::optional<std::vector<uint8_t>> read_memory(uint64_t vaddr, size_t size) const;

    // A Go program (build info, function table); nullptr for other files.
    const GoBinary* go() const { return go_ ? &*go_ : nullptr; }
    // How many functions are known from .gopclntab only (a stripped Go program).
    size_t functions_from_pclntab() const { return functions_from_pclntab_; }
    // The GNU build id as lowercase hex, if the file has one.
    std::optional<std::string> build_id() const;

  private:
    ElfFile() = default;
    Status load();
    void load_go();
    void close();
    // Bytes of the file: a view of libelf's mapping, or a copy if it has none.
    struct FileBytes {
        std::vector<uint8_t> copy;
        std::span<const uint8_t> view;
    };
    FileBytes file_bytes(uint64_t offset, uint64_t size) const;
    // The function table and the link-time address of its first byte.
    struct Pclntab {
        uint64_t vaddr = 0;
        FileBytes bytes;
        std::string where;
    };
    std::optional<Pclntab> find_pclntab() const;
    Result<GoPclntab> read_pclntab(const Pclntab& tab) const;
    // The addend of the R_X86_64_RELATIVE relocation of the word at `vaddr`.
    std::optional<uint64_t> relative_relocation(uint64_t vaddr) const;

    std::string path_;
    int fd_ = -1;
    Elf* elf_ = nullptr;
    bool position_independent_ = false;
    std::vector<ElfSymbol> functions_;
    std::vector<ElfSegment> segments_;
    std::vector<std::string> sections_;
    std::optional<GoBinary> go_;
    size_t functions_from_pclntab_ = 0;
};

}  // namespace probelog::symbols
