#include "probes/list.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <vector>

#include "probes/resolve.hpp"
#include "symbols/demangle.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/library.hpp"

namespace probelog::probes {
namespace {

bool matches(std::string_view pattern, const symbols::ElfSymbol& s) {
    if (pattern.empty()) return true;
    std::string pat(pattern);
    if (pattern.find_first_of("*?[") != std::string_view::npos) {
        return fnmatch(pat.c_str(), s.name.c_str(), 0) == 0 ||
               (!s.demangled.empty() && fnmatch(pat.c_str(), s.demangled.c_str(), 0) == 0) ||
               (!s.demangled.empty() &&
                fnmatch(pat.c_str(), std::string(symbols::strip_parameters(s.demangled)).c_str(),
                        0) == 0);
    }
    return s.name.find(pattern) != std::string::npos ||
           s.demangled.find(pattern) != std::string::npos;
}

// The location as a spec names it: plain C names as they are, C++ names quoted in full.
std::string location_of(const symbols::ElfSymbol& s) {
    if (s.demangled.empty()) return s.name;
    return "'" + s.demangled + "'";
}

std::string signature_of(const symbols::DwarfFunction& fn) {
    std::vector<ParamSpec> params;
    std::optional<ValueType> ret;
    std::vector<std::string> notes;
    params_from_dwarf(fn, params, ret, notes);
    std::string out = "(";
    for (size_t i = 0; i < params.size(); ++i) {
        if (i > 0) out += ", ";
        out += fmt::format("{} {}", type_name(params[i].type), params[i].name);
    }
    out += ")";
    if (ret) out += fmt::format(" ret:{}", type_name(*ret));
    for (const std::string& n : notes)
        out += "  # " + n;
    return out;
}

}  // namespace

Result<std::string> list_functions(std::string_view target, std::string_view pattern,
                                   std::optional<int> pid) {
    auto where = symbols::resolve_target(target, pid);
    if (!where) return where.error();
    auto file = symbols::ElfFile::open(where->path);
    if (!file) return file.error();
    auto dwarf = symbols::DwarfInfo::open(*file);

    std::vector<const symbols::ElfSymbol*> shown;
    for (const symbols::ElfSymbol& s : file->functions()) {
        if (matches(pattern, s)) shown.push_back(&s);
    }
    std::sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) {
        return std::tie(a->display(), a->address) < std::tie(b->display(), b->address);
    });
    std::string out = fmt::format(
        "# {}{}: {} {}, {}{}\n", file->path(), where->how.empty() ? "" : " (" + where->how + ")",
        file->position_independent() ? "position independent" : "fixed address",
        file->position_independent() && file->has_section(".interp") ? "executable"
        : file->position_independent()                               ? "object"
                                                                     : "executable",
        dwarf ? "DWARF from " + dwarf->source() : "no DWARF (arguments as arg0..arg5)",
        pattern.empty() ? "" : fmt::format("; functions matching '{}'", pattern));
    out += fmt::format("# {} function{}; probe one with --probe '{}:LOCATION(...)'\n", shown.size(),
                       shown.size() == 1 ? "" : "s", target);
    out += fmt::format("{:<18} {:>8}  {}\n", "ADDRESS", "SIZE", "LOCATION AND SIGNATURE");
    for (const symbols::ElfSymbol* s : shown) {
        std::string line = location_of(*s);
        if (s->ifunc) {
            line += "  # IFUNC resolver: probe an implementation";
        } else if (dwarf) {
            if (auto fn = dwarf->function_at(s->address)) line += signature_of(*fn);
        }
        out += fmt::format("0x{:<16x} {:>8}  {}\n", s->address, s->size, line);
    }
    return out;
}

}  // namespace probelog::probes
