#include "symbols/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace probelog::symbols {
namespace {

constexpr std::string_view kTrailingQualifiers[] = {" const", " volatile", " &&",
                                                    " &",     " noexcept", " [clone"};

}  // namespace

std::string demangle(std::string_view name) {
    if (!name.starts_with("_Z")) return {};
    std::string owned(name);
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> out(
        abi::__cxa_demangle(owned.c_str(), nullptr, nullptr, &status), &std::free);
    if (status != 0 || out == nullptr) return {};
    return std::string(out.get());
}

std::string_view strip_parameters(std::string_view demangled) {
    std::string_view s = demangled;
    // "f(int) [clone .cold]", "m() const &": drop what follows the parameter list.
    bool changed = true;
    while (changed) {
        changed = false;
        for (std::string_view q : kTrailingQualifiers) {
            size_t at = s.rfind(q);
            if (at != std::string_view::npos && at > 0 && s[at - 1] == ')' &&
                (q == " [clone" || at + q.size() == s.size())) {
                s = s.substr(0, at);
                changed = true;
            }
        }
    }
    if (s.empty() || s.back() != ')') return s;
    int depth = 0;
    for (size_t i = s.size(); i-- > 0;) {
        if (s[i] == ')') ++depth;
        if (s[i] == '(' && --depth == 0) return s.substr(0, i);
    }
    return s;
}

std::string_view strip_return_type(std::string_view name) {
    int angle = 0;
    int paren = 0;
    for (size_t i = name.size(); i-- > 0;) {
        char c = name[i];
        if (c == '>') ++angle;
        if (c == '<') --angle;
        if (c == ')') ++paren;
        if (c == '(') --paren;
        if (c == ' ' && angle == 0 && paren == 0) {
            // "operator new", "operator delete[]": the space belongs to the name.
            if (name.substr(0, i).ends_with("operator")) continue;
            return name.substr(i + 1);
        }
    }
    return name;
}

std::string strip_abi_tags(std::string_view name) {
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t tag = name.find("[abi:", pos);
        if (tag == std::string_view::npos) break;
        size_t end = name.find(']', tag);
        if (end == std::string_view::npos) break;
        out.append(name.substr(pos, tag - pos));
        pos = end + 1;
    }
    out.append(name.substr(pos));
    return out;
}

}  // namespace probelog::symbols
