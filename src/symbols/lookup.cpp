#include "symbols/lookup.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "symbols/demangle.hpp"

namespace probelog::symbols {
namespace {

std::vector<const ElfSymbol*> unique_addresses(const std::vector<const ElfSymbol*>& in) {
    std::vector<const ElfSymbol*> out;
    for (const ElfSymbol* s : in) {
        bool seen = std::any_of(out.begin(), out.end(),
                                [&](const ElfSymbol* o) { return o->address == s->address; });
        if (!seen) out.push_back(s);
    }
    return out;
}

// What a user would type for a symbol: the C name, or the C++ name without parameters.
std::string typed_name(const ElfSymbol& s) {
    if (s.demangled.empty()) return s.name;
    return strip_abi_tags(strip_return_type(strip_parameters(s.demangled)));
}

std::string_view last_component(std::string_view name) {
    size_t at = name.rfind("::");
    return at == std::string_view::npos ? name : name.substr(at + 2);
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), 0);
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::vector<const ElfSymbol*> find_functions(const ElfFile& file, std::string_view query) {
    std::vector<const ElfSymbol*> by_name;
    std::vector<const ElfSymbol*> by_full;
    std::vector<const ElfSymbol*> by_base;
    for (const ElfSymbol& s : file.functions()) {
        if (s.name == query) by_name.push_back(&s);
        if (s.demangled.empty()) continue;
        if (s.demangled == query) by_full.push_back(&s);
        std::string_view base = strip_parameters(s.demangled);
        if (base == query || strip_return_type(base) == query ||
            strip_abi_tags(strip_return_type(base)) == query) {
            by_base.push_back(&s);
        }
    }
    if (!by_name.empty()) return unique_addresses(by_name);
    if (!by_full.empty()) return unique_addresses(by_full);
    return unique_addresses(by_base);
}

std::vector<std::string> suggest_functions(const ElfFile& file, std::string_view query,
                                           size_t max) {
    std::string_view wanted = query;
    if (wanted.find('(') != std::string_view::npos) {
        wanted = strip_return_type(strip_parameters(wanted));
    }
    size_t limit = std::max<size_t>(2, wanted.size() / 3);
    std::map<std::string, size_t> best;  // name -> score
    for (const ElfSymbol& s : file.functions()) {
        std::string name = typed_name(s);
        size_t score;
        if (last_component(name) == last_component(wanted) && name != wanted) {
            score = 0;
        } else if (wanted.size() >= 3 && name.find(wanted) != std::string::npos) {
            score = name.size() - wanted.size();  // "pt_sleep" for pt_sleep_ms
        } else {
            // Cheap bound first: the distance is at least the length difference.
            size_t diff = name.size() > wanted.size() ? name.size() - wanted.size()
                                                      : wanted.size() - name.size();
            if (diff > limit) continue;
            score = edit_distance(name, wanted);
            if (score > limit || score == 0) continue;
        }
        auto [it, inserted] = best.emplace(name, score);
        if (!inserted) it->second = std::min(it->second, score);
    }
    std::vector<std::pair<size_t, std::string>> ranked;
    ranked.reserve(best.size());
    for (auto& [name, score] : best)
        ranked.emplace_back(score, name);
    std::sort(ranked.begin(), ranked.end());
    std::vector<std::string> out;
    for (size_t i = 0; i < ranked.size() && out.size() < max; ++i)
        out.push_back(ranked[i].second);
    return out;
}

}  // namespace probelog::symbols
