#include "probes/usdt_resolve.hpp"

#include <algorithm>
#include <set>

#include "symbols/library.hpp"
#include "symbols/lookup.hpp"

namespace probelog::probes {
namespace {

using symbols::UsdtNote;

constexpr size_t kMaxSuggestions = 3;
constexpr size_t kMaxListed = 8;

std::string full_name(const UsdtNote& n) {
    return n.provider + ":" + n.name;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) {
        out += out.empty() ? "" : ", ";
        out += s;
    }
    return out;
}

// Up to kMaxSuggestions of `names` close to `query` (a typo away), best first.
std::vector<std::string> closest(const std::set<std::string>& names, std::string_view query) {
    size_t max_distance = std::max<size_t>(2, query.size() / 3);
    std::vector<std::pair<size_t, std::string>> scored;
    scored.reserve(names.size());
    for (const std::string& n : names) {
        size_t d = symbols::edit_distance(n, query);
        if (d <= max_distance) scored.emplace_back(d, n);
    }
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> out;
    for (size_t i = 0; i < scored.size() && i < kMaxSuggestions; ++i)
        out.push_back(scored[i].second);
    return out;
}

// "did you mean a, b?" or, with nothing close, the first names there are.
// Names are shown as PROVIDER:NAME when a provider is given.
std::string hint(const std::set<std::string>& names, std::string_view query, std::string_view what,
                 const std::string& provider = {}) {
    auto shown = [&](std::vector<std::string> list) {
        if (!provider.empty()) {
            for (std::string& n : list)
                n.insert(0, provider + ":");
        }
        return joined(list);
    };
    auto near = closest(names, query);
    if (!near.empty()) return fmt::format("did you mean {}?", shown(near));
    std::vector<std::string> some;
    for (const std::string& n : names) {
        if (some.size() == kMaxListed) break;
        some.push_back(n);
    }
    return fmt::format("{}: {}{};", what, shown(some), names.size() > some.size() ? ", ..." : "");
}

std::string base_name(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Why no note matches: the provider is unknown, or the name.
Error not_found(const ProbeSpec& spec, const std::vector<UsdtNote>& notes,
                const std::string& binary) {
    std::set<std::string> providers;
    for (const UsdtNote& n : notes)
        providers.insert(n.provider);
    if (!spec.usdt_provider.empty() && providers.count(spec.usdt_provider) == 0) {
        return make_error("{} has no USDT provider '{}' ({} --probe-list {} shows every probe)",
                          binary, spec.usdt_provider,
                          hint(providers, spec.usdt_provider, "its providers"), binary);
    }
    // The names (of the provider, if one is given) are compared without it:
    // a shared prefix would make every name of the provider look close.
    std::set<std::string> names;
    for (const UsdtNote& n : notes) {
        if (spec.usdt_provider.empty() || n.provider == spec.usdt_provider) names.insert(n.name);
    }
    std::string near = hint(names, spec.usdt_name, "its probes", spec.usdt_provider);
    std::string query =
        spec.usdt_provider.empty() ? spec.usdt_name : spec.usdt_provider + ":" + spec.usdt_name;
    return make_error("{} has no USDT probe '{}' ({} --probe-list {} shows every probe)", binary,
                      query, near, binary);
}

}  // namespace

Result<std::vector<ResolvedProbe>> usdt_sites(const ProbeSpec& spec,
                                              const std::vector<UsdtNote>& notes,
                                              const std::string& binary) {
    if (notes.empty()) {
        return make_error(
            "{} has no USDT probes (no .note.stapsdt section: it was built without <sys/sdt.h> "
            "probes)",
            binary);
    }
    if (spec.ret) return make_error("a USDT probe has no return value: drop ret:{}", spec.ret_text);
    for (const ParamSpec& p : spec.params ? *spec.params : std::vector<ParamSpec>{}) {
        if (p.reg) {
            return make_error(
                "parameter {}: @REG has no meaning for a USDT probe, whose note "
                "says where each argument is",
                p.name);
        }
        if (p.go_only) {
            return make_error(
                "parameter {}: '{}' is a Go type; a USDT argument is an integer "
                "or a pointer (str, buf, s32...)",
                p.name, p.type_text);
        }
    }
    bool every = spec.usdt_name == "*";
    std::vector<const UsdtNote*> matched;
    std::set<std::string> providers_seen;
    for (const UsdtNote& n : notes) {
        if (!spec.usdt_provider.empty() && n.provider != spec.usdt_provider) continue;
        if (!every && n.name != spec.usdt_name) continue;
        matched.push_back(&n);
        providers_seen.insert(n.provider);
    }
    if (matched.empty()) return not_found(spec, notes, binary);
    if (spec.usdt_provider.empty() && providers_seen.size() > 1) {
        std::vector<std::string> names;
        names.reserve(providers_seen.size());
        for (const std::string& p : providers_seen)
            names.push_back(p + ":" + spec.usdt_name);
        return make_error("USDT probe '{}' is in several providers of {}: name one ({})",
                          spec.usdt_name, binary, joined(names));
    }

    std::vector<ResolvedProbe> out;
    std::string shown = base_name(spec.target);
    for (const UsdtNote* n : matched) {
        auto args = parse_usdt_args(n->args);
        if (!args) {
            return make_error(
                "USDT probe {} at 0x{:x}: {}: probelog cannot read this recipe "
                "('{}')",
                full_name(*n), n->pc, args.error().message, n->args);
        }
        ResolvedProbe r;
        r.spec = spec;
        r.binary = binary;
        r.name = fmt::format("{}:{}:{}", shown, n->provider, n->name);
        r.vaddr = n->pc;
        r.file_offset = n->pc_offset;
        r.function_entry = false;  // a nop inside a function: no return to read
        r.function = full_name(*n);
        r.usdt = true;
        r.usdt_provider = n->provider;
        r.usdt_name = n->name;
        r.ref_ctr_offset = n->semaphore != 0 ? n->sema_offset : 0;
        if (spec.params) {
            if (spec.params->size() > args->size()) {
                return make_error(
                    "USDT probe {} has {} argument{} ({}), and the spec names {} parameters",
                    full_name(*n), args->size(), args->size() == 1 ? "" : "s",
                    args->empty() ? "none" : n->args, spec.params->size());
            }
            r.params = *spec.params;
            for (const ParamSpec& p : r.params) {
                if (p.type != ValueType::Buf || p.len.kind != LenRef::Kind::Arg) continue;
                if (p.len.arg >= args->size()) {
                    return make_error(
                        "the length of buf {} is arg{}, and USDT probe {} has {} "
                        "argument{}",
                        p.name, p.len.arg, full_name(*n), args->size(),
                        args->size() == 1 ? "" : "s");
                }
            }
            r.params_from = "spec";
        } else {
            for (size_t i = 0; i < args->size(); ++i) {
                ParamSpec p;
                p.type = usdt_arg_type((*args)[i]);
                p.type_text = std::string(type_name(p.type));
                p.name = fmt::format("arg{}", i);
                r.params.push_back(std::move(p));
            }
            r.params_from = "the USDT note";
        }
        for (size_t i = 0; i < r.params.size(); ++i)
            r.params[i].abi_index = static_cast<int>(i);
        r.usdt_args = std::move(*args);
        out.push_back(std::move(r));
    }
    return out;
}

Result<std::vector<ResolvedProbe>> resolve_usdt(const ProbeSpec& spec,
                                                const ResolveOptions& options) {
    auto target = symbols::resolve_target(spec.target, options.pid);
    if (!target) return target.error();
    auto file = symbols::ElfFile::open(target->path);
    if (!file) return file.error();
    auto notes = symbols::read_usdt_notes(*file);
    if (!notes) return notes.error();
    return usdt_sites(spec, *notes, target->path);
}

}  // namespace probelog::probes
