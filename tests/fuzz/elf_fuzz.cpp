// ELF files (symbols/elf_file.hpp) and what is read from them: symbols,
// segments, sections, the build id, USDT notes, Go tables, DWARF signatures
// and types. ElfFile opens a path: the input is written to a memfd, opened
// as /proc/self/fd/N.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fuzz_input.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/dwarf_types.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/usdt_notes.hpp"

namespace {

using namespace probelog;
using namespace probelog::symbols;

// A type, its members and enumerators, and what it points to (two levels:
// the DWARF may describe a type through itself).
void walk_type(const DwarfInfo& dwarf, TypeRef type, int depth) {
    if (!type || depth > 2) return;
    TypeDesc desc = describe_type(dwarf, type);
    for (const MemberDesc& m : type_members(dwarf, type))
        walk_type(dwarf, m.type, depth + 1);
    (void)find_member(dwarf, type, "len");
    (void)type_enumerators(dwarf, type);
    walk_type(dwarf, desc.target, depth + 1);
}

void read_dwarf(const ElfFile& elf) {
    auto dwarf = DwarfInfo::open(elf);
    if (!dwarf) return;
    size_t n = 0;
    for (const ElfSymbol& s : elf.functions()) {
        if (++n > 16) break;
        (void)dwarf->function_at(s.address);
        (void)dwarf->go_function_at(s.address);
        auto types = function_types(*dwarf, s.address);
        if (!types) continue;
        for (TypeRef t : types->types)
            walk_type(*dwarf, t, 0);
        walk_type(*dwarf, types->ret, 0);
    }
    (void)dwarf->member_offset("runtime.g", {"stack", "hi"});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const int fd = ::memfd_create("probelog-elf-fuzz", 0);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    fuzz::check(fd >= 0, "memfd_create failed");
    fuzz::check(
        ::ftruncate(fd, 0) == 0 && ::pwrite(fd, data, size, 0) == static_cast<ssize_t>(size),
        "cannot write the memfd");
    auto elf = ElfFile::open(path);
    if (!elf.ok()) return 0;
    for (const ElfSymbol& s : elf->functions()) {
        (void)elf->functions_containing(s.address);
        (void)elf->file_offset(s.address);
        (void)elf->read_at(s.address, 16);
    }
    (void)elf->build_id();
    (void)elf->section(".text");
    (void)elf->read_memory(0x400000, 64);
    (void)read_usdt_notes(*elf);
    read_dwarf(*elf);
    return 0;
}
