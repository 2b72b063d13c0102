#pragma once
// USDT probes (issue 17): the static probes that <sys/sdt.h> records in an
// ELF file's .note.stapsdt section, one note per site. A note gives the site's
// address, the provider and probe name, the argument recipe ("-4@%eax
// 8@-16(%rbp)") and the address of the probe's semaphore (0: none). Pure: no
// BPF, no root.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "symbols/elf_file.hpp"

namespace probelog::symbols {

struct UsdtNote {
    std::string provider;
    std::string name;
    std::string args;          // the argument recipe as the note spells it
    uint64_t pc = 0;           // link-time address of the site (its nop)
    uint64_t base = 0;         // the note's idea of .stapsdt.base (prelink moves it)
    uint64_t semaphore = 0;    // link-time address of the semaphore; 0: none
    uint64_t pc_offset = 0;    // file offset of the site: where the uprobe goes
    uint64_t sema_offset = 0;  // file offset of the semaphore (the uprobe's ref_ctr_offset)
};

// One note's descriptor: three 8-byte addresses (pc, base, semaphore), then
// provider, name and args as NUL-terminated strings. Errors name what is
// missing.
Result<UsdtNote> parse_usdt_note_desc(std::span<const uint8_t> desc);

// Every USDT site of the file, in note order, with addresses adjusted by
// .stapsdt.base and turned into file offsets. Empty if the file has none.
Result<std::vector<UsdtNote>> read_usdt_notes(const ElfFile& file);

}  // namespace probelog::symbols
