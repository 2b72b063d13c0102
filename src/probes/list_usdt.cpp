#include "probes/list_usdt.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <map>
#include <vector>

#include "probes/usdt_args.hpp"
#include "symbols/usdt_notes.hpp"

namespace probelog::probes {
namespace {

bool matches(std::string_view pattern, const std::string& name) {
    if (pattern.empty()) return true;
    if (pattern.find_first_of("*?[") != std::string_view::npos) {
        return fnmatch(std::string(pattern).c_str(), name.c_str(), 0) == 0;
    }
    return name.find(pattern) != std::string::npos;
}

// "(s32 arg0, u64 arg1)" from a site's recipe; the error if it cannot be read.
std::string signature_of(const symbols::UsdtNote& note) {
    auto args = parse_usdt_args(note.args);
    if (!args) return "  # " + args.error().message;
    std::string out = "(";
    for (size_t i = 0; i < args->size(); ++i) {
        out +=
            fmt::format("{}{} arg{}", i > 0 ? ", " : "", type_name(usdt_arg_type((*args)[i])), i);
    }
    return out + ")";
}

}  // namespace

std::string list_usdt(const symbols::ElfFile& file, std::string_view target,
                      std::string_view pattern) {
    auto notes = symbols::read_usdt_notes(file);
    if (!notes) return fmt::format("# USDT probes: {}\n", notes.error().message);
    if (notes->empty()) return {};
    // Probes by PROVIDER:NAME (sorted), each with its sites in note order.
    std::map<std::string, std::vector<const symbols::UsdtNote*>> probes;
    for (const symbols::UsdtNote& n : *notes) {
        std::string name = n.provider + ":" + n.name;
        if (matches(pattern, name)) probes[name].push_back(&n);
    }
    std::string out = fmt::format(
        "# {} USDT probe{}{}; probe one with --probe 'usdt:{}:PROVIDER:NAME(...)' (arguments "
        "typed from the note; str for a string, buf NAME[LEN] for bytes)\n",
        probes.size(), probes.size() == 1 ? "" : "s",
        pattern.empty() ? "" : fmt::format(" matching '{}'", pattern), target);
    for (const auto& [name, sites] : probes) {
        const symbols::UsdtNote& first = *sites[0];
        std::string line = fmt::format("usdt:{}:{}{}", target, name, signature_of(first));
        std::string recipes;
        for (const symbols::UsdtNote* s : sites) {
            recipes += fmt::format("{}0x{:x}: {}", recipes.empty() ? "" : "; ", s->pc,
                                   s->args.empty() ? "no arguments" : s->args);
        }
        std::string sema = first.semaphore != 0
                               ? fmt::format(", semaphore at 0x{:x}", first.semaphore)
                               : std::string(", no semaphore");
        out += fmt::format("{}  # {} site{}{}; {}\n", line, sites.size(),
                           sites.size() == 1 ? "" : "s", sema, recipes);
    }
    return out;
}

}  // namespace probelog::probes
