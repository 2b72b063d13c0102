#include "config/config.hpp"

#include <glob.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/sections.hpp"

namespace probelog::config {
namespace detail {
namespace {

constexpr int kMaxIncludeDepth = 8;

bool is_yaml_name(std::string_view path) {
    std::string name = lower(path);
    return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::string directory_of(std::string_view file) {
    size_t slash = file.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(file.substr(0, slash + 1));
}

}  // namespace

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

Result<std::string> expand(std::string_view value, const LoadState& state, std::string_view file,
                           int line) {
    std::string out;
    size_t pos = 0;
    while (pos < value.size()) {
        size_t start = value.find("${", pos);
        if (start == std::string_view::npos) break;
        size_t end = value.find('}', start + 2);
        if (end == std::string_view::npos) {
            return error_at(file, line, "'${{' without a closing '}}' in '{}'", value);
        }
        out.append(value.substr(pos, start - pos));
        std::string name(value.substr(start + 2, end - start - 2));
        if (auto it = state.variables.find(name); it != state.variables.end()) {
            out += it->second;
        } else if (auto env = state.context->getenv ? state.context->getenv(name) : std::nullopt) {
            out += *env;
        } else {
            return error_at(file, line,
                            "${{{}}} is not set (neither by @SET nor in the environment)", name);
        }
        pos = end + 1;
    }
    out.append(value.substr(pos));
    return out;
}

Status load_path(const std::string& path, LoadState& state, std::string_view from_file,
                 int from_line) {
    if (state.depth >= kMaxIncludeDepth) {
        return error_at(from_file, from_line,
                        "includes nested deeper than {} levels (does a file include itself?)",
                        kMaxIncludeDepth);
    }
    std::ifstream in(path);
    if (!in) {
        std::string why = std::strerror(errno);
        if (from_file.empty()) return make_error("cannot read config file {}: {}", path, why);
        return error_at(from_file, from_line, "cannot read included file {}: {}", path, why);
    }
    std::ostringstream text;
    text << in.rdbuf();
    ++state.depth;
    Status st = is_yaml_name(path) ? load_yaml(text.str(), path, state)
                                   : load_classic(text.str(), path, state);
    --state.depth;
    return st;
}

// Includes are relative to the including file; patterns (*.conf) include every match.
Status load_include(std::string_view pattern, LoadState& state, std::string_view file, int line) {
    std::string path(pattern);
    if (!path.starts_with('/')) path = directory_of(file) + path;
    if (path.find_first_of("*?[") == std::string::npos) return load_path(path, state, file, line);
    glob_t matches{};
    int rc = ::glob(path.c_str(), 0, nullptr, &matches);
    std::vector<std::string> paths(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    ::globfree(&matches);
    if (rc != 0 && rc != GLOB_NOMATCH) return error_at(file, line, "cannot list {}", path);
    for (const std::string& p : paths) {
        if (Status st = load_path(p, state, file, line); !st) return st;
    }
    return {};
}

}  // namespace detail

Result<Options> load_file(const std::string& path, const Context& context) {
    detail::LoadState state;
    state.context = &context;
    if (Status st = detail::load_path(path, state, {}, 0); !st) return st.error();
    return detail::interpret(state);
}

Result<Options> parse_classic(std::string_view text, const std::string& file_name,
                              const Context& context) {
    detail::LoadState state;
    state.context = &context;
    if (Status st = detail::load_classic(text, file_name, state); !st) return st.error();
    return detail::interpret(state);
}

Result<Options> parse_yaml(std::string_view text, const std::string& file_name,
                           const Context& context) {
    detail::LoadState state;
    state.context = &context;
    if (Status st = detail::load_yaml(text, file_name, state); !st) return st.error();
    return detail::interpret(state);
}

Context default_context(std::vector<std::string> known_traces,
                        std::vector<const OptionDef*> options) {
    Context context;
    context.known_traces = std::move(known_traces);
    context.options = std::move(options);
    context.getenv = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
    return context;
}

}  // namespace probelog::config
