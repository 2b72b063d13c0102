#pragma once
// What both file formats are read into before their meaning is checked: a
// list of sections ([SERVICE], [INPUT], [OUTPUT]) of key/value properties,
// each remembering the file and line it came from.

#include <fmt/format.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/parse.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

namespace probelog::config::detail {

struct Property {
    std::string key;  // as written
    std::string value;
    std::string file;
    int line = 0;
};

struct Section {
    std::string kind;  // "service", "input" or "output"
    std::string file;
    int line = 0;
    std::vector<Property> properties;
};

// What a load accumulates: sections, @SET / env: variables, include depth.
struct LoadState {
    const Context* context = nullptr;
    std::vector<Section> sections;
    std::map<std::string, std::string> variables;
    int depth = 0;
    int files = 0;  // config files read so far, includes too
};

// At most this much of a message's detail: an error quotes the text it
// stumbled on, and a 10 MB line must not come back whole.
constexpr size_t kMaxErrorDetail = 1000;

// `detail` cut to its first and last kMaxErrorDetail / 2 characters (the
// start of what was quoted, and the end of the message, with its hint),
// saying how much was left out between them.
std::string clip_detail(std::string detail);

template <typename... Args>
Error error_at(std::string_view file, int line, fmt::format_string<Args...> format,
               Args&&... args) {
    return Error{fmt::format("{}:{}: {}", file, line,
                             clip_detail(fmt::format(format, std::forward<Args>(args)...))),
                 ErrorKind::Usage};
}

std::string_view trim(std::string_view s);

// Replaces ${NAME} with a variable or environment value.
Result<std::string> expand(std::string_view value, const LoadState& state, std::string_view file,
                           int line);

// Reads and appends the sections of another file (an include): YAML or classic by name.
Status load_path(const std::string& path, LoadState& state, std::string_view from_file,
                 int from_line);
// An @INCLUDE / includes: entry: relative to `file`'s directory, patterns allowed.
Status load_include(std::string_view pattern, LoadState& state, std::string_view file, int line);
Status load_classic(std::string_view text, const std::string& file, LoadState& state);
Status load_yaml(std::string_view text, const std::string& file, LoadState& state);

// Checks every section and key and builds the Options.
Result<Options> interpret(const LoadState& state);

}  // namespace probelog::config::detail
