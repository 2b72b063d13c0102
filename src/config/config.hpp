#pragma once
// Fluent Bit configuration files for the ebpf input, classic ([INPUT] ...) or
// YAML (pipeline: inputs: ...), turned into probelog Options. Pure: files and
// environment variables only, no BPF, so it is unit-tested as is.
//
// Every error is one line naming the file and line: "probelog.conf:4: unknown
// trace 'foo' (known: exec, vfs)". docs/CONFIG.md describes every key.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/options.hpp"
#include "common/option_def.hpp"
#include "common/result.hpp"

namespace probelog::config {

struct Context {
    // The traces a Trace key may name (without the "trace_" prefix).
    std::vector<std::string> known_traces;
    // The options an [INPUT] ebpf section takes, by their config_key() (the
    // same tables, and checks, as the command line's).
    std::vector<const OptionDef*> options;
    // ${NAME} in values: @SET / env: variables first, then this (getenv by default).
    std::function<std::optional<std::string>(const std::string&)> getenv;
};

// Reads `path`: YAML if it ends in .yaml or .yml, classic otherwise.
Result<Options> load_file(const std::string& path, const Context& context);

// The same from text; `file_name` is used in error messages and to resolve
// @INCLUDE / includes: relative to its directory.
Result<Options> parse_classic(std::string_view text, const std::string& file_name,
                              const Context& context);
Result<Options> parse_yaml(std::string_view text, const std::string& file_name,
                           const Context& context);

// The text of the file at `path` (symlinks followed), if it is a regular file
// of at most 1 MiB: what a config path, an include or a policy file may make
// probelog read. The error is the reason only ("it is a directory (name a file
// in it)"); the caller names the file.
Result<std::string> read_config_file(const std::string& path);

// A Context with these traces and options whose ${NAME} comes from the environment.
Context default_context(std::vector<std::string> known_traces,
                        std::vector<const OptionDef*> options);

}  // namespace probelog::config
