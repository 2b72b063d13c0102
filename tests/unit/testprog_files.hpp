#pragma once
// The test programs (tests/testprogs) as the symbol and probe unit tests open
// and resolve them. A failure throws with its message, which fails the test
// that needed the file or the probe.

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "probes/resolve.hpp"
#include "probes/spec.hpp"
#include "support/process.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"

namespace probelog::test {

// The ELF file of the test program `name`.
inline symbols::ElfFile open_ok(const std::string& name) {
    auto f = symbols::ElfFile::open(testprog(name));
    if (!f) throw std::runtime_error(f.error().message);
    return std::move(*f);
}

// The one function of `file` that `name` finds.
inline const symbols::ElfSymbol& function(const symbols::ElfFile& file, std::string_view name) {
    auto found = symbols::find_functions(file, name);
    if (found.size() != 1)
        throw std::runtime_error(fmt::format("{}: {} matches", name, found.size()));
    return *found[0];
}

// The path of the test program `name`.
inline std::string prog(std::string_view name) {
    return testprog(name);
}

// The probe spec `text` parsed and resolved with the default options.
inline Result<probes::ResolvedProbe> resolve(const std::string& text) {
    auto spec = probes::parse_probe_spec(text);
    if (!spec) return spec.error();
    return probes::resolve_probe(*spec, probes::ResolveOptions{});
}

inline probes::ResolvedProbe resolve_ok(const std::string& text) {
    auto r = resolve(text);
    if (!r) throw std::runtime_error(text + ": " + r.error().message);
    return *r;
}

}  // namespace probelog::test
