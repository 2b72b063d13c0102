// Fluent Bit's classic format:
//   [SECTION]
//       Key  value
//   @INCLUDE other.conf
//   @SET name=value      (then ${name} in values)
//   # comment
#include "config/sections.hpp"

namespace probelog::config::detail {
namespace {

// The sections Fluent Bit has that probelog does not take, with why.
constexpr std::string_view kUnsupportedSections[] = {
    "filter", "parser", "multiline_parser", "plugins", "upstream", "node", "custom", "stream_task",
};

}  // namespace

Status load_classic(std::string_view text, const std::string& file, LoadState& state) {
    Section* current = nullptr;
    int line_no = 0;
    while (!text.empty()) {
        size_t eol = text.find('\n');
        std::string_view raw = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;

        if (line.front() == '[') {
            if (line.back() != ']') {
                return error_at(file, line_no, "'{}' is not a section header (expected [NAME])",
                                line);
            }
            std::string name = lower(trim(line.substr(1, line.size() - 2)));
            if (name == "service" || name == "input" || name == "output") {
                state.sections.push_back(Section{name, file, line_no, {}});
                current = &state.sections.back();
                continue;
            }
            for (std::string_view unsupported : kUnsupportedSections) {
                if (name == unsupported) {
                    return error_at(file, line_no,
                                    "{} sections are not supported (probelog takes [SERVICE], "
                                    "[INPUT] Name ebpf and [OUTPUT] stdout/file)",
                                    line);
                }
            }
            return error_at(file, line_no,
                            "unknown section {} (expected [SERVICE], [INPUT] or [OUTPUT])", line);
        }

        if (line.front() == '@') {
            size_t space = line.find_first_of(" \t");
            std::string directive = lower(line.substr(0, space));
            std::string_view arg =
                space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
            if (directive == "@include") {
                if (arg.empty()) return error_at(file, line_no, "@INCLUDE needs a file name");
                // The included file's sections follow; a later key belongs to no section.
                if (Status st = load_include(arg, state, file, line_no); !st) return st;
                current = nullptr;
                continue;
            }
            if (directive == "@set") {
                size_t eq = arg.find('=');
                if (eq == std::string_view::npos || trim(arg.substr(0, eq)).empty()) {
                    return error_at(file, line_no, "@SET needs NAME=VALUE, not '{}'", arg);
                }
                auto value = expand(trim(arg.substr(eq + 1)), state, file, line_no);
                if (!value) return value.error();
                state.variables[std::string(trim(arg.substr(0, eq)))] = *value;
                continue;
            }
            return error_at(file, line_no, "unknown directive {} (expected @INCLUDE or @SET)",
                            line.substr(0, space));
        }

        size_t space = line.find_first_of(" \t");
        std::string_view key = line.substr(0, space);
        std::string_view value =
            space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
        if (current == nullptr) {
            return error_at(file, line_no, "'{}' is outside of a section (add [INPUT] above it)",
                            key);
        }
        if (value.empty()) return error_at(file, line_no, "'{}' has no value", key);
        auto expanded = expand(value, state, file, line_no);
        if (!expanded) return expanded.error();
        current->properties.push_back(Property{std::string(key), *expanded, file, line_no});
    }
    return {};
}

}  // namespace probelog::config::detail
