#include "probes/list.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <vector>

#include "probes/list_fields.hpp"
#include "probes/list_usdt.hpp"
#include "probes/resolve.hpp"
#include "symbols/demangle.hpp"
#include "symbols/dwarf.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/go_types.hpp"
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

// PATTERN names this function exactly (no glob): its members are listed too.
bool names_exactly(std::string_view pattern, const symbols::ElfSymbol& s) {
    if (pattern.empty() || pattern.find_first_of("*?[") != std::string_view::npos) return false;
    return s.name == pattern ||
           (!s.demangled.empty() &&
            (s.demangled == pattern || symbols::strip_parameters(s.demangled) == pattern));
}

// The location as a spec names it: plain C names as they are, C++ names quoted in full.
std::string location_of(const symbols::ElfSymbol& s) {
    if (s.demangled.empty()) return s.name;
    return "'" + s.demangled + "'";
}

// A Go type as a spec writes it; false if a spec cannot (structs, arrays,
// floats): those come from DWARF only.
std::pair<std::string, bool> go_spec_type(const symbols::GoType& t) {
    using symbols::GoKind;
    if (t.byte_slice()) return {"[]byte", true};
    // Go's own names as they are (int64, rune, error).
    if (auto named = symbols::go_type_named(t.name);
        named && named->kind == t.kind && named->size == t.size && t.kind != GoKind::Float &&
        t.kind != GoKind::Complex) {
        return {t.name, true};
    }
    switch (t.kind) {
        case GoKind::Bool:
            return {"bool", true};
        case GoKind::Int:
            return {t.size == 8 ? "int" : fmt::format("int{}", t.size * 8), true};
        case GoKind::Uint:
            if (t.name == "uintptr") return {"uintptr", true};
            return {t.size == 8 ? "uint64" : fmt::format("uint{}", t.size * 8), true};
        case GoKind::Pointer:
            return {t.name.starts_with("*") || t.name.starts_with("map[") ? t.name : "ptr", true};
        case GoKind::String:
            return {"string", true};
        case GoKind::Slice:
            if (t.byte_slice()) return {"[]byte", true};
            return {t.name.starts_with("[]") ? t.name : "[]T", true};
        case GoKind::Interface:
            return {t.name == "error" ? "error" : "any", true};
        default:
            return {t.name.empty() ? "?" : t.name, false};
    }
}

// A Go function's parameters and first result, from DWARF, in Go's spelling.
std::string go_signature_of(const symbols::GoDwarfFunction& fn) {
    std::string params;
    std::vector<std::string> results;
    bool all_spelled = true;
    size_t k = 0;
    for (const symbols::GoDwarfParam& p : fn.params) {
        auto [type, spelled] = go_spec_type(p.type);
        all_spelled = all_spelled && spelled;
        if (p.result) {
            results.push_back(type);
            continue;
        }
        std::string name = p.name.empty() || p.name == "_" || p.name.starts_with("~")
                               ? fmt::format("arg{}", k)
                               : p.name;
        params += fmt::format("{}{} {}", k++ ? ", " : "", type, name);
    }
    std::string out = "(" + params + ")";
    bool first_spelled = false;
    for (const symbols::GoDwarfParam& p : fn.params) {
        if (!p.result) continue;
        first_spelled = go_spec_type(p.type).second;
        break;
    }
    if (!results.empty() && first_spelled) out += " ret:" + results[0];
    std::string notes;
    if (results.size() > 1 || (!results.empty() && !first_spelled)) {
        std::string all;
        for (const std::string& r : results)
            all += (all.empty() ? "" : ", ") + r;
        notes = fmt::format("results ({})", all);
    }
    if (!all_spelled) {
        notes += fmt::format(
            "{}structs, arrays and floats have no spec spelling: leave the list "
            "out to read from DWARF (floats cannot be read)",
            notes.empty() ? "" : "; ");
    }
    if (!notes.empty()) out += "  # " + notes;
    return out;
}

// Go names with a receiver in parentheses are quoted.
std::string go_location_of(const symbols::ElfSymbol& s) {
    if (s.name.find_first_of("( ") != std::string::npos) return "'" + s.name + "'";
    return s.name;
}

// "Go program (go1.19.8; stripped: 63124 functions from .gopclntab, 46 from
// the symbol tables)": the version, and where the functions were found.
std::string go_summary(const symbols::ElfFile& file, const symbols::GoBinary& go) {
    std::string out =
        fmt::format("Go program ({}", go.version ? go.version->text : "version unknown");
    size_t from_tab = file.functions_from_pclntab();
    if (!go.pclntab_error.empty()) {
        out += fmt::format("; its function table is unreadable: {}", go.pclntab_error);
    } else if (from_tab > 0) {
        size_t from_symbols = file.functions().size() - from_tab;
        out += fmt::format("; stripped: {} function{} from .gopclntab{}", from_tab,
                           from_tab == 1 ? "" : "s",
                           go.pclntab_where == ".gopclntab" ? "" : " (" + go.pclntab_where + ")");
        if (from_symbols > 0) out += fmt::format(", {} from the symbol tables", from_symbols);
    }
    return out + ")";
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
    const symbols::ElfSymbol* exact = nullptr;  // the one function PATTERN names, if one
    size_t n_exact = 0;
    for (const symbols::ElfSymbol& s : file->functions()) {
        if (matches(pattern, s)) shown.push_back(&s);
        if (names_exactly(pattern, s)) {
            exact = &s;
            ++n_exact;
        }
    }
    if (n_exact != 1) exact = nullptr;
    std::sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) {
        return std::tie(a->display(), a->address) < std::tie(b->display(), b->address);
    });
    const symbols::GoBinary* go = file->go();
    std::string kind = file->position_independent() && file->has_section(".interp") ? "executable"
                       : file->position_independent()                               ? "object"
                                                                                    : "executable";
    if (go != nullptr) kind = go_summary(*file, *go);
    std::string args = go != nullptr ? "arg0..arg8" : "arg0..arg5";
    std::string out = fmt::format(
        "# {}{}: {} {}, {}{}\n", file->path(), where->how.empty() ? "" : " (" + where->how + ")",
        file->position_independent() ? "position independent" : "fixed address", kind,
        dwarf ? "DWARF from " + dwarf->source() : "no DWARF (arguments as " + args + ")",
        pattern.empty() ? "" : fmt::format("; functions matching '{}'", pattern));
    out += fmt::format("# {} function{}; probe one with --probe '{}:LOCATION(...)'\n", shown.size(),
                       shown.size() == 1 ? "" : "s", target);
    out += fmt::format("{:<18} {:>8}  {}\n", "ADDRESS", "SIZE", "LOCATION AND SIGNATURE");
    for (const symbols::ElfSymbol* s : shown) {
        bool go_fn = go != nullptr && go->function_at(s->address) != nullptr;
        std::string line = go_fn ? go_location_of(*s) : location_of(*s);
        if (go_fn) {
            if (dwarf) {
                if (auto fn = dwarf->go_function_at(s->address)) line += go_signature_of(*fn);
            }
        } else if (s->ifunc) {
            line += "  # IFUNC resolver: probe an implementation";
        } else if (dwarf) {
            if (auto fn = dwarf->function_at(s->address)) line += signature_of(*fn);
        }
        out += fmt::format("0x{:<16x} {:>8}  {}\n", s->address, s->size, line);
        if (s == exact && !s->ifunc)
            out += list_fields(dwarf ? &*dwarf : nullptr, s->address, go_fn);
    }
    out += list_usdt(*file, target, pattern);
    return out;
}

}  // namespace probelog::probes
