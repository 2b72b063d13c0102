#pragma once
// --probe-list's USDT section (issue 17): every USDT probe of the file as a
// spec ready to paste (usdt:TARGET:PROVIDER:NAME(TYPE arg0, ...), typed from
// the note), with its sites, their argument recipes and whether it has a
// semaphore.

#include <string>
#include <string_view>

#include "symbols/elf_file.hpp"

namespace probelog::probes {

// Empty if the file has no USDT notes. PATTERN as for functions, over
// "PROVIDER:NAME".
std::string list_usdt(const symbols::ElfFile& file, std::string_view target,
                      std::string_view pattern);

}  // namespace probelog::probes
