// Fluent Bit configuration files (config/config.hpp): the first input byte
// picks classic ([INPUT] ... @SET, @INCLUDE) or YAML; the rest is the file.
// The options are a few stand-ins (a value, a list, an on/off flag): the real
// tables live with the traces, which need libbpf, and the keys' values are
// checked by the option tables' own tests. Includes resolve against a
// directory that does not exist, so a run reads no file of the machine's
// (absolute @INCLUDE paths aside, which read what they name).
#include <map>
#include <string>

#include "config/config.hpp"
#include "fuzz_input.hpp"

namespace {

using namespace probelog;

Status set_comm(std::string_view value, Options& o) {
    if (value.empty()) return Error{"empty"};
    o.comm = value;
    return {};
}
Status add_trace(std::string_view value, Options& o) {
    o.traces.emplace_back(value);
    return {};
}
Status set_verbose(std::string_view value, Options& o) {
    o.verbose = value == "true";
    return {};
}

const OptionDef kOptions[] = {
    {.flag = "--comm", .value = "NAME", .help = "comm", .apply = &set_comm},
    {.flag = "--exec-args",
     .value = "N",
     .help = "list",
     .apply = &add_trace,
     .list = true,
     .commas = true},
    {.flag = "--verbose", .help = "flag", .apply = &set_verbose},
};

config::Context make_context() {
    config::Context c;
    c.known_traces = {"exec", "vfs", "tcp"};
    for (const OptionDef& option : kOptions)
        c.options.push_back(&option);
    c.getenv = [](const std::string& name) -> std::optional<std::string> {
        static const std::map<std::string, std::string> env = {{"HOME", "/root"},
                                                               {"LOOP", "${LOOP}"}};
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const config::Context context = make_context();
    if (size == 0) return 0;
    std::string_view text = fuzz::text(data + 1, size - 1);
    auto options = (data[0] & 1) != 0
                       ? config::parse_yaml(text, "/nonexistent-probelog-fuzz/f.yaml", context)
                       : config::parse_classic(text, "/nonexistent-probelog-fuzz/f.conf", context);
    if (!options.ok()) {
        // config.hpp's promise: every error is one line.
        fuzz::check(options.error().message.find('\n') == std::string::npos,
                    "a config error of more than one line", options.error().message);
    }
    return 0;
}
