#include "config/config.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "config/sections.hpp"

namespace probelog::config {
namespace detail {
namespace {

constexpr int kMaxIncludeDepth = 8;
// A Fluent Bit configuration is kilobytes: these bound what a mistaken path
// (a device, /dev/zero, a FIFO, a log file) or an include pattern can make
// probelog read.
constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr int kMaxConfigFiles = 64;

bool is_yaml_name(std::string_view path) {
    std::string name = lower(path);
    return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::string directory_of(std::string_view file) {
    size_t slash = file.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(file.substr(0, slash + 1));
}

}  // namespace

std::string clip_detail(std::string detail) {
    if (detail.size() <= kMaxErrorDetail) return detail;
    // Cut at UTF-8 sequence starts, not inside a character.
    auto is_continuation = [&](size_t i) {
        return i < detail.size() && (static_cast<unsigned char>(detail[i]) & 0xc0) == 0x80;
    };
    size_t head = kMaxErrorDetail / 2;
    while (head > 0 && is_continuation(head))
        --head;
    size_t tail = detail.size() - kMaxErrorDetail / 2;
    while (is_continuation(tail))
        ++tail;
    return fmt::format("{}... ({} characters left out) ...{}", detail.substr(0, head), tail - head,
                       detail.substr(tail));
}

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
    if (++state.files > kMaxConfigFiles) {
        return error_at(from_file, from_line,
                        "more than {} config files included (is an @INCLUDE pattern too wide?)",
                        kMaxConfigFiles);
    }
    auto text = read_config_file(path);
    if (!text) {
        const std::string& why = text.error().message;
        if (from_file.empty()) {
            return make_error(ErrorKind::Usage, "cannot read config file {}: {}", path, why);
        }
        return error_at(from_file, from_line, "cannot read included file {}: {}", path, why);
    }
    ++state.depth;
    Status st =
        is_yaml_name(path) ? load_yaml(*text, path, state) : load_classic(*text, path, state);
    --state.depth;
    return st;
}

// Includes are relative to the including file; patterns (*.conf) include every match.
Status load_include(std::string_view pattern, LoadState& state, std::string_view file, int line) {
    std::string path(pattern);
    if (!path.starts_with('/')) path = directory_of(file) + path;
    size_t last_slash = path.rfind('/');
    size_t wildcard = path.find_first_of("*?[");
    if (wildcard == std::string::npos) return load_path(path, state, file, line);
    if (last_slash != std::string::npos && wildcard < last_slash) {
        // A pattern over directories (/*/*/*) would walk /proc and /sys.
        return error_at(file, line,
                        "@INCLUDE {}: wildcards go in the file name only, as in conf.d/*.conf",
                        pattern);
    }
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

namespace {

// Errors are one line (config.hpp), but a message may quote what a file
// says, and a YAML file can say anything: a double-quoted "a\nb" is a
// newline, and yaml-cpp's own messages quote the raw character (an unknown
// escape "\<newline>"). Control characters are shown as \xNN.
Error one_line(Error error) {
    std::string& m = error.message;
    for (size_t i = 0; i < m.size(); ++i) {
        auto c = static_cast<unsigned char>(m[i]);
        if (c >= 0x20 && c != 0x7f) continue;
        m.replace(i, 1, fmt::format("\\x{:02x}", c));
        i += 3;
    }
    return error;
}

Result<Options> finish(const Status& loaded, const detail::LoadState& state) {
    if (!loaded) return one_line(loaded.error());
    auto options = detail::interpret(state);
    if (!options) return one_line(options.error());
    return options;
}

}  // namespace

Result<Options> load_file(const std::string& path, const Context& context) {
    detail::LoadState state;
    state.context = &context;
    return finish(detail::load_path(path, state, {}, 0), state);
}

Result<Options> parse_classic(std::string_view text, const std::string& file_name,
                              const Context& context) {
    detail::LoadState state;
    state.context = &context;
    return finish(detail::load_classic(text, file_name, state), state);
}

Result<Options> parse_yaml(std::string_view text, const std::string& file_name,
                           const Context& context) {
    detail::LoadState state;
    state.context = &context;
    return finish(detail::load_yaml(text, file_name, state), state);
}

Result<std::string> read_config_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return make_error("{}", std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return make_error("it is a directory (name a file in it)");
    if (!S_ISREG(st.st_mode)) {
        return make_error("it is not a regular file (a device, FIFO or socket): name a file");
    }
    if (static_cast<uint64_t>(st.st_size) > detail::kMaxConfigBytes) {
        return make_error("it is {} bytes; a config file is at most 1 MiB", st.st_size);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("{}", std::strerror(errno));
    std::string text(detail::kMaxConfigBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > detail::kMaxConfigBytes)
        return make_error("it grew past 1 MiB while being read");
    return text;
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
