#pragma once
// Finding a function by the name a user typed, and close names when none fits.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "symbols/elf_file.hpp"

namespace probelog::symbols {

// Function symbols named `query`, one per distinct address: by symbol name
// (C, or mangled C++), else by full demangled name ("ns::C::m(int)"), else by
// demangled name without parameters ("ns::C::m", which overloads share).
std::vector<const ElfSymbol*> find_functions(const ElfFile& file, std::string_view query);

// Up to `max` function names close to `query`, best first: same unqualified
// name in another scope, then by edit distance.
std::vector<std::string> suggest_functions(const ElfFile& file, std::string_view query,
                                           size_t max = 3);

// Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace probelog::symbols
